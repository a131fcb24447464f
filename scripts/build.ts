// `npm run build`: the deployable worker, dist/worker/, built with esbuild (offline) and deployed
// as-is by `npm run deploy` (wrangler deploy --no-bundle, every module of the directory uploaded).
// Several ES modules: index.js, the entry, holds the hot paths; each `import()` of src/ (the lazy
// route groups, the profiles, the OpenAPI document, WebAuthn) becomes a module of its own that
// workerd loads on first use, and code they share lands in shared chunks. It differs from wrangler's
// own bundling in one more way: zod's locale tables, which @hono/zod-openapi drags in through the `z`
// namespace, are cut down to English (about 38 KiB gzip). `npm run test:e2e`, `npm run bench` and
// the deploy dry-run all use this exact output.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type * as Esbuild from "esbuild";

const require = createRequire(import.meta.url);
const esbuild = require("esbuild") as typeof Esbuild;
const root = fileURLToPath(new URL("..", import.meta.url));

export const WORKER_DIR = `${root}dist/worker`;
/** The entry module; its chunks sit beside it in WORKER_DIR. */
export const BUNDLE_PATH = `${WORKER_DIR}/index.js`;

const englishOnly: Esbuild.Plugin = {
  name: "zod-english-locale",
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${"/"}zod${"/"}`) ? { path: "zod-locales", namespace: "zod-locales" } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "zod-locales" }, () => ({
      contents: `export { default as en } from "zod/v4/locales/en.js";`,
      resolveDir: root,
      loader: "js",
    }));
  },
};

const OPTIONS: Esbuild.BuildOptions = {
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  platform: "neutral",
  conditions: ["workerd", "worker", "browser"],
  mainFields: ["browser", "module", "main"],
  external: ["node:*", "cloudflare:*"],
  plugins: [englishOnly],
  logLevel: "error",
  // License texts stay in node_modules and the lock file; the deployed bundle does not need them.
  legalComments: "none",
};

export interface BuiltModule {
  /** The module's name in the upload (its path under dist/worker/). */
  name: string;
  bytes: number;
  gzipBytes: number;
  /** What it holds, for the reader: "entry", or the src/ files that import()ed it first. */
  role: string;
}

export interface BuiltWorker {
  /** All modules together. */
  bytes: number;
  gzipBytes: number;
  modules: BuiltModule[];
  /** The entry module with every chunk it imports statically: what each cold start evaluates. */
  entry: { bytes: number; gzipBytes: number; modules: number };
  /** Per lazy module (each import()): what its first use loads beyond the entry. */
  lazy: Array<{ name: string; role: string; bytes: number; gzipBytes: number }>;
  /** Minified bytes per package (`src` for our own code), from esbuild's metafile, largest first. */
  shares: Array<{ name: string; bytes: number }>;
}

export const LIBRARIES_PATH = `${root}dist/libraries/index.js`;

/**
 * The fixed stack alone: the same build of only the libraries the worker imports, with no code of
 * ours, so BENCHMARKS.md can show what no change to src/ can go below.
 */
const LIBRARIES_ONLY = `
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { neon } from "@neondatabase/serverless";
import { Redis } from "@upstash/redis/cloudflare";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/neon-http";
import { boolean, check, index, jsonb, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { bodyLimit } from "hono/body-limit";
import { getCookie, setCookie } from "hono/cookie";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { jwtVerify, SignJWT } from "jose";
import { authorizationCodeGrantRequest, discoveryRequest } from "oauth4webapi";
import { generateAuthenticationOptions, generateRegistrationOptions, verifyAuthenticationResponse,
  verifyRegistrationResponse } from "@simplewebauthn/server";
import { createTOTPKeyURI, generateHOTP } from "@oslojs/otp";
export const used = [OpenAPIHono, z, neon, Redis, sql, drizzle, boolean, check, index, jsonb, pgTable, text, timestamp,
  uniqueIndex, bodyLimit, getCookie, setCookie, cors, HTTPException, jwtVerify, SignJWT, authorizationCodeGrantRequest,
  discoveryRequest, generateAuthenticationOptions, generateRegistrationOptions, verifyAuthenticationResponse,
  verifyRegistrationResponse, createTOTPKeyURI, generateHOTP];
export default { fetch: () => new Response(String(used.length)) };
`;

export async function buildLibraries(): Promise<{ bytes: number; gzipBytes: number }> {
  mkdirSync(`${root}dist/libraries`, { recursive: true });
  await esbuild.build({
    ...OPTIONS,
    stdin: { contents: LIBRARIES_ONLY, resolveDir: root, loader: "ts" },
    outfile: LIBRARIES_PATH,
  });
  const js = readFileSync(LIBRARIES_PATH);
  return { bytes: js.length, gzipBytes: gzipSync(js).length };
}

export async function buildWorker(): Promise<BuiltWorker> {
  // Stale chunks from an earlier build must not be uploaded beside this one.
  rmSync(WORKER_DIR, { recursive: true, force: true });
  mkdirSync(WORKER_DIR, { recursive: true });
  const result = await esbuild.build({
    ...OPTIONS,
    metafile: true,
    splitting: true,
    entryPoints: { index: `${root}src/index.ts` },
    outdir: WORKER_DIR,
    chunkNames: "[name]-[hash]",
  });
  const byPackage = new Map<string, number>();
  const modules: BuiltModule[] = [];
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    if (!file.endsWith(".js")) continue;
    for (const [input, part] of Object.entries(output.inputs)) {
      const parts = input.includes("node_modules/") ? (input.split("node_modules/").pop() ?? "").split("/") : ["src"];
      const name = parts[0]?.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] ?? "?");
      byPackage.set(name, (byPackage.get(name) ?? 0) + part.bytesInOutput);
    }
    const js = readFileSync(`${root}${file}`);
    const name = file.slice(file.indexOf("dist/worker/") + "dist/worker/".length);
    const role = output.entryPoint
      ? output.entryPoint.startsWith("src/index")
        ? "entry"
        : `import() of ${output.entryPoint.replace(/^src\//, "")}`
      : "shared chunk";
    modules.push({ name, bytes: js.length, gzipBytes: gzipSync(js).length, role });
  }
  modules.sort((a, b) => (a.role === "entry" ? -1 : b.role === "entry" ? 1 : b.bytes - a.bytes));
  // What a cold start evaluates: the entry and every chunk it imports statically, transitively.
  const closure = (start: string, seen = new Set<string>()): Set<string> => {
    if (seen.has(start)) return seen;
    seen.add(start);
    for (const i of result.metafile.outputs[start]?.imports ?? [])
      if (i.kind === "import-statement") closure(i.path, seen);
    return seen;
  };
  const moduleName = (file: string) => file.slice(file.indexOf("dist/worker/") + "dist/worker/".length);
  const entryFile = Object.keys(result.metafile.outputs).find((f) => f.endsWith("dist/worker/index.js")) ?? "";
  const entryClosure = closure(entryFile);
  const sizeOf = (files: Iterable<string>) => {
    const names = new Set([...files].map(moduleName));
    const chosen = modules.filter((m) => names.has(m.name));
    return { bytes: chosen.reduce((t, m) => t + m.bytes, 0), gzipBytes: chosen.reduce((t, m) => t + m.gzipBytes, 0) };
  };
  const entry = { ...sizeOf(entryClosure), modules: entryClosure.size };
  // Each lazy module: what its first use adds to what the entry already loaded.
  const lazy = Object.entries(result.metafile.outputs)
    .filter(([file, o]) => file.endsWith(".js") && o.entryPoint && !file.endsWith("dist/worker/index.js"))
    .map(([file, o]) => {
      const extra = [...closure(file)].filter((f) => !entryClosure.has(f));
      return { name: moduleName(file), role: `import() of ${o.entryPoint?.replace(/^src\//, "")}`, ...sizeOf(extra) };
    })
    .sort((a, b) => b.gzipBytes - a.gzipBytes);
  const shares = [...byPackage].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
  const sum = (key: "bytes" | "gzipBytes") => modules.reduce((total, m) => total + m[key], 0);
  writeDeployConfig();
  return { bytes: sum("bytes"), gzipBytes: sum("gzipBytes"), modules, shares, entry, lazy };
}

export const DEPLOY_CONFIG = `${root}dist/wrangler.toml`;

/**
 * dist/wrangler.toml: the repository's wrangler.toml (vars, environments, observability) pointed at
 * the built modules, so `wrangler deploy` and `wrangler dev` upload every module of dist/worker/ as
 * it is: no bundling (no_bundle), every .js file an ES module found in base_dir.
 */
function writeDeployConfig(): void {
  const source = readFileSync(`${root}wrangler.toml`, "utf8");
  const main = /^main = .*$/m;
  if (!main.test(source)) throw new Error("wrangler.toml has no top-level main = line");
  const settings = [
    "# Generated by scripts/build.ts from ../wrangler.toml: the built modules, uploaded as they are.",
    'main = "worker/index.js"',
    "no_bundle = true",
    "find_additional_modules = true",
    'base_dir = "worker"',
    'rules = [{ type = "ESModule", globs = ["**/*.js"], fallthrough = false }]',
  ].join("\n");
  writeFileSync(DEPLOY_CONFIG, source.replace(main, settings));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { bytes, gzipBytes, modules, entry, lazy } = await buildWorker();
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(
    `entry (index.js + ${entry.modules - 1} chunks it imports): ${kib(entry.bytes)}, ${kib(entry.gzipBytes)} gzip`,
  );
  for (const m of lazy) console.log(`  first use of ${m.role}: + ${kib(m.bytes)}, + ${kib(m.gzipBytes)} gzip`);
  console.log(`dist/worker/: ${modules.length} modules, ${kib(bytes)}, ${kib(gzipBytes)} gzip`);
}
