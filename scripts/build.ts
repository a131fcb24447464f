// `npm run build`: the deployable bundle, dist/worker.js, built with esbuild (offline) and deployed
// as-is by `npm run deploy` (wrangler deploy --no-bundle). It differs from wrangler's own bundling in
// one way: zod's locale tables, which @hono/zod-openapi drags in through the `z` namespace, are cut
// down to English (about 38 KiB gzip). `npm run test:e2e` runs this exact file in workerd.
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

export interface BuiltWorker {
  bytes: number;
  gzipBytes: number;
  /** Minified bytes per package (`src` for our own code), from esbuild's metafile, largest first. */
  shares: Array<{ name: string; bytes: number }>;
}

export const LIBRARIES_PATH = `${root}dist/libraries.js`;

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
  mkdirSync(`${root}dist`, { recursive: true });
  await esbuild.build({
    ...OPTIONS,
    stdin: { contents: LIBRARIES_ONLY, resolveDir: root, loader: "ts" },
    outfile: LIBRARIES_PATH,
  });
  const js = readFileSync(LIBRARIES_PATH);
  return { bytes: js.length, gzipBytes: gzipSync(js).length };
}

export async function buildWorker(): Promise<BuiltWorker> {
  mkdirSync(`${root}dist`, { recursive: true });
  const result = await esbuild.build({
    ...OPTIONS,
    metafile: true,
    entryPoints: [`${root}src/index.ts`],
    outfile: BUNDLE_PATH,
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
