import { type SQL, sql } from "drizzle-orm";
import { withTimeout } from "../deadline";
import { guardStore } from "../guard";
import { type Database, statementDeadlines } from "./db";

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

/** Runs one statement through the store guard (outage -> 503) and returns its rows. */
export function queryRunner(db: Database): <T>(statement: SQL) => Promise<T[]> {
  const deadline = statementDeadlines.get(db) ?? 5000;
  return async <T>(statement: SQL): Promise<T[]> =>
    (
      await guardStore("postgres", async () => {
        try {
          return await withTimeout(db.execute(statement), deadline, "postgres");
        } catch (error) {
          throw asConstraintViolation(error) ?? error;
        }
      })
    ).rows as T[];
}
