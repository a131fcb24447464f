import { encodeBase64Url } from "../../crypto/encoding";
import { constantTimeEqual, sha256, sha256Hex } from "../../crypto/hash";
import { generateId, generateToken, isOpaqueToken } from "../../crypto/random";
import { AuthError, rateLimited } from "../../errors";
import type { OAuthProvider } from "../../oauth/config";
import { OAuthFailure } from "../../oauth/failure";
import type { ProviderProfile, SessionOrganization, SessionUser } from "../../ports";
import { logAuthEvent } from "../../services/audit";
import type { ServiceContext } from "../../services/context";
import { canonicalEmail } from "../../services/email-address";
import { OAUTH_FAILURES, OAUTH_STARTS } from "../../services/limits";
import { issueOneTimeToken } from "../../services/one-time-tokens";
import { sealProviderTokens } from "../../services/provider-tokens";
import { resolveRedirect } from "../../services/redirects";
import { createSession, type NewSession } from "../../services/session";
import { type MfaChallenge, stepUpIfEnrolled } from "../../services/step-up";
import { notifyIdentityChange } from "./identities";

const STATE_TTL_MS = 10 * 60 * 1000;
const APP_CODE_TTL_MS = 60 * 1000;
const PKCE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export interface StartInput {
  provider: string;
  redirectTo: string | null;
  /** The app's PKCE challenge (S256) when redirect_to is the app's own scheme. */
  codeChallenge: string | null;
  /** The browser's binding value from its cookie, if it has one. */
  binding: string | null;
  /** Set when a signed-in user links this provider instead of signing in. */
  linkUserId?: string;
}

/** The configured provider by name, or 404 (an unknown provider does not exist). */
export function findProvider(ctx: ServiceContext, name: string): OAuthProvider {
  const provider = ctx.config.oauth.providers.find((p) => p.name === name);
  if (!provider) throw new AuthError("not_found", { message: "No such sign-in provider." });
  return provider;
}

export const callbackUrl = (ctx: ServiceContext, provider: string) =>
  `${ctx.config.publicOrigin}/v1/auth/oauth/${provider}/callback`;

/**
 * Starts a sign-in (or a link) with a provider: a single-use `state` stored for 10 minutes, bound to
 * this browser (a cookie value the callback must present), with the PKCE verifier and the nonce the ID
 * token must carry. The answer is the provider's URL.
 */
export async function startSocialSignIn(
  ctx: ServiceContext,
  input: StartInput,
): Promise<{ url: string; binding: string }> {
  const { deps } = ctx;
  const provider = findProvider(ctx, input.provider);
  const target = destination(ctx, input.redirectTo, input.codeChallenge);
  const binding = input.binding !== null && isOpaqueToken(input.binding) ? input.binding : generateToken(32);
  const nonce = generateToken(32);
  const verifier = generateToken(32);
  // The state is a one-time token whose subject is the browser binding; issued and counted against
  // the per-IP start limit in one step (a flood of starts is refused, nothing issued).
  const { token: state } = await issueOneTimeToken(
    ctx,
    "oauth_state",
    await sha256Hex(binding),
    STATE_TTL_MS,
    {
      provider: provider.name,
      nonce,
      verifier,
      redirect_to: target.web,
      app_redirect: target.app,
      app_challenge: input.codeChallenge,
      link_user: input.linkUserId ?? null,
    },
    [{ key: `oauth_start:ip:${ctx.ip}`, ...OAUTH_STARTS }],
  );
  const codeChallenge = encodeBase64Url(await sha256(verifier));
  const url = await provide(() =>
    deps.oauth.authorizationUrl(provider, {
      redirectUri: callbackUrl(ctx, provider.name),
      state,
      nonce,
      codeChallenge,
    }),
  );
  return { url, binding };
}

