// A local endpoint that speaks Neon's serverless protocols, so the worker uses @neondatabase/serverless
// unchanged: SQL over HTTP at POST /sql, and the WebSocket-to-TCP proxy at /v1?address=host:port.
// Wire details: the request and answer shapes @neondatabase/serverless sends and expects (its source).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { createConnection } from "node:net";
import type * as PG from "pg";
import type * as WS from "ws";
import { listen, readBody } from "./upstash-shim.ts";

const require = createRequire(import.meta.url);
const pg = require("pg") as typeof PG;
const { WebSocketServer } = require("ws") as typeof WS;

export interface NeonShim {
  /** Value for neonConfig.fetchEndpoint. */
  sqlEndpoint: string;
  /** host:port of the WebSocket proxy; the worker builds `${wsProxy}/v1?address=${host}:${port}`. */
  wsProxy: string;
  /** SQL-over-HTTP requests served (one round trip each). */
  requests(): number;
  close(): Promise<void>;
}

interface Query {
  query: string;
  params?: unknown[];
}

const ISOLATION: Record<string, string> = {
  ReadUncommitted: "READ UNCOMMITTED",
  ReadCommitted: "READ COMMITTED",
  RepeatableRead: "REPEATABLE READ",
  Serializable: "SERIALIZABLE",
};

// Neon's proxy answers with Postgres' text representation of every value; the driver parses it by type id.
const rawText = { getTypeParser: () => (value: string) => value } as unknown as PG.CustomTypesConfig;

export async function startNeonShim(options: { allowedAddresses: string[]; port?: number }): Promise<NeonShim> {
  const pools = new Map<string, PG.Pool>();
  const poolFor = (connectionString: string): PG.Pool => {
    let pool = pools.get(connectionString);
    if (!pool) {
      const url = new URL(connectionString);
      url.searchParams.delete("sslmode");
      url.searchParams.delete("application_name");
      pool = new pg.Pool({ connectionString: url.toString(), max: 10, idleTimeoutMillis: 5_000 });
      pool.on("error", () => undefined);
      pools.set(connectionString, pool);
    }
    return pool;
  };

  let served = 0;
  const server = createServer((req, res) => {
    served++;
    handleSql(poolFor, req, res).catch((error: unknown) => sendJson(res, 500, { message: String(error) }));
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url ?? "/", "http://local");
    const address = url.searchParams.get("address") ?? "";
    if (url.pathname !== "/v1" || !options.allowedAddresses.includes(address)) {
      socket.end("HTTP/1.1 400 Bad Request\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => proxy(ws, address));
  });

  const port = await listen(server, options.port ?? 0);
  return {
    sqlEndpoint: `http://127.0.0.1:${port}/sql`,
    wsProxy: `127.0.0.1:${port}`,
    requests: () => served,
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await Promise.all([...pools.values()].map((p) => p.end().catch(() => undefined)));
    },
  };
}

function proxy(ws: WS.WebSocket, address: string): void {
  const colon = address.lastIndexOf(":");
  const tcp = createConnection(Number(address.slice(colon + 1)), address.slice(0, colon));
  const pending: Buffer[] = [];
  let connected = false;
  tcp.on("connect", () => {
    connected = true;
    for (const chunk of pending.splice(0)) tcp.write(chunk);
  });
  ws.on("message", (data: Buffer) => (connected ? tcp.write(data) : pending.push(Buffer.from(data))));
  tcp.on("data", (data) => ws.send(data, { binary: true }));
  tcp.on("close", () => ws.close(1000, "TCP connection is closed"));
  tcp.on("error", () => ws.close(1011, "TCP connection failed"));
  ws.on("close", () => tcp.destroy());
  ws.on("error", () => tcp.destroy());
}

async function handleSql(poolFor: (cs: string) => PG.Pool, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== "POST" || !(req.url ?? "").startsWith("/sql")) return sendJson(res, 404, { message: "not found" });
  const connectionString = String(req.headers["neon-connection-string"] ?? "");
  if (connectionString === "") return sendJson(res, 400, { message: "missing Neon-Connection-String header" });
  let body: Query & { queries?: Query[] };
  try {
    body = JSON.parse(await readBody(req)) as Query & { queries?: Query[] };
  } catch {
    return sendJson(res, 400, { message: "request body is not JSON" });
  }
  const pool = poolFor(connectionString);
  const client = await pool.connect();
  let inTransaction = false;
  try {
    if (Array.isArray(body.queries)) {
      const isolation = ISOLATION[String(req.headers["neon-batch-isolation-level"] ?? "")] ?? "READ COMMITTED";
      const readOnly = req.headers["neon-batch-read-only"] === "true" ? " READ ONLY" : "";
      const deferrable = req.headers["neon-batch-deferrable"] === "true" ? " DEFERRABLE" : "";
      await client.query(`BEGIN ISOLATION LEVEL ${isolation}${readOnly}${deferrable}`);
      inTransaction = true;
      const results = [];
      for (const q of body.queries) results.push(await run(client, q));
      await client.query("COMMIT");
      inTransaction = false;
      return sendJson(res, 200, { results });
    }
    return sendJson(res, 200, await run(client, body));
  } catch (error) {
    if (inTransaction) await client.query("ROLLBACK").catch(() => undefined);
    return sendJson(res, 400, pgErrorBody(error));
  } finally {
    client.release();
  }
}

async function run(client: PG.PoolClient, q: Query): Promise<unknown> {
  const result = await client.query({ text: q.query, values: q.params ?? [], rowMode: "array", types: rawText });
  return {
    command: result.command,
    rowCount: result.rowCount,
    rows: result.rows,
    fields: result.fields.map((f) => ({ ...f, format: "text" })),
    rowAsArray: true,
  };
}

function pgErrorBody(error: unknown): Record<string, unknown> {
  const e = error as Record<string, unknown>;
  const keys = [
    "code",
    "detail",
    "hint",
    "position",
    "internalPosition",
    "internalQuery",
    "severity",
    "where",
    "table",
    "column",
    "schema",
    "dataType",
    "constraint",
    "file",
    "line",
    "routine",
  ];
  const body: Record<string, unknown> = { message: error instanceof Error ? error.message : String(error) };
  for (const k of keys) if (e[k] !== undefined) body[k] = e[k];
  return body;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
