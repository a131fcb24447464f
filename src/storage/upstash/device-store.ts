import type { DeviceStateStore, UserSnapshot } from "../ports";
import type { RedisClient, RedisKeys } from "./client";
import { parse, redis } from "./stores";

export function createDeviceStateStore(client: RedisClient, keys: RedisKeys): DeviceStateStore {
  return {
    async state(deviceId, userId) {
      const [revoked, notBefore, snapshot] = await redis(() =>
        client.mget<(string | null)[]>(keys.deviceRevoked(deviceId), keys.userNotBefore(userId), keys.userSnapshot(userId)),
      );
      return { revoked: revoked !== null, notBefore: Number(notBefore ?? 0), snapshot: parse<UserSnapshot>(snapshot) };
    },
    async markRevoked(deviceId, ttlSeconds) {
      await redis(() => client.set(keys.deviceRevoked(deviceId), "1", { ex: ttlSeconds }));
    },
    async shouldStampUse(deviceId) {
      return (await redis(() => client.set(keys.deviceUsed(deviceId), "1", { nx: true, ex: 60 }))) === "OK";
    },
  };
}
