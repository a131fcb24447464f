import type { TurnstileMode } from "../config/abuse";
import { constantTimeEqual, hmacSha256, sha256Hex } from "../crypto/hash";
import { AuthError } from "../errors";
import type { RateLimitRule } from "../ports";
import type { ServiceContext } from "./context";

// Public send endpoints (sign-in links, password resets, verification mails, storefront codes) are
// limited per address and per client IP. A per-address limit is a lever for an attacker: spending it
// would lock the owner out. So the owner gets ways past it that the attacker lacks:
// - proof of possession: a browser that has signed in as the address holds a cookie with a MAC over
//   the address (set at every browser sign-in); its requests count in a bucket of their own;
// - a human check: with TURNSTILE_MODE=escalate, a spent address limit answers 403 challenge_required
//   instead of 429, and a request with a valid Turnstile token counts in a separate bucket.
// Both buckets have the same size as the shared one, so the address's inbox gets at most three times
// the limit, and the attacker's requests never consume the owner's.

/** Verifies a Turnstile token with siteverify (single use is Cloudflare's): under a deadline, fails closed. */
export async function verifyHuman(ctx: ServiceContext, token: string | null): Promise<void> {
  const { config } = ctx;
  const turnstile = config.abuse.turnstile;
  if (!token) throw new AuthError("challenge_required");
  if (!turnstile.secretKey || token.length > 2048) throw new AuthError("challenge_failed");
  const form = new URLSearchParams({ secret: turnstile.secretKey, response: token });
  if (ctx.ip !== "unknown") form.set("remoteip", ctx.ip);
  let answer: { success?: unknown };
  try {
    const response = await fetch(turnstile.verifyUrl, {
      method: "POST",
      body: form,
      signal: AbortSignal.timeout(turnstile.timeoutMs),
    });
    if (!response.ok) throw new Error(`siteverify answered ${response.status}`);
    answer = (await response.json()) as { success?: unknown };
  } catch (cause) {
    throw new AuthError("challenge_unavailable", { cause });
  }
  if (answer.success !== true) throw new AuthError("challenge_failed");
}

/** The known-client MAC over an address's hash (guardSend has the hash already). */
const proofOf = (ctx: ServiceContext, subjectKey: string): Promise<string> =>
  hmacSha256(ctx.deps.keys.csrf, `known-client\n${subjectKey}`);

/** The cookie value that proves this browser signed in as `email` (a MAC: it cannot be made up). */
export async function knownClientProof(ctx: ServiceContext, email: string): Promise<string> {
  return proofOf(ctx, await sha256Hex(email));
}

export interface SendGuard {
  /** The rules to count this send against (the address's bucket and, if any, the IP's). */
  rules: RateLimitRule[];
  /** The token slot of what this request mints (none for the shared bucket). */
  slot: "known" | "human" | undefined;
  /** Turns the limiter's refusal into the right answer (challenge_required where a token would help). */
  refuse(refusal: AuthError): Promise<never>;
}

export interface SendGuardInput {
  /** The limit's name (ml_req, reset, verify_resend, signup, otp_send...). */
  scope: string;
  /** The address (canonical email, or a store's contact key). */
  subject: string;
  /** The shared bucket's name in the key (default "email"). */
  shared?: string;
  perSubject: { limit: number; windowSeconds: number };
  /** null for callers without a per-IP budget (servers). */
  ipRule: RateLimitRule | null;
  /** The known-client cookie, if the browser sent one. */
  knownProof: string | null;
  /** The X-Turnstile-Token header (or the hosted form's cf-turnstile-response). */
  challenge: string | null;
  /** The deployment's mode unless the caller (a publishable key) requires more. */
  mode?: TurnstileMode;
}

export async function guardSend(ctx: ServiceContext, input: SendGuardInput): Promise<SendGuard> {
  const mode = input.mode ?? ctx.config.abuse.turnstile.mode;
  if (mode === "always") await verifyHuman(ctx, input.challenge);
  const subjectKey = await sha256Hex(input.subject);
  const shared = input.shared ?? "email";
  let bucket = shared;
  if (input.knownProof && constantTimeEqual(input.knownProof, await proofOf(ctx, subjectKey))) bucket = "known";
  else if (mode === "escalate" && input.challenge) {
    await verifyHuman(ctx, input.challenge);
    bucket = "human";
  }
  const subjectRule = { key: `${input.scope}:${bucket}:${subjectKey}`, ...input.perSubject };
  const rules = input.ipRule ? [subjectRule, input.ipRule] : [subjectRule];
  return {
    rules,
    slot: bucket === "known" || bucket === "human" ? bucket : undefined,
    async refuse(refusal) {
      // Only the shared bucket escalates, and only when the address (not this client's IP) is what is full.
      if (mode === "escalate" && bucket === shared) {
        const ipFull = input.ipRule ? !(await ctx.deps.rateLimiter.peek([input.ipRule])).allowed : false;
        if (!ipFull) throw new AuthError("challenge_required");
      }
      throw refusal;
    },
  };
}
