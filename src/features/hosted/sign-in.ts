// /sign-in and /sign-up: one page offering what the deployment enables (email link, password, passkey,
// each social provider). The email and password forms work without JavaScript; the passkey button and
// the autofill offer of passkeys are progressive enhancement. Every step calls the same service verbs
// as the API (no auth logic here): the same limits, lockouts, second-factor step and errors.
import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { AuthError } from "../../errors";
import { sendProofs, startBrowserSession } from "../../http";
import { escapeHtml, PAGE_API } from "../../pages/html";
import { continueWithSecondFactor } from "../../routes/mfa-pending";
import { forgotPassword, signup } from "../../services/accounts";
import { requestMagicLink } from "../../services/magic-link";
import { resolveRedirect } from "../../services/redirects";
import { signInWithPassword } from "../../services/sign-in";
import { isChallenge } from "../../services/step-up";
import { hostedPage, productName, turnstileWidget } from "./layout";
import { errorMessage, pickLocale, type Translate, translator } from "./strings";

export interface Visit {
  locale: ReturnType<typeof pickLocale>;
  t: Translate;
  /** Where to go after signing in: redirect_to when allowed, else the account page. */
  next: string;
  /** redirect_to as given (kept in forms and links), or "" when absent or refused. */
  redirectTo: string;
}

/** A form field as text (absent or not text: ""), at most `max` characters. */
export const field = (form: Record<string, unknown>, name: string, max = 2048): string => {
  const value = form[name];
  return typeof value === "string" ? value.slice(0, max) : "";
};

export async function readForm(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  const type = c.req.header("content-type") ?? "";
  if (!type.startsWith("application/x-www-form-urlencoded")) throw new AuthError("unsupported_media_type");
  return (await c.req.parseBody()) as Record<string, unknown>;
}

/** The known-client cookie and the Turnstile widget's token (its hidden form field). */
function humanProofs(c: Context<AppEnv>, form: Record<string, unknown>) {
  return sendProofs(c, { formToken: field(form, "cf-turnstile-response", 2048) || null });
}

export function visit(c: Context<AppEnv>, form: Record<string, unknown> = {}): Visit {
  const config = c.get("config");
  const lang = field(form, "lang", 8) || c.req.query("lang");
  const locale = pickLocale(lang, c.req.header("accept-language"), config.hosted.locale);
  const asked = field(form, "redirect_to") || c.req.query("redirect_to") || "";
  const allowed = asked ? resolveRedirect(config, asked) : null;
  return { locale, t: translator(locale), next: allowed ?? "/account", redirectTo: allowed ? asked : "" };
}

const hidden = (v: Visit) =>
  `<input type="hidden" name="lang" value="${v.locale}">${
    v.redirectTo ? `<input type="hidden" name="redirect_to" value="${escapeHtml(v.redirectTo)}">` : ""
  }`;

const query = (v: Visit) =>
  `?lang=${v.locale}${v.redirectTo ? `&amp;redirect_to=${encodeURIComponent(v.redirectTo)}` : ""}`;

export const alert = (message: string, ok = false) =>
  `<p class="alert${ok ? " ok" : ""}" role="${ok ? "status" : "alert"}">${escapeHtml(message)}</p>`;

/** Passkeys: the button, and the browser's autofill offer on the email field (conditional UI). */
const PASSKEY_SCRIPT = `${PAGE_API}
const next = document.querySelector('meta[name="next"]').content;
const out = document.getElementById("passkey-error");
let pending = null;
async function signIn(mediation) {
  pending?.abort();
  const controller = new AbortController();
  pending = controller;
  const options = await api("/v1/auth/passkeys/sign-in/options");
  if (options.status !== 200) throw new Error(options.body?.error?.message ?? "Try again.");
  const credential = await navigator.credentials.get({
    publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options.body.data),
    mediation, signal: controller.signal,
  });
  const done = await api("/v1/auth/passkeys/sign-in", { response: credential.toJSON() });
  if (done.status !== 200) throw new Error(done.body?.error?.message ?? "Try again.");
  location.assign(next);
}
const report = (error) => { if (error?.name !== "AbortError") { out.textContent = error?.message ?? String(error); out.hidden = false; } };
const button = document.getElementById("passkey");
if (window.PublicKeyCredential?.parseRequestOptionsFromJSON) {
  button.hidden = false;
  button.addEventListener("click", () => signIn(undefined).catch(report));
  if (await PublicKeyCredential.isConditionalMediationAvailable?.()) signIn("conditional").catch(() => undefined);
}
`;

