import { sql, type SQL } from "drizzle-orm";
import { guardStore } from "../guard";
import type { Database } from "./db";

/** A timestamptz as an ISO-8601 UTC string, formatted by Postgres (no driver-side parsing). */
export const iso = (column: SQL): SQL => sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Runs one statement through the store guard (outage -> 503) and returns its rows. */
export function queryRunner(db: Database): <T>(statement: SQL) => Promise<T[]> {
  return async <T>(statement: SQL): Promise<T[]> => (await guardStore("postgres", () => db.execute(statement))).rows as T[];
}
