import type { Context } from "hono";
import type { AppEnv } from "../context";
import { generateToken } from "../crypto/random";

export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch] ?? ch);

/**
 * For our pages' scripts: a JSON POST to our own API (the CSP allows connect-src 'self' only), answering
 * the status and the parsed body (null when there is none). `headers` adds e.g. X-CSRF-Token.
 */
export const PAGE_API = `const api = async (path, body, headers = {}) => {
  const res = await fetch(path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body ?? {}) });
  return { status: res.status, body: await res.json().catch(() => null) };
};`;

/**
 * A self-contained page: no scripts, nothing from other origins, a per-response style nonce, never
 * cached, never framed. Referrer-Policy same-origin: the URL may carry a token, so no other site ever
 * gets a Referer from it, while the page's own form posts keep their Origin (under no-referrer a
 * browser posts `Origin: null`, which the cross-site check must treat with suspicion).
 */
export function htmlPage(
  c: Context<AppEnv>,
  options: {
    title: string;
    body: string;
    status?: number;
    formActions?: string[];
    layout?: "card" | "document";
    head?: string;
    /** A module script (progressive enhancement), run by the response's nonce; it may call our API. */
    script?: string;
  },
): Response {
  const nonce = generateToken(16);
  const script = options.script ? `<script type="module" nonce="${nonce}">${options.script}</script>` : "";
  const formAction = ["'self'", ...(options.formActions ?? [])].join(" ");
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(options.title)}</title>${options.head ?? ""}
<style nonce="${nonce}">
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f6f7f9;color:#1c2024;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}
main{background:#fff;border-radius:12px;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:2rem;max-width:26rem;width:calc(100% - 2rem);box-sizing:border-box}
h1{font-size:1.3rem;margin:0 0 1rem}p{line-height:1.5}button,a.button{font:inherit;background:#1c2024;color:#fff;border:0;border-radius:8px;padding:.7rem 1.2rem;cursor:pointer;width:100%;display:block;text-align:center;text-decoration:none;box-sizing:border-box}
label{display:flex;gap:.5rem;align-items:center;margin:1rem 0}.muted{color:#60646c;font-size:.9rem}
body.document{align-items:flex-start}body.document main{max-width:56rem;margin:2rem 0}pre{overflow-x:auto;background:#f6f7f9;padding:.75rem;border-radius:8px;font-size:.8rem}
section{border-top:1px solid #e4e6ea;padding-top:.5rem}[hidden]{display:none!important}
</style></head><body class="${options.layout ?? "card"}"><main>${options.body}</main>${script}</body></html>`;
  return c.html(html, (options.status ?? 200) as 200, {
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": `default-src 'none'; style-src 'nonce-${nonce}';${
      options.script ? ` script-src 'nonce-${nonce}'; connect-src 'self';` : ""
    } form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
  });
}
