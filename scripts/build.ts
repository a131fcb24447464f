// `npm run build`: the deployable bundle, dist/worker.js, built with esbuild (offline) and deployed
// as-is by `npm run deploy` (wrangler deploy --no-bundle). It differs from wrangler's own bundling in
// one way: zod's locale tables, which @hono/zod-openapi drags in through the `z` namespace, are cut
// down to English (about 38 KiB gzip). `npm run test:browser` runs this exact file in workerd.
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type * as Esbuild from "esbuild";

const require = createRequire(import.meta.url);
const esbuild = require("esbuild") as typeof Esbuild;
const root = fileURLToPath(new URL("..", import.meta.url));

export const BUNDLE_PATH = `${root}dist/worker.js`;

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

export interface BuiltWorker {
  bytes: number;
  gzipBytes: number;
  /** Minified bytes per package (`src` for our own code), from esbuild's metafile, largest first. */
  shares: Array<{ name: string; bytes: number }>;
}

export async function buildWorker(): Promise<BuiltWorker> {
  mkdirSync(`${root}dist`, { recursive: true });
  const result = await esbuild.build({
    metafile: true,
    entryPoints: [`${root}src/index.ts`],
    outfile: BUNDLE_PATH,
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
  });
  const js = readFileSync(BUNDLE_PATH);
  const byPackage = new Map<string, number>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [file, input] of Object.entries(output.inputs)) {
      const parts = file.includes("node_modules/") ? (file.split("node_modules/").pop() ?? "").split("/") : ["src"];
      const name = parts[0]?.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] ?? "?");
      byPackage.set(name, (byPackage.get(name) ?? 0) + input.bytesInOutput);
    }
  }
  const shares = [...byPackage].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
  return { bytes: js.length, gzipBytes: gzipSync(js).length, shares };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { bytes, gzipBytes } = await buildWorker();
  console.log(`dist/worker.js: ${(bytes / 1024).toFixed(1)} KiB, ${(gzipBytes / 1024).toFixed(1)} KiB gzip`);
}
