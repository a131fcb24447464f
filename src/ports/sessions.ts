// Ports: Browser sessions, cached user state, refresh-token families and their durable ends. Types only.
import type { RefreshTokenRecord, SessionRecord, UserSnapshot } from "../domain";

export interface SessionStore {
  /** Writes the session, indexes it under its user, and refreshes the user's snapshot, in one transaction. */
  create(tokenHash: string, record: SessionRecord, snapshot: UserSnapshot): Promise<void>;
  /**
   * Reads the session with its user's snapshot and slides its idle expiry, in one round trip.
   * `cookieDue`: half the idle window has passed since the cookie was last sent (re-send it now).
   * On a global database the read may come from the nearest replica (a logout arrives there within the
   * replica's lag); `atPrimary` asks the primary, for a browser that has just written something.
   */
  touch(
    tokenHash: string,
    now: number,
    options?: { atPrimary?: boolean },
  ): Promise<{ record: SessionRecord; snapshot: UserSnapshot | null; cookieDue: boolean } | null>;
  revoke(tokenHash: string): Promise<SessionRecord | null>;
  /**
   * Sign-out in one round trip: deletes the session only if `csrfToken` equals its stored token.
   * "legacy": the session has no stored token (an older session); nothing was deleted.
   */
  end(
    tokenHash: string,
    csrfToken: string | null,
  ): Promise<{ status: "ended"; record: SessionRecord } | { status: "csrf_failed" | "legacy" | "none" }>;
  list(userId: string): Promise<Array<{ tokenHash: string; record: SessionRecord }>>;
  /** Rewrites a session's record in place (same expiry), e.g. to switch its active organization. */
  update(tokenHash: string, record: SessionRecord): Promise<void>;
  /** Revokes every session of the user except the one given; returns how many ended. */
  revokeAll(userId: string, exceptTokenHash: string | null): Promise<number>;
}

export interface UserStateStore {
  putSnapshot(userId: string, snapshot: UserSnapshot): Promise<void>;
  /** Forgets cached snapshots, so the next request reads each user from Postgres. */
  dropSnapshots(userIds: string[]): Promise<void>;
  /** Access tokens issued before `at` (ms) and refresh families started before it stop working. */
  revokeTokensIssuedBefore(userId: string, at: number): Promise<void>;
  /** One round trip: the user's not-before, whether the token family is revoked, and the snapshot. */
  accessState(
    userId: string,
    familyId: string,
  ): Promise<{ notBefore: number; familyRevoked: boolean; snapshot: UserSnapshot | null }>;
}

export type RotateResult =
  | { status: "rotated"; record: RefreshTokenRecord; snapshot: UserSnapshot | null }
  /** The same token again within the grace window: hand back the successor already minted. */
  | { status: "replayed"; record: RefreshTokenRecord; snapshot: UserSnapshot | null; successorBox: string }
  /** A rotated token used after the grace window: the family has just been revoked. */
  | { status: "reused"; family: string; userId: string }
  | { status: "invalid" };

export interface RefreshTokenStore {
  issue(tokenHash: string, record: RefreshTokenRecord): Promise<void>;
  rotate(
    tokenHash: string,
    successorHash: string,
    successorBox: string,
    now: number,
    graceMs: number,
  ): Promise<RotateResult>;
  /** Undoes a rotation whose answer never left, while the successor is unused (see UNROTATE_REFRESH). */
  unrotate(tokenHash: string, successorHash: string): Promise<void>;
  /** Revokes the token's whole family and returns it; unknown tokens are ignored (RFC 7009): null. */
  revoke(tokenHash: string): Promise<string | null>;
  revokeFamily(family: string): Promise<void>;
}

/** Refresh families ended one by one, in Postgres: what a Redis restore cannot undo. */
export interface EndedFamilyLedger {
  /** Idempotent. `expiresAt`: when the family would have ended anyway (the row may go then). */
  end(family: string, expiresAt: number, now: number): Promise<void>;
  isEnded(family: string): Promise<boolean>;
}
