// A simulated global Upstash database (test mode, with redis-server on PATH): a primary redis-server and
// a read replica fed by Redis's own replication through a latency proxy, so the replica applies every
// write `lagMs` after the primary did (scripts replicate by their effects, as on Upstash). Two Upstash
// endpoints, as two regions see the database:
// - `primaryUrl`, the primary region: everything runs on the primary;
// - `replicaUrl`, another region: read-only commands are served by the replica, writes and scripts are
//   forwarded to the primary.
// Each answer carries `upstash-sync-token` (the replication offset it reflects); a read that sends one
// waits until the replica has applied that much (Upstash's read-your-writes), at most 10 s.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { startLatencyProxy } from "./latency-proxy.ts";
import {
  connectRedis,
  findRedisServer,
  freePort,
  type RedisArg,
  type RedisEngine,
  waitForPort,
} from "./redis-engine.ts";
import { listen, readBody, startUpstashShim } from "./upstash-shim.ts";

export interface GlobalRedis {
  /** The primary region's Upstash endpoint. */
  primaryUrl: string;
  /** Another region's Upstash endpoint: reads at the lagging replica. */
  replicaUrl: string;
  token: string;
  lagMs: number;
  /**
   * For benchmarks: how far the primary region is from the replica's region (one-way ms, so a write
   * or script sent to the replica endpoint costs a round trip of twice this before it runs).
   */
  setPrimaryDistance(oneWayMs: number): void;
  /** Requests the replica endpoint answered there (near) and passed on to the primary (far). */
  counters(): { near: number; far: number };
  description: string;
  close(): Promise<void>;
}

/** Commands a replica may answer (everything else, scripts included, goes to the primary). */
const READ_ONLY = new Set(
  "GET MGET STRLEN GETRANGE EXISTS TTL PTTL TYPE HGET HMGET HGETALL HLEN HEXISTS HKEYS HVALS SMEMBERS SISMEMBER SCARD ZRANGE ZSCORE ZCARD ZRANGEBYSCORE LRANGE LLEN KEYS SCAN DBSIZE PING EVAL_RO EVALSHA_RO".split(
    " ",
  ),
);

const isRead = (command: RedisArg[]) => READ_ONLY.has(String(command[0]).toUpperCase());

async function offset(engine: RedisEngine, field: "master_repl_offset" | "slave_repl_offset"): Promise<number> {
  const info = String(await engine.command(["INFO", "replication"]));
  return Number(new RegExp(`${field}:(\\d+)`).exec(info)?.[1] ?? 0);
}

