import type { Context } from "hono";
import type { AppEnv } from "../context";
import { escapeHtml, htmlPage } from "./html";

interface Media {
  schema?: unknown;
  example?: unknown;
  examples?: Record<string, { value?: unknown }>;
}

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  requestBody?: { content?: Record<string, Media> };
  responses?: Record<string, { description?: string; content?: Record<string, Media> }>;
  security?: Array<Record<string, string[]>>;
}

/** "session + csrf, or accessToken" from the operation's security requirements. */
function credentials(op: Operation): string {
  if (!op.security) return "";
  if (op.security.length === 0) return "<p>No credential needed.</p>";
  const options = op.security.map((r) => (Object.keys(r).length ? Object.keys(r).join(" + ") : "none"));
  return `<p>Authenticate with: <code>${escapeHtml(options.join(" | "))}</code></p>`;
}

/** The media's example (or its first named one) as a collapsible block. */
function example(label: string, media: Media | undefined): string {
  const value = media?.example ?? Object.values(media?.examples ?? {})[0]?.value;
  if (value === undefined) return "";
  return `<details><summary>${escapeHtml(label)}</summary><pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre></details>`;
}

/** A readable, self-contained rendering of /openapi.json (no CDN assets, so it works offline too). */
export function docsPage(c: Context<AppEnv>, openapi: object): Response {
  const document = openapi as { paths?: Record<string, Record<string, Operation>> };
  const sections: string[] = [];
  for (const [path, methods] of Object.entries(document.paths ?? {})) {
    for (const [method, op] of Object.entries(methods)) {
      const body = op.requestBody?.content?.["application/json"];
      const entries = Object.entries(op.responses ?? {});
      // Error statuses list their error.code values (the description is exactly that list).
      const responses = entries
        .map(([status, r]) => {
          const text = escapeHtml(r.description ?? "");
          return `<li><code>${escapeHtml(status)}</code> ${status >= "400" ? `<code>${text}</code>` : text}</li>`;
        })
        .join("");
      const success = entries.find(([status, r]) => status.startsWith("2") && r.content?.["application/json"]);
      sections.push(`<section><h2><code>${method.toUpperCase()} ${escapeHtml(path)}</code></h2>
<p>${escapeHtml(op.summary ?? "")}</p>${credentials(op)}${op.description ? `<p class="muted">${escapeHtml(op.description)}</p>` : ""}
${example("Example request", body)}${body ? `<details><summary>Request schema</summary><pre>${escapeHtml(JSON.stringify(body.schema, null, 2))}</pre></details>` : ""}
${success ? example(`Example answer (${success[0]})`, success[1].content?.["application/json"]) : ""}
<ul>${responses}</ul></section>`);
    }
  }
  return htmlPage(c, {
    title: "API reference",
    layout: "document",
    body: `<h1>API reference</h1><p>Machine-readable: <a href="/openapi.json">/openapi.json</a></p>${
      // Dev mode only: a one-click way to try a sign-in with the local OpenID Provider.
      c.get("config").debug
        ? `<p>Dev mode: <a href="/v1/dev/inbox">the dev inbox</a> (a sign-in link in two clicks), <a href="/v1/dev/sign-in">sign in with a provider</a>.</p>`
        : ""
    }${sections.join("\n")}`,
  });
}
