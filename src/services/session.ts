import { sha256Hex } from "../crypto/hash";
import { generateId, generateToken, isOpaqueToken } from "../crypto/random";
import { AuthError } from "../errors";
import type { SessionOrganization, SessionRecord, UserSnapshot } from "../ports";
import { logAuthEvent } from "./audit";
import type { ServiceContext } from "./context";
import { verifyCsrfToken } from "./csrf";
import { organizationIn } from "./identity";
import { revokeAllCredentials } from "./revocation";

export interface NewSession {
  token: string;
  tokenHash: string;
  record: SessionRecord;
  /** The signed-in address (a browser sign-in also gets the known-client proof for it). */
  email?: string;
}

export interface SessionInput {
  snapshot: UserSnapshot;
  organizationId: string;
  remember: boolean;
}

/** A fresh 256-bit token every sign-in (no fixation); Redis keeps only its SHA-256. */
export async function createSession(ctx: ServiceContext, input: SessionInput): Promise<NewSession> {
  const { deps, config } = ctx;
  const now = deps.clock.now();
  const token = generateToken(32);
  const tokenHash = await sha256Hex(token);
  const record: SessionRecord = {
    id: generateId("ses", now),
    user_id: input.snapshot.user.id,
    organization_id: input.organizationId,
    created_at: now,
    absolute_expires_at: now + config.session.absoluteSeconds * 1000,
    idle_seconds: input.remember ? config.session.rememberIdleSeconds : config.session.idleSeconds,
    ip: ctx.ip,
    user_agent: ctx.userAgent.slice(0, 256),
    // Synchronizer token: checked by a plain compare (no HMAC per request) and, at sign-out, inside
    // the script that deletes the session.
    csrf: generateToken(32),
  };
  await deps.sessions.create(tokenHash, record, input.snapshot);
  return { token, tokenHash, record, email: input.snapshot.user.email };
}

export interface ValidSession {
  record: SessionRecord;
  tokenHash: string;
  snapshot: UserSnapshot;
  organization: SessionOrganization;
  /** Half the idle window has passed since the cookie was last sent: re-send it with this response. */
  cookieDue: boolean;
}

/**
 * Looks the token up, slides its idle expiry and reads the user's snapshot (one round trip). The
 * absolute cap is enforced here against our clock, not by the cookie or the Redis TTL.
 */
export async function validateSessionToken(
  ctx: ServiceContext,
  token: string,
  options: { atPrimary?: boolean } = {},
): Promise<ValidSession | null> {
  const { deps } = ctx;
  if (!isOpaqueToken(token)) return null;
  const tokenHash = await sha256Hex(token);
  const found = await deps.sessions.touch(tokenHash, ctx.now(), options);
  if (!found) return null;
  const { record } = found;
  if (deps.clock.now() >= record.absolute_expires_at) {
    await deps.sessions.revoke(tokenHash);
    return null;
  }
  const member = await membership(ctx, found.snapshot, record.user_id, record.organization_id);
  return member && { record, tokenHash, ...member, cookieDue: found.cookieDue };
}

/**
 * The user's snapshot (the cached one, else rebuilt from Postgres) and their membership in the
 * organization a credential names; null when the user is gone or has left that organization.
 */
export async function membership(
  ctx: ServiceContext,
  cached: UserSnapshot | null,
  userId: string,
  organizationId: string,
): Promise<{ snapshot: UserSnapshot; organization: SessionOrganization } | null> {
  const snapshot = cached ?? (await loadSnapshot(ctx, userId));
  const organization = snapshot && organizationIn(snapshot, organizationId);
  return snapshot && organization ? { snapshot, organization } : null;
}

/**
 * The user's snapshot read from Postgres (and so cached again by the repository's wrapper): after a
 * membership change, or when the cached copy expired or was lost.
 */
export async function loadSnapshot(ctx: ServiceContext, userId: string): Promise<UserSnapshot | null> {
  return ctx.deps.users.findSnapshot(userId);
}

/** Cookie lifetime: the idle window, never past the absolute cap. */
export function sessionCookieMaxAge(record: SessionRecord, now: number): number {
  return Math.max(0, Math.min(record.idle_seconds, Math.ceil((record.absolute_expires_at - now) / 1000)));
}

/** Logout: ends the cookie's session and/or the Bearer token's login (its refresh family). Idempotent. */
export async function endSession(
  ctx: ServiceContext,
  input: { session: { tokenHash: string; record: SessionRecord } | null; tokenFamily: string | null },
): Promise<void> {
  const { deps } = ctx;
  if (input.tokenFamily) await deps.refreshTokens.revokeFamily(input.tokenFamily);
  if (!input.session) return;
  await deps.sessions.revoke(input.session.tokenHash);
  const { record } = input.session;
  logAuthEvent(
    "session.ended",
    { user_id: record.user_id, session_id: record.id, ip: ctx.ip, reason: "logout" },
    ctx.now(),
  );
}

