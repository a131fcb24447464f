// Real faults for the fault tests: the fault Redis paused, resumed, stopped, started empty, saved
// and restored (localstack/fault-redis.ts, through its control endpoint); Postgres refusing this
// file's database; a table held locked in another transaction.
import { expect } from "vitest";
import { bindings, type Harness, json } from "./harness";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function redisFault(action: "pause" | "resume" | "stop" | "start" | "save" | "restore"): Promise<void> {
  const res = await fetch(`${bindings.FAULT_CONTROL_URL}/redis/${action}`, { method: "POST" });
  expect(res.status, await res.clone().text()).toBe(200);
}

async function refusePostgres(x: Harness): Promise<void> {
  await x.adminSql.query(`ALTER DATABASE "${x.database}" ALLOW_CONNECTIONS false`);
  await x.adminSql.query(
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    [x.database],
  );
}

async function allowPostgres(x: Harness): Promise<void> {
  await x.adminSql.query(`ALTER DATABASE "${x.database}" ALLOW_CONNECTIONS true`);
}

/** Runs `during` while Postgres refuses this file's database, then lets it back in whatever happened. */
export async function whilePostgresRefuses<T>(x: Harness, during: () => Promise<T>): Promise<T> {
  await refusePostgres(x);
  try {
    return await during();
  } finally {
    await allowPostgres(x);
  }
}

export async function expect503(res: Response): Promise<void> {
  expect(res.status, await res.clone().text()).toBe(503);
  expect((await json(res)).error.code).toBe("store_unavailable");
  expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
}

/**
 * Sends `request` while Redis is paused (it answers 503 at the deadline, its command already queued
 * in Redis), then resumes Redis and waits until the queued work would have run.
 */
export async function whileRedisPaused(request: () => Promise<Response>): Promise<void> {
  await redisFault("pause");
  try {
    await expect503(await request());
    await sleep(200);
  } finally {
    await redisFault("resume");
  }
  await sleep(200);
}

/**
 * Sends `request` while `table` is held locked for 3 s (twice the SQL deadline); expects 503 within the
 * deadline, then waits for the lock to go, so anything the blocked statement would commit has committed.
 */
export async function whileLocked(x: Harness, table: string, request: () => Promise<Response>): Promise<void> {
  const sql = x.sql as unknown as { transaction(q: unknown[]): Promise<unknown>; query(text: string): unknown };
  const lock = sql.transaction([
    sql.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`),
    sql.query("SELECT pg_sleep(3)"),
  ]);
  await sleep(300);
  try {
    const started = Date.now();
    await expect503(await request());
    expect(Date.now() - started).toBeLessThan(2500);
  } finally {
    await lock;
  }
  await sleep(100);
}
