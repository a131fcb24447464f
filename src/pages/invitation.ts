import type { Context } from "hono";
import type { AppEnv } from "../context";
import type { Invitation } from "../ports";
import { escapeHtml, htmlPage } from "./html";

/** GET target of the emailed invitation: says who invites whom where; accepts only on a click. */
export function invitationPage(
  c: Context<AppEnv>,
  pending: { invitation: Invitation; token: string } | null,
): Response {
  if (!pending) {
    return htmlPage(c, {
      title: "Invitation unavailable",
      status: 410,
      body: `<h1>This invitation can no longer be used</h1>
<p>It expired, was already answered, or was withdrawn. Ask the organization to invite you again.</p>`,
    });
  }
  const { invitation, token } = pending;
  return htmlPage(c, {
    title: "Join organization",
    body: `<h1>Join ${escapeHtml(invitation.organization_name)}</h1>
<p>You were invited as <strong>${escapeHtml(invitation.role)}</strong>. Accepting signs you in as
<strong>${escapeHtml(invitation.email)}</strong>.</p>
<form method="post" action="/v1/auth/invitations/accept">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<button type="submit">Accept and sign in</button>
</form>
<p class="muted">Don't know this organization? Close this page; nothing happens until you click.</p>`,
  });
}

export function joinedPage(c: Context<AppEnv>, organizationName: string): Response {
  return htmlPage(c, {
    title: "Joined",
    body: `<h1>You joined ${escapeHtml(organizationName)}</h1><p>You're signed in. You can close this page.</p>`,
  });
}

export function invalidInvitationPage(c: Context<AppEnv>): Response {
  return htmlPage(c, {
    title: "Invitation unavailable",
    status: 401,
    body: `<h1>This invitation can no longer be used</h1><p>It expired, was already answered, or was withdrawn.</p>`,
  });
}
