// /account: profile, passkeys, authenticator app, sessions, organizations, sign-out. Forms post to
// /account/...; each carries the session's CSRF token (a form cannot send the header) and the global
// cross-site refusal applies as to every write. Each action is one service verb, as the API's route.
import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { constantTimeEqual } from "../../crypto/hash";
import { AuthError } from "../../errors";
import { endBrowserSession } from "../../http";
import { principal } from "../../middleware/require";
import { escapeHtml } from "../../pages/html";
import { updateProfile } from "../../services/accounts";
import { confirmTotpEnrolment, mfaStatus, startTotpEnrolment } from "../../services/mfa";
import { endOtherSessions, endSessionById, listSessions, switchOrganization } from "../../services/session";
import { listPasskeys, removePasskey } from "../passkeys/service";
import { hostedPage } from "./layout";
import { alert, orShow, readForm, type Visit, visit } from "./sign-in";

type Session = NonNullable<AppEnv["Variables"]["session"]>;

/** The browser's session, or a redirect to /sign-in that comes back here. */
function signedIn(c: Context<AppEnv>, v: Visit): Session | Response {
  const session = c.get("session");
  if (session) return session;
  return c.redirect(`/sign-in?lang=${v.locale}&redirect_to=${encodeURIComponent("/account")}`, 303);
}

/** The session's own CSRF token, the one every form on the page carries. */
const csrfOf = (session: Session) => session.record.csrf ?? session.csrfToken ?? "";

/** A form post of ours: the session is the cookie's, and the form carries its CSRF token. */
async function accountForm(c: Context<AppEnv>): Promise<{ v: Visit; session: Session; form: Record<string, unknown> }> {
  const form = await readForm(c);
  const v = visit(c, form);
  const session = c.get("session");
  const sent = typeof form.csrf_token === "string" ? form.csrf_token : "";
  if (!session) throw new AuthError("unauthorized");
  const expected = csrfOf(session);
  if (!expected || !constantTimeEqual(sent, expected)) throw new AuthError("csrf_failed");
  return { v, session, form };
}

const csrfField = (session: Session) =>
  `<input type="hidden" name="csrf_token" value="${escapeHtml(csrfOf(session))}">`;

const action = (session: Session, v: Visit, path: string, label: string, cls = "inline secondary") =>
  `<form method="post" action="${path}">${csrfField(session)}<input type="hidden" name="lang" value="${v.locale}"><button type="submit" class="${cls}">${escapeHtml(label)}</button></form>`;

/** Adds a passkey through the API (the browser's WebAuthn), then reloads or shows the recovery codes. */
const ADD_PASSKEY_SCRIPT = `
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const out = document.getElementById("passkey-error");
const api = async (path, body) => {
  const res = await fetch(path, { method: "POST", headers: { "content-type": "application/json", "x-csrf-token": csrf }, body: JSON.stringify(body ?? {}) });
  return { status: res.status, body: await res.json().catch(() => null) };
};
const button = document.getElementById("add-passkey");
if (window.PublicKeyCredential?.parseCreationOptionsFromJSON) {
  button.hidden = false;
  button.addEventListener("click", async () => {
    out.hidden = true;
    try {
      const options = await api("/v1/auth/passkeys/register/options", {});
      if (options.status !== 200) throw new Error(options.body?.error?.message ?? "Try again.");
      const created = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options.body.data) });
      const saved = await api("/v1/auth/passkeys", { response: created.toJSON(), name: button.dataset.name });
      if (saved.status !== 201) throw new Error(saved.body?.error?.message ?? "Try again.");
      const codes = saved.body.data.recovery_codes;
      if (!codes) return location.reload();
      const list = document.getElementById("new-codes");
      for (const code of codes) list.append(Object.assign(document.createElement("li"), { textContent: code }));
      document.getElementById("codes").hidden = false;
    } catch (error) {
      if (error?.name !== "NotAllowedError") { out.textContent = error?.message ?? String(error); out.hidden = false; }
    }
  });
}
`;

