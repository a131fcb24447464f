import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../context";
import { AuthError } from "../errors";
import { isCrossSiteRequest } from "../http";
import type { Role, UserSnapshot } from "../ports";
import { authorize, authorizePlatform, isSuperuser, PLATFORM_SCOPE, type Principal } from "../services/policy";

const OAUTH_CALLBACK = /^\/v1\/auth\/oauth\/[a-z][a-z0-9-]{0,31}\/callback$/;

/** Methods that change state: the ones CSRF rules apply to. */
export const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * CSRF for cookie-authenticated unsafe requests: a trusted origin, and X-CSRF-Token equal to the
 * csrf_token cookie whose MAC binds it to this very session (signed double-submit). Bearer requests
 * are exempt: browsers never attach them on their own.
 */
export function enforceSessionCsrf(c: Context<AppEnv>): void {
  const session = c.get("session");
  if (!session || !UNSAFE.has(c.req.method)) return;
  const header = c.req.header("x-csrf-token");
  if (isCrossSiteRequest(c, c.get("config")) || session.csrfToken === null || header !== session.csrfToken)
    throw new AuthError("csrf_failed");
}

/** Device tokens act only where a route says so (today: GET /v1/auth/me); everywhere else, 403. */
function refuseDevice(c: Context<AppEnv>): void {
  if (c.get("auth")?.via === "device") throw new AuthError("forbidden", { message: "Device tokens cannot do this." });
}

/** A signed-in user (session or access token); CSRF enforced when the credential is the cookie. */
export const requireUser: MiddlewareHandler<AppEnv> = async function requireUser(c, next) {
  const auth = c.get("auth");
  refuseDevice(c);
  if (!auth || auth.identity.user_id === null) throw new AuthError("unauthorized");
  if (auth.via === "cookie") enforceSessionCsrf(c);
  await next();
};

/** For routes that only act on the cookie's own session when there is one (logout). */
export const sessionCsrf: MiddlewareHandler<AppEnv> = async function sessionCsrf(c, next) {
  refuseDevice(c);
  enforceSessionCsrf(c);
  await next();
};

/**
 * Every unsafe request from a page on another site is refused, whatever the route: that covers CSRF on
 * cookie routes and login CSRF on sign-in routes (an attacker cannot sign a victim's browser into an
 * account of the attacker's choosing). Browsers send Origin/Sec-Fetch-Site; apps and servers send neither.
 */
export const refuseCrossSiteWrites: MiddlewareHandler<AppEnv> = async function refuseCrossSiteWrites(c, next) {
  // Storefront routes are cross-site by design and enforce each key's own origin list instead.
  if (c.req.path.startsWith("/v1/storefront/")) return next();
  // A provider's form_post answer (Apple) is a cross-site POST by design; the single-use state bound
  // to the browser that started the sign-in is what stops a forged one.
  if (OAUTH_CALLBACK.test(c.req.path)) return next();
  if (UNSAFE.has(c.req.method) && isCrossSiteRequest(c, c.get("config"))) throw new AuthError("csrf_failed");
  await next();
};

/** The signed-in user; only for routes behind requireUser. */
export function signedInUser(c: Context<AppEnv>): UserSnapshot {
  const snapshot = c.get("auth")?.snapshot;
  if (!snapshot) throw new AuthError("unauthorized");
  return snapshot;
}

/**
 * Managing API keys: a browser session of an owner or admin (with CSRF), or an admin-scoped key.
 * Access tokens are refused: a leaked app token must not be able to mint long-lived keys. The
 * decision is the access policy's (services/policy.ts), asked here before the body is read.
 */
export function requireManager(
  action: "api_keys.manage" | "publishable_keys.manage" | "webhooks.manage",
): MiddlewareHandler<AppEnv> {
  return async function requireManager(c, next) {
    const auth = c.get("auth");
    if (!auth) throw new AuthError("unauthorized");
    refuseDevice(c);
    if (auth.via === "cookie") enforceSessionCsrf(c);
    authorize(principal(c), action, { organizationId: auth.identity.organization_id });
    await next();
  };
}

export const requireKeyManager = requireManager("api_keys.manage");
export const requirePublishableKeyManager = requireManager("publishable_keys.manage");
export const requireWebhookManager = requireManager("webhooks.manage");

/** The authenticated caller; only behind a guard that required a credential (else 401). */
export function credential(c: Context<AppEnv>): NonNullable<AppEnv["Variables"]["auth"]> {
  const auth = c.get("auth");
  if (!auth) throw new AuthError("unauthorized");
  return auth;
}

/** The caller as the access policy sees it; only behind a guard that required a credential. */
export function principal(c: Context<AppEnv>): Principal {
  const auth = credential(c);
  const snapshot = auth.snapshot;
  const roles: Record<string, Role> = {};
  if (snapshot) for (const o of snapshot.organizations) roles[o.id] = o.role;
  const kind = auth.via === "cookie" ? "session" : auth.via === "bearer" ? "access_token" : auth.via;
  return {
    kind,
    userId: snapshot?.user.id ?? auth.keyCreator ?? null,
    organizationId: auth.identity.organization_id,
    roles,
    scopes: auth.identity.scopes,
    // A key's platform standing is its (effective) scope; a person's is their account's.
    superuser:
      kind === "api_key"
        ? auth.identity.scopes.includes(PLATFORM_SCOPE)
        : kind !== "device" && isSuperuser(c.get("config"), snapshot?.user),
    authenticatedAt: auth.authenticatedAt ?? null,
    keyId: kind === "api_key" ? auth.identity.credential_id : null,
    mfaMissingFor:
      (kind === "session" || kind === "access_token") && snapshot && (snapshot.mfa ?? []).length === 0
        ? snapshot.organizations.filter((o) => o.require_mfa === true).map((o) => o.id)
        : [],
  };
}

/** The platform API (/v1/admin/*): platform administrators only; organization keys of any scope get 403. */
export const requirePlatform: MiddlewareHandler<AppEnv> = async function requirePlatform(c, next) {
  const auth = c.get("auth");
  if (!auth) throw new AuthError("unauthorized");
  refuseDevice(c);
  if (auth.via === "cookie") enforceSessionCsrf(c);
  authorizePlatform(principal(c));
  await next();
};

/** Any credential (session, access token or API key); CSRF enforced when it is the cookie. */
export const requireCredential: MiddlewareHandler<AppEnv> = async function requireCredential(c, next) {
  const auth = c.get("auth");
  if (!auth) throw new AuthError("unauthorized");
  refuseDevice(c);
  if (auth.via === "cookie") enforceSessionCsrf(c);
  await next();
};
