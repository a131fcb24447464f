import type { Config } from "../config";
import type { Deps } from "../deps";
import { sha256Hex } from "../crypto/hash";
import { generateId, generateToken } from "../crypto/random";
import type { SessionOrganization, SessionRecord, SessionUser } from "../storage/ports";

export interface NewSession {
  token: string;
  tokenHash: string;
  record: SessionRecord;
}

export interface SessionInput {
  user: SessionUser;
  organization: SessionOrganization;
  remember: boolean;
  ip: string;
  userAgent: string;
}

/** A fresh 256-bit token every sign-in (no fixation); Redis keeps only its SHA-256. */
export async function createSession(deps: Deps, config: Config, input: SessionInput): Promise<NewSession> {
  const now = deps.clock.now();
  const token = generateToken(32);
  const tokenHash = await sha256Hex(token);
  const record: SessionRecord = {
    id: generateId("ses", now),
    user_id: input.user.id,
    organization_id: input.organization.id,
    created_at: now,
    absolute_expires_at: now + config.session.absoluteSeconds * 1000,
    idle_seconds: input.remember ? config.session.rememberIdleSeconds : config.session.idleSeconds,
    ip: input.ip,
    user_agent: input.userAgent.slice(0, 256),
    user: input.user,
    organization: input.organization,
  };
  await deps.sessions.create(tokenHash, record);
  return { token, tokenHash, record };
}

/**
 * Looks the token up and slides its idle expiry (one round trip). The absolute cap is enforced here
 * against our clock, not by the cookie or the Redis TTL.
 */
export async function validateSessionToken(deps: Deps, token: string): Promise<{ record: SessionRecord; tokenHash: string } | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const tokenHash = await sha256Hex(token);
  const record = await deps.sessions.touch(tokenHash);
  if (!record) return null;
  if (deps.clock.now() >= record.absolute_expires_at) {
    await deps.sessions.revoke(tokenHash);
    return null;
  }
  return { record, tokenHash };
}

export async function invalidateSession(deps: Deps, token: string): Promise<void> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return;
  await deps.sessions.revoke(await sha256Hex(token));
}

/** Cookie lifetime: the idle window, never past the absolute cap. */
export function sessionCookieMaxAge(record: SessionRecord, now: number): number {
  return Math.max(0, Math.min(record.idle_seconds, Math.ceil((record.absolute_expires_at - now) / 1000)));
}