export function signInPage(c: Context<AppEnv>, v: Visit, options: { error?: string; email?: string } = {}) {
  const config = c.get("config");
  const { t } = v;
  const product = productName(config);
  const providers = config.oauth.providers
    .map(
      (p) =>
        `<a class="button secondary" data-provider="${escapeHtml(p.name)}" href="/v1/auth/oauth/${escapeHtml(p.name)}/start?redirect_to=${encodeURIComponent(v.next)}">${escapeHtml(t("withProvider", { provider: p.label }))}</a>`,
    )
    .join("");
  const email = escapeHtml(options.email ?? "");
  return hostedPage(c, v.locale, {
    title: t("signInTitle", { product }),
    status: options.error ? 400 : 200,
    meta: { next: v.next },
    script: PASSKEY_SCRIPT,
    turnstile: true,
    body: `<h1>${escapeHtml(t("signInTitle", { product }))}</h1>${options.error ? alert(options.error) : ""}
<p id="passkey-error" class="alert" role="alert" hidden></p>
<button type="button" id="passkey" class="secondary" hidden>${escapeHtml(t("passkey"))}</button>
${providers}
${providers ? `<p class="divider">${escapeHtml(t("or"))}</p>` : ""}
<form method="post" action="/sign-in/password">${hidden(v)}
<label for="email">${escapeHtml(t("email"))}</label>
<input id="email" type="email" name="email" value="${email}" autocomplete="username webauthn" required maxlength="320">
<label for="password">${escapeHtml(t("password"))}</label>
<input id="password" type="password" name="password" autocomplete="current-password" maxlength="128">
<label class="check"><input type="checkbox" name="remember" value="on"> ${escapeHtml(t("remember"))}</label>
${turnstileWidget(config)}
<button type="submit">${escapeHtml(t("signIn"))}</button>
<button type="submit" class="secondary" formaction="/sign-in/email" formnovalidate>${escapeHtml(t("emailLink"))}</button>
</form>
<p class="muted"><a href="/sign-in/forgot${query(v)}">${escapeHtml(t("forgot"))}</a></p>
<p class="muted">${escapeHtml(t("noAccount"))} <a href="/sign-up${query(v)}">${escapeHtml(t("signUp"))}</a></p>`,
  });
}

/** Forgot password: the address; the emailed link opens the reset page (GET /v1/auth/reset-password). */
export function forgotPage(c: Context<AppEnv>, v: Visit, options: { error?: string; email?: string } = {}) {
  const { t } = v;
  return hostedPage(c, v.locale, {
    title: t("resetTitle"),
    status: options.error ? 400 : 200,
    turnstile: true,
    body: `<h1>${escapeHtml(t("resetTitle"))}</h1>${options.error ? alert(options.error) : ""}
<form method="post" action="/sign-in/forgot">${hidden(v)}
<label for="email">${escapeHtml(t("email"))}</label>
<input id="email" type="email" name="email" value="${escapeHtml(options.email ?? "")}" autocomplete="username" required maxlength="320">
${turnstileWidget(c.get("config"))}
<button type="submit">${escapeHtml(t("sendReset"))}</button>
</form>
<p class="muted"><a href="/sign-in${query(v)}">${escapeHtml(t("signIn"))}</a></p>`,
  });
}

export async function forgotForm(c: Context<AppEnv>) {
  const form = await readForm(c);
  const v = visit(c, form);
  const email = field(form, "email", 320);
  const sent = await orShow(
    v,
    () => forgotPassword(c.get("ctx"), { email, ...humanProofs(c, form) }),
    (error) => forgotPage(c, v, { error, email }),
  );
  if (sent instanceof Response) return sent;
  return messagePage(c, v, v.t("checkInbox"), v.t("resetSent", { email }));
}

