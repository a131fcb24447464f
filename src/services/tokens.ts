import type { Config } from "../config";
import { open, seal } from "../crypto/aead";
import { sha256, sha256Hex } from "../crypto/hash";
import { signJwt, verifyJwt } from "../crypto/jwt";
import { generateId, generateToken, isOpaqueToken } from "../crypto/random";
import { AuthError } from "../errors";
import type { RefreshTokenRecord, SessionOrganization, SessionUser, UserSnapshot } from "../ports";
import { logAuthEvent } from "./audit";
import type { ServiceContext } from "./context";
import { type Identity, organizationIn, scopesForRole } from "./identity";
import { releaseOnFailure } from "./one-time-tokens";
import { loadSnapshot, membership } from "./session";

export const ACCESS_TOKEN_TYPE = "at+jwt";

export interface TokenResponse {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  expires_at: string;
  refresh_token: string;
  user: SessionUser;
  /** The organization the tokens act in, with the user's role: tenant and roles in one answer. */
  organization: SessionOrganization;
}

async function accessToken(
  ctx: ServiceContext,
  record: RefreshTokenRecord,
  now: number,
): Promise<{ token: string; expiresAt: number }> {
  const { deps, config } = ctx;
  const token = await signJwt(
    deps.keys.signing,
    // iat_ms: revocation compares issue times to the millisecond (`iat` is whole seconds).
    // auth_ms: when the person proved who they are (the family's grant); refreshes keep it.
    { org: record.org_id, scope: record.scope, sid: record.family, iat_ms: now, auth_ms: record.family_created },
    {
      typ: ACCESS_TOKEN_TYPE,
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      subject: record.user_id,
      expiresInSeconds: config.tokens.accessTtlSeconds,
      now,
    },
  );
  return { token, expiresAt: now + config.tokens.accessTtlSeconds * 1000 };
}

function response(
  access: { token: string; expiresAt: number },
  refreshToken: string,
  user: SessionUser,
  organization: SessionOrganization,
  config: Config,
): TokenResponse {
  return {
    access_token: access.token,
    token_type: "Bearer",
    expires_in: config.tokens.accessTtlSeconds,
    expires_at: new Date(access.expiresAt).toISOString(),
    refresh_token: refreshToken,
    user,
    organization,
  };
}

/** A new token family: an access JWT plus an opaque 256-bit refresh token stored only as its hash. */
export async function issueTokens(
  ctx: ServiceContext,
  snapshot: UserSnapshot,
  organization: SessionOrganization,
): Promise<TokenResponse> {
  const { deps, config } = ctx;
  const now = deps.clock.now();
  const record: RefreshTokenRecord = {
    family: generateId("rtf", now),
    user_id: snapshot.user.id,
    org_id: organization.id,
    scope: scopesForRole(organization.role, config.apiKeys.scopes).join(" "),
    family_created: now,
    absolute_exp: now + config.tokens.refreshTtlSeconds * 1000,
  };
  const refreshToken = generateToken(32);
  const [access] = await Promise.all([
    accessToken(ctx, record, now),
    deps.refreshTokens.issue(await sha256Hex(refreshToken), record),
    deps.userState.putSnapshot(snapshot.user.id, snapshot),
  ]);
  logAuthEvent(
    "token.issued",
    { user_id: snapshot.user.id, organization_id: organization.id, session_id: record.family, ip: ctx.ip },
    now,
  );
  return response(access, refreshToken, snapshot.user, organization, config);
}

/** The successor is sealed with a key only the presented token's holder can derive. */
async function successorKey(token: string): Promise<Uint8Array> {
  return sha256(`refresh-successor\n${token}`);
}

/**
 * Rotates a refresh token (one atomic Lua step). The same token presented again within a few seconds
 * (a client retrying, or parallel tabs) gets the same successor back, so parallel refreshes never fork
 * two live chains; after that window it is treated as stolen and the whole family is revoked.
 */
export async function refreshTokens(ctx: ServiceContext, input: { refreshToken: string }): Promise<TokenResponse> {
  const { deps } = ctx;
  if (!isOpaqueToken(input.refreshToken)) throw new AuthError("token_invalid");
  const successor = generateToken(32);
  const [tokenHash, successorHash] = await Promise.all([sha256Hex(input.refreshToken), sha256Hex(successor)]);
  // A rotation whose answer never leaves (an outage after it: the ended-family check, the snapshot)
  // is undone, or the client's retry after the reuse window would read as theft and end the login.
  // Safe whatever happened: it touches only a rotation to this request's own successor.
  return releaseOnFailure(
    () => rotate(ctx, input.refreshToken, tokenHash, successor, successorHash),
    () => deps.refreshTokens.unrotate(tokenHash, successorHash),
  );
}

