import { type SQL, sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { storeDeadline, withTimeout } from "../deadline";
import { guardStore } from "../guard";
import { type Database, statementRunners } from "./db";

/** A timestamptz as an ISO-8601 UTC string, formatted by Postgres (no driver-side parsing). */
export const iso = (column: SQL): SQL => sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * A statement refused by an integrity rule of the database (SQLSTATE class 23: unique, check, foreign
 * key, and our own triggers such as memberships_last_owner). Not an outage: repositories turn the
 * ones they expect into answers, and any other reaches the client as 409 conflict, never 503 or 500.
 */
export class ConstraintViolation extends Error {
  readonly constraint: string | null;
  constructor(constraint: string | null, cause: unknown) {
    super(`constraint violated: ${constraint ?? "unknown"}`, { cause });
    this.name = "ConstraintViolation";
    this.constraint = constraint;
  }
}

function asConstraintViolation(error: unknown): ConstraintViolation | null {
  // drizzle wraps driver errors (DrizzleQueryError) with the driver's error as `cause`.
  for (
    let e = error as { code?: unknown; constraint?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 3;
    e = e.cause as typeof e, depth++
  ) {
    if (typeof e.code === "string" && e.code.startsWith("23"))
      return new ConstraintViolation(typeof e.constraint === "string" ? e.constraint : null, error);
  }
  return null;
}

const dialect = new PgDialect();

/**
 * The first statement of every transaction: the database's own deadline for what follows, counted to
 * an absolute time (so a slow connection setup cannot stretch it), at least 1 ms. Past it Postgres
 * cancels the statement (57014) or gives up waiting for a lock (55P03) and rolls everything back.
 */
const SET_DEADLINE = `select set_config('statement_timeout', d.ms, true), set_config('lock_timeout', d.ms, true)
  from (select greatest(1, $1::bigint - floor(extract(epoch from clock_timestamp()) * 1000)::bigint)::text as ms) d`;

/**
 * Runs one statement through the store guard (outage -> 503) and returns its rows. The statement runs
 * in its own transaction behind SET_DEADLINE (one HTTP request, as before): when the worker's timer
 * answers 503, the database has already refused to commit, so the 503 tells the truth.
 */
export function queryRunner(db: Database): <T>(statement: SQL) => Promise<T[]> {
  const runner = statementRunners.get(db);
  if (!runner) throw new Error("queryRunner needs a database made by createDatabase");
  const { timeoutMs } = runner;
  return async <T>(statement: SQL): Promise<T[]> => {
    const query = dialect.sqlToQuery(statement);
    const results = await guardStore("postgres", async () => {
      const client = await runner.client();
      try {
        return await withTimeout(
          client.transaction([
            client.query(SET_DEADLINE, [storeDeadline(timeoutMs)]),
            client.query(query.sql, query.params),
          ]),
          timeoutMs,
          "postgres",
        );
      } catch (error) {
        throw asConstraintViolation(error) ?? error;
      }
    });
    return results[1]?.rows as T[];
  };
}
