import type { SessionRecord, SessionStore, UserSnapshot, UserStateStore } from "../../ports";
import type { RedisClient, RedisKeys } from "./client";
import { REVOKE_USER_SESSIONS, TOUCH_SESSION } from "./scripts";
import { parse, redis, ttlSeconds } from "./stores";

/** Not-before marks and session indexes outlive every session and refresh token (90-day caps). */
const USER_STATE_TTL = 90 * 86_400;
/**
 * Snapshots are a cache of Postgres (which holds the durable not-before): short-lived, so a Redis
 * restored from an older backup forgets a stale one within minutes; a miss costs one statement.
 */
const SNAPSHOT_TTL = 10 * 60;

export function createSessionStore(client: RedisClient, keys: RedisKeys): SessionStore {
  return {
    async create(tokenHash, record, snapshot) {
      const absoluteTtl = ttlSeconds(record.absolute_expires_at - record.created_at);
      const tx = client.multi();
      tx.set(keys.session(tokenHash), JSON.stringify(record), { ex: Math.min(record.idle_seconds, absoluteTtl) });
      tx.hset(keys.userSessions(record.user_id), { [record.id]: tokenHash });
      tx.expire(keys.userSessions(record.user_id), USER_STATE_TTL);
      tx.set(keys.userSnapshot(record.user_id), JSON.stringify(snapshot), { ex: SNAPSHOT_TTL });
      await redis(() => tx.exec());
    },
    async touch(tokenHash) {
      const reply = await redis(() => client.eval(TOUCH_SESSION, [keys.session(tokenHash)], [keys.prefix]));
      if (!Array.isArray(reply)) return null;
      const record = parse<SessionRecord>(reply[0]);
      return record ? { record, snapshot: parse<UserSnapshot>(reply[1]) } : null;
    },
    async revoke(tokenHash) {
      const record = parse<SessionRecord>(await redis(() => client.getdel(keys.session(tokenHash))));
      if (record) await redis(() => client.hdel(keys.userSessions(record.user_id), record.id));
      return record;
    },
    async list(userId) {
      // Through eval: the SDK's own HGETALL mangles raw (non-deserialized) replies.
      const reply = await redis(() =>
        client.eval("return redis.call('HVALS', KEYS[1])", [keys.userSessions(userId)], []),
      );
      const hashes = Array.isArray(reply) ? reply.map(String) : [];
      if (hashes.length === 0) return [];
      const values = await redis(() => client.mget<(string | null)[]>(...hashes.map((h) => keys.session(h))));
      const sessions: Array<{ tokenHash: string; record: SessionRecord }> = [];
      for (const [i, value] of values.entries()) {
        const record = parse<SessionRecord>(value);
        const tokenHash = hashes[i];
        if (record && tokenHash) sessions.push({ tokenHash, record });
      }
      return sessions;
    },
    async update(tokenHash, record) {
      await redis(() => client.set(keys.session(tokenHash), JSON.stringify(record), { keepTtl: true, xx: true }));
    },
    async revokeAll(userId, exceptTokenHash) {
      return Number(
        await redis(() =>
          client.eval(REVOKE_USER_SESSIONS, [keys.userSessions(userId)], [keys.prefix, exceptTokenHash ?? ""]),
        ),
      );
    },
  };
}

export function createUserStateStore(client: RedisClient, keys: RedisKeys): UserStateStore {
  return {
    async putSnapshot(userId, snapshot) {
      await redis(() => client.set(keys.userSnapshot(userId), JSON.stringify(snapshot), { ex: SNAPSHOT_TTL }));
    },
    async revokeTokensIssuedBefore(userId, at) {
      await redis(() => client.set(keys.userNotBefore(userId), String(at), { ex: USER_STATE_TTL }));
    },
    async accessState(userId, familyId) {
      const [notBefore, revoked, snapshot] = await redis(() =>
        client.mget<(string | null)[]>(
          keys.userNotBefore(userId),
          keys.familyRevoked(familyId),
          keys.userSnapshot(userId),
        ),
      );
      return {
        notBefore: Number(notBefore ?? 0),
        familyRevoked: revoked !== null,
        snapshot: parse<UserSnapshot>(snapshot),
      };
    },
  };
}
