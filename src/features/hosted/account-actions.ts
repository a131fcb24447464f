// The account page's form posts: each is one service verb, as the API's route for it; a refusal is
// shown on the account page in words (status 400), a success goes back to it or shows what it made.
import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { endBrowserSession } from "../../http";
import { principal } from "../../middleware/require";
import { escapeHtml } from "../../pages/html";
import { changePassword, updateProfile } from "../../services/accounts";
import { revokeDevice } from "../../services/devices";
import { acceptInvitation, declineInvitation } from "../../services/invitations";
import {
  confirmTotpEnrolment,
  type Reauth,
  removeTotp,
  replaceRecoveryCodes,
  startTotpEnrolment,
} from "../../services/mfa";
import { endOtherSessions, endSessionById, switchOrganization } from "../../services/session";
import { removePasskey, renamePasskey } from "../passkeys/service";
import { bind, readBinding } from "../social/binding";
import { unlinkIdentity } from "../social/identities";
import { startProviderLink } from "../social/link";
import { findProvider } from "../social/service";
import { accountPage } from "./account-page";
import { accountForm, csrfField, type Session } from "./forms";
import { hostedPage } from "./layout";
import { alert, field, orShow, type Visit } from "./sign-in";

type C = Context<AppEnv>;
type Step<T> = (c: C, v: Visit, session: Session, form: Record<string, unknown>) => Promise<T>;

/** The form's proof of a recent sign-in, when it carries one (else the sign-in's own age decides). */
const reauthFrom = (form: Record<string, unknown>): Reauth => ({
  currentPassword: field(form, "current_password", 1024) || null,
  mfaCode: null,
});

/**
 * An action: its CSRF-checked form, one service verb, then `done` (the account page with a message,
 * a page of its own, or a plain reload). A refusal is the account page with the reason, in words.
 */
function act<T>(run: Step<T>, done?: (c: C, v: Visit, session: Session, result: T) => Response | Promise<Response>) {
  return async (c: C) => {
    const { v, session, form } = await accountForm(c);
    const result = await orShow(
      v,
      () => run(c, v, session, form),
      (message) => accountPage(c, { message, ok: false }, v),
    );
    if (result instanceof Response) return result;
    return done ? done(c, v, session, result) : c.redirect(`/account?lang=${v.locale}`, 303);
  };
}

const say = (message: (v: Visit) => string) => (c: C, v: Visit) => accountPage(c, { message: message(v), ok: true }, v);
const param = (c: C) => c.req.param("id") ?? "";

/** Freshly made recovery codes, shown this once. */
function codesPage(c: C, v: Visit, codes: string[], note: string) {
  const { t } = v;
  return hostedPage(c, v.locale, {
    title: t("recoveryCodes"),
    body: `<h1>${escapeHtml(t("recoveryCodes"))}</h1>${alert(note, true)}
<p>${escapeHtml(t("recoveryHint"))}</p>
<ol class="codes">${codes.map((r) => `<li>${escapeHtml(r)}</li>`).join("")}</ol>
<a class="button" href="/account?lang=${v.locale}">${escapeHtml(t("continue"))}</a>`,
  });
}

/** Enrolment, step 1's answer: the QR code and the key, and the form for the first code. */
function authenticatorPage(c: C, v: Visit, session: Session, enrolment: { secret: string; qrSvg: string }) {
  const { t } = v;
  return hostedPage(c, v.locale, {
    title: t("setUpAuthenticator"),
    body: `<h1>${escapeHtml(t("setUpAuthenticator"))}</h1>
<p>${escapeHtml(t("scanCode"))}</p>
<div class="qr" role="img" aria-label="QR code">${enrolment.qrSvg}</div>
<p>${escapeHtml(t("secretKey"))}: <code data-secret>${escapeHtml(enrolment.secret)}</code></p>
<form method="post" action="/account/authenticator/confirm">${csrfField(session, v)}
<label for="code">${escapeHtml(t("codeFromApp"))}</label>
<input id="code" type="text" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required>
<button type="submit">${escapeHtml(t("confirm"))}</button></form>`,
  });
}

