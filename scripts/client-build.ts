// `npm run client:build`: client/dist/index.js (ESM, openapi-fetch left as an import) and the size a
// browser app pays for the client, openapi-fetch included (minified + gzip).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type * as Esbuild from "esbuild";

const require = createRequire(import.meta.url);
const esbuild = require("esbuild") as typeof Esbuild;
const root = fileURLToPath(new URL("..", import.meta.url));
const common: Esbuild.BuildOptions = {
  entryPoints: [`${root}client/src/index.ts`],
  bundle: true,
  format: "esm",
  target: "es2022",
};

await esbuild.build({
  ...common,
  outfile: `${root}client/dist/index.js`,
  external: ["openapi-fetch"],
  logLevel: "error",
});
const whole = await esbuild.build({ ...common, minify: true, write: false, logLevel: "error" });
const bytes = whole.outputFiles?.[0]?.contents ?? new Uint8Array();
const own = readFileSync(`${root}client/dist/index.js`);
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`client/dist/index.js: ${kib(own.length)} (openapi-fetch external)`);
console.log(`in an app, with openapi-fetch: ${kib(bytes.length)} min, ${kib(gzipSync(bytes).length)} min+gzip`);
