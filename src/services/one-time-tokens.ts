import type { Config } from "../config";
import { linkWithToken } from "../config/links";
import { sha256Hex } from "../crypto/hash";
import { generateToken, isOpaqueToken } from "../crypto/random";
import { AuthError, rateLimited } from "../errors";
import type { OneTimeTokenRecord, RateLimitRule, Throttle, TokenPurpose } from "../ports";
import type { ServiceContext } from "./context";

/** The emailed link for a token: the configured base for that kind of link (config/links.ts). */
export function tokenLink(config: Config, link: keyof Config["links"], token: string): string {
  return linkWithToken(config.links[link], token);
}

/**
 * Mints a 256-bit single-use token typed by purpose (replacing the subject's previous one of that
 * purpose) and returns the raw value, which only ever leaves in the email or response; Redis keeps the hash.
 * With `limits`, the request is counted and the token issued in one atomic step: a refused request
 * leaves nothing issued (and the previous token still valid) and throws `rate_limited`.
 */
export async function issueOneTimeToken(
  ctx: ServiceContext,
  purpose: TokenPurpose,
  subject: string,
  ttlMs: number,
  data: OneTimeTokenRecord["data"],
  limits: RateLimitRule[] = [],
  slot?: OneTimeTokenRecord["slot"],
): Promise<{ token: string; record: OneTimeTokenRecord }> {
  const { deps } = ctx;
  const now = deps.clock.now();
  const token = generateToken(32);
  const record: OneTimeTokenRecord = {
    purpose,
    token_hash: await sha256Hex(token),
    subject,
    data,
    created_at: now,
    expires_at: now + ttlMs,
    ...(slot ? { slot } : {}),
  };
  const verdict = await deps.tokens.issue(record, limits);
  if (!verdict.allowed) throw rateLimited(verdict.retryAfterSeconds);
  return { token, record };
}

/** Reads a still-valid token without spending it, for the pages links open (mail scanners open links too). */
export async function peekOneTimeToken(
  ctx: ServiceContext,
  purpose: TokenPurpose,
  token: string,
): Promise<OneTimeTokenRecord | null> {
  const { deps } = ctx;
  if (!isOpaqueToken(token)) return null;
  const record = await deps.tokens.peek(purpose, await sha256Hex(token));
  return record !== null && record.expires_at > deps.clock.now() ? record : null;
}

/**
 * Spends a token atomically (one winner under any concurrency). Failures count against `failures`
 * (keyed by the caller, usually per IP) so guessing is throttled: 401 token_invalid, token_expired, or 429.
 */
export async function consumeOneTimeToken(
  ctx: ServiceContext,
  purpose: TokenPurpose,
  token: string,
  failures: Throttle,
): Promise<OneTimeTokenRecord> {
  const { deps } = ctx;
  if (!isOpaqueToken(token)) throw new AuthError("token_invalid");
  const consumed = await deps.tokens.consume(purpose, await sha256Hex(token), failures);
  if (consumed.status === "throttled") throw rateLimited(consumed.retryAfterSeconds);
  if (consumed.status === "missing") throw new AuthError("token_invalid");
  if (consumed.record.expires_at <= deps.clock.now()) throw new AuthError("token_expired");
  return consumed.record;
}

/**
 * Runs the effect a spent secret pays for. If the effect fails for a reason that is not a broken rule
 * (a store outage, a deadline), the secret is put back first, so the user's retry works: a link, code
 * or token is spent only together with its effect. Broken rules (a disabled account, an address that
 * changed) keep it spent.
 */
export async function releaseOnFailure<T>(effect: () => Promise<T>, release: () => Promise<void>): Promise<T> {
  try {
    return await effect();
  } catch (error) {
    if (isOutage(error)) await release().catch(() => undefined);
    throw error;
  }
}

/** A failure that is not a broken rule: a store outage, a deadline, a bug. Its answer is a 5xx. */
export const isOutage = (error: unknown): boolean => !(error instanceof AuthError) || error.status >= 500;
