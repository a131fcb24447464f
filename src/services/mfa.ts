import { matchTotp, newTotpSecret, type TotpEnrolment, totpEnrolment } from "../crypto/totp";
import { AuthError } from "../errors";
import type { MfaMethod } from "../ports";
import { logAuthEvent } from "./audit";
import type { ServiceContext } from "./context";
import type { Principal } from "./policy";
import { confirmRecentAuth } from "./reauth";
import { countedAttempt, newRecoveryCodes, notifyFactorChange, openTotpSecret, sealTotpSecret } from "./second-factor";
import { loadSnapshot } from "./session";

// Managing one's own second factors. Adding or removing one is sensitive (a stolen session must not
// be able to lock its owner out, or quietly drop the factor): it needs a recent sign-in or proof sent
// with the request (services/reauth.ts). Every change is logged and emailed to the account's address,
// and refreshes the cached snapshot so the next request sees it.

export interface Reauth {
  currentPassword: string | null;
  mfaCode: string | null;
}

export interface MfaStatus {
  methods: MfaMethod[];
  totp: { enabled: boolean; confirmed_at: string | null };
  passkeys: number;
  recovery_codes_remaining: number;
}

export async function mfaStatus(ctx: ServiceContext, userId: string): Promise<MfaStatus> {
  const status = await ctx.deps.factors.status(userId);
  const methods: MfaMethod[] = [];
  if (status.totp_confirmed_at !== null) methods.push("totp");
  if (status.passkeys > 0) methods.push("passkey");
  return {
    methods,
    totp: { enabled: status.totp_confirmed_at !== null, confirmed_at: status.totp_confirmed_at },
    passkeys: status.passkeys,
    recovery_codes_remaining: methods.length > 0 ? status.recovery_codes_remaining : 0,
  };
}

/**
 * Starts enrolling an authenticator app: a new secret, stored sealed and not yet counting, shown once
 * as a URI and QR code. Starting again replaces an unconfirmed secret; a confirmed one is 409.
 */
export async function startTotpEnrolment(
  ctx: ServiceContext,
  principal: Principal,
  input: Reauth & { email: string },
): Promise<TotpEnrolment> {
  const { deps, config } = ctx;
  const userId = principal.userId as string;
  await confirmRecentAuth(ctx, principal, { ...input, what: "Adding an authenticator app" });
  const secret = newTotpSecret();
  if (!(await deps.factors.startTotp(userId, await sealTotpSecret(ctx, userId, secret), deps.clock.now())))
    throw new AuthError("conflict", { message: "An authenticator app is already set up; remove it first." });
  return totpEnrolment(secret, config.mfa.issuer, input.email);
}

/**
 * Confirms enrolment with a first valid code (proof the app holds the secret); only then does the
 * factor count. Answers the ten recovery codes, shown this once.
 */
export async function confirmTotpEnrolment(
  ctx: ServiceContext,
  userId: string,
  code: string,
): Promise<{ recovery_codes: string[] }> {
  const { deps } = ctx;
  const factor = await deps.factors.findTotp(userId);
  if (!factor || factor.confirmed)
    throw new AuthError("conflict", {
      message: factor ? "The authenticator app is already confirmed." : "Start with POST /v1/auth/mfa/totp.",
    });
  const secret = await openTotpSecret(ctx, userId, factor.sealed);
  // Counted like any second-factor attempt, so enrolment is no side door for guessing.
  const step = await countedAttempt(ctx, userId, async (at) =>
    /^\d{6}$/.test(code) ? matchTotp(secret, code, at, null) : null,
  );
  const now = deps.clock.now();
  const { codes, hashes } = await newRecoveryCodes(ctx, userId);
  if (!(await deps.factors.confirmTotp(userId, step, hashes, now)))
    throw new AuthError("conflict", { message: "The authenticator app changed meanwhile; start again." });
  await loadSnapshot(ctx, userId);
  logAuthEvent("mfa.enabled", { user_id: userId, ip: ctx.ip, reason: "totp" }, now);
  notifyFactorChange(ctx, userId, { kind: "totp_added" });
  return { recovery_codes: codes };
}

/** Removes the authenticator app (and the recovery codes, unless a passkey remains). */
export async function removeTotp(ctx: ServiceContext, principal: Principal, input: Reauth & { email: string }) {
  const { deps } = ctx;
  const userId = principal.userId as string;
  await confirmRecentAuth(ctx, principal, { ...input, what: "Removing the authenticator app" });
  if (!(await deps.factors.removeTotp(userId))) throw new AuthError("not_found");
  await loadSnapshot(ctx, userId);
  logAuthEvent("mfa.disabled", { user_id: userId, ip: ctx.ip, reason: "totp" }, deps.clock.now());
  notifyFactorChange(ctx, userId, { kind: "totp_removed" });
}

/** Ten new recovery codes replace all the old ones (used or not); only with a second factor enrolled. */
export async function replaceRecoveryCodes(
  ctx: ServiceContext,
  principal: Principal,
  input: Reauth & { email: string },
): Promise<{ recovery_codes: string[] }> {
  const { deps } = ctx;
  const userId = principal.userId as string;
  await confirmRecentAuth(ctx, principal, { ...input, what: "Making new recovery codes" });
  const { codes, hashes } = await newRecoveryCodes(ctx, userId);
  if (!(await deps.factors.replaceRecoveryCodes(userId, hashes, deps.clock.now())))
    throw new AuthError("conflict", { message: "Recovery codes come with a second factor: set one up first." });
  logAuthEvent("mfa.recovery_codes_replaced", { user_id: userId, ip: ctx.ip }, deps.clock.now());
  notifyFactorChange(ctx, userId, { kind: "recovery_codes_replaced" });
  return { recovery_codes: codes };
}
