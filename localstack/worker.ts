// Runs the deployable bundle (dist/worker.js) in workerd under wrangler's dev server, wired to a local
// stack: the browser tests and `npm run bench` exercise exactly what `npm run deploy` ships.

import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { type Unstable_DevWorker, unstable_dev } from "wrangler";
import { BUNDLE_PATH, DEPLOY_CONFIG } from "../scripts/build.ts";
import type { Stack } from "./stack.ts";

export interface BundledWorker {
  origin: string;
  stop(): Promise<void>;
}

/** A port nobody listens on right now, so PUBLIC_URL can name the worker's real origin. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The variables a bundled worker runs with against the local stack (dev mode, fixed test secrets). */
export function workerVars(stack: Stack, port: number): Record<string, string> {
  return {
    ENVIRONMENT: "development",
    AUTH_DEBUG: "1",
    EMAIL_PROVIDER: "outbox",
    SMS_PROVIDER: "outbox",
    // The real origin: pages on it (the browser tests) are same-origin for the CSRF/Origin checks.
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    UPSTASH_REDIS_REST_URL: stack.upstashUrl,
    UPSTASH_REDIS_REST_TOKEN: stack.upstashToken,
    DATABASE_URL: stack.workerDatabaseUrl ?? stack.databaseUrl,
    NEON_HTTP_ENDPOINT: stack.neonSqlEndpoint,
    NEON_WS_PROXY: stack.neonWsProxy,
    REDIS_KEY_PREFIX: `bundle${Date.now()}:`,
    AUTH_SECRET: "local-bundle-secret-0123456789abcdefghijklmnop",
    PASSWORD_PEPPER: "local-bundle-pepper-0123456789abcdefghijklmno",
    JWT_SIGNING_KEYS: "k1:4Ylq0R5aEHgU9rSqk2uF3bD8nVwXcT1yJ6mZpL0oAeQ",
    // The local OpenID Provider registered this origin's callback when the stack started with it.
    OAUTH_PROVIDERS: "dev",
    OAUTH_DEV_ISSUER: stack.oidcIssuer,
    OAUTH_DEV_CLIENT_ID: stack.oidcClientId,
    OAUTH_DEV_CLIENT_SECRET: stack.oidcClientSecret,
    // One consumer pass per /__scheduled call (production polls for most of each minute).
    WEBHOOK_POLL_SECONDS: "0",
  };
}

export async function startBundledWorker(
  stack: Stack,
  vars: Record<string, string> = {},
  port?: number,
): Promise<BundledWorker> {
  port ??= await freePort();
  const worker: Unstable_DevWorker = await unstable_dev(BUNDLE_PATH, {
    // The deploy config scripts/build.ts writes: every module of dist/worker/, uploaded unbundled.
    config: DEPLOY_CONFIG,
    bundle: false,
    ip: "127.0.0.1",
    port,
    local: true,
    logLevel: "none",
    experimental: { disableExperimentalWarning: true },
    vars: {
      ...workerVars(stack, port),
      ...vars,
    },
  });
  return { origin: `http://${worker.address}:${worker.port}`, stop: () => worker.stop() };
}
