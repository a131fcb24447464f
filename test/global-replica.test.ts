// The simulated global Upstash database of the local stack (localstack/global-redis.ts), through the
// production client: writes at the primary reach another region's replica only after the lag, unless
// the read carries the write's sync token (Upstash's read-your-writes), and writes sent to the replica
// region land on the primary. The worker's own behaviour on it is the global-replicas issue's work.
import { Redis } from "@upstash/redis/cloudflare";
import { describe, expect, it } from "vitest";
import { generateToken } from "../src/crypto/random";
import { createRedisClient } from "../src/storage/upstash/client";
import { bindings } from "./support/harness";

const lag = Number(bindings.GLOBAL_LAG_MS);
const region = (url: string, readYourWrites = true) =>
  new Redis({
    url,
    token: bindings.GLOBAL_TOKEN ?? "",
    automaticDeserialization: false,
    enableTelemetry: false,
    enableAutoPipelining: false,
    readYourWrites,
  });
const key = () => `global:${generateToken(16)}`;

// Only where the machine has redis-server (CI does); the in-process engine has no replication.
describe.runIf(bindings.GLOBAL_PRIMARY_URL)("simulated global Upstash (primary + lagging replica)", () => {
  it("a write at the primary is not at another region's replica until the lag has passed", async () => {
    const frankfurt = region(bindings.GLOBAL_PRIMARY_URL ?? "");
    const sydney = region(bindings.GLOBAL_REPLICA_URL ?? "");
    const k = key();
    await frankfurt.set(k, "v1");
    const started = Date.now();
    expect(await sydney.get(k)).toBeNull();
    // It arrives: lag after the write, give or take the proxy's scheduling.
    let seen: string | null = null;
    while (seen === null && Date.now() - started < lag * 4) {
      await new Promise((r) => setTimeout(r, 20));
      seen = await sydney.get<string>(k);
    }
    expect(seen).toBe("v1");
    expect(Date.now() - started).toBeGreaterThanOrEqual(lag * 0.8);
  });

  it("a read that carries the write's sync token waits for the replica (read-your-writes)", async () => {
    // As @upstash/redis does within one client instance: the write's token sent with the next read.
    const k = key();
    const write = await fetch(`${bindings.GLOBAL_PRIMARY_URL}/`, {
      method: "POST",
      headers: { authorization: `Bearer ${bindings.GLOBAL_TOKEN}` },
      body: JSON.stringify(["SET", k, "fresh"]),
    });
    const synced = write.headers.get("upstash-sync-token") ?? "";
    const started = Date.now();
    const read = await fetch(`${bindings.GLOBAL_REPLICA_URL}/`, {
      method: "POST",
      headers: { authorization: `Bearer ${bindings.GLOBAL_TOKEN}`, "upstash-sync-token": synced },
      body: JSON.stringify(["GET", k]),
    });
    expect(((await read.json()) as { result: string }).result).toBe("fresh");
    // It waited for the replica, not for nothing.
    expect(Date.now() - started).toBeGreaterThanOrEqual(lag * 0.5);
    expect(Number(read.headers.get("upstash-sync-token"))).toBeGreaterThanOrEqual(Number(synced));
    // Without the token, a second key written now is not there yet.
    const k2 = key();
    await region(bindings.GLOBAL_PRIMARY_URL ?? "", false).set(k2, "later");
    expect(await region(bindings.GLOBAL_REPLICA_URL ?? "", false).get(k2)).toBeNull();
  });

  it("writes and scripts sent to the replica region run at the primary", async () => {
    const sydney = region(bindings.GLOBAL_REPLICA_URL ?? "", false);
    const frankfurt = region(bindings.GLOBAL_PRIMARY_URL ?? "", false);
    const k = key();
    expect(await sydney.set(k, "from sydney")).toBe("OK");
    expect(await frankfurt.get(k)).toBe("from sydney");
    const incremented = await sydney.eval("return redis.call('INCR', KEYS[1])", [`${k}:n`], []);
    expect(incremented).toBe(1);
    expect(await frankfurt.get(`${k}:n`)).toBe("1");
  });

  it("the worker's client reads near even right after its own write (no isolate-wide sync token)", async () => {
    // One isolate serves many users: the SDK's default would make every read after any write wait for
    // the replica. The worker's client asks the primary itself where a read must see a fresh write.
    const sydney = createRedisClient({ url: bindings.GLOBAL_REPLICA_URL ?? "", token: bindings.GLOBAL_TOKEN ?? "" });
    const [written, other] = [key(), key()];
    await sydney.set(other, "old");
    await new Promise((r) => setTimeout(r, lag * 2));
    await sydney.set(written, "now");
    const started = Date.now();
    expect(await sydney.get(other)).toBe("old");
    expect(Date.now() - started).toBeLessThan(lag / 2);
    // And the write is indeed not at the replica yet: that read did not wait for it.
    expect(await sydney.get(written)).toBeNull();
  });
});
