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