export async function accountPage(c: Context<AppEnv>, notice?: { message: string; ok: boolean }, from?: Visit) {
  const v = from ?? visit(c);
  const session = signedIn(c, v);
  if (session instanceof Response) return session;
  const { t } = v;
  const ctx = c.get("ctx");
  const user = session.snapshot.user;
  const [passkeys, mfa, sessions] = await Promise.all([
    listPasskeys(ctx, user.id),
    mfaStatus(ctx, user.id),
    listSessions(ctx, user.id, session.record.id),
  ]);
  const date = (iso: string) => new Date(iso).toLocaleDateString(v.locale === "fr" ? "fr-FR" : "en-GB");
  const passkeyRows = passkeys
    .map(
      (p) =>
        `<li data-passkey="${escapeHtml(p.id)}"><span>${escapeHtml(p.name)} <span class="muted">${escapeHtml(t("added", { date: date(p.created_at) }))}</span></span>${action(session, v, `/account/passkeys/${encodeURIComponent(p.id)}/remove`, t("remove"))}</li>`,
    )
    .join("");
  const sessionRows = sessions
    .map(
      (s) =>
        `<li data-session="${escapeHtml(s.id)}"><span>${escapeHtml(s.user_agent || "—")} <span class="muted">${escapeHtml(date(s.created_at))}${s.ip ? ` · ${escapeHtml(s.ip)}` : ""}</span></span>${
          s.current
            ? `<strong>${escapeHtml(t("thisSession"))}</strong>`
            : action(session, v, `/account/sessions/${encodeURIComponent(s.id)}/revoke`, t("revoke"))
        }</li>`,
    )
    .join("");
  const orgRows = session.snapshot.organizations
    .map(
      (o) =>
        `<li><span>${escapeHtml(o.name)} <span class="muted">${escapeHtml(o.role)}</span></span>${
          o.id === session.record.organization_id
            ? `<strong>${escapeHtml(t("active"))}</strong>`
            : action(session, v, `/account/organizations/${encodeURIComponent(o.id)}/switch`, t("switchTo"))
        }</li>`,
    )
    .join("");
  return hostedPage(c, v.locale, {
    title: t("accountTitle"),
    status: notice && !notice.ok ? 400 : 200,
    meta: { "csrf-token": csrfOf(session) },
    script: ADD_PASSKEY_SCRIPT,
    body: `<h1 data-wide="1">${escapeHtml(t("accountTitle"))}</h1>
${notice ? alert(notice.message, notice.ok) : ""}
<p>${escapeHtml(t("signedInAs", { email: user.email }))}</p>
${action(session, v, "/account/sign-out", t("signOut"), "secondary")}
<section aria-labelledby="profile"><h2 id="profile">${escapeHtml(t("profile"))}</h2>
<form method="post" action="/account/profile">${csrfField(session)}<input type="hidden" name="lang" value="${v.locale}">
<label for="name">${escapeHtml(t("name"))}</label>
<input id="name" type="text" name="name" value="${escapeHtml(user.name ?? "")}" autocomplete="name" maxlength="100">
<button type="submit">${escapeHtml(t("save"))}</button></form></section>
<section aria-labelledby="passkeys"><h2 id="passkeys">${escapeHtml(t("passkeys"))}</h2>
${passkeyRows ? `<ul class="rows">${passkeyRows}</ul>` : `<p class="muted">${escapeHtml(t("noPasskeys"))}</p>`}
<p id="passkey-error" class="alert" role="alert" hidden></p>
<button type="button" id="add-passkey" data-name="${escapeHtml(t("passkeys"))} ${passkeys.length + 1}" hidden>${escapeHtml(t("addPasskey"))}</button>
<div id="codes" hidden><p>${escapeHtml(t("recoveryHint"))}</p><ol id="new-codes" class="codes"></ol>
<a class="button" href="/account?lang=${v.locale}">${escapeHtml(t("continue"))}</a></div></section>
<section aria-labelledby="authenticator"><h2 id="authenticator">${escapeHtml(t("authenticator"))}</h2>
${
  mfa.totp.enabled
    ? `<p>${escapeHtml(t("authenticatorOn"))}</p>`
    : `<p class="muted">${escapeHtml(t("authenticatorOff"))}</p>${action(session, v, "/account/authenticator", t("setUpAuthenticator"), "")}`
}</section>
<section aria-labelledby="sessions"><h2 id="sessions">${escapeHtml(t("sessions"))}</h2>
<ul class="rows">${sessionRows}</ul>
${sessions.length > 1 ? action(session, v, "/account/sessions/revoke-others", t("revokeOthers"), "secondary") : ""}</section>
<section aria-labelledby="organizations"><h2 id="organizations">${escapeHtml(t("organizations"))}</h2>
<ul class="rows">${orgRows}</ul></section>`,
  });
}

