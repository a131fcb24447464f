import type { SessionRecord, SessionStore, UserSnapshot, UserStateStore } from "../../ports";
import type { RedisClient, RedisKeys } from "./client";
import {
  END_SESSION,
  NEAR_SESSION,
  READ_SESSION,
  REVOKE_USER_SESSIONS,
  SESSION_INDEX,
  TAKE_SESSION,
  TOUCH_SESSION,
  UPDATE_SESSION,
} from "./scripts";
import { EVENT_STREAM_MAXLEN } from "./scripts/announce";
import { luaScripts, parse, redis, ttlSeconds } from "./stores";

/** Not-before marks and session indexes outlive every session and refresh token (90-day caps). */
const USER_STATE_TTL = 90 * 86_400;
/**
 * Snapshots are a cache of Postgres (which holds the durable not-before): short-lived, so a Redis
 * restored from an older backup forgets a stale one within minutes; a miss costs one statement.
 */
const SNAPSHOT_TTL = 10 * 60;

/** A record from the session scripts' reply: 'hash' + fields, or 'json' + the value written by an older release. */
function recordFrom(kind: unknown, fields: unknown[]): SessionRecord | null {
  if (kind === "json") return parse<SessionRecord>(fields[0]);
  if (kind !== "hash") return null;
  const [id, user_id, organization_id, created_at, absolute_expires_at, idle_seconds, ip, user_agent, csrf] =
    fields.map((f) => (f === null || f === undefined ? "" : String(f)));
  if (!id || !user_id) return null;
  const record: SessionRecord = {
    id,
    user_id,
    organization_id: organization_id ?? "",
    created_at: Number(created_at),
    absolute_expires_at: Number(absolute_expires_at),
    idle_seconds: Number(idle_seconds),
    ip: ip ?? "",
    user_agent: user_agent ?? "",
  };
  if (csrf) record.csrf = csrf;
  return record;
}

/**
 * Sessions are Redis hashes (`ses:<sha256>`) whose fields the scripts read with HMGET. Sessions written
 * as JSON strings by the previous release stay readable (touch, list, revoke, switch) until they expire.
 */
export function createSessionStore(client: RedisClient, keys: RedisKeys): SessionStore {
  const run = luaScripts(client, {
    END_SESSION,
    REVOKE_USER_SESSIONS,
    SESSION_INDEX,
    TAKE_SESSION,
    TOUCH_SESSION,
    UPDATE_SESSION,
  });
  const near = luaScripts(client, { NEAR_SESSION }, { readonly: true });
  return {
    async create(tokenHash, record, snapshot) {
      const absoluteTtl = ttlSeconds(record.absolute_expires_at - record.created_at);
      const tx = client.multi();
      // cookie_at: the cookie is sent with this very response.
      tx.hset(keys.session(tokenHash), { ...record, cookie_at: record.created_at });
      tx.expire(keys.session(tokenHash), Math.min(record.idle_seconds, absoluteTtl));
      tx.hset(keys.userSessions(record.user_id), { [record.id]: tokenHash });
      tx.expire(keys.userSessions(record.user_id), USER_STATE_TTL);
      tx.set(keys.userSnapshot(record.user_id), JSON.stringify(snapshot), { ex: SNAPSHOT_TTL });
      // Announced in the same MULTI as the session itself (the Redis half of the event outbox).
      tx.xadd(
        keys.events(),
        "*",
        {
          type: "session.created",
          session_id: record.id,
          user_id: record.user_id,
          organization_id: record.organization_id,
          ip: record.ip,
          user_agent: record.user_agent,
        },
        { trim: { type: "MAXLEN", threshold: EVENT_STREAM_MAXLEN, comparison: "~" } },
      );
      await redis(() => tx.exec());
    },
    async touch(tokenHash, now, options = {}) {
      const at = [[keys.session(tokenHash)], [keys.userSnapshot(""), now]] as const;
      // Most requests: one read at the nearest replica. A miss, a session due to slide or to die, or a
      // browser reading its own recent write (atPrimary) is decided by the script at the primary.
      if (!options.atPrimary) {
        const reply = await redis(() => near.NEAR_SESSION([...at[0]], [...at[1]]));
        const record = Array.isArray(reply) ? recordFrom(reply[0], reply.slice(1, 10)) : null;
        if (record && Array.isArray(reply))
          return { record, snapshot: parse<UserSnapshot>(reply[10]), cookieDue: false };
      }
      const reply = await redis(() => run.TOUCH_SESSION([...at[0]], [...at[1]]));
      if (!Array.isArray(reply)) return null;
      if (reply[0] === "json") {
        const record = parse<SessionRecord>(reply[1]);
        return record ? { record, snapshot: parse<UserSnapshot>(reply[2]), cookieDue: true } : null;
      }
      const record = recordFrom(reply[0], reply.slice(1, 10));
      return record ? { record, snapshot: parse<UserSnapshot>(reply[10]), cookieDue: Number(reply[11]) === 1 } : null;
    },
    async end(tokenHash, csrfToken) {
      const reply = await redis(() =>
        run.END_SESSION([keys.session(tokenHash)], [keys.userSessions(""), csrfToken ?? "", keys.events()]),
      );
      if (!Array.isArray(reply)) return { status: "none" };
      if (reply[0] === "csrf_failed" || reply[0] === "legacy") return { status: reply[0] };
      const record = recordFrom(reply[0], reply.slice(1));
      return record ? { status: "ended", record } : { status: "none" };
    },
    async revoke(tokenHash) {
      const reply = await redis(() =>
        run.TAKE_SESSION([keys.session(tokenHash)], [keys.userSessions(""), keys.events()]),
      );
      return Array.isArray(reply) ? recordFrom(reply[0], reply.slice(1)) : null;
    },
    async list(userId) {
      // Two round trips: the user's index, then every indexed session in one pipeline (a read: no MULTI needed).
      const reply = await redis(() => run.SESSION_INDEX([keys.userSessions(userId)], []));
      const hashes = Array.isArray(reply) ? reply.map(String) : [];
      if (hashes.length === 0) return [];
      const batch = client.pipeline();
      for (const hash of hashes) batch.eval(READ_SESSION, [keys.session(hash)], []);
      const replies = (await redis(() => batch.exec())) as unknown[];
      const sessions: Array<{ tokenHash: string; record: SessionRecord }> = [];
      for (const [i, entry] of replies.entries()) {
        const tokenHash = hashes[i];
        const record = Array.isArray(entry) ? recordFrom(entry[0], entry.slice(1)) : null;
        if (tokenHash && record) sessions.push({ tokenHash, record });
      }
      return sessions;
    },
    async update(tokenHash, record) {
      await redis(() =>
        run.UPDATE_SESSION([keys.session(tokenHash)], [record.organization_id, JSON.stringify(record)]),
      );
    },
    async revokeAll(userId, exceptTokenHash) {
      return Number(
        await redis(() =>
          run.REVOKE_USER_SESSIONS(
            [keys.userSessions(userId)],
            [keys.session(""), exceptTokenHash ?? "", keys.events(), userId],
          ),
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
    async dropSnapshots(userIds) {
      if (userIds.length > 0) await redis(() => client.del(...userIds.map((id) => keys.userSnapshot(id))));
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
