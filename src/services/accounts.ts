import { generateId } from "../crypto/random";
import type { EmailMessage } from "../email/provider";
import {
  emailChangeEmail,
  emailChangeNotice,
  existingAccountEmail,
  passwordChangedEmail,
  passwordResetEmail,
  verificationEmail,
} from "../email/templates";
import { AuthError, rateLimited } from "../errors";
import type { OneTimeTokenRecord, SessionUser, TokenPurpose, UserSnapshot } from "../ports";
import { emailDomain, logAuthEvent } from "./audit";
import type { ServiceContext } from "./context";
import { ACCOUNT_EMAILS, SIGNUP, TOKEN_FAILURES } from "./limits";
import {
  consumeOneTimeToken,
  issueOneTimeToken,
  peekOneTimeToken,
  releaseOnFailure,
  tokenLink,
} from "./one-time-tokens";
import { authenticatePassword, clearPasswordFailures, requireEmail, settlePasswordAttempt } from "./password-auth";
import { checkPassword } from "./password-policy";
import type { Principal } from "./policy";
import { confirmRecentAuth } from "./reauth";
import { revokeAllCredentials } from "./revocation";
import { guardSend } from "./send-guard";

const DAY = 86_400_000;
const VERIFY_TTL_MS = DAY;
const RESET_TTL_MS = 60 * 60 * 1000;

/** A browser's proofs for the send guard: the known-client cookie and a Turnstile token. */
export interface SendProofs {
  knownProof?: string | null;
  challenge?: string | null;
}

async function limitAccountEmails(
  ctx: ServiceContext,
  bucket: string,
  email: string,
  policy = ACCOUNT_EMAILS,
  proofs: SendProofs = {},
): Promise<OneTimeTokenRecord["slot"]> {
  const { deps } = ctx;
  const guard = await guardSend(ctx, {
    scope: bucket,
    subject: email,
    perSubject: policy.perEmail,
    ipRule: { key: `${bucket}:ip:${ctx.ip}`, ...policy.perIp },
    knownProof: proofs.knownProof ?? null,
    challenge: proofs.challenge ?? null,
  });
  const result = await deps.rateLimiter.hit(guard.rules);
  if (!result.allowed) await guard.refuse(rateLimited(result.retryAfterSeconds));
  return guard.slot;
}

function consumeToken(ctx: ServiceContext, purpose: TokenPurpose, token: string): Promise<OneTimeTokenRecord> {
  return consumeOneTimeToken(ctx, purpose, token, { key: `ott_fail:${purpose}:ip:${ctx.ip}`, ...TOKEN_FAILURES });
}

async function sendVerification(
  ctx: ServiceContext,
  user: SessionUser,
  slot?: OneTimeTokenRecord["slot"],
): Promise<void> {
  const { deps, config } = ctx;
  const data = { email: user.email, kind: "verify" };
  const { token } = await issueOneTimeToken(ctx, "email_verification", user.id, VERIFY_TTL_MS, data, [], slot);
  await deps.email.send(verificationEmail(user.email, tokenLink(config, "verifyEmail", token)));
}

export interface SignupInput extends SendProofs {
  email: string;
  password: string;
  name: string | null;
  organizationName: string | null;
}

/**
 * Creates a password account. An address that already has an account gets the same 201 and the same
 * amount of work (one hash, one statement); its owner is told by email instead. Emails are sent after
 * the response, so the answer's timing does not depend on which case happened.
 */
export async function signup(
  ctx: ServiceContext,
  input: SignupInput,
): Promise<{ user: SessionUser; verification_required: boolean }> {
  const { deps, config } = ctx;
  const email = requireEmail(input.email);
  const password = checkPassword(input.password, { email, minLength: config.passwords.minLength });
  await limitAccountEmails(ctx, "signup", email, SIGNUP, input);
  const now = deps.clock.now();
  const passwordHash = await deps.passwords.hash(password);
  const ids = {
    user: generateId("usr", now),
    organization: generateId("org", now),
    membership: generateId("mem", now),
  };
  const created = await deps.users.createPasswordUser({
    email,
    name: input.name,
    organizationName: input.organizationName,
    passwordHash,
    now,
    ids,
  });
  if (created) {
    logAuthEvent("signup.created", { user_id: created.user.id, email_domain: emailDomain(email), ip: ctx.ip }, now);
    if (config.passwords.requireEmailVerification)
      ctx.defer("verification_email", () => sendVerification(ctx, created.user));
    return { user: created.user, verification_required: config.passwords.requireEmailVerification };
  }
  logAuthEvent("signup.existing", { email_domain: emailDomain(email), ip: ctx.ip }, now);
  ctx.defer("existing_account_email", () =>
    deps.email.send(existingAccountEmail(email, config.appUrl ?? config.publicOrigin)),
  );
  // The shape a new account would have had; nothing about the real one leaks.
  const lookalike: SessionUser = {
    id: ids.user,
    email,
    name: input.name,
    email_verified: false,
    email_verified_at: null,
    created_at: new Date(now).toISOString(),
    last_login_at: null,
    is_superuser: false,
  };
  return { user: lookalike, verification_required: config.passwords.requireEmailVerification };
}

