import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
  VerifiedRegistrationResponse,
} from "@simplewebauthn/server";
import { decodeBase64Url, encodeBase64Url, utf8 } from "../../crypto/encoding";
import { generateId } from "../../crypto/random";
import { AuthError } from "../../errors";
import type { Passkey, SessionUser } from "../../ports";
import { logAuthEvent } from "../../services/audit";
import type { ServiceContext } from "../../services/context";
import { WEBAUTHN } from "../../services/limits";
import type { Reauth } from "../../services/mfa";
import {
  issueChallenge,
  type PasskeyAssertion,
  relyingParty,
  spendChallenge,
  verifyAssertion,
  webauthnLibrary,
} from "../../services/passkey-verify";
import type { Principal } from "../../services/policy";
import { confirmRecentAuth } from "../../services/reauth";
import { newRecoveryCodes, notifyFactorChange } from "../../services/second-factor";
import { createSession, loadSnapshot } from "../../services/session";
import type { BrowserSignIn } from "../../services/sign-in";
import { pendingStepUpUser } from "../../services/step-up";
import { signInOptions } from "./options";

// Passkeys: a sign-in of their own (discoverable credentials, so the browser's autofill can offer
// them with no email typed), and a second factor after a password. A passkey with user verification
// is two factors in one (the device, and the PIN or biometric that unlocks it), so a passkey sign-in
// needs no step-up. Registering one is sensitive, like any new way in: it needs recent authentication.

/** Signature algorithms offered, strongest first: Ed25519, ES256, RS256 (what authenticators ship). */
const ALGORITHMS = [-8, -7, -257];

/** Options for navigator.credentials.create(), for the signed-in user; its challenge is single use. */
export async function passkeyRegistrationOptions(
  ctx: ServiceContext,
  principal: Principal,
  input: Reauth & { user: SessionUser },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const { deps, config } = ctx;
  const user = input.user;
  await confirmRecentAuth(ctx, principal, { ...input, email: user.email, what: "Adding a passkey" });
  const [challenge, existing, { generateRegistrationOptions }] = await Promise.all([
    issueChallenge(ctx, "register", user.id),
    deps.factors.listPasskeys(user.id),
    webauthnLibrary(),
  ]);
  return generateRegistrationOptions({
    rpName: config.mfa.issuer,
    rpID: relyingParty(config).id,
    userName: user.email,
    userDisplayName: user.name ?? user.email,
    // The user handle is the opaque user id: no email or name is stored on the authenticator by it.
    userID: utf8.encode(user.id) as Uint8Array<ArrayBuffer>,
    challenge: decodeBase64Url(challenge) as Uint8Array<ArrayBuffer>,
    attestationType: "none",
    excludeCredentials: existing.map((p) => ({ id: p.credential_id, transports: p.transports })),
    authenticatorSelection: { residentKey: "required", userVerification: "required" },
    supportedAlgorithmIDs: ALGORITHMS,
    timeout: WEBAUTHN.challengeTtlMs,
  });
}

/**
 * Verifies and stores a new passkey. The first second factor of an account also brings its ten
 * recovery codes (shown this once); otherwise `recovery_codes` is null.
 */
export async function registerPasskey(
  ctx: ServiceContext,
  userId: string,
  input: { response: RegistrationResponseJSON; name: string | null },
): Promise<{ passkey: Passkey; recovery_codes: string[] | null }> {
  const { deps, config } = ctx;
  const { challenge, userId: challengeUser } = await spendChallenge(
    ctx,
    input.response.response?.clientDataJSON ?? "",
    "register",
  );
  const now = deps.clock.now();
  const refuse = (reason: string) => {
    logAuthEvent("passkey.rejected", { user_id: userId, ip: ctx.ip, reason }, now);
    return new AuthError("passkey_invalid");
  };
  if (challengeUser !== userId) throw refuse("other_user");
  const rp = relyingParty(config);
  const { verifyRegistrationResponse } = await webauthnLibrary();
  let verified: VerifiedRegistrationResponse;
  try {
    verified = await verifyRegistrationResponse({
      response: input.response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      requireUserVerification: true,
      supportedAlgorithmIDs: ALGORITHMS,
    });
  } catch {
    throw refuse("verification");
  }
  if (!verified.verified) throw refuse("verification");
  const info = verified.registrationInfo;
  const status = await deps.factors.status(userId);
  const fresh = status.recovery_codes_remaining === 0 ? await newRecoveryCodes(ctx, userId) : null;
  const name = input.name ?? defaultName(info.credentialDeviceType, status.passkeys);
  const added = await deps.factors.addPasskey(
    {
      id: generateId("pky", now),
      userId,
      credentialId: info.credential.id,
      publicKey: encodeBase64Url(info.credential.publicKey),
      counter: info.credential.counter,
      transports: (input.response.response.transports ?? []).slice(0, 8),
      deviceType: info.credentialDeviceType,
      backedUp: info.credentialBackedUp,
      name,
      now,
    },
    fresh?.hashes ?? [],
  );
  if (!added) throw new AuthError("conflict", { message: "This passkey is already registered." });
  await loadSnapshot(ctx, userId);
  logAuthEvent("passkey.added", { user_id: userId, ip: ctx.ip }, now);
  notifyFactorChange(ctx, userId, { kind: "passkey_added", name });
  return { passkey: added, recovery_codes: fresh?.codes ?? null };
}

