import type { DeviceStateStore, UserSnapshot } from "../../ports";
import type { RedisClient, RedisKeys } from "./client";
import { parse, redis, TOMBSTONE_SECONDS } from "./stores";

/**
 * Redis caches that a device is active, for a short while: a missing entry (expired, flushed, lost in
 * a failover) sends the check to Postgres, where revocations are durable, never to "valid". The short
 * lifetime also bounds how long a Redis restored from an older backup can remember a revoked device.
 */
const ACTIVE_SECONDS = 10 * 60;

export function createDeviceStateStore(client: RedisClient, keys: RedisKeys): DeviceStateStore {
  return {
    async state(deviceId, userId) {
      const [active, notBefore, snapshot] = await redis(() =>
        client.mget<(string | null)[]>(
          keys.deviceActive(deviceId),
          keys.userNotBefore(userId),
          keys.userSnapshot(userId),
        ),
      );
      return {
        active: active === "1" ? true : null,
        notBefore: Number(notBefore ?? 0),
        snapshot: parse<UserSnapshot>(snapshot),
      };
    },
    // A revoked device leaves a tombstone and the marker is only set where nothing is (stores.ts,
    // TOMBSTONE_SECONDS): a request that found it active just before the revoke cannot mark it again.
    async markActive(deviceId) {
      await redis(() => client.set(keys.deviceActive(deviceId), "1", { ex: ACTIVE_SECONDS, nx: true }));
    },
    async forget(deviceId) {
      await redis(() => client.set(keys.deviceActive(deviceId), "revoked", { ex: TOMBSTONE_SECONDS }));
    },
    async shouldStampUse(deviceId) {
      return (await redis(() => client.set(keys.deviceUsed(deviceId), "1", { nx: true, ex: 60 }))) === "OK";
    },
  };
}
