// The Redis behind the local Upstash endpoint: REDIS_URL, else a redis-server found on PATH,
// else an in-process engine (ioredis-mock), so a laptop without Redis still runs everything.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import type { Redis as IORedis } from "ioredis";

const require = createRequire(import.meta.url);

export type RedisArg = string | number;
export type RedisReply = null | number | string | Buffer | RedisReply[];
export type PipelineEntry = { result: RedisReply } | { error: string };

export interface RedisEngine {
  readonly description: string;
  command(args: RedisArg[]): Promise<RedisReply>;
  /** Runs the commands as one MULTI/EXEC; throws when the whole transaction is discarded. */
  transaction(commands: RedisArg[][]): Promise<PipelineEntry[]>;
  close(): Promise<void>;
}

export async function startRedisEngine(options: {
  redisUrl?: string;
  port?: number;
  log?: (line: string) => void;
}): Promise<RedisEngine> {
  const log = options.log ?? ((line: string) => console.log(line));
  if (options.redisUrl) return connectRedis(options.redisUrl, `Redis at ${redact(options.redisUrl)}`);
  // LOCALSTACK_REDIS_ENGINE=memory skips redis-server even when installed (to try the fallback).
  const server = process.env.LOCALSTACK_REDIS_ENGINE === "memory" ? null : findRedisServer();
  if (server) {
    const port = options.port ?? (await freePort());
    const child = spawn(server, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: "ignore",
    });
    // Belt and braces: never leave a redis-server behind, even if the parent dies abruptly.
    process.once("exit", () => child.kill("SIGTERM"));
    await waitForPort(port, child);
    const engine = await connectRedis(`redis://127.0.0.1:${port}`, `redis-server (${server}) on 127.0.0.1:${port}`);
    return {
      ...engine,
      async close(): Promise<void> {
        await engine.close();
        child.kill("SIGTERM");
      },
    };
  }
  log(
    "[localstack] no REDIS_URL and no redis-server on PATH: using the in-process Redis engine (data is lost on exit)",
  );
  return inProcessEngine();
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}

export function findRedisServer(): string | null {
  const found = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" });
  const path = found.stdout.trim();
  return found.status === 0 && path !== "" ? path : null;
}

export async function freePort(): Promise<number> {
  const net = await import("node:net");
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const net = await import("node:net");
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server did not listen on 127.0.0.1:${port}`);
}

export async function connectRedis(url: string, description: string): Promise<RedisEngine> {
  const { Redis } = require("ioredis") as { Redis: typeof IORedis };
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  await client.connect();
  return {
    description,
    async command(args) {
      const [name, ...rest] = args;
      return (await client.callBuffer(String(name), ...rest.map(String))) as RedisReply;
    },
    async transaction(commands) {
      const multi = client.multi();
      for (const [name, ...rest] of commands) multi.callBuffer(String(name), ...rest.map(String));
      const results = (await multi.exec()) ?? [];
      return results.map(([error, result]: [Error | null, unknown]) =>
        error ? { error: error.message } : { result: result as RedisReply },
      );
    },
    async close() {
      client.disconnect();
    },
  };
}

type MockClient = Record<string, (...args: string[]) => Promise<unknown>> & {
  multi(commands: string[][]): { exec(): Promise<Array<[Error | null, unknown]>> };
  disconnect(): void;
};

export function inProcessEngine(): RedisEngine {
  const RedisMock = require("ioredis-mock") as new () => MockClient;
  const client = new RedisMock();
  const scripts = new Map<string, string>();
  const method = (name: RedisArg): string => {
    const lower = String(name).toLowerCase();
    if (typeof client[lower] !== "function") throw new Error(`ERR unknown command '${name}'`);
    return lower;
  };
  return {
    description: "in-process Redis engine (ioredis-mock)",
    async command(args) {
      const [name, ...rest] = normalizeMockArgs(args);
      // Read-only script variants run as the plain ones (one engine, no replicas to route them to).
      const lower = String(name).toLowerCase().replace(/_ro$/, "");
      // Like Redis (and Upstash), keep every script seen so EVALSHA works; the mock has no script cache.
      if (lower === "eval") scripts.set(sha1(String(rest[0])), String(rest[0]));
      if (lower === "script" && String(rest[0]).toLowerCase() === "load") {
        const sha = sha1(String(rest[1]));
        scripts.set(sha, String(rest[1]));
        return sha;
      }
      if (lower === "evalsha") {
        const script = scripts.get(String(rest[0]).toLowerCase());
        if (script === undefined) throw new Error("NOSCRIPT No matching script. Please use EVAL.");
        return normalizeMockReply(await client.eval!(script, ...rest.slice(1).map(String)));
      }
      return normalizeMockReply(await client[method(lower)]!(...rest.map(String)));
    },
    async transaction(commands) {
      const results = await client
        .multi(
          commands
            .map((command) => normalizeMockArgs(command))
            .map(([name, ...rest]) => [method(name ?? ""), ...rest.map(String)]),
        )
        .exec();
      return results.map(([error, result]) =>
        error ? { error: error.message } : { result: normalizeMockReply(result) },
      );
    },
    async close() {
      client.disconnect();
    },
  };
}

// Redis takes options in any case; ioredis-mock only in upper case (the SDK sends `set k v nx ex 60`).
function normalizeMockArgs(args: RedisArg[]): RedisArg[] {
  if (String(args[0]).toLowerCase() !== "set") return args;
  return args.map((a, i) => (i >= 3 && typeof a === "string" ? a.toUpperCase() : a));
}

// ioredis-mock returns JS shapes where Redis returns RESP: nil from Lua arrives as false, HGETALL as an object.
function normalizeMockReply(value: unknown): RedisReply {
  if (value === undefined || value === null || value === false) return null;
  if (value === true) return 1;
  if (typeof value === "number" || typeof value === "string" || Buffer.isBuffer(value)) return value;
  if (Array.isArray(value)) return value.map(normalizeMockReply);
  if (typeof value === "object")
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => [k, normalizeMockReply(v)]);
  return String(value);
}

function sha1(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}
