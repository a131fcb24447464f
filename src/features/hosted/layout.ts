// The hosted pages' shell: the deployment's name, logo and colour, light and dark, the page's language,
// and a strict CSP: nothing but our own origin (and the logo's), styles and the one optional script
// by per-response nonce, no framing, forms only to ourselves.
import type { Context } from "hono";
import type { Config } from "../../config";
import type { HostedLocale } from "../../config/hosted";
import type { AppEnv } from "../../context";
import { generateToken } from "../../crypto/random";
import { escapeHtml } from "../../pages/html";

/** WCAG relative luminance of #rrggbb. */
function luminance(hex: string): number {
  const channel = (i: number) => {
    const v = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

const contrast = (a: string, b: string) => {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p) as [number, number];
  return (x + 0.05) / (y + 0.05);
};

/** Colours derived from the accent so every text passes WCAG AA (4.5:1) whatever accent is configured. */
export function palette(accent: string) {
  const light = { bg: "#f6f7f9", card: "#ffffff", text: "#1c2024", muted: "#555b64", line: "#d9dce1" };
  const dark = { bg: "#111418", card: "#1b1f24", text: "#e6e8eb", muted: "#a9afb8", line: "#333a42" };
  const onAccent = contrast(accent, "#ffffff") >= contrast(accent, "#000000") ? "#ffffff" : "#000000";
  return {
    light: { ...light, accent, onAccent, link: contrast(accent, light.card) >= 4.5 ? accent : light.text },
    dark: { ...dark, accent, onAccent, link: contrast(accent, dark.card) >= 4.5 ? accent : "#9db8ff" },
  };
}

/** The name the pages show: HOSTED_PRODUCT_NAME, else MFA_ISSUER (PUBLIC_URL's host by default). */
export const productName = (config: Config): string => config.hosted.productName ?? config.mfa.issuer;

export interface HostedPage {
  title: string;
  body: string;
  status?: number;
  /** A module script, run with the response's nonce (passkeys: progressive enhancement). */
  script?: string;
  /** Extra <meta> values for the script (CSRF token, where to go next). */
  meta?: Record<string, string>;
  /** Go on to this URL at once (a provider's page: a form's redirect there would meet form-action). */
  refresh?: string;
  /** The page has a form with turnstileWidget(): load Cloudflare's script (when Turnstile is configured). */
  turnstile?: boolean;
}

const TURNSTILE_ORIGIN = "https://challenges.cloudflare.com";

/** The Turnstile widget for a form (it adds the cf-turnstile-response field), or nothing when not configured. */
export function turnstileWidget(config: Config): string {
  const { mode, siteKey } = config.abuse.turnstile;
  return mode !== "off" && siteKey ? `<div class="cf-turnstile" data-sitekey="${escapeHtml(siteKey)}"></div>` : "";
}

export function hostedPage(c: Context<AppEnv>, locale: HostedLocale, page: HostedPage): Response {
  const config = c.get("config");
  const nonce = generateToken(16);
  const colours = palette(config.hosted.accent);
  const vars = (p: (typeof colours)["light"]) =>
    Object.entries(p)
      .map(([k, v]) => `--${k}:${v}`)
      .join(";");
  const product = productName(config);
  const logo = config.hosted.logoUrl
    ? `<img class="logo" src="${escapeHtml(config.hosted.logoUrl)}" alt="${escapeHtml(product)}" height="40">`
    : `<p class="product">${escapeHtml(product)}</p>`;
  const meta = Object.entries(page.meta ?? {})
    .map(([name, content]) => `<meta name="${escapeHtml(name)}" content="${escapeHtml(content)}">`)
    .join("");
  const refresh = page.refresh ? `<meta http-equiv="refresh" content="0;url=${escapeHtml(page.refresh)}">` : "";
  const turnstile = page.turnstile === true && turnstileWidget(config) !== "";
  const script =
    (page.script ? `<script type="module" nonce="${nonce}">${page.script}</script>` : "") +
    (turnstile ? `<script src="${TURNSTILE_ORIGIN}/turnstile/v0/api.js" async defer nonce="${nonce}"></script>` : "");
  const html = `<!doctype html>
<html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><meta name="color-scheme" content="light dark">${meta}${refresh}
<title>${escapeHtml(page.title)}</title>
<style nonce="${nonce}">
:root{${vars(colours.light)}}
@media (prefers-color-scheme:dark){:root{${vars(colours.dark)}}}
*{box-sizing:border-box}[hidden]{display:none!important}
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:var(--bg);color:var(--text);margin:0;display:flex;justify-content:center;line-height:1.5}
main{background:var(--card);border-radius:12px;box-shadow:0 1px 3px rgba(0,0,0,.15);padding:2rem;margin:2rem 1rem;max-width:30rem;width:100%}
main.wide{max-width:46rem}
h1{font-size:1.4rem;margin:.5rem 0 1rem}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
.product{font-weight:600;margin:0}.logo{display:block}
a{color:var(--link)}
label{display:block;margin:.75rem 0 .25rem;font-weight:500}
label.check{display:flex;gap:.5rem;align-items:center;font-weight:400}
input[type=email],input[type=password],input[type=text]{font:inherit;width:100%;padding:.6rem .7rem;border:1px solid var(--muted);border-radius:8px;background:var(--card);color:var(--text)}
button,a.button{font:inherit;font-weight:500;background:var(--accent);color:var(--onAccent);border:0;border-radius:8px;padding:.65rem 1rem;cursor:pointer;width:100%;display:block;text-align:center;text-decoration:none;margin:.75rem 0}
button.secondary,a.button.secondary{background:transparent;color:var(--text);border:1px solid var(--muted)}
button.inline{display:inline-block;width:auto;margin:0;padding:.35rem .8rem}
:focus-visible{outline:3px solid var(--link);outline-offset:2px}
.muted{color:var(--muted)}.divider{text-align:center;color:var(--muted);margin:1rem 0}
.alert{border:1px solid var(--line);border-left:4px solid #c0262d;padding:.6rem .8rem;border-radius:8px}
.ok{border-left-color:#1a7f37}
ul.rows{list-style:none;padding:0;margin:0}ul.rows li{display:flex;justify-content:space-between;align-items:center;gap:1rem;padding:.6rem 0;border-top:1px solid var(--line)}
section{border-top:1px solid var(--line);margin-top:1.5rem}
ol.codes{font-family:ui-monospace,monospace;columns:2}
.qr svg{width:12rem;height:12rem;background:#fff;padding:.5rem;border-radius:8px}
code{font-family:ui-monospace,monospace;word-break:break-all}
</style></head><body><main${page.body.includes('data-wide="1"') ? ' class="wide"' : ""}>${logo}${page.body}</main>${script}</body></html>`;
  const logoOrigin = config.hosted.logoUrl ? ` ${new URL(config.hosted.logoUrl).origin}` : "";
  return c.html(html, (page.status ?? 200) as 200, {
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": [
      "default-src 'none'",
      `style-src 'nonce-${nonce}'`,
      page.script || turnstile
        ? `script-src 'nonce-${nonce}'${turnstile ? ` ${TURNSTILE_ORIGIN}` : ""}`
        : "script-src 'none'",
      ...(turnstile ? [`frame-src ${TURNSTILE_ORIGIN}`] : []),
      "connect-src 'self'",
      `img-src 'self' data:${logoOrigin}`,
      // A form's answer may redirect to redirect_to on a trusted origin (browsers apply form-action to it).
      `form-action 'self'${config.trustedOrigins.map((o) => ` ${o}`).join("")}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join("; "),
  });
}
