// Counts upstream calls by wrapping the global fetch the production clients use
// (@upstash/redis and @neondatabase/serverless both call it at request time).
export interface RoundTrips {
  redis: number;
  sql: number;
  /** Upstream calls in the order they were made. */
  calls: Array<"redis" | "sql">;
  /** The Redis commands sent, lower case, in order (a pipeline's or transaction's as one entry each). */
  commands: string[];
}

export async function countRoundTrips<T>(
  endpoints: { redis: string; sql: string },
  run: () => Promise<T>,
): Promise<{ result: T; trips: RoundTrips }> {
  const original = globalThis.fetch;
  const trips: RoundTrips = { redis: 0, sql: 0, calls: [], commands: [] };
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.toString() : input.url;
    if (url.startsWith(endpoints.redis)) {
      trips.redis++;
      trips.calls.push("redis");
      try {
        const body = JSON.parse(String(init?.body ?? "[]")) as unknown[];
        const first = Array.isArray(body[0]) ? body[0][0] : body[0];
        trips.commands.push(String(first).toLowerCase());
      } catch {
        trips.commands.push("?");
      }
    } else if (url.startsWith(endpoints.sql)) {
      trips.sql++;
      trips.calls.push("sql");
    }
    return original(input, init);
  }) as typeof fetch;
  try {
    return { result: await run(), trips };
  } finally {
    globalThis.fetch = original;
  }
}