/**
 * Sign-out of a browser session in one round trip: one script checks `csrfHeader` against the
 * session's stored token and deletes the session with its index entry. A session from before tokens
 * were stored takes the older path (read, check the HMAC-bound cookie, delete). Idempotent.
 */
export async function endCookieSession(
  ctx: ServiceContext,
  input: { token: string; csrfHeader: string | null; csrfCookie: string | null },
): Promise<void> {
  const { deps } = ctx;
  if (!isOpaqueToken(input.token)) return;
  const tokenHash = await sha256Hex(input.token);
  const result = await deps.sessions.end(tokenHash, input.csrfHeader);
  if (result.status === "csrf_failed") throw new AuthError("csrf_failed");
  let record = result.status === "ended" ? result.record : null;
  if (result.status === "legacy") {
    const found = await deps.sessions.touch(tokenHash, ctx.now(), { atPrimary: true });
    if (!found) return;
    const cookie = input.csrfCookie;
    const valid =
      cookie !== null &&
      input.csrfHeader === cookie &&
      (await verifyCsrfToken(deps.keys.csrf, found.record.id, cookie));
    if (!valid) throw new AuthError("csrf_failed");
    record = await deps.sessions.revoke(tokenHash);
  }
  if (record)
    logAuthEvent(
      "session.ended",
      { user_id: record.user_id, session_id: record.id, ip: ctx.ip, reason: "logout" },
      ctx.now(),
    );
}

export interface SessionInfo {
  id: string;
  created_at: string;
  expires_at: string;
  ip: string;
  user_agent: string;
  current: boolean;
}

/** The user's browser sessions, newest first; `currentId` marks the one asking. */
export async function listSessions(
  ctx: ServiceContext,
  userId: string,
  currentId: string | null,
): Promise<SessionInfo[]> {
  return (await ctx.deps.sessions.list(userId))
    .map(({ record }) => ({
      id: record.id,
      created_at: new Date(record.created_at).toISOString(),
      expires_at: new Date(record.absolute_expires_at).toISOString(),
      ip: record.ip,
      user_agent: record.user_agent,
      current: record.id === currentId,
    }))
    .sort((a, b) => b.created_at.localeCompare(a.created_at));
}

/** Ends one of the user's own sessions; another user's id is simply not found. */
export async function endSessionById(ctx: ServiceContext, userId: string, sessionId: string): Promise<void> {
  const target = (await ctx.deps.sessions.list(userId)).find((s) => s.record.id === sessionId);
  if (!target) throw new AuthError("not_found");
  await ctx.deps.sessions.revoke(target.tokenHash);
  logAuthEvent("session.ended", { user_id: userId, session_id: sessionId, ip: ctx.ip, reason: "deleted" }, ctx.now());
}

/** Logout-all: every session, refresh family, access and device token of the user ends. */
export async function signOutEverywhere(ctx: ServiceContext, userId: string): Promise<number> {
  const revoked = await revokeAllCredentials(ctx, userId, null);
  logAuthEvent("sessions.revoked", { user_id: userId, ip: ctx.ip, reason: "logout_all" }, ctx.now());
  return revoked;
}

/** Makes one of the user's organizations the session's active one. */
export async function switchOrganization(
  ctx: ServiceContext,
  session: { tokenHash: string; record: SessionRecord; snapshot: UserSnapshot },
  organizationId: string,
): Promise<SessionOrganization> {
  const organization = organizationIn(session.snapshot, organizationId);
  if (!organization) throw new AuthError("not_found");
  // Asked to enrol on the way in: the organization requires a second factor this user does not have.
  if (organization.require_mfa === true && (session.snapshot.mfa ?? []).length === 0)
    throw new AuthError("mfa_enrollment_required");
  await ctx.deps.sessions.update(session.tokenHash, { ...session.record, organization_id: organization.id });
  return organization;
}

/** Ends every other browser session of the user (this one stays); access tokens are left alone. */
export async function endOtherSessions(ctx: ServiceContext, userId: string, keepTokenHash: string): Promise<number> {
  const ended = await ctx.deps.sessions.revokeAll(userId, keepTokenHash);
  logAuthEvent("sessions.revoked", { user_id: userId, ip: ctx.ip, reason: "others" }, ctx.now());
  return ended;
}
