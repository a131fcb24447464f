// The typed client as an npm consumer gets it: `npm pack` in client/ (its prepack builds dist/), the
// tarball installed with npm into fresh apps outside the repository, type-checked there without
// skipLibCheck under NodeNext (ESM), Bundler (bundled by esbuild) and CommonJS (require), and each app
// run against the bundled worker: it signs in and reads /v1/auth/me.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { env, root, verifiedAccount } from "./support/browser.ts";

const require = createRequire(import.meta.url);
const PASSWORD = "correct horse battery staple";
// The versions the repository itself uses, so npm's cache serves them.
const version = (name: string) => (require(`${name}/package.json`) as { version: string }).version;
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

let work: string;
let tarball: string;

function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(" ")} failed in ${cwd}:\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
  }
}

/** A fresh app: its own package.json and tsconfig, the tarball and TypeScript installed by npm. */
function app(name: string, files: Record<string, string>, devDependencies: string[]): string {
  const dir = join(work, name);
  execFileSync("mkdir", ["-p", dir]);
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  run(
    npm,
    ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", tarball, ...devDependencies],
    dir,
  );
  return dir;
}

/** A strict tsconfig for app.ts: no skipLibCheck, so the package's declarations are checked too. */
const tsconfig = (options: Record<string, unknown>) =>
  JSON.stringify({
    compilerOptions: { target: "ES2022", strict: true, skipLibCheck: false, types: ["node"], ...options },
    files: ["app.ts"],
  });

/** Type-checks the app with its own TypeScript (and emits, where its tsconfig says so). */
const typecheck = (dir: string) =>
  run(process.execPath, [join(dir, "node_modules/typescript/bin/tsc"), "-p", dir], dir);

/** What each app does: sign in with a password (token client), then read /me. */
const program = (importLine: string) => `${importLine}

const [baseUrl, email, password] = process.argv.slice(2) as [string, string, string];
const client = createTokenClient({ baseUrl, storage: memoryStorage() });
const first = await client.signIn({ email, password });
if ("mfa_required" in first) throw new Error("unexpected second step");
const me = await client.api.GET("/v1/auth/me");
const user: string | undefined = me.data?.data.user?.email;
console.log(JSON.stringify({ signedIn: first.user.email, me: user, status: me.response.status }));
`;

beforeAll(() => {
  // Outside the repository: nothing can resolve from its node_modules by accident.
  work = mkdtempSync(join(tmpdir(), "edge-auth-client-"));
  run(npm, ["pack", "--pack-destination", work, "--loglevel=error"], join(root, "client"));
  const packed = readdirSync(work).find((f) => f.endsWith(".tgz"));
  if (!packed) throw new Error("npm pack wrote no tarball");
  tarball = join(work, packed);
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the packed client in fresh apps", () => {
  it("ships dist/ (ESM, CJS, declarations), openapi.json and the README, and no sources", () => {
    const listing = run("tar", ["-tzf", tarball], work).split("\n").filter(Boolean).sort();
    expect(listing).toEqual(
      expect.arrayContaining([
        "package/package.json",
        "package/README.md",
        "package/openapi.json",
        "package/dist/index.js",
        "package/dist/index.d.ts",
        "package/dist/cjs/index.js",
        "package/dist/cjs/index.d.ts",
        "package/dist/cjs/package.json",
      ]),
    );
    expect(listing.filter((f) => f.startsWith("package/src/"))).toEqual([]);
  });

  const nodeTypes = `@types/node@${version("@types/node")}`;
  const typescript = `typescript@${version("typescript")}`;

  it("NodeNext (an ESM server): type-checks strictly and signs in", async () => {
    const email = await verifiedAccount("nodenext", PASSWORD);
    const dir = app(
      "nodenext",
      {
        "package.json": JSON.stringify({ name: "nodenext-app", private: true, type: "module" }),
        "tsconfig.json": tsconfig({ module: "NodeNext", moduleResolution: "NodeNext", outDir: "out" }),
        "app.ts": program(`import { createTokenClient, memoryStorage } from "@edge-auth/client";`),
      },
      [typescript, nodeTypes],
    );
    typecheck(dir);
    const out = JSON.parse(run(process.execPath, [join(dir, "out/app.js"), env().origin, email, PASSWORD], dir));
    expect(out).toEqual({ signedIn: email, me: email, status: 200 });
  });

  it("Bundler (a browser app bundled by esbuild): type-checks with the DOM lib and runs", async () => {
    const email = await verifiedAccount("bundler", PASSWORD);
    const dir = app(
      "bundler",
      {
        "package.json": JSON.stringify({ name: "bundler-app", private: true, type: "module" }),
        "tsconfig.json": tsconfig({
          module: "ESNext",
          moduleResolution: "Bundler",
          lib: ["ES2022", "DOM", "DOM.Iterable"],
          noEmit: true,
        }),
        // The browser helpers must type-check in a browser app too (not called: no cookie jar here).
        "app.ts": `${program(`import { createBrowserClient, createTokenClient, memoryStorage } from "@edge-auth/client";`)}
export const browser = createBrowserClient({ baseUrl });
`,
      },
      [typescript, nodeTypes, `esbuild@${version("esbuild")}`],
    );
    typecheck(dir);
    run(
      join(dir, "node_modules/.bin/esbuild"),
      ["app.ts", "--bundle", "--format=esm", "--platform=neutral", "--outfile=out.mjs"],
      dir,
    );
    // Bundled: openapi-fetch went into the file, nothing is resolved at run time.
    rmSync(join(dir, "node_modules"), { recursive: true, force: true });
    const out = JSON.parse(run(process.execPath, [join(dir, "out.mjs"), env().origin, email, PASSWORD], dir));
    expect(out).toEqual({ signedIn: email, me: email, status: 200 });
  });

  it("CommonJS (require): type-checks under node16 as CJS and runs", async () => {
    const email = await verifiedAccount("commonjs", PASSWORD);
    const dir = app(
      "commonjs",
      {
        "package.json": JSON.stringify({ name: "cjs-app", private: true, type: "commonjs" }),
        "tsconfig.json": tsconfig({ module: "Node16", moduleResolution: "Node16", outDir: "out" }),
        // CommonJS has no top-level await: the same program inside an async function.
        "app.ts": `import { createTokenClient, memoryStorage } from "@edge-auth/client";
async function main(): Promise<void> {
${program("")
  .split("\n")
  .map((line) => `  ${line}`)
  .join("\n")}
}
void main();
`,
      },
      [typescript, nodeTypes],
    );
    typecheck(dir);
    const emitted = run("cat", [join(dir, "out/app.js")], dir);
    expect(emitted).toContain('require("@edge-auth/client")');
    const out = JSON.parse(run(process.execPath, [join(dir, "out/app.js"), env().origin, email, PASSWORD], dir));
    expect(out).toEqual({ signedIn: email, me: email, status: 200 });
  });

  it("passes arethetypeswrong and publint (types resolve the same way Node does, in every mode)", () => {
    const attw = run(process.execPath, [join(root, "node_modules/@arethetypeswrong/cli/dist/index.js"), tarball], root);
    expect(attw).not.toMatch(/❌|🚫|⚠️/);
    const lint = run(process.execPath, [join(root, "node_modules/publint/src/cli.js"), join(root, "client")], root);
    expect(lint).toContain("All good");
  });
});
