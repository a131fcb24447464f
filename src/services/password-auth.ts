import { sha256Hex } from "../crypto/hash";
import { AuthError, rateLimited } from "../errors";
import type { RateLimitRule, UserSnapshot } from "../ports";
import { emailDomain, logAuthEvent } from "./audit";
import type { ServiceContext } from "./context";
import { canonicalEmail } from "./email-address";
import { PASSWORD_FAILURES } from "./limits";

export interface PasswordAuthentication {
  snapshot: UserSnapshot;
  /** A new hash when the stored one uses outdated parameters (applied by recordPasswordLogin). */
  rehash: string | null;
  accountKey: string;
  /** The client IP's counter, which counted this attempt up front; a success gives it back. */
  ipRule: RateLimitRule;
}

export function requireEmail(input: string, field = "email"): string {
  const email = canonicalEmail(input);
  if (email === null)
    throw new AuthError("validation_error", { details: [{ field, message: "must be a single plain email address" }] });
  return email;
}

async function failureRules(
  email: string,
  ip: string,
): Promise<{ accountKey: string; ipRule: RateLimitRule; rules: RateLimitRule[] }> {
  const accountKey = `pw_fail:acct:${await sha256Hex(email)}`;
  const ipRule = { key: `pw_fail:ip:${ip}`, ...PASSWORD_FAILURES.perIp };
  return { accountKey, ipRule, rules: [{ key: accountKey, ...PASSWORD_FAILURES.perAccount }, ipRule] };
}

/**
 * Checks an email and password. Unknown email, wrong password and passwordless accounts all end in the
 * same 401 after exactly one password derivation, so neither the answer nor its timing tells them
 * apart. Every attempt is counted (per account, per client IP) atomically *before* the hash, so however
 * many arrive at once, at most the limit are ever evaluated; a success gives its count back. One round
 * trip (counters and user lookup in parallel) plus the hash.
 */
export async function authenticatePassword(
  ctx: ServiceContext,
  input: { email: string; password: string },
): Promise<PasswordAuthentication> {
  const { deps, config } = ctx;
  const email = requireEmail(input.email);
  const { accountKey, ipRule, rules } = await failureRules(email, ctx.ip);
  const [gate, login] = await Promise.all([deps.rateLimiter.hit(rules), deps.users.findLogin(email)]);
  const now = deps.clock.now();
  if (!gate.allowed) {
    logAuthEvent("password.locked", { email_domain: emailDomain(email), ip: ctx.ip }, now);
    throw rateLimited(gate.retryAfterSeconds);
  }
  const check = await deps.passwords.verify(login?.passwordHash ?? null, input.password);
  if (!login || !check.valid) {
    logAuthEvent(
      "password.failed",
      { user_id: login?.snapshot.user.id, email_domain: emailDomain(email), ip: ctx.ip },
      now,
    );
    throw new AuthError("invalid_credentials");
  }
  // Only after a correct password, so this answer reveals nothing to someone who does not know it.
  if (config.passwords.requireEmailVerification && !login.snapshot.user.email_verified)
    throw new AuthError("email_not_verified");
  const rehash = check.needsRehash ? await deps.passwords.hash(input.password) : null;
  return { snapshot: login.snapshot, rehash, accountKey, ipRule };
}

/** The snapshot as it reads after this login (last_login_at stamped). */
export function signedInSnapshot(auth: PasswordAuthentication, now: number): UserSnapshot {
  return { ...auth.snapshot, user: { ...auth.snapshot.user, last_login_at: new Date(now).toISOString() } };
}

/** Stamps last_login_at (and an upgraded hash) and clears the account's failure counter, in parallel. */
export async function recordPasswordLogin(
  ctx: ServiceContext,
  auth: PasswordAuthentication,
  now: number,
): Promise<void> {
  const { deps } = ctx;
  await Promise.all([
    deps.users.recordLogin(auth.snapshot.user.id, now, auth.rehash),
    settlePasswordAttempt(ctx, auth),
  ]);
  logAuthEvent(
    "password.succeeded",
    { user_id: auth.snapshot.user.id, ip: ctx.ip, reason: auth.rehash ? "rehashed" : undefined },
    now,
  );
}

export async function clearPasswordFailures(ctx: ServiceContext, email: string): Promise<void> {
  const { deps } = ctx;
  const { accountKey } = await failureRules(email, "");
  await deps.rateLimiter.clear([accountKey]);
}

/** After a right password: the account's failures are forgotten and the IP gets its counted attempt back. */
export async function settlePasswordAttempt(ctx: ServiceContext, auth: PasswordAuthentication): Promise<void> {
  const { deps } = ctx;
  await deps.rateLimiter.settle([auth.accountKey], [auth.ipRule]);
}
