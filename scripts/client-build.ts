// `npm run client:build` (and `npm pack` in client/, through its prepack): the publishable package.
//   dist/index.js + dist/*.d.ts          ESM, for `import` (NodeNext, Bundler, browsers)
//   dist/cjs/index.js + dist/cjs/*.d.ts  CommonJS, for `require` (its own package.json says so, and its
//                                        declarations sit beside it so TypeScript reads them as CJS)
// openapi-fetch stays a dependency (imported by the ESM build; bundled into the CJS one, see below).
// Prints the size a browser app pays.
import { execFileSync } from "node:child_process";
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type * as Esbuild from "esbuild";

const require = createRequire(import.meta.url);
const esbuild = require("esbuild") as typeof Esbuild;
const root = fileURLToPath(new URL("..", import.meta.url));
const dist = `${root}client/dist`;
const common: Esbuild.BuildOptions = {
  entryPoints: [`${root}client/src/index.ts`],
  bundle: true,
  target: "es2022",
  logLevel: "error",
};

rmSync(dist, { recursive: true, force: true });
await esbuild.build({ ...common, format: "esm", outfile: `${dist}/index.js`, external: ["openapi-fetch"] });
// openapi-fetch is bundled into the CommonJS build: required through Node's ESM-CJS interop, its
// default export would arrive as the module object (`(0, x.default) is not a function`).
await esbuild.build({ ...common, format: "cjs", platform: "node", outfile: `${dist}/cjs/index.js` });
writeFileSync(`${dist}/cjs/package.json`, `${JSON.stringify({ type: "commonjs" }, null, 2)}\n`);

// Declarations from the sources (imports carry .js, so they hold under NodeNext and Bundler alike).
execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", `${root}client/tsconfig.build.json`], {
  stdio: "inherit",
});
for (const file of readdirSync(dist).filter((f) => f.endsWith(".d.ts")))
  cpSync(`${dist}/${file}`, `${dist}/cjs/${file}`);

const whole = await esbuild.build({ ...common, format: "esm", minify: true, write: false });
const bytes = whole.outputFiles?.[0]?.contents ?? new Uint8Array();
const own = readFileSync(`${dist}/index.js`);
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`client/dist/index.js: ${kib(own.length)} (openapi-fetch external); ESM, CJS and .d.ts written`);
console.log(`in an app, with openapi-fetch: ${kib(bytes.length)} min, ${kib(gzipSync(bytes).length)} min+gzip`);