/** Where the person lands afterwards: a page (redirect_to on an allowed origin) or the native app. */
function destination(
  ctx: ServiceContext,
  redirectTo: string | null,
  challenge: string | null,
): { web: string | null; app: string | null } {
  const scheme = `${ctx.config.devices.appScheme}:`;
  if (redirectTo?.toLowerCase().startsWith(scheme)) {
    // The app gets a code in its redirect; only its PKCE verifier can spend it (another app claiming
    // the same scheme cannot).
    if (challenge === null || !PKCE_CHALLENGE.test(challenge))
      throw new AuthError("validation_error", {
        details: [{ field: "code_challenge", message: "an app redirect needs a PKCE S256 code_challenge" }],
      });
    return { web: null, app: redirectTo };
  }
  if (redirectTo === null) return { web: null, app: null };
  const web = resolveRedirect(ctx.config, redirectTo);
  if (web === null)
    throw new AuthError("validation_error", {
      details: [{ field: "redirect_to", message: "must be a path here or a URL on a trusted origin" }],
    });
  return { web, app: null };
}

export type CallbackResult =
  | {
      kind: "session";
      user: SessionUser;
      organization: SessionOrganization;
      session: NewSession;
      redirectTo: string | null;
      created: boolean;
    }
  | { kind: "app"; redirect: string }
  | { kind: "linked"; redirectTo: string | null }
  /** A second factor is owed before the session. */
  | { kind: "mfa"; challenge: MfaChallenge };

/**
 * Finishes a sign-in: spends the state (single use, atomically), checks it belongs to this browser
 * and provider, lets the provider library check the code exchange, PKCE and ID token, then signs in
 * like any other method (or links, or hands the app a code). `appRedirect` is set on failures that
 * happen after the state is known, so the route can send the app its error.
 */
export async function finishSocialSignIn(
  ctx: ServiceContext,
  input: {
    provider: string;
    params: URLSearchParams;
    binding: string | null;
    signedInUserId: string | null;
    /** False for a cross-site form_post, which cannot carry the (SameSite=Lax) session cookie. */
    sessionVisible?: boolean;
  },
): Promise<CallbackResult> {
  const { deps } = ctx;
  const provider = findProvider(ctx, input.provider);
  const state = input.params.get("state") ?? "";
  if (!isOpaqueToken(state)) throw new AuthError("oauth_failed");
  const consumed = await deps.tokens.consume("oauth_state", await sha256Hex(state), {
    key: `oauth_fail:ip:${ctx.ip}`,
    ...OAUTH_FAILURES,
  });
  const now = deps.clock.now();
  if (consumed.status === "throttled") throw rateLimited(consumed.retryAfterSeconds);
  if (consumed.status !== "consumed" || consumed.record.expires_at <= now) throw rejected(ctx, "state", now);
  const record = consumed.record;
  const data = record.data as Record<string, string | null>;
  // Another browser's state (login CSRF, a leaked callback URL) or another provider's: refused.
  const bound = input.binding !== null && constantTimeEqual(await sha256Hex(input.binding), record.subject);
  if (!bound || data.provider !== provider.name) throw rejected(ctx, "binding", now);
  try {
    const profile = await provide(() =>
      deps.oauth.finish(provider, {
        params: input.params,
        redirectUri: callbackUrl(ctx, provider.name),
        state,
        nonce: data.nonce ?? "",
        codeVerifier: data.verifier ?? "",
      }),
    );
    const { tokens, ...claims } = profile;
    const email = claims.email === null ? null : canonicalEmail(claims.email);
    // Kept only for providers configured to keep them; otherwise null, which also clears old ones.
    const sealedTokens = tokens ? await sealProviderTokens(ctx, claims, tokens) : null;
    const asserted = { ...claims, email, emailVerified: claims.emailVerified && email !== null, sealedTokens };
    if (data.link_user) {
      // Linking is for the person who started it, still signed in as the same user.
      if (input.sessionVisible !== false && input.signedInUserId !== data.link_user)
        throw rejected(ctx, "link_user", now);
      const outcome = await deps.identities.link({
        ...asserted,
        userId: data.link_user,
        id: generateId("idn", now),
        now,
      });
      if (outcome === "taken")
        throw new AuthError("conflict", { message: `This ${provider.label} account is linked to another user.` });
      logAuthEvent("oauth.linked", { user_id: data.link_user, reason: provider.name, ip: ctx.ip }, now);
      if (outcome === "linked") notifyIdentityChange(ctx, data.link_user, provider.label, "linked");
      return { kind: "linked", redirectTo: data.redirect_to ?? null };
    }
    const signIn = await signInWith(ctx, asserted, now);
    // Linked by a proven address to an account that already existed: a new way in, so its owner hears.
    if (signIn.linked && !signIn.created) notifyIdentityChange(ctx, signIn.snapshot.user.id, provider.label, "linked");
    const organization = signIn.snapshot.organizations[0];
    if (!organization) throw new AuthError("forbidden", { message: "This account belongs to no organization." });
    logAuthEvent(
      "oauth.signed_in",
      {
        user_id: signIn.snapshot.user.id,
        organization_id: organization.id,
        ip: ctx.ip,
        created: signIn.created,
        reason: provider.name,
      },
      now,
    );
    if (data.app_redirect) {
      const { token } = await issueOneTimeToken(ctx, "oauth_code", signIn.snapshot.user.id, APP_CODE_TTL_MS, {
        organization_id: organization.id,
        challenge: data.app_challenge ?? null,
      });
      return { kind: "app", redirect: withQuery(data.app_redirect, { code: token }) };
    }
    // Re-validated at use: the allowlist may have changed since the start.
    const redirectTo = data.redirect_to ? resolveRedirect(ctx.config, data.redirect_to) : null;
    const completion = { kind: "session" as const, organizationId: organization.id, remember: false, redirectTo };
    const stepUp = await stepUpIfEnrolled(ctx, signIn.snapshot, completion, "social");
    if (stepUp) return { kind: "mfa", challenge: stepUp };
    const session = await createSession(ctx, {
      snapshot: signIn.snapshot,
      organizationId: organization.id,
      remember: false,
    });
    return { kind: "session", user: signIn.snapshot.user, organization, session, redirectTo, created: signIn.created };
  } catch (error) {
    if (error instanceof AuthError && data.app_redirect) throw new AppRedirectError(error, data.app_redirect);
    throw error;
  }
}

