import { constantTimeEqual, sha256Hex } from "../crypto/hash";
import { isOpaqueToken } from "../crypto/random";
import { AuthError, rateLimited } from "../errors";
import type { OneTimeTokenRecord, SessionOrganization, SessionUser, UserSnapshot } from "../ports";
import { logAuthEvent } from "./audit";
import type { ServiceContext } from "./context";
import { organizationIn } from "./identity";
import { MFA_STEP_UP, TOKEN_FAILURES } from "./limits";
import { isOutage, issueOneTimeToken } from "./one-time-tokens";
import type { PasskeyAssertion } from "./passkey-verify";
import { verifyPasskeyFactor } from "./passkey-verify";
import { resolveRedirect } from "./redirects";
import { checkSecondFactor, type FactorProof, restoreRecoveryCode } from "./second-factor";
import { createSession, type NewSession } from "./session";
import { issueTokens, type TokenResponse } from "./tokens";

// The step-up after a first factor. A user with a second factor who passes a password, magic link,
// invitation link, social sign-in or app-code exchange gets an mfa_token instead of a session or
// tokens; POST /v1/auth/mfa/verify with a second factor completes it with exactly what the first
// step would have given. The token is single use (spent atomically; a wrong code puts it back with
// one attempt fewer, five in all), lives five minutes, and is bound to the client that passed the
// first factor (its User-Agent) and to what that step was for.

export interface MfaChallenge {
  mfa_required: true;
  mfa_token: string;
  methods: Array<"totp" | "passkey" | "recovery_code">;
  expires_in: number;
}

/** What the first step would have given, kept in the token until the second factor is shown. */
export type Completion =
  | { kind: "session"; organizationId: string; remember: boolean; redirectTo: string | null }
  | { kind: "tokens"; organizationId: string }
  | { kind: "check" };

export function isChallenge(value: unknown): value is MfaChallenge {
  return typeof value === "object" && value !== null && (value as MfaChallenge).mfa_required === true;
}

/**
 * Null when the user has no second factor (the caller finishes the sign-in); otherwise the challenge.
 * `snapshot` must come from Postgres (every sign-in path reads it there), never the cache.
 */
export async function stepUpIfEnrolled(
  ctx: ServiceContext,
  snapshot: UserSnapshot,
  completion: Completion,
  via: string,
): Promise<MfaChallenge | null> {
  const methods = snapshot.mfa ?? [];
  if (methods.length === 0) return null;
  const data: OneTimeTokenRecord["data"] = {
    kind: completion.kind,
    organization_id: completion.kind === "check" ? null : completion.organizationId,
    remember: completion.kind === "session" && completion.remember,
    redirect_to: completion.kind === "session" ? completion.redirectTo : null,
    via,
    client: await clientHash(ctx),
    attempts: "0",
  };
  const { token } = await issueOneTimeToken(ctx, "mfa", snapshot.user.id, MFA_STEP_UP.ttlMs, data);
  logAuthEvent("mfa.challenged", { user_id: snapshot.user.id, ip: ctx.ip, reason: via }, ctx.now());
  return {
    mfa_required: true,
    mfa_token: token,
    methods: [...methods, "recovery_code"],
    expires_in: MFA_STEP_UP.ttlMs / 1000,
  };
}

const clientHash = (ctx: ServiceContext) => sha256Hex(`mfa-client\n${ctx.userAgent}`);

/** The token was issued to the client asking now (compared in constant time). */
async function fromThisClient(ctx: ServiceContext, record: OneTimeTokenRecord): Promise<boolean> {
  return constantTimeEqual(await clientHash(ctx), String(record.data.client));
}

/**
 * The user a still-pending step-up is for, read without spending it (to offer that user's passkeys);
 * only from the client that got the token. Null otherwise.
 */
export async function pendingStepUpUser(ctx: ServiceContext, mfaToken: string): Promise<string | null> {
  const { deps } = ctx;
  if (!isOpaqueToken(mfaToken)) return null;
  const record = await deps.tokens.peek("mfa", await sha256Hex(mfaToken));
  if (!record || record.expires_at <= deps.clock.now()) return null;
  return (await fromThisClient(ctx, record)) ? record.subject : null;
}

