import type { ApiKeyAuthRecord, ApiKeyCache } from "../../ports";
import type { RedisClient, RedisKeys } from "./client";
import { parse, redis } from "./stores";

/**
 * Key records are cached for a minute, so a warm key costs one Redis round trip and no SQL.
 * Revoke, rotate and membership changes delete the entry, so they apply on the very next request.
 * Unknown ids are cached too (as "none") so random keys cannot make every request hit Postgres.
 */
const CACHE_SECONDS = 60;
const NONE = "none";

export function createApiKeyCache(client: RedisClient, keys: RedisKeys): ApiKeyCache {
  return {
    async lookup(keyId, failureKey) {
      const [cached, failures] = await redis(() =>
        client.mget<(string | null)[]>(keys.apiKey(keyId), keys.rateLimit(failureKey)),
      );
      const entry =
        cached === null ? undefined : cached === NONE ? null : (parse<ApiKeyAuthRecord>(cached) ?? undefined);
      return { entry, failures: Number(failures ?? 0) };
    },
    async put(keyId, record) {
      await redis(() =>
        client.set(keys.apiKey(keyId), record === null ? NONE : JSON.stringify(record), { ex: CACHE_SECONDS }),
      );
    },
    async forget(keyIds) {
      if (keyIds.length > 0) await redis(() => client.del(...keyIds.map((id) => keys.apiKey(id))));
    },
    async shouldStampUse(keyId) {
      return (await redis(() => client.set(keys.apiKeyUsed(keyId), "1", { nx: true, ex: 60 }))) === "OK";
    },
  };
}
