import type { EmailMessage } from "./provider";

const escapeHtml = (s: string): string =>
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
