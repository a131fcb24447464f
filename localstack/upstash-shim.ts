// A local endpoint that speaks Upstash's REST protocol, so the worker uses @upstash/redis unchanged.
// Wire details, as @upstash/redis speaks them (POST /, /pipeline, /multi-exec; Bearer token;
// Upstash-Encoding: base64 encodes every string but "OK"; command errors are 400 {error}).

import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { PipelineEntry, RedisArg, RedisEngine, RedisReply } from "./redis-engine.ts";

export interface UpstashShim {
  url: string;
  token: string;
  /** HTTP requests served: each is one round trip for the worker (benchmarks read the deltas). */
  requests(): number;
  close(): Promise<void>;
}

export async function startUpstashShim(options: {
  engine: RedisEngine;
  token: string;
  port?: number;
}): Promise<UpstashShim> {
  let served = 0;
  const server = createServer((req, res) => {
    served++;
    handle(options, req, res).catch((error: unknown) => send(res, 500, { error: `ERR shim: ${String(error)}` }));
  });
  const port = await listen(server, options.port ?? 0);
  return {
    url: `http://127.0.0.1:${port}`,
    token: options.token,
    requests: () => served,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(
  options: { engine: RedisEngine; token: string },
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (req.method === "GET" && req.url === "/") return send(res, 200, "Welcome to the local Upstash endpoint");
  if (req.method !== "POST") return send(res, 405, { error: "ERR method not allowed" });
  if (!hasToken(req.headers.authorization, options.token)) return send(res, 401, { error: "Unauthorized" });
  const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
  const body = await readBody(req);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return send(res, 400, { error: "ERR failed to parse the request body as JSON" });
  }
  const path = (req.url ?? "/").split("?")[0];
  if (path === "/" || path === "") {
    if (!isCommand(parsed)) return send(res, 400, { error: "ERR the body must be a command array" });
    try {
      return send(res, 200, { result: encode(await options.engine.command(parsed), base64) });
    } catch (error) {
      return send(res, 400, { error: errorText(error) });
    }
  }
  if (path === "/pipeline" || path === "/multi-exec") {
    if (!Array.isArray(parsed) || !parsed.every(isCommand))
      return send(res, 400, { error: "ERR the body must be an array of commands" });
    let entries: PipelineEntry[];
    if (path === "/multi-exec") {
      try {
        entries = await options.engine.transaction(parsed);
      } catch (error) {
        return send(res, 400, { error: errorText(error) });
      }
    } else {
      entries = [];
      for (const command of parsed) {
        try {
          entries.push({ result: await options.engine.command(command) });
        } catch (error) {
          entries.push({ error: errorText(error) });
        }
      }
    }
    return send(
      res,
      200,
      entries.map((e) => ("error" in e ? e : { result: encode(e.result, base64) })),
    );
  }
  return send(res, 404, { error: "ERR endpoint not found" });
}

function hasToken(header: string | undefined, token: string): boolean {
  const presented = Buffer.from(header ?? "");
  const expected = Buffer.from(`Bearer ${token}`);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

function isCommand(value: unknown): value is RedisArg[] {
  return (
    Array.isArray(value) && value.length > 0 && value.every((a) => ["string", "number", "boolean"].includes(typeof a))
  );
}

function encode(reply: RedisReply, base64: boolean): unknown {
  if (reply === null || typeof reply === "number") return reply;
  if (Array.isArray(reply)) return reply.map((r) => encode(r, base64));
  const text = typeof reply === "string" ? reply : reply.toString("utf8");
  if (!base64 || text === "OK") return text;
  return (typeof reply === "string" ? Buffer.from(reply, "utf8") : reply).toString("base64");
}

function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return /^[A-Z]+ /.test(message) ? message : `ERR ${message}`;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, {
    "content-type": typeof body === "string" ? "text/plain" : "application/json",
    "upstash-sync-token": "local",
  });
  res.end(text);
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}
