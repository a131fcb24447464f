import type { ApiKeyAuthRecord, ApiKeyCache } from "../../ports";
import type { RedisClient, RedisKeys } from "./client";
import { parse, redis } from "./stores";

/**
 * Key records are cached for a minute, so a warm key costs one Redis round trip and no SQL.
 * Unknown ids are cached too (as "none") so random keys cannot make every request hit Postgres.
 * Revoke, rotate and membership changes leave a tombstone for STALE_SECONDS instead of the entry:
 * lookups treat it as a miss (Postgres decides, so the change applies on the very next request), and
 * a refill only writes where nothing is (SET NX). A request that read Postgres just before the change
 * cannot cache what it read afterwards (a plain delete let it: a revoked key then worked for a minute).
 * The tombstone outlives any request's store deadlines, the only window such a refill has.
 */
const CACHE_SECONDS = 60;
export const STALE_SECONDS = 10;
const NONE = "none";
const STALE = "stale";

export function createApiKeyCache(client: RedisClient, keys: RedisKeys): ApiKeyCache {
  return {
    async lookup(keyId, failureKey) {
      const [cached, failures] = await redis(() =>
        client.mget<(string | null)[]>(keys.apiKey(keyId), keys.rateLimit(failureKey)),
      );
      const entry =
        cached === null || cached === STALE
          ? undefined
          : cached === NONE
            ? null
            : (parse<ApiKeyAuthRecord>(cached) ?? undefined);
      return { entry, failures: Number(failures ?? 0) };
    },
    async put(keyId, record) {
      const value = record === null ? NONE : JSON.stringify(record);
      await redis(() => client.set(keys.apiKey(keyId), value, { ex: CACHE_SECONDS, nx: true }));
    },
    async forget(keyIds) {
      if (keyIds.length === 0) return;
      const batch = client.pipeline();
      for (const id of keyIds) batch.set(keys.apiKey(id), STALE, { ex: STALE_SECONDS });
      await redis(() => batch.exec());
    },
    async shouldStampUse(keyId) {
      return (await redis(() => client.set(keys.apiKeyUsed(keyId), "1", { nx: true, ex: 60 }))) === "OK";
    },
  };
}