export type StepUpResult =
  | {
      kind: "session";
      user: SessionUser;
      organization: SessionOrganization;
      session: NewSession;
      redirectTo: string | null;
    }
  | { kind: "tokens"; tokens: TokenResponse }
  | { kind: "check"; user: SessionUser; organization: SessionOrganization; organizations: SessionOrganization[] };

export interface StepUpInput extends FactorProof {
  mfaToken: string;
  passkey?: PasskeyAssertion | null;
}

/** Completes a step-up: spends the mfa_token, checks the second factor, then finishes the sign-in. */
export async function completeStepUp(ctx: ServiceContext, input: StepUpInput): Promise<StepUpResult> {
  const { deps } = ctx;
  if (!isOpaqueToken(input.mfaToken)) throw new AuthError("token_invalid");
  const consumed = await deps.tokens.consume("mfa", await sha256Hex(input.mfaToken), {
    key: `mfa_token_fail:ip:${ctx.ip}`,
    ...TOKEN_FAILURES,
  });
  if (consumed.status === "throttled") throw rateLimited(consumed.retryAfterSeconds);
  const now = deps.clock.now();
  if (consumed.status === "missing" || consumed.record.expires_at <= now) throw new AuthError("token_invalid");
  const record = consumed.record;
  const userId = record.subject;
  // A token carried to another client stays spent: whoever lifted it cannot finish the sign-in.
  if (!(await fromThisClient(ctx, record))) {
    logAuthEvent("mfa.failed", { user_id: userId, ip: ctx.ip, reason: "other_client" }, now);
    throw new AuthError("token_invalid");
  }
  let method: string;
  try {
    method = input.passkey
      ? await verifyPasskeyFactor(ctx, userId, input.passkey)
      : await checkSecondFactor(ctx, userId, input);
  } catch (error) {
    await putBack(ctx, record, error);
    throw error;
  }
  logAuthEvent("mfa.verified", { user_id: userId, ip: ctx.ip, reason: method }, now);
  try {
    return await finish(ctx, record);
  } catch (error) {
    // The sign-in did not happen (an outage): what it cost comes back, the recovery code and the token,
    // so someone on their last code is not locked out by a 503.
    if (isOutage(error))
      await Promise.all([
        method === "recovery_code" && input.recoveryCode
          ? restoreRecoveryCode(ctx, userId, input.recoveryCode, now).catch(() => undefined)
          : undefined,
        putBack(ctx, record, error),
      ]);
    throw error;
  }
}

/** A wrong factor costs one of the token's attempts; an outage or a lockout costs none. */
async function putBack(ctx: ServiceContext, record: OneTimeTokenRecord, error: unknown): Promise<void> {
  const wrong = error instanceof AuthError && (error.code === "mfa_invalid" || error.code === "passkey_invalid");
  const attempts = Number(record.data.attempts ?? 0) + (wrong ? 1 : 0);
  if (attempts >= MFA_STEP_UP.maxAttempts) return;
  await ctx.deps.tokens.release({ ...record, data: { ...record.data, attempts: String(attempts) } }).catch(() => {});
}

async function finish(ctx: ServiceContext, record: OneTimeTokenRecord): Promise<StepUpResult> {
  // Read again: the account may have been disabled or left the organization in the meantime.
  const snapshot = await ctx.deps.users.findSnapshot(record.subject);
  if (!snapshot) throw new AuthError("token_invalid");
  const first = snapshot.organizations[0];
  if (record.data.kind === "check") {
    if (!first) throw new AuthError("token_invalid");
    return { kind: "check", user: snapshot.user, organization: first, organizations: snapshot.organizations };
  }
  const organization = organizationIn(snapshot, String(record.data.organization_id));
  if (!organization) throw new AuthError("token_invalid");
  if (record.data.kind === "tokens") return { kind: "tokens", tokens: await issueTokens(ctx, snapshot, organization) };
  const session = await createSession(ctx, {
    snapshot,
    organizationId: organization.id,
    remember: record.data.remember === true,
  });
  // Re-validated at use: the allowlist may have changed since the first step.
  const stored = record.data.redirect_to;
  const redirectTo = typeof stored === "string" ? resolveRedirect(ctx.config, stored) : null;
  return { kind: "session", user: snapshot.user, organization, session, redirectTo };
}
