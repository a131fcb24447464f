import type { Context } from "hono";
import type { AppEnv } from "../context";
import { escapeHtml, htmlPage } from "./html";

/** GET target of a verification email: shows the address and posts the token only on a click. */
export function verifyEmailPage(c: Context<AppEnv>, token: string, valid: boolean): Response {
  if (!valid)
    return expired(c, "This confirmation link has expired or was already used", "Request a new one by signing in.");
  return htmlPage(c, {
    title: "Confirm your email",
    body: `<h1>Confirm your email address</h1>
<form method="post" action="/v1/auth/verify-email">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<button type="submit">Confirm</button>
</form>`,
  });
}

/** GET target of a reset email: a form for the new password (the token is spent only on submit). */
export function resetPasswordPage(c: Context<AppEnv>, token: string, email: string | null): Response {
  if (email === null)
    return expired(c, "This reset link has expired or was already used", "Ask for a new one from the sign-in page.");
  return htmlPage(c, {
    title: "Choose a new password",
    body: `<h1>Choose a new password</h1>
<p>For <strong>${escapeHtml(email)}</strong></p>
<form method="post" action="/v1/auth/reset-password">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<label>New password <input type="password" name="password" minlength="8" maxlength="128" autocomplete="new-password" required></label>
<button type="submit">Set password</button>
</form>
<p class="muted">Every device signed in to this account will be signed out.</p>`,
  });
}

export function donePage(c: Context<AppEnv>, title: string, message: string): Response {
  return htmlPage(c, { title, body: `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>` });
}

export function failedPage(c: Context<AppEnv>, status: number, message: string): Response {
  return htmlPage(c, {
    title: "That did not work",
    status,
    body: `<h1>That did not work</h1><p>${escapeHtml(message)}</p>`,
  });
}

function expired(c: Context<AppEnv>, title: string, hint: string): Response {
  return htmlPage(c, { title, status: 410, body: `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(hint)}</p>` });
}
