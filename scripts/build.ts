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

export async function buildWorker(): Promise<{ bytes: number; gzipBytes: number }> {
  mkdirSync(`${root}dist`, { recursive: true });
  await esbuild.build({
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
  return { bytes: js.length, gzipBytes: gzipSync(js).length };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { bytes, gzipBytes } = await buildWorker();
  console.log(`dist/worker.js: ${(bytes / 1024).toFixed(1)} KiB, ${(gzipBytes / 1024).toFixed(1)} KiB gzip`);
}
