import type { Context } from "hono";
import type { AppEnv } from "../context";
import { escapeHtml, htmlPage } from "./html";

/**
 * The page a QR code or shared pair_url opens on the phone: it hands over to the app through the deep
 * link (a meta refresh, no script), with a button as a fallback and store links for people without
 * the app. Opening it never spends the code.
 */
export function pairingPage(c: Context<AppEnv>, deepLink: string | null): Response {
  const { appStoreUrl, playStoreUrl } = c.get("config").devices;
  if (deepLink === null) {
    return htmlPage(c, {
      title: "Pairing code expired",
      status: 410,
      body: `<h1>This pairing code has expired</h1><p>Codes work once and for 5 minutes. Ask for a new one on the device you are pairing with.</p>`,
    });
  }
  const link = escapeHtml(deepLink);
  const stores = [
    appStoreUrl && `<a href="${escapeHtml(appStoreUrl)}">App Store</a>`,
    playStoreUrl && `<a href="${escapeHtml(playStoreUrl)}">Google Play</a>`,
  ].filter(Boolean);
  return htmlPage(c, {
    title: "Open the app to pair",
    head: `<meta http-equiv="refresh" content="0; url=${link}">`,
    body: `<h1>Pair this phone</h1>
<p>Your app should open now. If it does not, tap the button.</p>
<p><a class="button" id="open-app" href="${link}">Open the app</a></p>
${stores.length > 0 ? `<p class="muted">No app yet? Get it on ${stores.join(" or ")}.</p>` : ""}
<p class="muted">The code works once and for 5 minutes.</p>`,
  });
}
