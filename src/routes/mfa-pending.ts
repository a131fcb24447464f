import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../context";
import type { MfaChallenge } from "../services/step-up";

// A browser flow that needs a second factor (our own confirm pages, a social callback) keeps the
// mfa_token in an HttpOnly cookie and sends the browser to the code page: the token never appears in
// a URL, a page or a Referer. Over HTTPS the cookie is `__Host-` (no sibling subdomain can plant one).

function pendingCookie(c: Context<AppEnv>): { name: string; path: string; secure: boolean } {
  const secure = c.get("config").cookies.secure;
  return secure
    ? { name: "__Host-mfa_pending", path: "/", secure }
    : { name: "mfa_pending", path: "/v1/auth/mfa", secure };
}

export function continueWithSecondFactor(c: Context<AppEnv>, challenge: MfaChallenge): Response {
  const cookie = pendingCookie(c);
  setCookie(c, cookie.name, challenge.mfa_token, {
    path: cookie.path,
    httpOnly: true,
    secure: cookie.secure,
    sameSite: "Lax",
    maxAge: challenge.expires_in,
  });
  return c.redirect("/v1/auth/mfa", 303);
}

export const readPendingMfa = (c: Context<AppEnv>): string | null => getCookie(c, pendingCookie(c).name) ?? null;

export function clearPendingMfa(c: Context<AppEnv>): void {
  const cookie = pendingCookie(c);
  deleteCookie(c, cookie.name, { path: cookie.path, secure: cookie.secure });
}
