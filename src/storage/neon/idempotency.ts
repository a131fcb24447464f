import { type SQL, sql } from "drizzle-orm";
import type { DurableClaim } from "../../ports";
import { idempotencyKeys } from "./schema";

// An Idempotency-Key claim written by the very statement that has the effect (Stripe's design): the
// CTE `idem` inserts the record, and the effect's CTEs run only `where exists (select 1 from idem)`.
// Either both commit or neither does, so a retry after a crash finds the record and replays it.

/** The `idem` CTE: claims the key (or an expired record of it); with no claim, always one row. */
export function claimCte(claim: DurableClaim | null, now: number): SQL {
  if (claim === null) return sql`idem as (select 1 as claimed)`;
  const at = new Date(now).toISOString();
  return sql`idem as (
      insert into ${idempotencyKeys} (record_key, response, created_at, expires_at)
      values (${claim.recordKey}, ${claim.response}, ${at}, ${new Date(claim.expiresAt).toISOString()})
      on conflict (record_key) do update set response = excluded.response, created_at = excluded.created_at, expires_at = excluded.expires_at
        where ${idempotencyKeys.expires_at} <= ${at}
      returning 1 as claimed
    ),
    idem_sweep as (
      delete from ${idempotencyKeys} where record_key in (
        select record_key from ${idempotencyKeys} where expires_at <= ${at} and record_key <> ${claim.recordKey} limit 20
      )
    )`;
}

/** The stored response of a key claimed before (by this or a concurrent request), read fresh. */
export function storedResponse(recordKey: string): SQL {
  return sql`select response from ${idempotencyKeys} where record_key = ${recordKey}`;
}
