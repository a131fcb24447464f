// The adapter's Lua scripts run by EVALSHA (@upstash/redis createScript): the SHA-1 the client sends
// is the one Redis computes for the same source, and a Redis that has not seen a script yet costs one
// EVAL fallback, after which the body is never sent again.
import { describe, expect, it } from "vitest";
import * as sources from "../src/storage/upstash/scripts";
import { luaScripts } from "../src/storage/upstash/stores";
import { bindings, createHarness } from "./support/harness";
import { countRoundTrips } from "./support/round-trips";
import { useHarness } from "./support/setup";

const h = useHarness();

async function sha1Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

describe("Lua scripts", () => {
  it("every script's SHA-1 (what EVALSHA sends) is the one Redis computes", async () => {
    const names = Object.keys(sources);
    expect(names.length).toBeGreaterThanOrEqual(15);
    for (const [name, source] of Object.entries(sources)) {
      expect(await h.redis.scriptLoad(source), name).toBe(await sha1Hex(source));
      const script = h.redis.createScript(source);
      await (script as unknown as { init(s: string): Promise<void> }).init(source);
      expect(script.sha1, name).toBe(await sha1Hex(source));
    }
  });

  it("a Redis without the script: one EVAL fallback, then EVALSHA alone", async () => {
    // The fault tests' own Redis, so flushing its script cache disturbs no other test file.
    const own = await createHarness({
      UPSTASH_REDIS_REST_URL: bindings.FAULT_UPSTASH_URL!,
      UPSTASH_REDIS_REST_TOKEN: bindings.FAULT_UPSTASH_TOKEN!,
    });
    try {
      await own.redis.scriptFlush();
      const run = luaScripts(own.redis, { CLAIM: sources.CLAIM });
      const key = own.keys.idempotency(`script-test-${crypto.randomUUID()}`);
      const first = await countRoundTrips({ redis: own.config.redis.url, sql: "-" }, () =>
        run.CLAIM([key], ["pending", 60]),
      );
      expect(first.trips.redis).toBe(2);
      expect(first.result).toBeNull();
      const second = await countRoundTrips({ redis: own.config.redis.url, sql: "-" }, () =>
        run.CLAIM([key], ["pending", 60]),
      );
      expect(second.trips.redis).toBe(1);
      expect(second.result).toBe("pending");
    } finally {
      await own.close();
    }
  });
});
