import type { Context } from "hono";
import type { AppEnv } from "../context";
import { escapeHtml, htmlPage } from "./html";

/** GET target of the emailed link: shows who is signing in and posts the token only on a click. */
export function confirmPage(c: Context<AppEnv>, pending: { email: string; token: string } | null): Response {
  if (!pending) {
    return htmlPage(c, {
      title: "Link expired",
      status: 410,
      body: `<h1>This sign-in link has expired or was already used</h1>
<p>Sign-in links work once and only for a short time. Request a new one from the sign-in page.</p>`,
    });
  }
  return htmlPage(c, {
    title: "Confirm sign-in",
    formActions: c.get("config").trustedOrigins,
    body: `<h1>Sign in</h1>
<p>Continue as <strong>${escapeHtml(pending.email)}</strong>?</p>
<form method="post" action="/v1/auth/magic-link/verify">
<input type="hidden" name="token" value="${escapeHtml(pending.token)}">
<label><input type="checkbox" name="remember" value="true"> Keep me signed in for 30 days</label>
<button type="submit">Sign in</button>
</form>
<p class="muted">Didn't ask for this? Close this page; nothing happens until you click.</p>`,
  });
}

export function signedInPage(c: Context<AppEnv>, email: string): Response {
  return htmlPage(c, {
    title: "Signed in",
    body: `<h1>You're signed in</h1><p>Signed in as <strong>${escapeHtml(email)}</strong>. You can close this page.</p>`,
  });
}

export function invalidLinkPage(c: Context<AppEnv>, status: number): Response {
  return htmlPage(c, {
    title: "Sign-in failed",
    status,
    body: `<h1>This sign-in link cannot be used</h1><p>It has expired or was already used. Request a new one from the sign-in page.</p>`,
  });
}
