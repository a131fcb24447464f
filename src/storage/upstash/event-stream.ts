import { sha256Hex } from "../../crypto/hash";
import type { EventStream, StreamEvent } from "../../ports";
import type { RedisClient, RedisKeys } from "./client";
import { redis } from "./stores";

/** How long "no endpoint exists" is believed before Postgres is asked again; a new endpoint says so at once. */
const SUBSCRIBERS_TTL = 300;

/** Stream fields that are routing, not payload. */
const ROUTING = new Set(["type", "organization_id", "user_id"]);

/**
 * The Redis half of the event outbox: scripts that change Redis state (sessions) XADD their event in
 * the same atomic step; the consumer moves entries into Postgres (emit_event, which ignores a known id)
 * and only then deletes them, so a crash between the two repeats the move, never loses or doubles it.
 */
export function createEventStream(client: RedisClient, keys: RedisKeys): EventStream {
  const key = keys.events();
  return {
    async take(limit) {
      // The client runs without automatic deserialization: XRANGE's reply as Redis sends it,
      // [[id, [field, value, ...]], ...].
      const reply = (await redis(() => client.xrange(key, "-", "+", limit))) as unknown;
      const list: StreamEvent[] = [];
      for (const [entryId, flat] of Array.isArray(reply) ? (reply as Array<[string, unknown[]]>) : []) {
        const fields: Record<string, unknown> = {};
        for (let i = 0; i + 1 < flat.length; i += 2) fields[String(flat[i])] = flat[i + 1];
        const text = (name: string) =>
          fields[name] === undefined || fields[name] === null ? "" : String(fields[name]);
        const data: Record<string, unknown> = {};
        for (const [name, value] of Object.entries(fields))
          if (!ROUTING.has(name)) data[name === "session_id" ? "id" : name] = String(value);
        data.user_id = text("user_id");
        data.organization_id = text("organization_id") || null;
        list.push({
          entryId,
          id: `evt_${(await sha256Hex(`${key}|${entryId}`)).slice(0, 32)}`,
          type: text("type"),
          organizationId: text("organization_id") || null,
          userId: text("user_id") || null,
          data,
          // A stream id is `<ms>-<seq>`: Redis's clock when the entry was added.
          at: Number(entryId.split("-")[0]),
        });
      }
      return list;
    },
    async ack(entryIds) {
      if (entryIds.length > 0) await redis(() => client.xdel(key, entryIds));
    },
    async trimBefore(before) {
      await redis(() => client.xtrim(key, { strategy: "MINID", threshold: `${Math.max(0, Math.floor(before))}-0` }));
    },
    async subscribers() {
      const value = await redis(() => client.get<string | number>(keys.webhookSubscribers()));
      return value === null || value === undefined ? null : String(value) === "1";
    },
    async noteSubscribers(any) {
      await redis(() => client.set(keys.webhookSubscribers(), any ? "1" : "0", { ex: SUBSCRIBERS_TTL }));
    },
  };
}
