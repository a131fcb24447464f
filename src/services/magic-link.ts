import { sha256Hex } from "../crypto/hash";
import { generateId, isOpaqueToken } from "../crypto/random";
import { DeliveryError } from "../email/provider";
import { magicLinkEmail } from "../email/templates";
import { AuthError, rateLimited } from "../errors";
import type { OneTimeTokenRecord, RateLimitRule, SessionOrganization, SessionUser } from "../ports";
import { emailDomain, logAuthEvent } from "./audit";
import type { ServiceContext } from "./context";
import { canonicalEmail } from "./email-address";
import { MAGIC_LINK_REQUEST, MAGIC_LINK_VERIFY_FAILURES } from "./limits";
import { issueOneTimeToken, peekOneTimeToken, releaseOnFailure, tokenLink } from "./one-time-tokens";
import { resolveRedirect } from "./redirects";
import { revokeAllCredentials } from "./revocation";
import { guardSend } from "./send-guard";
import { createSession, type NewSession } from "./session";
import { type MfaChallenge, stepUpIfEnrolled } from "./step-up";

export interface MagicLinkRequest {
  email: string;
  name: string | null;
  organizationName: string | null;
  redirectTo: string | null;
  /** The client IP; null for authenticated server callers (Stripe, the admin API), which have no per-IP budget. */
  ip: string | null;
  /** The known-client cookie and the Turnstile token, for browsers (services/send-guard.ts). */
  knownProof?: string | null;
  challenge?: string | null;
}

/**
 * Signup and login in one: the same answer whether or not the account exists, and no SQL at all.
 * One Redis round trip before the provider call: the rate limits and the token in one script.
 */
export async function requestMagicLink(ctx: ServiceContext, input: MagicLinkRequest): Promise<{ link: string }> {
  const { deps, config } = ctx;
  const email = canonicalEmail(input.email);
  if (email === null) {
    throw new AuthError("validation_error", {
      details: [{ field: "email", message: "must be a single plain email address" }],
    });
  }
  if (input.redirectTo !== null && resolveRedirect(config, input.redirectTo) === null) {
    throw new AuthError("validation_error", {
      details: [
        { field: "redirect_to", message: "must be a path on this site or a URL on a trusted origin (TRUSTED_ORIGINS)" },
      ],
    });
  }
  const guard = await guardSend(ctx, {
    scope: "ml_req",
    subject: email,
    perSubject: MAGIC_LINK_REQUEST.perEmail,
    ipRule: input.ip === null ? null : { key: `ml_req:ip:${input.ip}`, ...MAGIC_LINK_REQUEST.perIp },
    knownProof: input.knownProof ?? null,
    challenge: input.challenge ?? null,
    // Server callers (Stripe, the platform API) are not browsers: no human check.
    mode: input.ip === null ? "off" : undefined,
  });
  const { link, record } = await issueMagicLink(ctx, { ...input, email }, guard.rules, guard.slot).catch(
    (cause: unknown) => {
      if (cause instanceof AuthError && cause.code === "rate_limited") {
        const fields = { email_domain: emailDomain(email), ip: input.ip ?? undefined };
        logAuthEvent("magic_link.rate_limited", fields, deps.clock.now());
        return guard.refuse(cause);
      }
      throw cause;
    },
  );
  const now = deps.clock.now();
  try {
    await deps.email.send(
      magicLinkEmail({ to: email, link, ttlMinutes: Math.round(config.magicLink.ttlSeconds / 60) }),
    );
  } catch (cause) {
    if (!(cause instanceof DeliveryError)) throw cause;
    // The user never saw this link, so it must not stay usable; a retry mints a fresh one.
    await deps.tokens.revoke("magic_link", record.token_hash);
    const correlationId = generateId("corr", now);
    logAuthEvent(
      "magic_link.delivery_failed",
      {
        email_domain: emailDomain(email),
        ip: input.ip ?? undefined,
        correlation_id: correlationId,
        reason: cause.message.split(":")[0],
      },
      now,
    );
    throw new AuthError("email_delivery_failed", { correlationId, cause });
  }
  logAuthEvent("magic_link.requested", { email_domain: emailDomain(email), ip: input.ip ?? undefined }, now);
  return { link };
}