/** Runs an account action; a refusal is shown on the account page in words, a success reloads it. */
async function act(
  c: Context<AppEnv>,
  run: (v: Visit, session: Session, form: Record<string, unknown>) => Promise<unknown>,
) {
  const { v, session, form } = await accountForm(c);
  const done = await orShow(
    v,
    () => run(v, session, form),
    (message) => accountPage(c, { message, ok: false }, v),
  );
  if (done instanceof Response) return done;
  return c.redirect(`/account?lang=${v.locale}`, 303);
}

const reauth = { currentPassword: null, mfaCode: null };

export const accountActions = {
  profile: (c: Context<AppEnv>) =>
    act(c, async (_v, session, form) => {
      const name = typeof form.name === "string" ? form.name.trim().slice(0, 100) : "";
      await updateProfile(c.get("ctx"), {
        user: session.snapshot.user,
        principal: principal(c),
        currentPassword: null,
        changes: { name: name || null },
      });
    }),
  removePasskey: (c: Context<AppEnv>) =>
    act(c, (_v, session) =>
      removePasskey(c.get("ctx"), principal(c), {
        ...reauth,
        user: session.snapshot.user,
        id: c.req.param("id") ?? "",
      }),
    ),
  revokeSession: (c: Context<AppEnv>) =>
    act(c, (_v, session) => endSessionById(c.get("ctx"), session.record.user_id, c.req.param("id") ?? "")),
  revokeOthers: (c: Context<AppEnv>) =>
    act(c, (_v, session) => endOtherSessions(c.get("ctx"), session.record.user_id, session.tokenHash)),
  switchOrganization: (c: Context<AppEnv>) =>
    act(c, (_v, session) => switchOrganization(c.get("ctx"), session, c.req.param("id") ?? "")),
  async signOut(c: Context<AppEnv>) {
    const { v, session } = await accountForm(c);
    await c.get("deps").sessions.revoke(session.tokenHash);
    endBrowserSession(c);
    return c.redirect(`/sign-in?lang=${v.locale}`, 303);
  },
  /** Step 1: a new secret, shown as a QR code and a key, with the form for the first code. */
  async startAuthenticator(c: Context<AppEnv>) {
    const { v, session } = await accountForm(c);
    const started = await orShow(
      v,
      () => startTotpEnrolment(c.get("ctx"), principal(c), { ...reauth, email: session.snapshot.user.email }),
      (message) => accountPage(c, { message, ok: false }, v),
    );
    if (started instanceof Response) return started;
    return authenticatorPage(c, v, session, started);
  },
  /** Step 2: the first code proves the app holds the secret; the recovery codes are shown once. */
  async confirmAuthenticator(c: Context<AppEnv>) {
    const { v, session, form } = await accountForm(c);
    const { t } = v;
    const code = typeof form.code === "string" ? form.code.replace(/\s/g, "").slice(0, 6) : "";
    const confirmed = await orShow(
      v,
      () => confirmTotpEnrolment(c.get("ctx"), session.record.user_id, code),
      (message) => accountPage(c, { message, ok: false }, v),
    );
    if (confirmed instanceof Response) return confirmed;
    return hostedPage(c, v.locale, {
      title: t("recoveryCodes"),
      body: `<h1>${escapeHtml(t("recoveryCodes"))}</h1>${alert(t("authenticatorOn"), true)}
<p>${escapeHtml(t("recoveryHint"))}</p>
<ol class="codes">${confirmed.recovery_codes.map((r) => `<li>${escapeHtml(r)}</li>`).join("")}</ol>
<a class="button" href="/account?lang=${v.locale}">${escapeHtml(t("continue"))}</a>`,
    });
  },
};

function authenticatorPage(
  c: Context<AppEnv>,
  v: Visit,
  session: Session,
  enrolment: { secret: string; qrSvg: string },
) {
  const { t } = v;
  return hostedPage(c, v.locale, {
    title: t("setUpAuthenticator"),
    body: `<h1>${escapeHtml(t("setUpAuthenticator"))}</h1>
<p>${escapeHtml(t("scanCode"))}</p>
<div class="qr" role="img" aria-label="QR code">${enrolment.qrSvg}</div>
<p>${escapeHtml(t("secretKey"))}: <code data-secret>${escapeHtml(enrolment.secret)}</code></p>
<form method="post" action="/account/authenticator/confirm">${csrfField(session)}<input type="hidden" name="lang" value="${v.locale}">
<label for="code">${escapeHtml(t("codeFromApp"))}</label>
<input id="code" type="text" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required>
<button type="submit">${escapeHtml(t("confirm"))}</button></form>`,
  });
}
