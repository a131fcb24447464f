import type { Deps } from "../deps";

/**
 * Ends every credential of a user at once: sessions are deleted (except `keepSessionHash`), and a
 * per-user not-before makes every access token and refresh family issued until now fail on next use.
 * Short token lifetimes alone would leave stolen tokens alive for minutes (ASVS 7.4.1).
 */
export async function revokeAllCredentials(deps: Deps, userId: string, keepSessionHash: string | null): Promise<number> {
  const [ended] = await Promise.all([
    deps.sessions.revokeAll(userId, keepSessionHash),
    deps.userState.revokeTokensIssuedBefore(userId, deps.clock.now()),
  ]);
  return ended;
}
