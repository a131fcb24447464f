import { type NeonQueryFunction, neon, neonConfig } from "@neondatabase/serverless";
import { drizzle, type NeonHttpDatabase } from "drizzle-orm/neon-http";
import * as schema from "./schema";

export type Database = NeonHttpDatabase<typeof schema>;

/** What the query runner (storage/neon/sql.ts) needs besides drizzle: the raw HTTP client and the deadline. */
export interface StatementRunner {
  client: NeonQueryFunction<false, true>;
  timeoutMs: number;
}

export const statementRunners = new WeakMap<object, StatementRunner>();

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
  const client = neon(options.url, { fullResults: true });
  const db = drizzle({ client, schema });
  statementRunners.set(db, { client, timeoutMs: options.timeoutMs ?? 5000 });
  return db;
}