export function signUpPage(c: Context<AppEnv>, v: Visit, options: { error?: string; email?: string } = {}) {
  const config = c.get("config");
  const { t } = v;
  const product = productName(config);
  return hostedPage(c, v.locale, {
    title: t("signUpTitle", { product }),
    status: options.error ? 400 : 200,
    turnstile: true,
    body: `<h1>${escapeHtml(t("signUpTitle", { product }))}</h1>${options.error ? alert(options.error) : ""}
<form method="post" action="/sign-up">${hidden(v)}
<label for="name">${escapeHtml(t("name"))}</label>
<input id="name" type="text" name="name" autocomplete="name" maxlength="100">
<label for="email">${escapeHtml(t("email"))}</label>
<input id="email" type="email" name="email" value="${escapeHtml(options.email ?? "")}" autocomplete="email" required maxlength="320">
<label for="password">${escapeHtml(t("newPassword", { min: config.passwords.minLength }))}</label>
<input id="password" type="password" name="password" autocomplete="new-password" required minlength="${config.passwords.minLength}" maxlength="128">
${turnstileWidget(config)}
<button type="submit">${escapeHtml(t("signUp"))}</button>
</form>
<p class="muted">${escapeHtml(t("haveAccount"))} <a href="/sign-in${query(v)}">${escapeHtml(t("signIn"))}</a></p>`,
  });
}

function messagePage(c: Context<AppEnv>, v: Visit, title: string, message: string) {
  return hostedPage(c, v.locale, {
    title,
    body: `<h1>${escapeHtml(title)}</h1>${alert(message, true)}
<p><a href="/sign-in${query(v)}">${escapeHtml(v.t("signIn"))}</a></p>`,
  });
}

/** A refused step shown on the page it came from, in words from the error table; 5xx stays an error. */
export async function orShow<T>(
  v: Visit,
  run: () => Promise<T>,
  show: (message: string) => Response | Promise<Response>,
): Promise<T | Response> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof AuthError && error.status < 500)
      return show(errorMessage(v.locale, error.code, error.message));
    throw error;
  }
}

export async function signInWithEmailForm(c: Context<AppEnv>) {
  const form = await readForm(c);
  const v = visit(c, form);
  const email = field(form, "email", 320);
  const sent = await orShow(
    v,
    () =>
      requestMagicLink(c.get("ctx"), {
        email,
        name: null,
        organizationName: null,
        redirectTo: v.redirectTo || null,
        ip: c.get("clientIp"),
        ...humanProofs(c, form),
      }),
    (error) => signInPage(c, v, { error, email }),
  );
  if (sent instanceof Response) return sent;
  return messagePage(c, v, v.t("checkInbox"), v.t("linkSent", { email }));
}

export async function signInWithPasswordForm(c: Context<AppEnv>) {
  const form = await readForm(c);
  const v = visit(c, form);
  const email = field(form, "email", 320);
  const signedIn = await orShow(
    v,
    () =>
      signInWithPassword(c.get("ctx"), {
        email,
        password: field(form, "password", 1024),
        remember: field(form, "remember", 8) === "on",
        redirectTo: v.next,
      }),
    (error) => signInPage(c, v, { error, email }),
  );
  if (signedIn instanceof Response) return signedIn;
  if (isChallenge(signedIn)) return continueWithSecondFactor(c, signedIn);
  await startBrowserSession(c, signedIn.session);
  return c.redirect(v.next, 303);
}

export async function signUpForm(c: Context<AppEnv>) {
  const form = await readForm(c);
  const v = visit(c, form);
  const email = field(form, "email", 320);
  const created = await orShow(
    v,
    () =>
      signup(c.get("ctx"), {
        email,
        password: field(form, "password", 1024),
        name: field(form, "name", 100) || null,
        organizationName: null,
        ...humanProofs(c, form),
      }),
    (error) => signUpPage(c, v, { error, email }),
  );
  if (created instanceof Response) return created;
  if (!created.verification_required) return messagePage(c, v, v.t("signIn"), v.t("accountReady"));
  return messagePage(c, v, v.t("checkInbox"), v.t("confirmSent", { email }));
}
