import type { ApiKeyAuthRecord, ApiKeyCache } from "../../ports";
import type { RedisClient, RedisKeys } from "./client";
import { parse, redis, TOMBSTONE_SECONDS } from "./stores";

/**
 * Key records are cached for a minute, so a warm key costs one Redis round trip and no SQL.
 * Unknown ids are cached too (as "none") so random keys cannot make every request hit Postgres.
 * Revoke, rotate and membership changes leave a tombstone (stores.ts, TOMBSTONE_SECONDS), so they
 * apply on the very next request and a refill racing them cannot bring the old record back.
 */
const CACHE_SECONDS = 60;
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
      for (const id of keyIds) batch.set(keys.apiKey(id), STALE, { ex: TOMBSTONE_SECONDS });
      await redis(() => batch.exec());
    },
    async shouldStampUse(keyId) {
      return (await redis(() => client.set(keys.apiKeyUsed(keyId), "1", { nx: true, ex: 60 }))) === "OK";
    },
  };
}
