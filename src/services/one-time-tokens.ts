import type { Deps } from "../deps";
import { sha256Hex } from "../crypto/hash";
import { generateToken, isOpaqueToken } from "../crypto/random";
import type { OneTimeTokenRecord, TokenPurpose } from "../storage/ports";

/**
 * Mints a 256-bit single-use token typed by purpose (replacing the subject's previous one of that
 * purpose) and returns the raw value, which only ever leaves in the email or response; Redis keeps the hash.
 */
export async function issueOneTimeToken(
  deps: Deps,
  purpose: TokenPurpose,
  subject: string,
  ttlMs: number,
  data: OneTimeTokenRecord["data"],
): Promise<{ token: string; record: OneTimeTokenRecord }> {
  const now = deps.clock.now();
  const token = generateToken(32);
  const record: OneTimeTokenRecord = { purpose, token_hash: await sha256Hex(token), subject, data, created_at: now, expires_at: now + ttlMs };
  await deps.tokens.issue(record);
  return { token, record };
}

/** Reads a still-valid token without spending it, for the pages links open (mail scanners open links too). */
export async function peekOneTimeToken(deps: Deps, purpose: TokenPurpose, token: string): Promise<OneTimeTokenRecord | null> {
  if (!isOpaqueToken(token)) return null;
  const record = await deps.tokens.peek(purpose, await sha256Hex(token));
  return record !== null && record.expires_at > deps.clock.now() ? record : null;
}
