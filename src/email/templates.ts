import type { EmailMessage } from "./provider";

export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

export function magicLinkEmail(input: { to: string; link: string; ttlMinutes: number }): EmailMessage {
  const text = [
    "Sign in by opening this link:",
    "",
    input.link,
    "",
    `It works once and expires in ${input.ttlMinutes} minutes.`,
    "If you did not ask to sign in, ignore this email: nobody can sign in without the link.",
  ].join("\n");
  const html = `<p>Sign in by opening this link:</p><p><a href="${escapeHtml(input.link)}">Sign in</a></p>
<p>It works once and expires in ${input.ttlMinutes} minutes.</p>
<p>If you did not ask to sign in, ignore this email: nobody can sign in without the link.</p>`;
  return { to: input.to, subject: "Your sign-in link", text, html };
}

function simple(to: string, subject: string, lines: string[]): EmailMessage {
  const text = lines.join("\n");
  const html = lines
    .filter((l) => l !== "")
    .map((l) =>
      /^https?:\/\//.test(l) ? `<p><a href="${escapeHtml(l)}">${escapeHtml(l)}</a></p>` : `<p>${escapeHtml(l)}</p>`,
    )
    .join("\n");
  return { to, subject, text, html };
}

const NOT_YOU = "If this wasn't you, reset your password now and contact support: someone may know it.";

export function verificationEmail(to: string, link: string): EmailMessage {
  return simple(to, "Confirm your email address", [
    "Confirm that this is your email address by opening this link:",
    "",
    link,
    "",
    "It works once and expires in 24 hours. If you did not create an account, ignore this email.",
  ]);
}

export function emailChangeEmail(to: string, link: string): EmailMessage {
  return simple(to, "Confirm your new email address", [
    "Confirm that you want to use this address for your account by opening this link:",
    "",
    link,
    "",
    "It works once and expires in 24 hours. If you did not ask for this, ignore this email.",
  ]);
}

export function emailChangeNotice(to: string, newEmail: string): EmailMessage {
  return simple(to, "Your email address is being changed", [
    `Someone signed in to your account asked to change its email address to ${newEmail}.`,
    "Nothing changes until the new address is confirmed.",
    NOT_YOU,
  ]);
}

export function existingAccountEmail(to: string, signInUrl: string): EmailMessage {
  return simple(to, "You already have an account", [
    "Someone (maybe you) tried to create an account with this email address, which already has one.",
    "If it was you, sign in, or reset your password if you forgot it:",
    "",
    signInUrl,
    "",
    "If it wasn't you, you can ignore this email: nothing has changed.",
  ]);
}

export function passwordResetEmail(to: string, link: string): EmailMessage {
  return simple(to, "Reset your password", [
    "Choose a new password by opening this link:",
    "",
    link,
    "",
    "It works once and expires in 1 hour. If you did not ask for this, ignore this email: your password stays as it is.",
  ]);
}

export function passwordChangedEmail(to: string, how: "changed" | "reset"): EmailMessage {
  return simple(to, `Your password was ${how}`, [
    `The password of your account was ${how}, and every other session was signed out.`,
    NOT_YOU,
  ]);
}

/** A way in was added or removed: the owner hears of it (LOG-02), with what to do if it was not them. */
export function identityChangedEmail(to: string, provider: string, change: "linked" | "unlinked"): EmailMessage {
  return simple(to, change === "linked" ? `${provider} can now sign in to your account` : `${provider} was unlinked`, [
    change === "linked"
      ? `A ${provider} account was linked to your account: it can now be used to sign in.`
      : `The ${provider} account linked to your account was removed; it no longer signs you in.`,
    NOT_YOU,
  ]);
}

export type FactorChange =
  | { kind: "totp_added" | "totp_removed" | "recovery_codes_replaced" }
  | { kind: "passkey_added" | "passkey_removed"; name: string }
  | { kind: "recovery_code_used"; remaining: number };

/** A second factor was added or removed, or a recovery code spent: the owner hears of every one. */
export function factorChangedEmail(to: string, change: FactorChange): EmailMessage {
  const [subject, line] = ((): [string, string] => {
    switch (change.kind) {
      case "totp_added":
        return ["Two-step sign-in is on", "An authenticator app was added: sign-ins now also ask for its code."];
      case "totp_removed":
        return ["Your authenticator app was removed", "Sign-ins no longer ask for an authenticator code."];
      case "recovery_codes_replaced":
        return ["New recovery codes were made", "Your recovery codes were replaced; the old ones no longer work."];
      case "passkey_added":
        return ["A passkey was added", `The passkey "${change.name}" can now sign in to your account.`];
      case "passkey_removed":
        return ["A passkey was removed", `The passkey "${change.name}" no longer signs in to your account.`];
      case "recovery_code_used":
        return [
          "A recovery code was used",
          `A recovery code was used to sign in to your account. ${change.remaining} unused codes remain.`,
        ];
    }
  })();
  return simple(to, subject, [line, NOT_YOU]);
}

export function invitationEmail(input: {
  to: string;
  organizationName: string;
  inviterEmail: string | null;
  role: string;
  link: string;
}): EmailMessage {
  const who = input.inviterEmail ? `${input.inviterEmail} invited you` : "You were invited";
  return simple(input.to, `You're invited to join ${input.organizationName}`, [
    `${who} to join ${input.organizationName} as ${input.role}.`,
    "Nothing happens unless you accept. To accept (this also signs you in), open this link:",
    "",
    input.link,
    "",
    "It expires in 7 days. If you don't know this organization, ignore this email.",
  ]);
}

export function webhookDisabledEmail(to: string, url: string, endpointId: string): EmailMessage {
  return simple(to, "A webhook endpoint was disabled", [
    `Events could not be delivered to ${url} (endpoint ${endpointId}) for 24 hours, so it was disabled.`,
    "Events that happen while it is disabled are not sent to it. Fix the receiver, enable the endpoint again",
    "(PATCH the endpoint with enabled: true), and replay the events you need by id.",
  ]);
}
