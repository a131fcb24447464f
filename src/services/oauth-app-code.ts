import { encodeBase64Url } from "../crypto/encoding";
import { constantTimeEqual, sha256, sha256Hex } from "../crypto/hash";
import { isOpaqueToken } from "../crypto/random";
import { AuthError, rateLimited } from "../errors";
import type { ServiceContext } from "./context";
import { OAUTH_FAILURES } from "./limits";
import { type MfaChallenge, stepUpIfEnrolled } from "./step-up";
import { issueTokens, type TokenResponse } from "./tokens";

/** A native app's code for tokens: single use, 60 seconds, and only with the app's PKCE verifier. */
export async function exchangeAppCode(
  ctx: ServiceContext,
  input: { code: string; codeVerifier: string },
): Promise<TokenResponse | MfaChallenge> {
  const { deps } = ctx;
  if (!isOpaqueToken(input.code)) throw new AuthError("token_invalid");
  const consumed = await deps.tokens.consume("oauth_code", await sha256Hex(input.code), {
    key: `oauth_code_fail:ip:${ctx.ip}`,
    ...OAUTH_FAILURES,
  });
  if (consumed.status === "throttled") throw rateLimited(consumed.retryAfterSeconds);
  if (consumed.status !== "consumed" || consumed.record.expires_at <= deps.clock.now())
    throw new AuthError("token_invalid");
  const challenge = encodeBase64Url(await sha256(input.codeVerifier));
  if (!constantTimeEqual(challenge, String(consumed.record.data.challenge ?? "")))
    throw new AuthError("token_invalid", { message: "The code_verifier does not match this code." });
  const snapshot = await deps.users.findSnapshot(consumed.record.subject);
  const organization = snapshot?.organizations.find((o) => o.id === consumed.record.data.organization_id);
  if (!snapshot || !organization) throw new AuthError("token_invalid");
  // The provider was the first factor; a user with a second one completes with /v1/auth/mfa/verify.
  const stepUp = await stepUpIfEnrolled(ctx, snapshot, { kind: "tokens", organizationId: organization.id }, "social");
  return stepUp ?? issueTokens(ctx, snapshot, organization);
}
