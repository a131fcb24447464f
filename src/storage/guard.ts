import { AuthError } from "../errors";
import { generateId } from "../crypto/random";

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
    console.error(JSON.stringify({ event: "store_unavailable", store, correlation_id: correlationId, error: String(cause) }));
    throw new AuthError("store_unavailable", { correlationId, cause });
  }
}
