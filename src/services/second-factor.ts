import { open, seal } from "../crypto/aead";
import { decodeBase64Url } from "../crypto/encoding";
import { hmacSha256, sha256Hex } from "../crypto/hash";
import { matchTotp, newRecoveryCode, normalizeRecoveryCode } from "../crypto/totp";
import { type FactorChange, factorChangedEmail } from "../email/templates";
import { AuthError, rateLimited } from "../errors";
import type { RateLimitRule } from "../ports";
import { logAuthEvent } from "./audit";
import type { ServiceContext } from "./context";
import { MFA_FAILURES } from "./limits";
import { noticeToAccount } from "./notices";

// Checking a second factor, shared by the step-up after a first factor, re-authentication for
// sensitive changes, and enrolment. Attempts are counted like passwords: per account and per client
// IP, before the check, so parallel guesses cannot outrun the limit; a success gives the IP's back.

export const RECOVERY_CODE_COUNT = 10;

/** The AES key a user's TOTP secret is sealed under: a box copied onto another user's row does not open. */
async function totpKey(ctx: ServiceContext, userId: string): Promise<Uint8Array> {
  return decodeBase64Url(await hmacSha256(ctx.deps.keys.mfa, `totp-secret\n${userId}`)) as Uint8Array;
}

export async function sealTotpSecret(ctx: ServiceContext, userId: string, secret: Uint8Array): Promise<string> {
  return seal(await totpKey(ctx, userId), JSON.stringify(Array.from(secret)));
}

export async function openTotpSecret(ctx: ServiceContext, userId: string, sealed: string): Promise<Uint8Array> {
  const text = await open(await totpKey(ctx, userId), sealed);
  // Only a changed AUTH_SECRET or a tampered row gets here: an operator problem, not the user's.
  if (text === null) throw new AuthError("internal_error", { message: "The second factor could not be read." });
  return Uint8Array.from(JSON.parse(text) as number[]);
}

/** Recovery codes are 100-bit random, so a keyed hash suffices (no password KDF); keyed to the user too. */
export async function recoveryCodeHash(ctx: ServiceContext, userId: string, normalized: string): Promise<string> {
  return hmacSha256(ctx.deps.keys.mfa, `recovery-code\n${userId}\n${normalized}`);
}

/** Ten fresh codes for the person (shown once) and their hashes for the database. */
export async function newRecoveryCodes(
  ctx: ServiceContext,
  userId: string,
): Promise<{ codes: string[]; hashes: string[] }> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  const hashes = await Promise.all(
    codes.map((code) => recoveryCodeHash(ctx, userId, normalizeRecoveryCode(code) as string)),
  );
  return { codes, hashes };
}

export interface FactorProof {
  code?: string | null;
  recoveryCode?: string | null;
}

async function failureRules(ctx: ServiceContext, userId: string): Promise<{ account: string; ip: RateLimitRule }> {
  return {
    account: `mfa_fail:acct:${await sha256Hex(userId)}`,
    ip: { key: `mfa_fail:ip:${ctx.ip}`, ...MFA_FAILURES.perIp },
  };
}

/**
 * Runs one second-factor check as a counted attempt: counted per account and per IP before `check`
 * runs (parallel guesses cannot outrun the limit), 429 once either is full, 401 mfa_invalid when
 * `check` answers null; a success clears the account's count and gives the IP its attempt back.
 */
export async function countedAttempt<T>(
  ctx: ServiceContext,
  userId: string,
  check: (now: number) => Promise<T | null>,
): Promise<T> {
  const { deps } = ctx;
  const rules = await failureRules(ctx, userId);
  const gate = await deps.rateLimiter.hit([{ key: rules.account, ...MFA_FAILURES.perAccount }, rules.ip]);
  const now = deps.clock.now();
  if (!gate.allowed) {
    logAuthEvent("mfa.failed", { user_id: userId, ip: ctx.ip, reason: "locked" }, now);
    throw rateLimited(gate.retryAfterSeconds);
  }
  const result = await check(now);
  if (result === null) {
    logAuthEvent("mfa.failed", { user_id: userId, ip: ctx.ip }, now);
    throw new AuthError("mfa_invalid");
  }
  await deps.rateLimiter.settle([rules.account], [rules.ip]);
  return result;
}

/**
 * Checks a TOTP code or a recovery code of `userId`, each accepted once (the step or the code is
 * spent in the same statement that accepts it). Returns the method used.
 */
export function checkSecondFactor(
  ctx: ServiceContext,
  userId: string,
  proof: FactorProof,
): Promise<"totp" | "recovery_code"> {
  return countedAttempt(ctx, userId, (now) => spendProof(ctx, userId, proof, now));
}

async function spendProof(
  ctx: ServiceContext,
  userId: string,
  proof: FactorProof,
  now: number,
): Promise<"totp" | "recovery_code" | null> {
  const { deps } = ctx;
  if (proof.code) {
    if (!/^\d{6}$/.test(proof.code)) return null;
    const factor = await deps.factors.findTotp(userId);
    if (!factor?.confirmed) return null;
    const secret = await openTotpSecret(ctx, userId, factor.sealed);
    const step = matchTotp(secret, proof.code, now, factor.lastStep);
    return step !== null && (await deps.factors.useTotpStep(userId, step, now)) ? "totp" : null;
  }
  const normalized = proof.recoveryCode ? normalizeRecoveryCode(proof.recoveryCode) : null;
  if (normalized === null) return null;
  const remaining = await deps.factors.useRecoveryCode(userId, await recoveryCodeHash(ctx, userId, normalized), now);
  if (remaining === null) return null;
  logAuthEvent("mfa.recovery_code_used", { user_id: userId, ip: ctx.ip, reason: `${remaining} left` }, now);
  notifyFactorChange(ctx, userId, { kind: "recovery_code_used", remaining });
  return "recovery_code";
}

/** Gives back a recovery code spent since `now` by a sign-in that then failed on an outage. */
export async function restoreRecoveryCode(
  ctx: ServiceContext,
  userId: string,
  code: string,
  now: number,
): Promise<void> {
  const normalized = normalizeRecoveryCode(code);
  if (normalized !== null)
    await ctx.deps.factors.restoreRecoveryCode(userId, await recoveryCodeHash(ctx, userId, normalized), now);
}

/** After the response: the account's address hears of every change to its second factors. */
export function notifyFactorChange(ctx: ServiceContext, userId: string, change: FactorChange): void {
  noticeToAccount(ctx, userId, "factor_change_notice", (to) => factorChangedEmail(to, change));
}
