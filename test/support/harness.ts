// Builds the app the way production does (createApp + createDeps), but on a fresh Postgres database
// and a fresh Redis key prefix per test file, with a movable clock and a captured email provider.
import { env } from "cloudflare:workers";
import { neon, neonConfig } from "@neondatabase/serverless";
import { createApp } from "../../src/app";
import { createDeps } from "../../src/compose";
import { type Config, parseConfig } from "../../src/config";
import { generateToken } from "../../src/crypto/random";
import { createOutboxProvider } from "../../src/email/outbox";
import type { Deps, OutboxMessage } from "../../src/ports";
import { createSmsOutbox } from "../../src/sms/provider";
import { createRedisClient, type RedisKeys, redisKeys } from "../../src/storage/upstash/client";
import * as luaSources from "../../src/storage/upstash/scripts";
import { operations, undeclared } from "./contract-check";
import type { CookieJar } from "./cookies";

export const bindings = env as unknown as Record<string, string>;

export interface RequestOptions {
  method?: string;
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
  jar?: CookieJar;
  ip?: string;
}

export interface Harness {
  config: Config;
  deps: Deps;
  app: ReturnType<typeof createApp>;
  redis: ReturnType<typeof createRedisClient>;
  keys: RedisKeys;
  prefix: string;
  /** Runs a query on this file's database and returns row objects. */
  sql: { query(text: string, params?: unknown[]): Promise<Array<Record<string, any>>> };
  /** Runs a query on the server's admin database (to inject faults into this file's database). */
  adminSql: { query(text: string, params?: unknown[]): Promise<Array<Record<string, any>>> };
  /** This file's database name. */
  database: string;
  clock: { now(): number; advance(ms: number): void };
  /** Recipients (emails or phone numbers) whose delivery fails, standing in for a provider outage. */
  failEmailFor: Set<string>;
  /** Password derivations so far (hash + verify, including the dummy one for unknown accounts). */
  passwordWork: { count: number };
  ip: string;
  request(path: string, options?: RequestOptions): Promise<Response>;
  outbox(to: string): Promise<OutboxMessage[]>;
  /** Requests a magic link for `email` and returns the raw token from the captured email. */
  magicLinkToken(email: string, body?: Record<string, unknown>): Promise<string>;
  redisKeysMatching(pattern: string): Promise<string[]>;
  close(): Promise<void>;
}

export function randomIp(): string {
  const b = crypto.getRandomValues(new Uint8Array(3));
  return `10.${b[0]}.${b[1]}.${b[2]}`;
}

/**
 * `sameStoresAs`: the same deployment in another place (another region's Redis endpoint, say): this
 * harness uses that one's database and Redis key prefix, and leaves them to it when closed.
 */
