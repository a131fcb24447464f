import type { Context } from "hono";
import type { AppEnv } from "../context";
import { htmlPage } from "./html";

/**
 * The second step of a browser sign-in (magic link, invitation, social): an authenticator or recovery
 * code. The pending mfa_token rides in an HttpOnly cookie, never in the page or the URL.
 */
export function secondFactorPage(c: Context<AppEnv>, options: { pending: boolean; error?: string }): Response {
  if (!options.pending) {
    return htmlPage(c, {
      title: "Sign-in expired",
      status: 410,
      body: `<h1>This sign-in has expired</h1><p>The second step must follow within five minutes. Start the sign-in again.</p>`,
    });
  }
  const error = options.error ? `<p class="muted" role="alert"><strong>${options.error}</strong></p>` : "";
  return htmlPage(c, {
    title: "Two-step sign-in",
    status: options.error ? 401 : 200,
    // The answer redirects to the sign-in's redirect_to, which may be on a trusted origin: browsers
    // hold a form's redirects to form-action too.
    formActions: [c.get("config").publicOrigin, ...c.get("config").trustedOrigins],
    body: `<h1>Enter your code</h1>${error}
<form method="post" action="/v1/auth/mfa/verify">
<label>Code from your authenticator app <input name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" autofocus></label>
<button type="submit">Continue</button>
</form>
<form method="post" action="/v1/auth/mfa/verify">
<label>Or a recovery code <input name="recovery_code" autocomplete="off" maxlength="32"></label>
<button type="submit">Use recovery code</button>
</form>`,
  });
}
