// Counts upstream calls by wrapping the global fetch the production clients use
// (@upstash/redis and @neondatabase/serverless both call it at request time).
export interface RoundTrips {
  redis: number;
  sql: number;
  /** Upstream calls in the order they were made. */
  calls: Array<"redis" | "sql">;
}

export async function countRoundTrips<T>(
  endpoints: { redis: string; sql: string },
  run: () => Promise<T>,
): Promise<{ result: T; trips: RoundTrips }> {
  const original = globalThis.fetch;
  const trips: RoundTrips = { redis: 0, sql: 0, calls: [] };
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.toString() : input.url;
    if (url.startsWith(endpoints.redis)) {
      trips.redis++;
      trips.calls.push("redis");
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
