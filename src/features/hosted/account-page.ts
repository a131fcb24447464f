// GET /account: every way in the user has and every place they are signed in, each with its actions.
// Read-only here; the forms post to account-actions.ts.
import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { principal } from "../../middleware/require";
import { escapeHtml, PAGE_API } from "../../pages/html";
import { listDevices } from "../../services/devices";
import { listMyInvitations } from "../../services/invitations";
import { mfaStatus } from "../../services/mfa";
import { listSessions } from "../../services/session";
import { listPasskeys } from "../passkeys/service";
import { listIdentities } from "../social/identities";
import { action, csrfField, csrfOf, signedIn } from "./forms";
import { hostedPage } from "./layout";
import { alert, type Visit, visit } from "./sign-in";

/** Adds a passkey through the API (the browser's WebAuthn), then reloads or shows the recovery codes. */
const ADD_PASSKEY_SCRIPT = `${PAGE_API}
const csrf = { "x-csrf-token": document.querySelector('meta[name="csrf-token"]').content };
const out = document.getElementById("passkey-error");
const button = document.getElementById("add-passkey");
if (window.PublicKeyCredential?.parseCreationOptionsFromJSON) {
  button.hidden = false;
  button.addEventListener("click", async () => {
    out.hidden = true;
    try {
      const options = await api("/v1/auth/passkeys/register/options", {}, csrf);
      if (options.status !== 200) throw new Error(options.body?.error?.message ?? "Try again.");
      const created = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options.body.data) });
      const saved = await api("/v1/auth/passkeys", { response: created.toJSON(), name: button.dataset.name }, csrf);
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

const rows = (items: string[], empty: string) =>
  items.length > 0 ? `<ul class="rows">${items.join("")}</ul>` : `<p class="muted">${escapeHtml(empty)}</p>`;

const section = (id: string, title: string, body: string) =>
  `<section aria-labelledby="${id}"><h2 id="${id}">${escapeHtml(title)}</h2>${body}</section>`;

/** The current-password field a sensitive change asks for when the sign-in is not recent. */
const currentPassword = (v: Visit, id: string) =>
  `<label for="${id}">${escapeHtml(v.t("currentPassword"))} <span class="muted">(${escapeHtml(v.t("currentPasswordHint"))})</span></label>
<input id="${id}" type="password" name="current_password" autocomplete="current-password" maxlength="128">`;

export async function accountPage(c: Context<AppEnv>, notice?: { message: string; ok: boolean }, from?: Visit) {
  const v = from ?? visit(c);
  const session = signedIn(c, v);
  if (session instanceof Response) return session;
  const { t } = v;
  const ctx = c.get("ctx");
  const user = session.snapshot.user;
  const [passkeys, mfa, sessions, identities, devices, invitations] = await Promise.all([
    listPasskeys(ctx, user.id),
    mfaStatus(ctx, user.id),
    listSessions(ctx, user.id, session.record.id),
    listIdentities(ctx, user.id),
    listDevices(ctx, principal(c)),
    user.email_verified ? listMyInvitations(ctx, user) : Promise.resolve([]),
  ]);
  const date = (iso: string) => new Date(iso).toLocaleDateString(v.locale === "fr" ? "fr-FR" : "en-GB");
  const form = (path: string, inner: string) =>
    `<form method="post" action="${path}">${csrfField(session, v)}${inner}</form>`;
  const id = (value: string) => encodeURIComponent(value);
  const providers = new Map(c.get("config").oauth.providers.map((p) => [p.name, p.label]));

  const passkeyRows = passkeys.map(
    (
      p,
    ) => `<li data-passkey="${escapeHtml(p.id)}"><span>${escapeHtml(p.name)} <span class="muted">${escapeHtml(t("added", { date: date(p.created_at) }))}</span></span>