/** Spends a verification token: proves the address (or applies a requested email change). */
export async function verifyEmail(ctx: ServiceContext, token: string): Promise<UserSnapshot> {
  const { deps } = ctx;
  const record = await consumeToken(ctx, "email_verification", token);
  return releaseOnFailure(
    () => applyVerification(ctx, record),
    () => deps.tokens.release(record),
  );
}

async function applyVerification(ctx: ServiceContext, record: OneTimeTokenRecord): Promise<UserSnapshot> {
  const { deps } = ctx;
  const now = deps.clock.now();
  const address = String(record.data.email);
  let snapshot: UserSnapshot | null;
  if (record.data.kind === "change") {
    // Bound to the address the change started from: a later change or a takeover of the new
    // address in between makes this token useless (EML-01, EML-03).
    snapshot = await deps.users.changeEmail(record.subject, String(record.data.from), address, now);
    if (snapshot) logAuthEvent("email.changed", { user_id: snapshot.user.id, email_domain: emailDomain(address) }, now);
  } else {
    snapshot = await deps.users.markEmailVerified(record.subject, address, now);
    if (snapshot) logAuthEvent("email.verified", { user_id: snapshot.user.id }, now);
  }
  if (!snapshot) throw new AuthError("token_invalid");
  return snapshot;
}

/** 202 whatever the address; an unverified account gets a fresh link (the old one stops working). */
export async function resendVerification(ctx: ServiceContext, input: { email: string } & SendProofs): Promise<void> {
  const { deps } = ctx;
  const email = requireEmail(input.email);
  const slot = await limitAccountEmails(ctx, "verify_resend", email, ACCOUNT_EMAILS, input);
  const login = await deps.users.findLogin(email);
  if (login && !login.snapshot.user.email_verified)
    ctx.defer("verification_email", () => sendVerification(ctx, login.snapshot.user, slot));
}

/** Always {ok: true}; a reset link (1 hour, single use, replacing earlier ones) goes out only to real accounts. */
export async function forgotPassword(ctx: ServiceContext, input: { email: string } & SendProofs): Promise<void> {
  const { deps, config } = ctx;
  const email = requireEmail(input.email);
  const slot = await limitAccountEmails(ctx, "reset", email, ACCOUNT_EMAILS, input);
  const login = await deps.users.findLogin(email);
  logAuthEvent(
    "password.reset_requested",
    { user_id: login?.snapshot.user.id, email_domain: emailDomain(email), ip: ctx.ip },
    deps.clock.now(),
  );
  if (!login) return;
  ctx.defer("reset_email", async () => {
    const userId = login.snapshot.user.id;
    const { token } = await issueOneTimeToken(ctx, "password_reset", userId, RESET_TTL_MS, { email }, [], slot);
    await deps.email.send(passwordResetEmail(email, tokenLink(config, "resetPassword", token)));
  });
}

/** For the reset page: who the token is for, without spending it. */
export async function peekResetToken(ctx: ServiceContext, token: string): Promise<string | null> {
  const record = await peekOneTimeToken(ctx, "password_reset", token);
  return record && String(record.data.email);
}

/**
 * Sets a new password from an emailed token. The password is checked before the token is spent (a
 * typo costs nothing); then the token, the new hash, and the end of every session and token family.
 * Proves the address and clears the account's lockout. No sign-in happens here.
 */
