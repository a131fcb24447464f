import type { RefreshTokenRecord, RefreshTokenStore, RotateResult, UserSnapshot } from "../../ports";
import type { RedisClient, RedisKeys } from "./client";
import { REVOKE_REFRESH, ROTATE_REFRESH, UNROTATE_REFRESH } from "./scripts";
import { luaScripts, parse, redis, ttlSeconds } from "./stores";

/** Refresh tokens live in Redis hashes (`rt:<sha256>`), which Lua can read field by field. */
export function createRefreshTokenStore(
  client: RedisClient,
  keys: RedisKeys,
  markerTtlSeconds: number,
): RefreshTokenStore {
  const run = luaScripts(client, { REVOKE_REFRESH, ROTATE_REFRESH, UNROTATE_REFRESH });
  return {
    async issue(tokenHash, record) {
      const tx = client.multi();
      tx.hset(keys.refreshToken(tokenHash), { ...record, status: "active" });
      // A new family starts now: its lifetime comes from the record (the injected clock), not the wall clock.
      tx.expire(keys.refreshToken(tokenHash), ttlSeconds(record.absolute_exp - record.family_created));
      await redis(() => tx.exec());
    },
    async rotate(tokenHash, successorHash, successorBox, now, graceMs): Promise<RotateResult> {
      const reply = (await redis(() =>
        run.ROTATE_REFRESH(
          [keys.refreshToken(tokenHash), keys.refreshToken(successorHash)],
          [
            now,
            graceMs,
            successorBox,
            markerTtlSeconds,
            keys.familyRevoked(""),
            keys.userNotBefore(""),
            keys.userSnapshot(""),
          ],
        ),
      )) as unknown[];
      const code = Number(reply[0]);
      if (code === 2) return { status: "reused", family: String(reply[1]), userId: String(reply[2]) };
      if (code !== 1 && code !== 3) return { status: "invalid" };
      const record: RefreshTokenRecord = {
        family: String(reply[1]),
        user_id: String(reply[2]),
        org_id: String(reply[3]),
        scope: String(reply[4]),
        family_created: Number(reply[5]),
        absolute_exp: Number(reply[6]),
      };
      const snapshot = parse<UserSnapshot>(reply[7]);
      return code === 1
        ? { status: "rotated", record, snapshot }
        : { status: "replayed", record, snapshot, successorBox: String(reply[8]) };
    },
    async unrotate(tokenHash, successorHash) {
      await redis(() => run.UNROTATE_REFRESH([keys.refreshToken(tokenHash), keys.refreshToken(successorHash)], []));
    },
    async revokeFamily(family) {
      await redis(() => client.set(keys.familyRevoked(family), "1", { ex: markerTtlSeconds }));
    },
    async revoke(tokenHash) {
      const family = await redis(() =>
        run.REVOKE_REFRESH([keys.refreshToken(tokenHash)], [keys.familyRevoked(""), markerTtlSeconds]),
      );
      return typeof family === "string" && family !== "" ? family : null;
    },
  };
}