${form(`/account/passkeys/${id(p.id)}/rename`, `<label class="check">${escapeHtml(t("passkeyName"))} <input type="text" name="name" value="${escapeHtml(p.name)}" maxlength="64" required></label><button type="submit" class="inline secondary">${escapeHtml(t("rename"))}</button>`)}
${action(session, v, `/account/passkeys/${id(p.id)}/remove`, t("remove"))}</li>`,
  );
  const sessionRows = sessions.map(
    (s) =>
      `<li data-session="${escapeHtml(s.id)}"><span>${escapeHtml(s.user_agent || "—")} <span class="muted">${escapeHtml(date(s.created_at))}${s.ip ? ` · ${escapeHtml(s.ip)}` : ""}</span></span>${
        s.current
          ? `<strong>${escapeHtml(t("thisSession"))}</strong>`
          : action(session, v, `/account/sessions/${id(s.id)}/revoke`, t("revoke"))
      }</li>`,
  );
  const identityRows = identities.map(
    (i) =>
      `<li data-identity="${escapeHtml(i.id)}"><span>${escapeHtml(providers.get(i.provider) ?? i.provider)} <span class="muted">${escapeHtml(i.email ?? "")}</span></span>${action(session, v, `/account/identities/${id(i.id)}/unlink`, t("unlink"))}</li>`,
  );
  const deviceRows = devices
    .filter((d) => d.user_id === user.id && d.revoked_at === null)
    .map(
      (d) =>
        `<li data-device="${escapeHtml(d.id)}"><span>${escapeHtml(d.name)} <span class="muted">${escapeHtml(d.platform)} · ${escapeHtml(date(d.created_at))}</span></span>${action(session, v, `/account/devices/${id(d.id)}/revoke`, t("revoke"))}</li>`,
    );
  const invitationRows = invitations.map(
    (i) =>
      `<li data-invitation="${escapeHtml(i.id)}"><span>${escapeHtml(t("invitedAs", { organization: i.organization_name, role: i.role }))}</span><span>${action(session, v, `/account/invitations/${id(i.id)}/accept`, t("accept"))} ${action(session, v, `/account/invitations/${id(i.id)}/decline`, t("decline"))}</span></li>`,
  );
  const orgRows = session.snapshot.organizations.map(
    (o) =>
      `<li><span>${escapeHtml(o.name)} <span class="muted">${escapeHtml(o.role)}</span></span>${
        o.id === session.record.organization_id
          ? `<strong>${escapeHtml(t("active"))}</strong>`
          : action(session, v, `/account/organizations/${id(o.id)}/switch`, t("switchTo"))
      }</li>`,
  );

  const body = [
    `<h1 data-wide="1">${escapeHtml(t("accountTitle"))}</h1>${notice ? alert(notice.message, notice.ok) : ""}`,
    `<p>${escapeHtml(t("signedInAs", { email: user.email }))}</p>`,
    action(session, v, "/account/sign-out", t("signOut"), "secondary"),
    section(
      "profile",
      t("profile"),
      form(
        "/account/profile",
        `<label for="name">${escapeHtml(t("name"))}</label>
<input id="name" type="text" name="name" value="${escapeHtml(user.name ?? "")}" autocomplete="name" maxlength="100">
<label for="profile-email">${escapeHtml(t("email"))}</label>
<input id="profile-email" type="email" name="email" value="${escapeHtml(user.email)}" autocomplete="email" maxlength="320" required>
${currentPassword(v, "profile-current")}
<button type="submit">${escapeHtml(t("save"))}</button>`,
      ),
    ),
    section(
      "password",
      t("password"),
      form(
        "/account/password",
        `<label for="current">${escapeHtml(t("currentPassword"))}</label>
<input id="current" type="password" name="current_password" autocomplete="current-password" maxlength="128" required>
<label for="new-password">${escapeHtml(t("newPasswordLabel"))}</label>
<input id="new-password" type="password" name="new_password" autocomplete="new-password" maxlength="128" required>
<button type="submit">${escapeHtml(t("changePassword"))}</button>`,
      ),
    ),
    section(
      "passkeys",
      t("passkeys"),
      `${rows(passkeyRows, t("noPasskeys"))}
<p id="passkey-error" class="alert" role="alert" hidden></p>
<button type="button" id="add-passkey" data-name="${escapeHtml(t("passkeyDefault", { n: passkeys.length + 1 }))}" hidden>${escapeHtml(t("addPasskey"))}</button>
<div id="codes" hidden><p>${escapeHtml(t("recoveryHint"))}</p><ol id="new-codes" class="codes"></ol>
<a class="button" href="/account?lang=${v.locale}">${escapeHtml(t("continue"))}</a></div>`,
    ),
    section(
      "authenticator",
      t("authenticator"),
      mfa.totp.enabled
        ? `<p>${escapeHtml(t("authenticatorOn"))}</p>${action(session, v, "/account/authenticator/remove", t("removeAuthenticator"), "secondary")}`
        : `<p class="muted">${escapeHtml(t("authenticatorOff"))}</p>${action(session, v, "/account/authenticator", t("setUpAuthenticator"), "")}`,
    ),
    mfa.methods.length > 0
      ? section(
          "recovery",
          t("recoveryCodes"),
          `<p>${escapeHtml(t("recoveryLeft", { count: mfa.recovery_codes_remaining }))}</p>${action(session, v, "/account/recovery-codes", t("newRecoveryCodes"), "secondary")}`,
        )
      : "",
    section(
      "identities",
      t("identities"),
      `${rows(identityRows, t("noIdentities"))}${[...providers]
        .map(([name, label]) =>
          action(session, v, `/account/providers/${id(name)}/link`, t("link", { provider: label }), "secondary"),
        )
        .join("")}`,
    ),
    section(
      "sessions",
      t("sessions"),
      `${rows(sessionRows, "")}${sessions.length > 1 ? action(session, v, "/account/sessions/revoke-others", t("revokeOthers"), "secondary") : ""}`,
    ),
    section("devices", t("devices"), rows(deviceRows, t("noDevices"))),
    invitationRows.length > 0 ? section("invitations", t("invitations"), rows(invitationRows, "")) : "",
    section("organizations", t("organizations"), rows(orgRows, "")),
  ].join("\n");

  return hostedPage(c, v.locale, {
    title: t("accountTitle"),
    status: notice && !notice.ok ? 400 : 200,
    meta: { "csrf-token": csrfOf(session) },
    script: ADD_PASSKEY_SCRIPT,
    body,
  });
}
