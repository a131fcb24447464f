import type { AuthenticationResponseJSON, VerifiedAuthenticationResponse } from "@simplewebauthn/server";
import type { Config } from "../config";
import { decodeBase64Url } from "../crypto/encoding";
import { sha256Hex } from "../crypto/hash";
import { generateToken } from "../crypto/random";
import { AuthError, rateLimited } from "../errors";
import type { StoredPasskey } from "../ports";
import { logAuthEvent } from "./audit";
import type { ServiceContext } from "./context";
import { TOKEN_FAILURES, WEBAUTHN } from "./limits";

// WebAuthn checks through @simplewebauthn/server (no CBOR or COSE of our own). Ours: challenges are
// 256-bit, single use and five minutes in Redis (consumed before the signature is even looked at);
// the relying party is PUBLIC_URL's host; origins are PUBLIC_URL and TRUSTED_ORIGINS; user
// verification is required; the signature counter may only move forward, checked in the database.

export type PasskeyAssertion = AuthenticationResponseJSON;

/**
 * @simplewebauthn/server, evaluated on first use: its X.509 and ASN.1 stack (for attestation formats)
 * costs about a hundred milliseconds of global-scope evaluation, which every cold start of every
 * route would pay if it were imported statically. The build makes it a module of its own.
 */
export const webauthnLibrary = () => import("@simplewebauthn/server");
export type ChallengeUse = "register" | "authenticate";

export function relyingParty(config: Config): { id: string; origins: string[] } {
  const host = new URL(config.publicOrigin).hostname;
  // Browsers refuse an IP address as relying party: a loopback PUBLIC_URL (dev) is served as localhost.
  const id = host === "127.0.0.1" && config.environment !== "production" ? "localhost" : host;
  return { id, origins: [config.publicOrigin, ...config.trustedOrigins] };
}

/** A fresh challenge for `use` (and, for registration or a step-up, the user it is for). */
export async function issueChallenge(ctx: ServiceContext, use: ChallengeUse, userId: string | null): Promise<string> {
  const { deps } = ctx;
  const challenge = generateToken(32);
  const hash = await sha256Hex(challenge);
  const now = deps.clock.now();
  const verdict = await deps.tokens.issue(
    {
      purpose: "webauthn",
      token_hash: hash,
      // Its own subject: every tab and autofill prompt may hold a challenge at once.
      subject: hash,
      data: { use, user_id: userId },
      created_at: now,
      expires_at: now + WEBAUTHN.challengeTtlMs,
    },
    [{ key: `webauthn_options:ip:${ctx.ip}`, ...WEBAUTHN.optionsPerIp }],
  );
  if (!verdict.allowed) throw rateLimited(verdict.retryAfterSeconds);
  return challenge;
}

/** The challenge the browser signed (from clientDataJSON), spent here; its user, or throws. */
export async function spendChallenge(
  ctx: ServiceContext,
  clientDataJSON: string,
  use: ChallengeUse,
): Promise<{ challenge: string; userId: string | null }> {
  const { deps } = ctx;
  const challenge = readChallenge(clientDataJSON);
  if (challenge === null) throw new AuthError("passkey_invalid");
  const consumed = await deps.tokens.consume("webauthn", await sha256Hex(challenge), {
    key: `webauthn_fail:ip:${ctx.ip}`,
    ...TOKEN_FAILURES,
  });
  if (consumed.status === "throttled") throw rateLimited(consumed.retryAfterSeconds);
  const now = deps.clock.now();
  if (consumed.status === "missing" || consumed.record.expires_at <= now || consumed.record.data.use !== use) {
    logAuthEvent("passkey.rejected", { ip: ctx.ip, reason: "challenge" }, now);
    throw new AuthError("passkey_invalid", { message: "This passkey prompt expired or was already used. Try again." });
  }
  const userId = consumed.record.data.user_id;
  return { challenge, userId: typeof userId === "string" ? userId : null };
}

function readChallenge(clientDataJSON: string): string | null {
  const bytes = decodeBase64Url(clientDataJSON);
  if (!bytes || bytes.length > 4096) return null;
  try {
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { challenge?: unknown };
    return typeof parsed.challenge === "string" && parsed.challenge.length <= 128 ? parsed.challenge : null;
  } catch {
    return null;
  }
}

/**
 * Verifies an assertion against the stored credential and records the new counter; a counter that
 * did not move forward (a cloned authenticator, or a replay racing the original) is refused.
 */
export async function verifyAssertion(
  ctx: ServiceContext,
  assertion: PasskeyAssertion,
  challenge: string,
  expectedUserId: string | null,
): Promise<StoredPasskey> {
  const { deps, config } = ctx;
  const now = deps.clock.now();
  const stored = await deps.factors.findPasskey(assertion.id);
  const refuse = (reason: string) => {
    logAuthEvent("passkey.rejected", { user_id: stored?.user_id, ip: ctx.ip, reason }, now);
    return new AuthError("passkey_invalid");
  };
  if (!stored) throw refuse("unknown_credential");
  if (expectedUserId !== null && stored.user_id !== expectedUserId) throw refuse("other_user");
  const rp = relyingParty(config);
  const publicKey = decodeBase64Url(stored.public_key);
  if (!publicKey) throw refuse("stored_key");
  const { verifyAuthenticationResponse } = await webauthnLibrary();
  let result: VerifiedAuthenticationResponse;
  try {
    result = await verifyAuthenticationResponse({
      response: assertion,
      expectedChallenge: challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      credential: {
        id: stored.credential_id,
        publicKey: publicKey as Uint8Array<ArrayBuffer>,
        counter: stored.counter,
        transports: stored.transports as never,
      },
      requireUserVerification: true,
    });
  } catch {
    throw refuse("verification");
  }
  if (!result.verified) throw refuse("verification");
  const info = result.authenticationInfo;
  // Backup eligibility is fixed when the credential is made: one that changes is not the same credential.
  if (info.credentialDeviceType !== stored.device_type) throw refuse("backup_eligibility");
  if (!(await deps.factors.usePasskey(stored.credential_id, info.newCounter, info.credentialBackedUp, now)))
    throw refuse("counter");
  return stored;
}

/** A passkey as the second factor of a step-up: the challenge must have been issued for this user. */
export async function verifyPasskeyFactor(
  ctx: ServiceContext,
  userId: string,
  assertion: PasskeyAssertion,
): Promise<"passkey"> {
  const { challenge, userId: challengeUser } = await spendChallenge(
    ctx,
    assertion.response?.clientDataJSON ?? "",
    "authenticate",
  );
  if (challengeUser !== userId) throw new AuthError("passkey_invalid");
  await verifyAssertion(ctx, assertion, challenge, userId);
  return "passkey";
}