/** A failure the app must hear about through its own redirect (it is not the browser showing our page). */
export class AppRedirectError extends Error {
  constructor(
    readonly error: AuthError,
    readonly appRedirect: string,
  ) {
    super(error.message);
    this.name = "AppRedirectError";
  }
  get redirect(): string {
    return withQuery(this.appRedirect, { error: this.error.code });
  }
}

async function signInWith(ctx: ServiceContext, profile: ProviderProfile, now: number) {
  const { deps } = ctx;
  for (let attempt = 0; attempt < 2; attempt++) {
    const result = await deps.identities.signIn({
      ...profile,
      now,
      ids: {
        user: generateId("usr", now),
        organization: generateId("org", now),
        membership: generateId("mem", now),
        identity: generateId("idn", now),
      },
    });
    // null: a concurrent first sign-in of the same person won the race; the second read finds it.
    if (result === null) continue;
    if (result.status === "signed_in") return result;
    if (result.status === "account_exists") throw rejectedWith(ctx, "account_exists", "account_exists", now);
    if (result.status === "email_unverified")
      throw rejectedWith(ctx, "email_unverified", "email_not_verified", now, {
        message: "The provider did not confirm this email address, so no account was created or linked.",
      });
    throw rejected(ctx, "disabled", now);
  }
  throw new AuthError("conflict");
}

/** Provider calls: a failed check is oauth_failed; an outage or deadline is 503 provider_unavailable. */
async function provide<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof OAuthFailure)) throw error;
    if (error.reason === "unreachable") throw new AuthError("provider_unavailable", { cause: error });
    throw new AuthError("oauth_failed", { cause: error });
  }
}

function rejected(ctx: ServiceContext, reason: string, now: number): AuthError {
  return rejectedWith(ctx, reason, "oauth_failed", now);
}

function rejectedWith(
  ctx: ServiceContext,
  reason: string,
  code: "oauth_failed" | "account_exists" | "email_not_verified",
  now: number,
  options: { message?: string } = {},
): AuthError {
  logAuthEvent("oauth.rejected", { ip: ctx.ip, reason }, now);
  return new AuthError(code, options);
}

function withQuery(target: string, params: Record<string, string>): string {
  const url = new URL(target);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.href;
}
