import { open, seal } from "../crypto/aead";
import { AuthError } from "../errors";
import type { Claimed, DurableClaim } from "../ports";

// Idempotency-Key for effects that live in Postgres: the response a create verb will give is sealed
// before the statement runs and stored by the same statement (storage/neon/idempotency.ts), so a retry
// after a crash between the effect and the Redis record replays it instead of creating it twice.

/** The request's Idempotency-Key, as scoped by the middleware (to the authenticated principal). */
export interface IdempotencyScope {
  recordKey: string;
  sealKey: Uint8Array;
}

export const IDEMPOTENCY_KEEP_MS = 24 * 60 * 60 * 1000;

export async function durableClaim(
  scope: IdempotencyScope | null,
  response: unknown,
  now: number,
): Promise<DurableClaim | null> {
  if (scope === null) return null;
  return {
    recordKey: `pg:${scope.recordKey}`,
    response: await seal(scope.sealKey, JSON.stringify(response)),
    expiresAt: now + IDEMPOTENCY_KEEP_MS,
  };
}

/** The created value, or the one stored by the earlier run of the same request. */
export async function settleClaim<T, R>(
  scope: IdempotencyScope | null,
  result: Claimed<T>,
  created: (value: T) => R,
): Promise<R> {
  if (result.status === "created") return created(result.value);
  const stored = scope ? await open(scope.sealKey, result.response) : null;
  if (stored === null) throw new AuthError("idempotency_conflict");
  return JSON.parse(stored) as R;
}
