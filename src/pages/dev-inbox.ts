import type { Context } from "hono";
import type { AppEnv } from "../context";
import type { OutboxMessage } from "../ports";
import { escapeHtml, htmlPage } from "./html";

/**
 * AUTH_DEBUG only: the dev outbox as a page. Every captured email and text with its links live, and a
 * form that sends a sign-in link, so a first sign-in is: type an address, click the link, click Sign in.
 */
export function devInboxPage(c: Context<AppEnv>, messages: OutboxMessage[], sentTo: string | null): Response {
  const items = messages.map(messageItem).join("\n");
  const sent = sentTo
    ? `<p role="status">Sent. The newest message to <strong>${escapeHtml(sentTo)}</strong> is below.</p>`
    : "";
  return htmlPage(c, {
    title: "Dev inbox",
    layout: "document",
    body: `<h1>Dev inbox</h1>
<p class="muted">Everything the worker sent (emails and texts), newest first. Dev mode only: production sends them through the configured providers. Also as JSON: <a href="/v1/dev/outbox">/v1/dev/outbox</a>.</p>
<form method="post" action="/v1/dev/inbox">
<label>Email address <input type="email" name="email" autocomplete="email" required maxlength="320"></label>
<button type="submit">Send me a sign-in link</button>
</form>${sent}
<p><a href="/v1/dev/inbox">Refresh</a> · <a href="/v1/dev/sign-in">Sign in with a provider</a> · <a href="/docs">API reference</a></p>
${messages.length ? `<ol class="inbox">${items}</ol>` : "<p>Nothing sent yet.</p>"}`,
  });
}

function messageItem(m: OutboxMessage): string {
  const title = m.channel === "email" ? (m.subject ?? "(no subject)") : "Text message";
  const links = m.links.map((l) => `<li><a href="${escapeHtml(l)}">${escapeHtml(linkLabel(l))}</a></li>`).join("");
  const codes = m.codes.map((code) => `<code>${escapeHtml(code)}</code>`).join(" ");
  return `<li><h2>${escapeHtml(title)}</h2>
<p class="muted">To ${escapeHtml(m.to)} · ${escapeHtml(m.channel)} · <time datetime="${escapeHtml(m.created_at)}">${escapeHtml(m.created_at)}</time></p>
${links ? `<ul>${links}</ul>` : ""}${codes ? `<p>Code: ${codes}</p>` : ""}
<details><summary>Full text</summary><pre>${escapeHtml(m.text)}</pre></details></li>`;
}

/** "Open: /v1/auth/magic-link/verify" rather than a 300-character URL with a token in it. */
function linkLabel(link: string): string {
  try {
    return `Open ${new URL(link).pathname}`;
  } catch {
    return link;
  }
}