export async function startGlobalRedis(options: { lagMs: number }): Promise<GlobalRedis | null> {
  const server = findRedisServer();
  if (!server) return null;
  const children: ChildProcess[] = [];
  const start = async (args: string[]): Promise<number> => {
    const port = await freePort();
    const child = spawn(
      server,
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...args],
      {
        stdio: "ignore",
      },
    );
    children.push(child);
    process.once("exit", () => child.kill("SIGKILL"));
    await waitForPort(port, child);
    return port;
  };
  const primaryPort = await start([]);
  // The replication link goes through a proxy that holds every chunk lagMs: the replica's lag.
  const link = await startLatencyProxy(`http://127.0.0.1:${primaryPort}`);
  link.setOneWay(options.lagMs);
  const replicaPort = await start([
    "--replicaof",
    "127.0.0.1",
    new URL(link.url).port,
    "--replica-serve-stale-data",
    "yes",
  ]);
  const primary = await connectRedis(`redis://127.0.0.1:${primaryPort}`, "global primary");
  const replica = await connectRedis(`redis://127.0.0.1:${replicaPort}`, "global replica");
  for (let i = 0; ; i++) {
    const info = String(await replica.command(["INFO", "replication"]));
    if (/master_link_status:up/.test(info)) break;
    if (i > 400) throw new Error("the replica did not connect to the primary");
    await new Promise((r) => setTimeout(r, 25));
  }
  const token = randomBytes(24).toString("base64url");
  // Both regions' fronts pass requests to a plain shim on the primary or on the replica.
  const primaryShim = await startUpstashShim({ engine: primary, token });
  const replicaShim = await startUpstashShim({ engine: replica, token });
  // Passes a request on to one of the two shims, the answer stamped with the offset it reflects.
  const relay = async (
    to: { url: string; engine: RedisEngine; field: "master_repl_offset" | "slave_repl_offset" },
    req: IncomingMessage,
    body: string,
    res: ServerResponse,
  ) => {
    const headers: Record<string, string> = {};
    for (const name of ["authorization", "content-type", "upstash-encoding"])
      if (req.headers[name]) headers[name] = String(req.headers[name]);
    const answer = await fetch(`${to.url}${req.url ?? "/"}`, { method: req.method, headers, body });
    res.statusCode = answer.status;
    res.setHeader("content-type", answer.headers.get("content-type") ?? "application/json");
    res.setHeader("upstash-sync-token", String(await offset(to.engine, to.field)));
    res.end(await answer.text());
  };
  const atPrimary = { url: primaryShim.url, engine: primary, field: "master_repl_offset" as const };
  // What the replica's region sends to the primary crosses the distance between the two regions.
  const distance = await startLatencyProxy(primaryShim.url);
  const fromAfar = { ...atPrimary, url: distance.url };
  const counted = { near: 0, far: 0 };
  const atReplica = { url: replicaShim.url, engine: replica, field: "slave_repl_offset" as const };
  const front = (name: string, handle: (req: IncomingMessage, body: string, res: ServerResponse) => Promise<void>) =>
    createServer((req, res) => {
      void readBody(req)
        .then((body) => handle(req, body, res))
        .catch(() => {
          res.statusCode = 500;
          res.end(JSON.stringify({ error: `ERR global ${name}` }));
        });
    });
  const primaryFront = front("primary", (req, body, res) => relay(atPrimary, req, body, res));
  const replicaFront = front("replica", async (req, body, res) => {
    let commands: RedisArg[][] = [];
    try {
      const parsed = JSON.parse(body) as unknown;
      const path = (req.url ?? "/").split("?")[0];
      commands = path === "/" || path === "" ? [parsed as RedisArg[]] : (parsed as RedisArg[][]);
      if (path === "/multi-exec") commands = [["MULTI"]];
    } catch {
      commands = [["MULTI"]];
    }
    if (!commands.every((c) => Array.isArray(c) && isRead(c))) {
      counted.far++;
      return relay(fromAfar, req, body, res);
    }
    counted.near++;
    // Read-your-writes: a read that carries a token waits until the replica has applied that much.
    const wanted = Number(req.headers["upstash-sync-token"] ?? "");
    if (Number.isFinite(wanted) && wanted > 0) {
      const until = Date.now() + 10_000;
      while ((await offset(replica, "slave_repl_offset")) < wanted && Date.now() < until)
        await new Promise((r) => setTimeout(r, 5));
    }
    return relay(atReplica, req, body, res);
  });
  const [primaryFrontPort, replicaFrontPort] = [await listen(primaryFront, 0), await listen(replicaFront, 0)];
  return {
    primaryUrl: `http://127.0.0.1:${primaryFrontPort}`,
    replicaUrl: `http://127.0.0.1:${replicaFrontPort}`,
    token,
    lagMs: options.lagMs,
    setPrimaryDistance: (oneWayMs) => distance.setOneWay(oneWayMs),
    counters: () => ({ ...counted }),
    description: `redis-server primary :${primaryPort} -> replica :${replicaPort}, ${options.lagMs} ms behind`,
    async close() {
      for (const s of [primaryFront, replicaFront]) {
        s.closeAllConnections();
        s.close();
      }
      await primaryShim.close();
      await replicaShim.close();
      await primary.close().catch(() => undefined);
      await replica.close().catch(() => undefined);
      await link.close();
      await distance.close();
      for (const child of children) child.kill("SIGKILL");
    },
  };
}
