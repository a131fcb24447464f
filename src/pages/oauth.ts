import type { Context } from "hono";
import type { AppEnv } from "../context";
import { escapeHtml, htmlPage } from "./html";

/** A social sign-in that ended in a refusal: the reason in words, the code for support and scripts. */
export function oauthFailedPage(c: Context<AppEnv>, status: number, code: string, message: string): Response {
  return htmlPage(c, {
    title: "Sign-in failed",
    status,
    body: `<h1>Sign-in failed</h1><p>${escapeHtml(message)}</p>
<p class="muted">Error code: <code data-error-code="${escapeHtml(code)}">${escapeHtml(code)}</code></p>`,
  });
}

export function linkedPage(c: Context<AppEnv>, label: string): Response {
  return htmlPage(c, {
    title: "Account linked",
    body: `<h1>${escapeHtml(label)} is linked</h1><p>You can now sign in with ${escapeHtml(label)}. You can close this page.</p>`,
  });
}

/** AUTH_DEBUG only: a page with a button per configured provider, so a newcomer can try a sign-in. */
export function devSignInPage(c: Context<AppEnv>, providers: Array<{ name: string; label: string }>): Response {
  const buttons = providers
    .map(
      (p) =>
        `<p><a class="button" data-provider="${escapeHtml(p.name)}" href="/v1/auth/oauth/${escapeHtml(p.name)}/start">Sign in with ${escapeHtml(p.label)}</a></p>`,
    )
    .join("");
  return htmlPage(c, {
    title: "Try a sign-in",
    body: `<h1>Try a sign-in</h1>${buttons || "<p>No provider is configured (OAUTH_PROVIDERS).</p>"}
<p class="muted">Or by email: <a href="/v1/dev/inbox">the dev inbox</a> sends a sign-in link and shows it. API reference: <a href="/docs">/docs</a>.</p>`,
  });
}
