import type { MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import type { AppEnv } from "../context";
import { AuthError } from "../errors";
import { isCrossSiteRequest, setSessionCookies } from "../http";
import { verifyCsrfToken } from "../services/csrf";
import { identityFromSession } from "../services/identity";
import { validateSessionToken } from "../services/session";

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Sign-in routes act on no session's authority (a stale cookie may ride along and is only revoked),
 * so they skip the session CSRF token; they carry their own login-CSRF origin check instead.
 */
const SIGN_IN_PATHS = new Set(["/v1/auth/magic-link/request", "/v1/auth/magic-link/verify"]);

/**
 * Resolves the session cookie into c.var.identity. A cookie-authenticated unsafe request must also
 * come from a trusted origin and carry X-CSRF-Token equal to the csrf cookie, whose MAC binds it to
 * this session. Sliding expiry: the cookies are re-sent with the renewed lifetime on every response.
 */
export const authenticate: MiddlewareHandler<AppEnv> = async function authenticate(c, next) {
  const { config, deps } = c.var;
  const token = getCookie(c, config.cookies.sessionName);
  if (token === undefined) return next();
  const session = await validateSessionToken(deps, token);
  if (!session) return next();

  const csrfCookie = getCookie(c, config.cookies.csrfName) ?? null;
  const csrfValid = csrfCookie !== null && (await verifyCsrfToken(deps.keys.csrf, session.record.id, csrfCookie));
  if (UNSAFE.has(c.req.method) && !SIGN_IN_PATHS.has(c.req.path)) {
    const header = c.req.header("x-csrf-token");
    if (isCrossSiteRequest(c, config) || !csrfValid || header !== csrfCookie) throw new AuthError("csrf_failed");
  }
  c.set("session", { ...session, csrfToken: csrfValid ? csrfCookie : null });
  c.set("identity", identityFromSession(session.record, session.organization));
  await next();
  const current = c.var.session;
  // Logout or a new sign-in in this request replaced or ended the session: do not resurrect it.
  if (current && current.tokenHash === session.tokenHash && c.res.status < 500) {
    await setSessionCookies(c, token, current.record, current.csrfToken);
  }
};