export async function resetPassword(ctx: ServiceContext, input: { token: string; password: string }): Promise<void> {
  const { deps, config } = ctx;
  const email = await peekResetToken(ctx, input.token);
  const password = checkPassword(input.password, { email, minLength: config.passwords.minLength });
  const record = await consumeToken(ctx, "password_reset", input.token);
  const now = deps.clock.now();
  const passwordHash = await deps.passwords.hash(password);
  const snapshot = await releaseOnFailure(
    async () => {
      const updated = await deps.users.setPassword(record.subject, String(record.data.email), passwordHash, now, true);
      if (!updated) throw new AuthError("token_invalid");
      await Promise.all([
        revokeAllCredentials(ctx, updated.user.id, null),
        clearPasswordFailures(ctx, updated.user.email),
      ]);
      return updated;
    },
    () => deps.tokens.release(record),
  );
  logAuthEvent("password.reset", { user_id: snapshot.user.id, ip: ctx.ip }, now);
  ctx.defer("password_reset_notice", () => deps.email.send(passwordChangedEmail(snapshot.user.email, "reset")));
}

/**
 * Needs the current password (a wrong one counts as a failed login). Every other session and every
 * token family ends; the calling session survives.
 */
export async function changePassword(
  ctx: ServiceContext,
  input: {
    user: SessionUser;
    currentPassword: string;
    newPassword: string;
    keepSessionHash: string | null;
  },
): Promise<void> {
  const { deps, config } = ctx;
  const auth = await authenticatePassword(ctx, {
    email: input.user.email,
    password: input.currentPassword,
  });
  const password = checkPassword(input.newPassword, { email: input.user.email, minLength: config.passwords.minLength });
  const now = deps.clock.now();
  const snapshot = await deps.users.setPassword(
    auth.snapshot.user.id,
    null,
    await deps.passwords.hash(password),
    now,
    false,
  );
  if (!snapshot) throw new AuthError("unauthorized");
  await Promise.all([
    revokeAllCredentials(ctx, snapshot.user.id, input.keepSessionHash),
    settlePasswordAttempt(ctx, auth),
  ]);
  logAuthEvent("password.changed", { user_id: snapshot.user.id, ip: ctx.ip }, now);
  ctx.defer("password_changed_notice", () => deps.email.send(passwordChangedEmail(snapshot.user.email, "changed")));
}

export interface ProfileChanges {
  name?: string | null;
  phone?: string | null;
  email?: string;
}

/**
 * Name and phone apply at once. A new email applies only once a link sent to it is opened; the current
 * address is told. Answers the same whether or not the new address belongs to someone else.
 */
export async function updateProfile(
  ctx: ServiceContext,
  input: {
    user: SessionUser;
    principal: Principal;
    currentPassword: string | null;
    mfaCode?: string | null;
    changes: ProfileChanges;
  },
): Promise<{ snapshot: UserSnapshot; emailChangePending: boolean }> {
  const { deps, config } = ctx;
  const now = deps.clock.now();
  const { email: newEmailRaw, ...direct } = input.changes;
  const newEmail = newEmailRaw === undefined ? null : requireEmail(newEmailRaw);
  const changingEmail = newEmail !== null && newEmail !== input.user.email;
  if (changingEmail) {
    // Moving the address moves the account (reset links go there): a stolen token alone must not do it.
    await confirmRecentAuth(ctx, input.principal, {
      email: input.user.email,
      currentPassword: input.currentPassword,
      mfaCode: input.mfaCode ?? null,
      what: "Changing your email address",
    });
    await limitAccountEmails(ctx, "email_change", input.user.email);
  }
  const snapshot =
    Object.keys(direct).length > 0
      ? await deps.users.updateProfile(input.user.id, direct, now)
      : await deps.users.findSnapshot(input.user.id);
  if (!snapshot) throw new AuthError("unauthorized");
  if (changingEmail) {
    const from = input.user.email;
    ctx.defer("email_change", async () => {
      const { token } = await issueOneTimeToken(ctx, "email_verification", input.user.id, VERIFY_TTL_MS, {
        email: newEmail,
        from,
        kind: "change",
      });
      const messages: EmailMessage[] = [
        emailChangeEmail(newEmail, tokenLink(config, "verifyEmail", token)),
        emailChangeNotice(from, newEmail),
      ];
      await Promise.all(messages.map((m) => deps.email.send(m)));
    });
  }
  return { snapshot, emailChangePending: changingEmail };
}
