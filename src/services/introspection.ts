import { AuthError } from "../errors";
import type { ServiceContext } from "./context";
import { authorize, type Principal } from "./policy";
import { verifyAccessToken } from "./tokens";

/** RFC 7662 answer. Inactive says nothing else: not why, not whose. */
export type Introspection =
  | { active: false }
  | {
      active: true;
      token_type: "Bearer";
      scope: string;
      sub: string;
      username: string;
      org: string;
      sid: string;
      jti: string;
      iss: string;
      aud: string;
      iat: number;
      exp: number;
      auth_time?: number;
    };

/**
 * For resource servers that must see a revocation at once (offline JWKS verification sees it only when
 * the token expires): the same checks as every request (signature, typ, iss, aud, exp, not-before,
 * family, membership, current role). An organization's key learns about its own organization's tokens
 * only; a token of any other organization is simply inactive, so a key cannot probe outsiders' tokens.
 */
export async function introspectToken(
  ctx: ServiceContext,
  input: { caller: Principal; token: string },
): Promise<Introspection> {
  const { caller } = input;
  // Asked first about the caller's own organization, so a refusal (not a key, no read scope) says
  // nothing about the token.
  authorize(caller, "tokens.introspect", { organizationId: caller.organizationId });
  const verified = await verifyAccessToken(ctx, input.token);
  if (!verified || !mayInspect(caller, verified.organization.id)) return { active: false };
  const { config } = ctx;
  return {
    active: true,
    token_type: "Bearer",
    scope: verified.identity.scopes.join(" "),
    sub: verified.snapshot.user.id,
    username: verified.snapshot.user.email,
    org: verified.organization.id,
    sid: verified.family,
    jti: verified.identity.credential_id,
    iss: config.jwt.issuer,
    aud: config.jwt.audience,
    iat: verified.issuedAt,
    exp: verified.expiresAt,
    ...(verified.authenticatedAt === null ? {} : { auth_time: Math.floor(verified.authenticatedAt / 1000) }),
  };
}

/** The policy's answer for this token's organization; a refusal is just "inactive" (RFC 7662 2.2). */
function mayInspect(caller: Principal, organizationId: string): boolean {
  try {
    authorize(caller, "tokens.introspect", { organizationId });
    return true;
  } catch (error) {
    if (error instanceof AuthError) return false;
    throw error;
  }
}