const defaultName = (type: string, count: number) =>
  `${type === "multiDevice" ? "Synced passkey" : "Security key"} ${count + 1}`;

/** Options for a passkey sign-in (no user named: the browser offers the discoverable credentials). */
export async function passkeySignInOptions(ctx: ServiceContext): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const challenge = await issueChallenge(ctx, "authenticate", null);
  return signInOptions({ rpId: relyingParty(ctx.config).id, challenge, timeout: WEBAUTHN.challengeTtlMs });
}

/** Options for a passkey as the second step of a sign-in: only the user's own credentials. */
export async function stepUpPasskeyOptions(
  ctx: ServiceContext,
  mfaToken: string,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const { deps } = ctx;
  const userId = await pendingStepUpUser(ctx, mfaToken);
  if (userId === null) throw new AuthError("token_invalid");
  const [challenge, passkeys] = await Promise.all([
    issueChallenge(ctx, "authenticate", userId),
    deps.factors.listPasskeys(userId),
  ]);
  if (passkeys.length === 0) throw new AuthError("not_found", { message: "No passkey is registered." });
  return signInOptions({
    rpId: relyingParty(ctx.config).id,
    challenge,
    timeout: WEBAUTHN.challengeTtlMs,
    allowCredentials: passkeys.map((p) => ({ id: p.credential_id, transports: p.transports })),
  });
}

/** A passkey alone signs in: the challenge is spent first, then the signature and counter checked. */
export async function signInWithPasskey(
  ctx: ServiceContext,
  input: { assertion: PasskeyAssertion; remember: boolean },
): Promise<BrowserSignIn> {
  const { challenge } = await spendChallenge(ctx, input.assertion.response?.clientDataJSON ?? "", "authenticate");
  const stored = await verifyAssertion(ctx, input.assertion, challenge, null);
  // The authenticator's user handle, when sent, must name the credential's owner.
  const handle = input.assertion.response.userHandle;
  if (handle && handle !== encodeBase64Url(utf8.encode(stored.user_id))) throw new AuthError("passkey_invalid");
  const snapshot = await ctx.deps.users.findSnapshot(stored.user_id);
  const organization = snapshot?.organizations[0];
  if (!snapshot || !organization) throw new AuthError("passkey_invalid");
  const session = await createSession(ctx, { snapshot, organizationId: organization.id, remember: input.remember });
  logAuthEvent(
    "passkey.signed_in",
    { user_id: stored.user_id, organization_id: organization.id, session_id: session.record.id, ip: ctx.ip },
    ctx.now(),
  );
  return { user: snapshot.user, organization, session };
}

export async function listPasskeys(ctx: ServiceContext, userId: string): Promise<Passkey[]> {
  return ctx.deps.factors.listPasskeys(userId);
}

export async function renamePasskey(ctx: ServiceContext, userId: string, id: string, name: string): Promise<Passkey> {
  const renamed = await ctx.deps.factors.renamePasskey(userId, id, name);
  if (!renamed) throw new AuthError("not_found");
  return renamed;
}

/** Removes one of the user's passkeys, never their last way in; another user's id is not found. */
export async function removePasskey(
  ctx: ServiceContext,
  principal: Principal,
  input: Reauth & { user: SessionUser; id: string },
): Promise<void> {
  const { deps } = ctx;
  const userId = input.user.id;
  await confirmRecentAuth(ctx, principal, { ...input, email: input.user.email, what: "Removing a passkey" });
  const { status, name } = await deps.factors.removePasskey(userId, input.id);
  if (status === "not_found" || name === null) throw new AuthError("not_found");
  if (status === "last_method")
    throw new AuthError("conflict", {
      message: "This passkey is your only way to sign in: add a password or another passkey first.",
    });
  await loadSnapshot(ctx, userId);
  logAuthEvent("passkey.removed", { user_id: userId, ip: ctx.ip }, deps.clock.now());
  notifyFactorChange(ctx, userId, { kind: "passkey_removed", name });
}
