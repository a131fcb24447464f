import type { Context } from "hono";
import type { AppEnv } from "../context";
import { htmlPage, PAGE_API } from "./html";

/**
 * A passkey as the second step, where the browser has WebAuthn: the options and the answer go through
 * the API, the pending token riding in its HttpOnly cookie (never in the page); then on to redirect_to.
 */
const PASSKEY_STEP = `${PAGE_API}
const out = document.getElementById("passkey-error");
const button = document.getElementById("passkey");
if (window.PublicKeyCredential?.parseRequestOptionsFromJSON) {
  button.hidden = false;
  button.addEventListener("click", async () => {
    out.hidden = true;
    try {
      const options = await api("/v1/auth/mfa/passkey/options", {});
      if (options.status !== 200) throw new Error(options.body?.error?.message ?? "Try again.");
      const got = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options.body.data) });
      const done = await api("/v1/auth/mfa/verify", { passkey: got.toJSON() });
      if (done.status !== 200) throw new Error(done.body?.error?.message ?? "Try again.");
      location.assign(done.body.data.redirect_to ?? "/account");
    } catch (error) {
      if (error?.name !== "NotAllowedError") { out.textContent = error?.message ?? String(error); out.hidden = false; }
    }
  });
}
`;

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
</form>
<p id="passkey-error" class="muted" role="alert" hidden></p>
<button type="button" id="passkey" hidden>Use a passkey</button>`,
    script: PASSKEY_STEP,
  });
}
