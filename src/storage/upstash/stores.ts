import { sha256Hex } from "../../crypto/hash";
import type {
  ConsumeResult,
  HealthProbe,
  IdempotencyStore,
  OneTimeTokenRecord,
  OneTimeTokenStore,
  OutboxMessage,
  OutboxStore,
  RateLimiter,
  RateLimitRule,
  Throttle,
  TokenPurpose,
} from "../../ports";
import { storeDeadline } from "../deadline";
import { guardStore } from "../guard";
import type { RedisClient, RedisKeys } from "./client";
import { CLAIM, CONSUME_TOKEN, ISSUE_TOKEN, PEEK_LIMIT, RATE_LIMIT, RELEASE_TOKEN, SETTLE } from "./scripts";

export const redis = <T>(call: () => Promise<T>): Promise<T> => guardStore("redis", call);

export type LuaRunner = (keys: string[], args: Array<string | number>) => Promise<unknown>;

/** Each client's deadline (ms): its scripts refuse to run once the worker has stopped waiting. */
const scriptTimeouts = new WeakMap<object, number>();

export function setScriptTimeout(client: RedisClient, timeoutMs: number): void {
  scriptTimeouts.set(client, timeoutMs);
}

/**
 * Every script starts here. A paused or overloaded Redis runs a queued script whenever it gets to it,
 * long after the worker answered 503; the script would then spend a secret or count a hit nobody saw.
 * The last ARGV is the absolute deadline (epoch ms, storage/deadline.ts); past it the script changes
 * nothing and fails, so a 503 means nothing happened. TIME is Redis' own clock (allowed in scripts
 * since Redis 5 replicates scripts by their effects). Compared in seconds as floats (the in-process
 * engine's Lua has 32-bit integers, which epoch milliseconds overflow), and failed with error(), not
 * error_reply (which that engine lacks): see scripts/index.ts.
 */
const DEADLINE_PROLOGUE = `local deadline__ = tonumber(table.remove(ARGV)) / 1000
local time__ = redis.call('TIME')
if tonumber(time__[1]) + tonumber(time__[2]) / 1000000 > deadline__ then
  error('DEADLINE the request gave up before this script ran')
end
`;

/**
 * The adapter's Lua scripts, run with EVALSHA (the script body is sent once, then only its SHA-1),
 * falling back to EVAL when Redis has not seen it yet (after a restart, say): @upstash/redis createScript.
 */
export function luaScripts<T extends Record<string, string>>(
  client: RedisClient,
  scripts: T,
  options: { readonly?: boolean } = {},
): Record<keyof T, LuaRunner> {
  const runners = {} as Record<keyof T, LuaRunner>;
  for (const [name, source] of Object.entries(scripts) as Array<[keyof T, string]>) {
    // Read-only scripts go as EVALSHA_RO: a global database may answer them at the nearest replica.
    const compiled = options.readonly
      ? client.createScript<unknown, true>(DEADLINE_PROLOGUE + source, { readonly: true })
      : client.createScript<unknown>(DEADLINE_PROLOGUE + source);
    runners[name] = (keys, args) =>
      compiled.exec(keys, [...args.map(String), String(storeDeadline(scriptTimeouts.get(client) ?? 2000))]);
  }
  return runners;
}

/**
 * How long a cache entry's tombstone lives after a revoke or change (API keys, devices, publishable
 * keys): lookups read it as a miss (Postgres decides) and refills are SET NX, so a request that read
 * Postgres just before the change cannot cache the old state afterwards (a plain delete let it, for
 * the cache's lifetime). It outlives any request's store deadlines, the only window such a refill has.
 */
export const TOMBSTONE_SECONDS = 10;

/** A Redis TTL for a lifetime in ms: whole seconds, rounded up, never 0 (EX 0 is an error). */
export const ttlSeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

export function parse<T>(value: unknown): T | null {
  if (typeof value !== "string") return null;
  try {
    return JSON.parse(value) as T;
  } catch {
    return null;
  }
}