async function rotate(
  ctx: ServiceContext,
  refreshToken: string,
  tokenHash: string,
  successor: string,
  successorHash: string,
): Promise<TokenResponse> {
  const { deps, config } = ctx;
  const now = deps.clock.now();
  const key = await successorKey(refreshToken);
  const result = await deps.refreshTokens.rotate(
    tokenHash,
    successorHash,
    await seal(key, successor),
    now,
    config.tokens.refreshReuseGraceSeconds * 1000,
  );
  if (result.status === "reused") {
    logAuthEvent("refresh.reuse_detected", { user_id: result.userId, session_id: result.family, ip: ctx.ip }, now);
    throw new AuthError("token_invalid");
  }
  if (result.status === "invalid") throw new AuthError("token_invalid");
  const issued = result.status === "rotated" ? successor : await open(key, result.successorBox);
  if (issued === null) throw new AuthError("token_invalid");
  const snapshot = result.snapshot ?? (await loadSnapshot(ctx, result.record.user_id));
  const organization = snapshot ? organizationIn(snapshot, result.record.org_id) : null;
  if (!snapshot || !organization) throw new AuthError("token_invalid");
  // A family older than the user's durable not-before (a refresh token brought back by a Redis restore).
  if (result.record.family_created < (snapshot.tokens_not_before ?? 0)) throw new AuthError("token_invalid");
  if (result.status === "rotated")
    logAuthEvent("refresh.rotated", { user_id: snapshot.user.id, session_id: result.record.family, ip: ctx.ip }, now);
  return response(await accessToken(ctx, result.record, now), issued, snapshot.user, organization, config);
}

export async function revokeRefreshToken(ctx: ServiceContext, token: string): Promise<void> {
  const { deps } = ctx;
  if (isOpaqueToken(token)) await deps.refreshTokens.revoke(await sha256Hex(token));
}

export interface AccessTokenIdentity {
  identity: Identity;
  /** The refresh family the token belongs to (its `sid`): logout ends exactly this login. */
  family: string;
  /** The token family's grant time (ms), for "recent authentication"; null for tokens minted before it was recorded. */
  authenticatedAt: number | null;
  snapshot: UserSnapshot;
  organization: SessionOrganization;
  /** Issue and expiry times (seconds), for introspection. */
  issuedAt: number;
  expiresAt: number;
}

/**
 * Verifies an access JWT (EdDSA only, typ at+jwt, iss, aud, exp) and then that it has not been revoked:
 * issued after the user's not-before, family not revoked, user still in the organization. One Redis
 * round trip (MGET) for all three plus the user's snapshot.
 */
export async function verifyAccessToken(ctx: ServiceContext, token: string): Promise<AccessTokenIdentity | null> {
  const { deps, config } = ctx;
  const payload = await verifyJwt(deps.keys.signing, token, {
    typ: ACCESS_TOKEN_TYPE,
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    now: deps.clock.now(),
  });
  if (
    !payload ||
    typeof payload.sub !== "string" ||
    typeof payload.sid !== "string" ||
    typeof payload.org !== "string" ||
    typeof payload.iat_ms !== "number"
  )
    return null;
  const state = await deps.userState.accessState(payload.sub, payload.sid);
  if (state.familyRevoked || payload.iat_ms < state.notBefore) return null;
  const member = await membership(ctx, state.snapshot, payload.sub, payload.org);
  if (!member) return null;
  const { snapshot, organization } = member;
  // The durable not-before travels in the snapshot (rebuilt from Postgres when Redis has lost it).
  if (payload.iat_ms < (snapshot.tokens_not_before ?? 0)) return null;
  const granted = typeof payload.scope === "string" ? payload.scope.split(" ") : [];
  const allowed = new Set(scopesForRole(organization.role, config.apiKeys.scopes));
  return {
    snapshot,
    organization,
    family: payload.sid,
    issuedAt: Number(payload.iat),
    expiresAt: Number(payload.exp),
    authenticatedAt: typeof payload.auth_ms === "number" ? payload.auth_ms : null,
    identity: {
      kind: "access_token",
      user_id: snapshot.user.id,
      organization_id: organization.id,
      plan_tier: organization.plan_tier,
      // Never more than the member's current role allows, whatever the token once said.
      scopes: granted.filter((s) => allowed.has(s)),
      credential_id: String(payload.jti),
    },
  };
}
