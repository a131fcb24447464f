import { sql } from "drizzle-orm";
import type { EndedFamilyLedger } from "../../ports";
import type { Database } from "./db";
import { endedTokenFamilies } from "./schema";
import { queryRunner } from "./sql";

export function createEndedFamilyLedger(db: Database): EndedFamilyLedger {
  const query = queryRunner(db);
  return {
    async end(family, expiresAt, now) {
      await query(sql`
        insert into ${endedTokenFamilies} (family, ended_at, expires_at)
        values (${family}, ${new Date(now).toISOString()}, ${new Date(expiresAt).toISOString()})
        on conflict (family) do nothing`);
    },
    async isEnded(family) {
      const rows = await query(sql`select 1 from ${endedTokenFamilies} where family = ${family}`);
      return rows.length > 0;
    },
  };
}