export function createOneTimeTokenStore(
  client: RedisClient,
  keys: RedisKeys,
  clock: { now(): number },
): OneTimeTokenStore {
  const run = luaScripts(client, { CONSUME_TOKEN, ISSUE_TOKEN, RELEASE_TOKEN });
  // Where a record lives: its key and its subject's latest-token pointer; its JSON and remaining TTL.
  const placement = async (record: OneTimeTokenRecord) => ({
    keys: [
      keys.oneTimeToken(record.purpose, record.token_hash),
      keys.latestToken(record.purpose, `${await sha256Hex(record.subject)}${record.slot ? `:${record.slot}` : ""}`),
    ],
    args: [JSON.stringify(record), ttlSeconds(record.expires_at - clock.now())],
  });
  return {
    async issue(record: OneTimeTokenRecord, limits: RateLimitRule[] = []) {
      const at = await placement(record);
      const reply = (await redis(() =>
        run.ISSUE_TOKEN(
          [...at.keys, ...limits.map((r) => keys.rateLimit(r.key))],
          [...at.args, ...limits.flatMap((r) => [r.limit, r.windowSeconds])],
        ),
      )) as [number, number];
      return { allowed: Number(reply[0]) === 1, retryAfterSeconds: Number(reply[1]) };
    },
    async release(record: OneTimeTokenRecord) {
      if (record.expires_at <= clock.now()) return;
      const at = await placement(record);
      await redis(() => run.RELEASE_TOKEN(at.keys, at.args));
    },
    async peek(purpose: TokenPurpose, tokenHash: string) {
      const record = parse<OneTimeTokenRecord>(await redis(() => client.get(keys.oneTimeToken(purpose, tokenHash))));
      return record?.purpose === purpose ? record : null;
    },
    async consume(purpose: TokenPurpose, tokenHash: string, throttle: Throttle): Promise<ConsumeResult> {
      const reply = (await redis(() =>
        run.CONSUME_TOKEN(
          [keys.oneTimeToken(purpose, tokenHash), keys.rateLimit(throttle.key)],
          [throttle.limit, throttle.windowSeconds],
        ),
      )) as [number, unknown?];
      if (reply[0] === 2) return { status: "throttled", retryAfterSeconds: Number(reply[1]) };
      if (reply[0] !== 1) return { status: "missing" };
      const record = parse<OneTimeTokenRecord>(reply[1]);
      // The key already encodes the purpose; checking the stored one too keeps a misfiled record unusable.
      return record?.purpose === purpose ? { status: "consumed", record } : { status: "missing" };
    },
    async revoke(purpose: TokenPurpose, tokenHash: string) {
      await redis(() => client.del(keys.oneTimeToken(purpose, tokenHash)));
    },
  };
}

export function createRateLimiter(client: RedisClient, keys: RedisKeys): RateLimiter {
  const run = luaScripts(client, { PEEK_LIMIT, RATE_LIMIT, SETTLE });
  const count = async (script: LuaRunner, rules: Parameters<RateLimiter["hit"]>[0]) => {
    const reply = (await redis(() =>
      script(
        rules.map((r) => keys.rateLimit(r.key)),
        rules.flatMap((r) => [r.limit, r.windowSeconds]),
      ),
    )) as [number, number];
    return { allowed: reply[0] === 0, retryAfterSeconds: Number(reply[1]) };
  };
  return {
    hit: (rules) => count(run.RATE_LIMIT, rules),
    peek: (rules) => count(run.PEEK_LIMIT, rules),
    async settle(clear, giveBack) {
      const names = [...clear, ...giveBack.map((r) => r.key)];
      if (names.length > 0)
        await redis(() =>
          run.SETTLE(
            names.map((n) => keys.rateLimit(n)),
            [clear.length],
          ),
        );
    },
    async clear(names) {
      if (names.length > 0) await redis(() => client.del(...names.map((n) => keys.rateLimit(n))));
    },
  };
}

export function createIdempotencyStore(client: RedisClient, keys: RedisKeys): IdempotencyStore {
  const run = luaScripts(client, { CLAIM });
  return {
    async claim(key, pending, lockSeconds) {
      const existing = await redis(() => run.CLAIM([keys.idempotency(key)], [pending, lockSeconds]));
      return typeof existing === "string" ? existing : null;
    },
    async complete(key, record, ttlSeconds) {
      await redis(() => client.set(keys.idempotency(key), record, { ex: ttlSeconds }));
    },
    async release(key) {
      await redis(() => client.del(keys.idempotency(key)));
    },
  };
}

const OUTBOX_KEEP = 200;

export function createOutboxStore(client: RedisClient, keys: RedisKeys): OutboxStore {
  return {
    async add(message: OutboxMessage) {
      const tx = client.multi();
      tx.lpush(keys.outbox(), JSON.stringify(message));
      tx.ltrim(keys.outbox(), 0, OUTBOX_KEEP - 1);
      tx.expire(keys.outbox(), 86_400);
      await redis(() => tx.exec());
    },
    async list() {
      const items = await redis(() => client.lrange(keys.outbox(), 0, OUTBOX_KEEP - 1));
      return items.map((item) => parse<OutboxMessage>(item)).filter((m): m is OutboxMessage => m !== null);
    },
  };
}

export function createRedisHealthProbe(client: RedisClient): HealthProbe {
  return {
    async ping() {
      await client.ping();
    },
  };
}

/** One delivery of a Stripe event at a time (Stripe retries whatever we answer with a non-2xx). */
export function createEventLock(client: RedisClient, keys: RedisKeys): import("../../ports").EventLock {
  return {
    async acquire(eventId) {
      return (await redis(() => client.set(keys.stripeEventLock(eventId), "1", { nx: true, ex: 120 }))) === "OK";
    },
    async release(eventId) {
      await redis(() => client.del(keys.stripeEventLock(eventId)));
    },
  };
}
