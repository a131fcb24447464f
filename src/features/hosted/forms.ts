// What every account form shares: the signed-in session, the CSRF field, a one-button form.
import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { constantTimeEqual } from "../../crypto/hash";
import { AuthError } from "../../errors";
import { escapeHtml } from "../../pages/html";
import { field, readForm, type Visit, visit } from "./sign-in";

export type Session = NonNullable<AppEnv["Variables"]["session"]>;

/** The browser's session, or a redirect to /sign-in that comes back here. */
export function signedIn(c: Context<AppEnv>, v: Visit): Session | Response {
  const session = c.get("session");
  if (session) return session;
  return c.redirect(`/sign-in?lang=${v.locale}&redirect_to=${encodeURIComponent("/account")}`, 303);
}

/** The session's own CSRF token, the one every form on the page carries. */
export const csrfOf = (session: Session) => session.record.csrf ?? session.csrfToken ?? "";

/**
 * A form post of ours: the cookie's session, and the form carries that session's CSRF token (a form
 * cannot send the header), compared in constant time. Cross-site posts were refused before this.
 */
export async function accountForm(
  c: Context<AppEnv>,
): Promise<{ v: Visit; session: Session; form: Record<string, unknown> }> {
  const form = await readForm(c);
  const v = visit(c, form);
  const session = c.get("session");
  if (!session) throw new AuthError("unauthorized");
  const sent = field(form, "csrf_token");
  const expected = csrfOf(session);
  if (!expected || !constantTimeEqual(sent, expected)) throw new AuthError("csrf_failed");
  return { v, session, form };
}

export const csrfField = (session: Session, v: Visit) =>
  `<input type="hidden" name="csrf_token" value="${escapeHtml(csrfOf(session))}"><input type="hidden" name="lang" value="${v.locale}">`;

/** A form of one button (sign a session out, remove a passkey...). */
export const action = (session: Session, v: Visit, path: string, label: string, cls = "inline secondary") =>
  `<form method="post" action="${path}">${csrfField(session, v)}<button type="submit" class="${cls}">${escapeHtml(label)}</button></form>`;
