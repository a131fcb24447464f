import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { AppEnv, AppVariables } from "../context";
import { decodeBase64Url } from "../crypto/encoding";
import { constantTimeEqual } from "../crypto/hash";
import { AuthError } from "../errors";
import { setSessionCookies } from "../http";
import { isApiKeyBearer } from "../services/api-key-shape";
import { type ApiKeyIdentity, verifyApiKey } from "../services/api-keys";
import { verifyCsrfToken } from "../services/csrf";
import { DEVICE_TOKEN_TYPE, verifyDeviceToken } from "../services/devices";
import { identityFromSession } from "../services/identity";
import { validateSessionToken } from "../services/session";
import { verifyAccessToken } from "../services/tokens";

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** RFC 6750 §3: a presented bearer credential that fails says so in WWW-Authenticate. */
const INVALID_BEARER = { "WWW-Authenticate": 'Bearer error="invalid_token"' };

/**
 * Resolves the request's credential into c.get("auth"), in the contract's order: the session cookie, then
 * `Authorization: Bearer <access JWT>`, then `Bearer sk_…` (an API key). A presented but invalid bearer
 * credential is a 401 (RFC 6750), never
 * a silent downgrade to anonymous. Authorization (and CSRF for cookies) is the routes' job: see
 * middleware/require.ts. Sliding expiry: session cookies are re-sent with their renewed lifetime.
 */
export const authenticate: MiddlewareHandler<AppEnv> = async function authenticate(c, next) {
  const config = c.get("config");
  const deps = c.get("deps");
  // One parse of the Cookie header for both cookies.
  const cookies = c.req.header("cookie") === undefined ? {} : getCookie(c);
  const token = cookies[config.cookies.sessionName];
  if (token !== undefined && isSignOut(c.req.method, c.req.path) && c.req.header("authorization") === undefined) {
    // The sign-out route reads, checks and deletes the session itself, in one script.
    c.set("deferredSession", token);
    return next();
  }
  // A browser that wrote something a moment ago reads its session where the write went (see below).
  const atPrimary = cookies[config.cookies.syncName] !== undefined;
  const session = token === undefined ? null : await validateSessionToken(c.get("ctx"), token, { atPrimary });
  if (session) {
    const csrfCookie = cookies[config.cookies.csrfName] ?? null;
    // The session's stored token (a string compare), or for older sessions the HMAC-bound one.
    const stored = session.record.csrf;
    const csrfValid =
      csrfCookie !== null &&
      (stored !== undefined
        ? constantTimeEqual(csrfCookie, stored)
        : await verifyCsrfToken(deps.keys.csrf, session.record.id, csrfCookie));
    c.set("session", { ...session, csrfToken: csrfValid ? csrfCookie : null });
    const identity = identityFromSession(session.record, session.organization, config.apiKeys.scopes);
    // A session is minted at sign-in and never renewed in place, so its creation is the sign-in time.
    c.set("auth", {
      identity,
      snapshot: session.snapshot,
      organization: session.organization,
      via: "cookie",
      authenticatedAt: session.record.created_at,
    });
  } else {
    const header = c.req.header("authorization");
    const bearer = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (bearer !== undefined && isApiKeyBearer(config, bearer)) {
      const key = await verifyApiKey(c.get("ctx"), bearer);
      // One answer for revoked, expired, unknown and malformed keys.
      if (!key) throw new AuthError("unauthorized", { message: "The API key is invalid.", headers: INVALID_BEARER });
      c.set("auth", apiKeyAuth(key));
    } else if (bearer !== undefined && JWT_SHAPE.test(bearer) && headerType(bearer) === DEVICE_TOKEN_TYPE) {
      // Routed by the unverified header only; the device verifier then enforces typ itself.
      const device = await verifyDeviceToken(c.get("ctx"), bearer);
      if (!device) throw new AuthError("token_invalid", { headers: INVALID_BEARER });
      c.set("auth", {
        identity: device.identity,
        snapshot: device.snapshot,
        organization: device.organization,
        via: "device",
      });
    } else if (bearer !== undefined && JWT_SHAPE.test(bearer)) {
      const verified = await verifyAccessToken(c.get("ctx"), bearer);
      if (!verified) throw new AuthError("token_invalid", { headers: INVALID_BEARER });
      c.set("auth", {
        identity: verified.identity,
        snapshot: verified.snapshot,
        organization: verified.organization,
        via: "bearer",
        tokenFamily: verified.family,
        authenticatedAt: verified.authenticatedAt,
      });
    }
  }
  await next();
  const current = c.get("session");
  // Logout or a new sign-in in this request replaced or ended the session: do not resurrect it.
  const same = token !== undefined && session && current && current.tokenHash === session.tokenHash;
  // Sliding expiry without a Set-Cookie on every response: the cookie is re-sent once half of the idle
  // window has passed since it was last sent (Lucia's "fresh"), or when the CSRF cookie is missing.
  if (same && c.res.status < 500 && (session.cookieDue || current.csrfToken === null)) {
    await setSessionCookies(c, token, current.record, current.csrfToken);
  }
  // Read-your-writes on a global database: sessions are read at the nearest replica, which applies a
  // write made at the primary only after its lag. A browser whose request just changed something (a
  // switch of organization, a new membership, a sign-in) reads at the primary for a few seconds, so
  // its next page never shows the state before its own change. Not a credential: a forged one only
  // costs its sender the longer trip.
  if (!SAFE_METHODS.has(c.req.method) && c.res.status < 400 && (same || signedIn(c, config.cookies.sessionName)))
    setCookie(c, config.cookies.syncName, "1", {
      path: "/",
      secure: config.cookies.secure,
      httpOnly: true,
      sameSite: "Lax",
      maxAge: READ_YOUR_WRITES_SECONDS,
    });
};

/** How long a browser reads at the primary after a write: well past a replica's usual lag (< 1 s). */
export const READ_YOUR_WRITES_SECONDS = 10;
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** This response starts a session (a sign-in): it sets the session cookie to a value. */
function signedIn(c: Context<AppEnv>, name: string): boolean {
  return c.res.headers.getSetCookie().some((line) => line.startsWith(`${name}=`) && !/max-age=0/i.test(line));
}

/** The request's principal when an API key authenticated it (as a Bearer or as an OAuth client). */
export function apiKeyAuth(key: ApiKeyIdentity): NonNullable<AppVariables["auth"]> {
  return {
    identity: key.identity,
    snapshot: null,
    organization: { ...key.organization, role: null },
    via: "api_key",
    keyCreator: key.createdBy,
    keyCreatorUser: key.creator,
  };
}

const isSignOut = (method: string, path: string) => method === "POST" && path === "/v1/auth/logout";

function headerType(jwt: string): string | null {
  const bytes = decodeBase64Url(jwt.slice(0, jwt.indexOf(".")));
  if (!bytes) return null;
  try {
    const header = JSON.parse(new TextDecoder().decode(bytes)) as { typ?: unknown };
    return typeof header.typ === "string" ? header.typ : null;
  } catch {
    return null;
  }
}
