import type { EndedFamilyLedger, RefreshTokenStore, RotateResult } from "../ports";

// Refresh-token families live in Redis. Their ends (logout, RFC 7009 revocation, reuse detection)
// are also written to Postgres, and every refresh asks Postgres too, so a Redis restored from an
// older backup cannot bring an ended login back (its refresh tokens are still in the backup). This
// costs the refresh grant one SQL round trip; /me and every access-token check stay Redis-only.

export function withDurableEnds(
  store: RefreshTokenStore,
  ledger: EndedFamilyLedger,
  lifetimeMs: number,
  clock: { now(): number },
): RefreshTokenStore {
  return {
    issue: (tokenHash, record) => store.issue(tokenHash, record),
    unrotate: (tokenHash, successorHash) => store.unrotate(tokenHash, successorHash),
    async rotate(tokenHash, successorHash, successorBox, now, graceMs): Promise<RotateResult> {
      const result = await store.rotate(tokenHash, successorHash, successorBox, now, graceMs);
      if (result.status === "reused") {
        await ledger.end(result.family, now + lifetimeMs, now);
        return result;
      }
      if (result.status === "invalid") return result;
      if (await ledger.isEnded(result.record.family)) {
        // Ended in Postgres but alive in Redis: a restore brought it back. End it there again.
        await store.revokeFamily(result.record.family).catch(() => undefined);
        return { status: "invalid" };
      }
      return result;
    },
    async revoke(tokenHash) {
      const family = await store.revoke(tokenHash);
      if (family) await ledger.end(family, clock.now() + lifetimeMs, clock.now());
      return family;
    },
    async revokeFamily(family) {
      // Postgres first: if it fails, the 503 is true (nothing ended); the Redis marker follows.
      await ledger.end(family, clock.now() + lifetimeMs, clock.now());
      await store.revokeFamily(family);
    },
  };
}