export const accountActions = {
  profile: act(
    async (c, _v, session, form) => {
      const email = field(form, "email", 320).trim();
      const changed = await updateProfile(c.get("ctx"), {
        user: session.snapshot.user,
        principal: principal(c),
        currentPassword: reauthFrom(form).currentPassword,
        changes: { name: field(form, "name", 100).trim() || null, email },
      });
      return { pending: changed.emailChangePending, email };
    },
    (c, v, _s, result) =>
      accountPage(
        c,
        { message: result.pending ? v.t("emailChangeSent", { email: result.email }) : v.t("saved"), ok: true },
        v,
      ),
  ),
  password: act(
    (c, _v, session, form) =>
      changePassword(c.get("ctx"), {
        user: session.snapshot.user,
        currentPassword: field(form, "current_password", 1024),
        newPassword: field(form, "new_password", 1024),
        keepSessionHash: session.tokenHash,
      }),
    say((v) => v.t("passwordChanged")),
  ),
  renamePasskey: act((c, _v, session, form) =>
    renamePasskey(c.get("ctx"), session.record.user_id, param(c), field(form, "name", 64).trim() || "Passkey"),
  ),
  removePasskey: act((c, _v, session, form) =>
    removePasskey(c.get("ctx"), principal(c), { ...reauthFrom(form), user: session.snapshot.user, id: param(c) }),
  ),
  startAuthenticator: act(
    (c, _v, session, form) =>
      startTotpEnrolment(c.get("ctx"), principal(c), { ...reauthFrom(form), email: session.snapshot.user.email }),
    authenticatorPage,
  ),
  confirmAuthenticator: act(
    (c, _v, session, form) =>
      confirmTotpEnrolment(c.get("ctx"), session.record.user_id, field(form, "code", 16).replace(/\s/g, "")),
    (c, v, _s, result) => codesPage(c, v, result.recovery_codes, v.t("authenticatorOn")),
  ),
  removeAuthenticator: act(
    (c, _v, session, form) =>
      removeTotp(c.get("ctx"), principal(c), { ...reauthFrom(form), email: session.snapshot.user.email }),
    say((v) => v.t("done")),
  ),
  recoveryCodes: act(
    (c, _v, session, form) =>
      replaceRecoveryCodes(c.get("ctx"), principal(c), { ...reauthFrom(form), email: session.snapshot.user.email }),
    (c, v, _s, result) => codesPage(c, v, result.recovery_codes, v.t("done")),
  ),
  /** To the provider; its callback links the identity and comes back to /account. */
  linkProvider: act(
    async (c, _v, session, form) => {
      const provider = c.req.param("provider") ?? "";
      const started = await startProviderLink(c.get("ctx"), principal(c), {
        ...reauthFrom(form),
        user: session.snapshot.user,
        provider,
        redirectTo: "/account",
        binding: readBinding(c),
      });
      bind(c, started.binding, provider);
      return { ...started, label: findProvider(c.get("ctx"), provider).label };
    },
    (c, v, _s, started) =>
      hostedPage(c, v.locale, {
        title: v.t("continueTo", { provider: started.label }),
        refresh: started.url,
        body: `<h1>${escapeHtml(v.t("continueTo", { provider: started.label }))}</h1>
<a class="button" href="${escapeHtml(started.url)}">${escapeHtml(v.t("continue"))}</a>`,
      }),
  ),
  unlinkIdentity: act((c, _v, session, form) =>
    unlinkIdentity(c.get("ctx"), principal(c), { ...reauthFrom(form), user: session.snapshot.user, id: param(c) }),
  ),
  revokeDevice: act((c) => revokeDevice(c.get("ctx"), principal(c), param(c))),
  acceptInvitation: act((c, _v, session) => acceptInvitation(c.get("ctx"), session.snapshot.user, param(c))),
  declineInvitation: act((c, _v, session) => declineInvitation(c.get("ctx"), session.snapshot.user, param(c))),
  revokeSession: act((c, _v, session) => endSessionById(c.get("ctx"), session.record.user_id, param(c))),
  revokeOthers: act((c, _v, session) => endOtherSessions(c.get("ctx"), session.record.user_id, session.tokenHash)),
  switchOrganization: act((c, _v, session) => switchOrganization(c.get("ctx"), session, param(c))),
  async signOut(c: C) {
    const { v, session } = await accountForm(c);
    await c.get("deps").sessions.revoke(session.tokenHash);
    endBrowserSession(c);
    return c.redirect(`/sign-in?lang=${v.locale}`, 303);
  },
};
