// The cookie that binds a social sign-in's state to the browser that started it.
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../../context";
import { findProvider } from "./service";

/**
 * Over HTTPS the binding is a `__Host-` cookie: no sibling subdomain can plant one (cookie tossing
 * would let an attacker bind a victim's browser to a state the attacker started: login CSRF). That
 * prefix requires Path=/, so only plain-http dev scopes it to the OAuth paths.
 */
export function bindingCookie(c: Context<AppEnv>): { name: string; path: string; secure: boolean } {
  const secure = c.get("config").cookies.secure;
  return secure
    ? { name: "__Host-oauth_binding", path: "/", secure }
    : { name: "oauth_binding", path: "/v1/auth/oauth", secure };
}

export const readBinding = (c: Context<AppEnv>) => getCookie(c, bindingCookie(c).name) ?? null;

/** The browser-binding cookie: HttpOnly, as long as a state lives. */
export function bind(c: Context<AppEnv>, value: string, provider: string): void {
  const formPost = findProvider(c.get("ctx"), provider).kind === "apple";
  const cookie = bindingCookie(c);
  setCookie(c, cookie.name, value, {
    path: cookie.path,
    httpOnly: true,
    secure: cookie.secure,
    // Lax: sent on the provider's top-level redirect back to us. A form_post answer is a cross-site
    // POST, which only carries SameSite=None cookies; the value alone signs nobody in.
    sameSite: formPost ? "None" : "Lax",
    maxAge: 600,
  });
}