/** Mints a link (15 minutes, single use, replacing the address's previous one) without sending it. */
export async function issueMagicLink(
  ctx: ServiceContext,
  input: Omit<MagicLinkRequest, "ip">,
  limits: RateLimitRule[] = [],
  slot?: OneTimeTokenRecord["slot"],
): Promise<{ link: string; record: OneTimeTokenRecord }> {
  const { config } = ctx;
  const data = { name: input.name, organization_name: input.organizationName, redirect_to: input.redirectTo };
  const { token, record } = await issueOneTimeToken(
    ctx,
    "magic_link",
    input.email,
    config.magicLink.ttlSeconds * 1000,
    data,
    limits,
    slot,
  );
  return { link: tokenLink(config, "magicLink", token), record };
}

export interface PendingMagicLink {
  email: string;
  expiresAt: number;
}

/** For the confirm page: reads the token without spending it (mail scanners open links too). */
export async function peekMagicLink(ctx: ServiceContext, token: string): Promise<PendingMagicLink | null> {
  const record = await peekOneTimeToken(ctx, "magic_link", token);
  return record && { email: record.subject, expiresAt: record.expires_at };
}

export interface MagicLinkSignIn {
  user: SessionUser;
  organization: SessionOrganization;
  session: NewSession;
  redirectTo: string | null;
  created: boolean;
}

/**
 * Spends the token first, atomically (GETDEL inside Lua), so concurrent or repeated verifications
 * yield one sign-in at most; only then touches Postgres and creates the session.
 */
export async function verifyMagicLink(
  ctx: ServiceContext,
  input: { token: string; remember: boolean },
): Promise<MagicLinkSignIn | MfaChallenge> {
  const { deps } = ctx;
  if (!isOpaqueToken(input.token)) throw new AuthError("magic_link_invalid");
  const consumed = await deps.tokens.consume("magic_link", await sha256Hex(input.token), {
    key: `ml_verify_fail:ip:${ctx.ip}`,
    ...MAGIC_LINK_VERIFY_FAILURES,
  });
  const now = deps.clock.now();
  if (consumed.status !== "consumed" || consumed.record.expires_at <= now) {
    const reason = consumed.status === "consumed" ? "expired" : consumed.status;
    logAuthEvent("magic_link.rejected", { ip: ctx.ip, reason }, now);
    if (consumed.status === "throttled") throw rateLimited(consumed.retryAfterSeconds);
    throw new AuthError("magic_link_invalid");
  }
  const record = consumed.record;
  return releaseOnFailure(
    () => signInWithLink(ctx, record, input, now),
    () => deps.tokens.release(record),
  );
}

async function signInWithLink(
  ctx: ServiceContext,
  record: OneTimeTokenRecord,
  input: { remember: boolean },
  now: number,
): Promise<MagicLinkSignIn | MfaChallenge> {
  const { deps, config } = ctx;
  const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);
  const signIn = await deps.users.recordEmailSignIn({
    email: record.subject,
    name: str(record.data.name),
    organizationName: str(record.data.organization_name),
    now,
    ids: { user: generateId("usr", now), organization: generateId("org", now), membership: generateId("mem", now) },
  });
  // A disabled account gets the same answer as a bad link.
  if (!signIn) {
    logAuthEvent("magic_link.rejected", { ip: ctx.ip, reason: "disabled" }, now);
    throw new AuthError("magic_link_invalid");
  }
  // The first proof of this address ends whatever an earlier, unproven owner of the account had.
  if (signIn.wasUnverified) await revokeAllCredentials(ctx, signIn.snapshot.user.id, null);
  const organization = signIn.snapshot.organizations[0];
  if (!organization) throw new AuthError("forbidden", { message: "This account belongs to no organization." });
  const storedRedirect = str(record.data.redirect_to);
  // Re-validated at use: the allowlist may have changed since the link was issued.
  const redirectTo = storedRedirect === null ? null : resolveRedirect(config, storedRedirect);
  const completion = {
    kind: "session" as const,
    organizationId: organization.id,
    remember: input.remember,
    redirectTo,
  };
  const stepUp = await stepUpIfEnrolled(ctx, signIn.snapshot, completion, "magic_link");
  if (stepUp) return stepUp;
  const session = await createSession(ctx, {
    snapshot: signIn.snapshot,
    organizationId: organization.id,
    remember: input.remember,
  });
  logAuthEvent(
    "magic_link.verified",
    {
      user_id: signIn.snapshot.user.id,
      organization_id: organization.id,
      session_id: session.record.id,
      ip: ctx.ip,
      created: signIn.created,
    },
    now,
  );
  return { user: signIn.snapshot.user, organization, session, redirectTo, created: signIn.created };
}
