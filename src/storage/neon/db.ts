import type { NeonQueryFunction } from "@neondatabase/serverless";
import { onFirstUse } from "../../on-first-use";

/**
 * A handle on the database: what repositories hold and pass to queryRunner (storage/neon/sql.ts).
 * drizzle-orm builds the SQL (its dialect, with our tables in ./schema); statements are run by the Neon
 * driver's HTTP client, loaded on the first statement an isolate runs: most hot requests are served
 * from Redis alone, and the driver (with its WebSocket client, which shares its module) is the largest
 * library a cold start would otherwise evaluate.
 */
export interface Database {
  readonly kind: "neon-http";
}

/** What the query runner needs: the raw HTTP client (on first use) and the deadline. */
export interface StatementRunner {
  client(): Promise<NeonQueryFunction<false, true>>;
  timeoutMs: number;
}

export const statementRunners = new WeakMap<object, StatementRunner>();

/** The Neon driver's module, loaded on first use (src/index.ts also loads it after a first answer). */
export const neonDriver = () => import("@neondatabase/serverless");

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
  const client = onFirstUse(() =>
    neonDriver().then(({ neon, neonConfig }) => {
      if (options.httpEndpoint) neonConfig.fetchEndpoint = options.httpEndpoint;
      if (options.wsProxy) {
        const proxy = options.wsProxy;
        neonConfig.wsProxy = (host: string, port: number | string) => `${proxy}/v1?address=${host}:${port}`;
        neonConfig.useSecureWebSocket = false;
        neonConfig.pipelineConnect = false;
      }
      return neon(options.url, { fullResults: true });
    }),
  );
  const db: Database = { kind: "neon-http" };
  statementRunners.set(db, { client, timeoutMs: options.timeoutMs ?? 5000 });
  return db;
}
