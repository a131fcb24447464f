import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../context";
import { AuthError } from "../errors";
import { isCrossSiteRequest } from "../http";

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * CSRF for cookie-authenticated unsafe requests: a trusted origin, and X-CSRF-Token equal to the
 * csrf_token cookie whose MAC binds it to this very session (signed double-submit). Bearer requests
 * are exempt: browsers never attach them on their own.
 */
export function enforceSessionCsrf(c: Context<AppEnv>): void {
  const session = c.var.session;
  if (!session || !UNSAFE.has(c.req.method)) return;
  const header = c.req.header("x-csrf-token");
  if (isCrossSiteRequest(c, c.var.config) || session.csrfToken === null || header !== session.csrfToken) throw new AuthError("csrf_failed");
}

/** A signed-in user (session or access token); CSRF enforced when the credential is the cookie. */
export const requireUser: MiddlewareHandler<AppEnv> = async function requireUser(c, next) {
  const auth = c.var.auth;
  if (!auth || auth.identity.user_id === null) throw new AuthError("unauthorized");
  if (auth.via === "cookie") enforceSessionCsrf(c);
  await next();
};

/** For routes that only act on the cookie's own session when there is one (logout). */
export const sessionCsrf: MiddlewareHandler<AppEnv> = async function sessionCsrf(c, next) {
  enforceSessionCsrf(c);
  await next();
};

/**
 * Login CSRF (OWASP): sign-in endpoints refuse requests from pages on other sites, so an attacker cannot
 * sign a victim's browser into an account of the attacker's choosing.
 */
export const refuseCrossSite: MiddlewareHandler<AppEnv> = async function refuseCrossSite(c, next) {
  if (isCrossSiteRequest(c, c.var.config)) throw new AuthError("csrf_failed");
  await next();
};