export async function createHarness(
  overrides: Record<string, string> = {},
  options: { sameStoresAs?: Harness } = {},
): Promise<Harness> {
  const shared = options.sameStoresAs;
  const database =
    shared?.database ??
    `auth_t_${generateToken(16)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, "")}`;
  const admin = neon(bindings.TEST_ADMIN_DATABASE_URL!);
  // The admin connection goes to the local Neon endpoint too (the worker's own client sets this itself).
  if (bindings.NEON_HTTP_ENDPOINT) neonConfig.fetchEndpoint = bindings.NEON_HTTP_ENDPOINT;
  if (!shared) await admin.query(`CREATE DATABASE "${database}" TEMPLATE "${bindings.TEST_TEMPLATE_DATABASE}"`);
  const url = new URL(bindings.TEST_ADMIN_DATABASE_URL!);
  url.pathname = `/${database}`;
  const prefix = shared?.prefix ?? `t${generateToken(16)}:`;
  const config = parseConfig({ ...bindings, DATABASE_URL: url.toString(), REDIS_KEY_PREFIX: prefix, ...overrides });
  let offset = 0;
  const clock = {
    now: () => Date.now() + offset,
    advance: (ms: number) => {
      offset += ms;
    },
  };
  const failEmailFor = new Set<string>();
  const passwordWork = { count: 0 };
  const deps = await createDeps(config, {
    clock,
    email: (outbox, c) => createOutboxProvider(outbox, c, { failFor: failEmailFor, quiet: true }),
    sms: (outbox, c) => createSmsOutbox(outbox, c, { failFor: failEmailFor, quiet: true }),
    passwords: (hasher) => ({
      hash: (password) => {
        passwordWork.count++;
        return hasher.hash(password);
      },
      verify: (stored, password) => {
        passwordWork.count++;
        return hasher.verify(stored, password);
      },
    }),
  });
  const app = createApp({ config, deps });
  const redis = createRedisClient(config.redis);
  // Scripts run by EVALSHA; load them up front, as a long-running Redis would have them, so the
  // round-trip counts asserted in tests are the warm ones (the EVAL fallback has its own test).
  await Promise.all(Object.values(luaSources).map((source) => redis.scriptLoad(String(source)).catch(() => undefined)));
  const keys = redisKeys(prefix);
  const ip = randomIp();

  let ops: ReturnType<typeof operations> | null = null;
  /** Fails the test when an error answer is not one /openapi.json declares for its operation. */
  async function checkDeclared(method: string, path: string, response: Response): Promise<void> {
    if (response.status < 400 || response.status >= 500) return;
    if (!(response.headers.get("content-type") ?? "").includes("application/json")) return;
    ops ??= operations(await (await app.request("http://127.0.0.1:8787/openapi.json", {}, env)).json());
    const body = (await response
      .clone()
      .json()
      .catch(() => null)) as { error?: { code?: string } } | null;
    const problem = undeclared(
      ops,
      method.toUpperCase(),
      new URL(path, "http://x").pathname,
      response.status,
      body?.error?.code ?? null,
    );
    if (problem) throw new Error(`/openapi.json does not declare this answer: ${problem}`);
  }

  const harness: Harness = {
    config,
    deps,
    app,
    redis,
    keys,
    prefix,
    sql: neon(url.toString()) as unknown as Harness["sql"],
    adminSql: admin as unknown as Harness["adminSql"],
    database,
    clock,
    failEmailFor,
    passwordWork,
    ip,
    async request(path, options = {}) {
      const headers = new Headers(options.headers);
      if (!headers.has("cf-connecting-ip")) headers.set("cf-connecting-ip", options.ip ?? ip);
      let body = options.body;
      if (options.json !== undefined) {
        body = JSON.stringify(options.json);
        if (!headers.has("content-type")) headers.set("content-type", "application/json");
      }
      if (options.jar) {
        const cookie = options.jar.header();
        if (cookie) headers.set("cookie", cookie);
        const csrf = options.jar.get(config.cookies.csrfName);
        const method = (options.method ?? "GET").toUpperCase();
        if (csrf && method !== "GET" && method !== "HEAD" && !headers.has("x-csrf-token"))
          headers.set("x-csrf-token", csrf);
      }
      // Like the runtime, finish waitUntil work (deferred emails) before the test looks at state.
      const pending: Promise<unknown>[] = [];
      const ctx = {
        waitUntil: (p: Promise<unknown>) => void pending.push(p),
        passThroughOnException: () => undefined,
        props: {},
      } as unknown as ExecutionContext;
      const response = await app.request(
        `http://127.0.0.1:8787${path}`,
        { method: options.method ?? "GET", headers, body },
        env,
        ctx,
      );
      await Promise.all(pending);
      options.jar?.absorb(response);
      await checkDeclared(options.method ?? "GET", path, response);
      return response;
    },
    async outbox(to) {
      return (await deps.outbox.list()).filter((m) => m.to === to);
    },
    async magicLinkToken(email, body = {}) {
      // A fresh client IP per call, so setting up sign-ins never eats into a test's per-IP limits.
      const response = await harness.request("/v1/auth/magic-link/request", {
        method: "POST",
        json: { email, ...body },
        ip: randomIp(),
      });
      if (response.status !== 202)
        throw new Error(`magic-link request failed: ${response.status} ${await response.text()}`);
      const [message] = await harness.outbox(email.toLowerCase());
      const link = message?.links[0];
      if (!link) throw new Error("no link in the outbox");
      return new URL(link).searchParams.get("token") ?? "";
    },
    async redisKeysMatching(pattern) {
      return redis.keys(`${prefix}${pattern}`);
    },
    async close() {
      if (shared) return;
      await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => undefined);
    },
  };
  return harness;
}

export async function json<T = any>(response: Response): Promise<T> {
  return (await response.json()) as T;
}
