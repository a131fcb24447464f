// The local stack's protocol endpoints, exercised through the production clients inside workerd.
import { neon, neonConfig, Pool } from "@neondatabase/serverless";
import { Redis } from "@upstash/redis/cloudflare";
import { describe, expect, it } from "vitest";
import { useHarness } from "./support/setup";

const h = useHarness();

describe("local Upstash endpoint", () => {
  it("round-trips values that look like base64 (Upstash-Encoding: base64 honoured)", async () => {
    const redis = new Redis({
      url: h.config.redis.url,
      token: h.config.redis.token,
      automaticDeserialization: false,
      enableTelemetry: false,
    });
    for (const value of ["test", "user", "OK", "ünïcødé ✓", '{"a":1}', "QUJD"]) {
      await redis.set(`${h.prefix}enc`, value);
      expect(await redis.get(`${h.prefix}enc`)).toBe(value);
    }
  });

  it("serves /pipeline and /multi-exec, and reports command errors", async () => {
    const redis = new Redis({
      url: h.config.redis.url,
      token: h.config.redis.token,
      automaticDeserialization: false,
      enableTelemetry: false,
      enableAutoPipelining: false,
    });
    const tx = redis.multi();
    tx.set(`${h.prefix}m`, "1");
    tx.incr(`${h.prefix}m`);
    expect(await tx.exec()).toEqual(["OK", 2]);
    const p = redis.pipeline();
    p.get(`${h.prefix}m`);
    p.ttl(`${h.prefix}m`);
    expect(await p.exec()).toEqual(["2", -1]);
    // Command errors: 400 {error} for a single command, a per-entry {error} in a pipeline.
    const call = (path: string, body: unknown) =>
      fetch(`${h.config.redis.url}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${h.config.redis.token}` },
        body: JSON.stringify(body),
      });
    const single = await call("", ["NOSUCHCOMMAND", "x"]);
    expect(single.status).toBe(400);
    expect(((await single.json()) as { error: string }).error).toMatch(/^ERR /);
    const piped = await call("/pipeline", [["PING"], ["NOSUCHCOMMAND"]]);
    const entries = (await piped.json()) as Array<{ result?: unknown; error?: string }>;
    expect(entries[0]).toEqual({ result: "PONG" });
    expect(entries[1]!.error).toMatch(/^ERR /);
  });

  it("checks the bearer token", async () => {
    const res = await fetch(h.config.redis.url, {
      method: "POST",
      headers: { authorization: "Bearer wrong" },
      body: '["PING"]',
    });
    expect(res.status).toBe(401);
    const ok = await fetch(h.config.redis.url, {
      method: "POST",
      headers: { authorization: `Bearer ${h.config.redis.token}` },
      body: '["PING"]',
    });
    expect(await ok.json()).toEqual({ result: "PONG" });
  });
});

describe("local Neon endpoint", () => {
  it("runs SQL over HTTP with typed results and atomic batches", async () => {
    const sql = neon(h.config.database.url);
    const [row] = await sql`select 1::int as one, 'x'::text as t, now() as ts, null::text as n, true as b`;
    expect(row).toMatchObject({ one: 1, t: "x", n: null, b: true });
    await expect(sql.transaction([sql`create table batch_probe (id int)`, sql`select 1/0`])).rejects.toThrow(
      /division by zero/,
    );
    const [exists] = await sql`select to_regclass('batch_probe') as t`;
    expect(exists!.t).toBeNull();
  });

  it("proxies the WebSocket driver, so interactive transactions commit and roll back", async () => {
    // The worker itself speaks HTTP only; this probe configures the driver's WebSocket side itself.
    const proxy = h.config.database.wsProxy;
    if (proxy) {
      neonConfig.wsProxy = (host: string, port: number | string) => `${proxy}/v1?address=${host}:${port}`;
      neonConfig.useSecureWebSocket = false;
      neonConfig.pipelineConnect = false;
    }
    const pool = new Pool({ connectionString: h.config.database.url });
    const client = await pool.connect();
    try {
      await client.query("create table if not exists ws_probe (v text)");
      await client.query("begin");
      await client.query("insert into ws_probe values ('kept')");
      await client.query("commit");
      await client.query("begin");
      await client.query("insert into ws_probe values ('dropped')");
      await client.query("rollback");
      const { rows } = await client.query("select v from ws_probe");
      expect(rows).toEqual([{ v: "kept" }]);
    } finally {
      client.release();
      await pool.end();
    }
  });
});
