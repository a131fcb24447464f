// One local stack and one bundled worker (dist/worker.js under wrangler's dev server) for every browser
// test file; each file launches its own Chromium. Endpoints reach the files through provide().
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { freePort } from "../../localstack/redis-engine.ts";
import { startStack } from "../../localstack/stack.ts";
import { startBundledWorker } from "../../localstack/worker.ts";
import { buildWorker } from "../../scripts/build.ts";

export interface BrowserEnv {
  origin: string;
  oidcIssuer: string;
  /** The migrated database the worker uses: tests read stored state from it. */
  databaseUrl: string;
  bundleBytes: number;
  bundleGzipBytes: number;
  /** The entry module with the chunks it imports (what a cold start evaluates), gzip bytes. */
  entryGzipBytes: number;
  /** Per lazy module: what its first use adds, gzip bytes. */
  lazy: Array<{ role: string; gzipBytes: number }>;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  // Test mode: throwaway databases from the migrated template, never the dev database. The worker's
  // port is chosen first so the local OpenID Provider registers its callback URL.
  const port = await freePort();
  const stack = await startStack({
    mode: "test",
    rootDir: root,
    workerOrigin: `http://127.0.0.1:${port}`,
    redisUrl: process.env.REDIS_URL || undefined,
    databaseUrl: process.env.DATABASE_URL || undefined,
    log: () => undefined,
  });
  // The deployable artifact itself (npm run build), not a dev rebuild of src/.
  const bundle = await buildWorker();
  const worker = await startBundledWorker(
    stack,
    { APP_SCHEME: "authapp", APP_STORE_URL: "https://apps.example/app", MFA_ISSUER: "Browser Tests" },
    port,
  );
  const env: BrowserEnv = {
    origin: worker.origin,
    oidcIssuer: stack.oidcIssuer,
    databaseUrl: stack.workerDatabaseUrl ?? stack.databaseUrl,
    bundleBytes: bundle.bytes,
    bundleGzipBytes: bundle.gzipBytes,
    entryGzipBytes: bundle.entry.gzipBytes,
    lazy: bundle.lazy.map((m) => ({ role: m.role, gzipBytes: m.gzipBytes })),
  };
  project.provide("browserEnv", env);
  return async () => {
    await worker.stop();
    await stack.close();
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    browserEnv: BrowserEnv;
  }
}
