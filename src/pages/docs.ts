import type { Context } from "hono";
import type { AppEnv } from "../context";
import { escapeHtml, htmlPage } from "./html";

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string }>;
  security?: Array<Record<string, string[]>>;
}

/** "session + csrf, or accessToken" from the operation's security requirements. */
function credentials(op: Operation): string {
  if (!op.security?.length) return "";
  const options = op.security.map((r) => (Object.keys(r).length ? Object.keys(r).join(" + ") : "none"));
  return `<p>Authenticate with: <code>${escapeHtml(options.join(" | "))}</code></p>`;
}

/** A readable, self-contained rendering of /openapi.json (no CDN assets, so it works offline too). */
export function docsPage(c: Context<AppEnv>, openapi: object): Response {
  const document = openapi as { paths?: Record<string, Record<string, Operation>> };
  const sections: string[] = [];
  for (const [path, methods] of Object.entries(document.paths ?? {})) {
    for (const [method, op] of Object.entries(methods)) {
      const body = op.requestBody?.content?.["application/json"]?.schema;
      const responses = Object.entries(op.responses ?? {})
        .map(([status, r]) => `<li><code>${escapeHtml(status)}</code> ${escapeHtml(r.description ?? "")}</li>`)
        .join("");
      sections.push(`<section><h2><code>${method.toUpperCase()} ${escapeHtml(path)}</code></h2>
<p>${escapeHtml(op.summary ?? "")}</p>${credentials(op)}${op.description ? `<p class="muted">${escapeHtml(op.description)}</p>` : ""}
${body ? `<details><summary>Request body</summary><pre>${escapeHtml(JSON.stringify(body, null, 2))}</pre></details>` : ""}
<ul>${responses}</ul></section>`);
    }
  }
  return htmlPage(c, {
    title: "API reference",
    layout: "document",
    body: `<h1>API reference</h1><p>Machine-readable: <a href="/openapi.json">/openapi.json</a></p>${sections.join("\n")}`,
  });
}
