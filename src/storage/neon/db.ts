import { neon, neonConfig } from "@neondatabase/serverless";
import { drizzle, type NeonHttpDatabase } from "drizzle-orm/neon-http";
import * as schema from "./schema";

export type Database = NeonHttpDatabase<typeof schema>;

/** Each database's statement deadline (ms), read by the query runner (storage/neon/sql.ts). */
export const statementDeadlines = new WeakMap<object, number>();

/**
 * Neon over HTTP: one fetch per statement or batch, no connection setup, which suits a request-scoped
 * Worker. The endpoint overrides exist only for the local stack; production keeps Neon's defaults.
 */
export function createDatabase(options: {
  url: string;
  httpEndpoint: string | null;
  wsProxy: string | null;
  timeoutMs?: number;
}): Database {
  if (options.httpEndpoint) neonConfig.fetchEndpoint = options.httpEndpoint;
  if (options.wsProxy) {
    const proxy = options.wsProxy;
    neonConfig.wsProxy = (host: string, port: number | string) => `${proxy}/v1?address=${host}:${port}`;
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineConnect = false;
  }
  const db = drizzle({ client: neon(options.url), schema });
  statementDeadlines.set(db, options.timeoutMs ?? 5000);
  return db;
}
