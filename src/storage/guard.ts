import { generateId } from "../crypto/random";
import { AuthError } from "../errors";

/**
 * Every store call goes through here: an unreachable or failing store becomes 503 store_unavailable
 * (logged with a correlation id), never a 500 with a driver's message, and never "allowed".
 */
export async function guardStore<T>(store: "redis" | "postgres", call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (cause) {
    // Our own answers, and statements the database refused by rule (not an outage), pass through.
    if (cause instanceof AuthError || (cause instanceof Error && cause.name === "ConstraintViolation")) throw cause;
    const correlationId = generateId("corr");
    // Never the driver's message: it can quote the statement and its bind parameters (emails, hashes).
    console.error(
      JSON.stringify({ event: "store_unavailable", store, correlation_id: correlationId, error: describe(cause) }),
    );
    throw new AuthError("store_unavailable", { correlationId, cause, headers: { "Retry-After": "2" } });
  }
}

/** What a log line may say about a store failure: its kind and SQLSTATE, never statement text or values. */
function describe(cause: unknown): string {
  const parts: string[] = [];
  for (
    let e = cause as { name?: unknown; code?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 3;
    e = e.cause as typeof e, depth++
  ) {
    const name = typeof e.name === "string" ? e.name : "Error";
    const code = typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code) ? ` ${e.code}` : "";
    // Statement text and values stay out; what is left of a message has its quoted parts blanked.
    const text = String((e as { message?: unknown }).message ?? "");
    const raw = name === "DrizzleQueryError" || text.startsWith("Failed query") ? "" : text;
    const message = raw
      .replace(/params:[\s\S]*$/, "")
      .replace(/(["'`])(?:(?!\1)[\s\S])*\1/g, "$1…$1")
      .replace(/\s+/g, " ")
      .trim()
      .slice(0, 160);
    parts.push(`${name}${code}${message ? `: ${message}` : ""}`);
  }
  return parts.join(" <- ");
}
