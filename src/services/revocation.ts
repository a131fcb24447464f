import type { ServiceContext } from "./context";

/**
 * Ends every credential of a user at once: sessions are deleted (except `keepSessionHash`), and a
 * per-user not-before makes every access token, device token and refresh family issued until now fail
 * on next use. Short token lifetimes alone would leave stolen tokens alive for minutes (ASVS 7.4.1).
 * The not-before is written to Postgres (durable: a Redis that loses its data falls back to it, never to
 * "valid") and to Redis, with the user's refreshed snapshot, which carries it.
 */
export async function revokeAllCredentials(
  ctx: ServiceContext,
  userId: string,
  keepSessionHash: string | null,
): Promise<number> {
  const { deps } = ctx;
  const now = deps.clock.now();
  // All or nothing for the caller: the request succeeds only once Postgres holds the not-before (the
  // repository's cache wrapper then refreshes the snapshot that carries it) and Redis has ended the sessions.
  const [ended] = await Promise.all([
    deps.sessions.revokeAll(userId, keepSessionHash),
    deps.userState.revokeTokensIssuedBefore(userId, now),
    deps.users.revokeTokensBefore(userId, now),
  ]);
  return ended;
}
