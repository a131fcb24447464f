// Drives a social sign-in through the local OpenID Provider (localstack/oidc-provider.ts), as a
// browser would: our start route, the provider's login form, its redirect back to our callback.
import { env } from "cloudflare:workers";
import { CookieJar } from "./cookies";
import { type Harness, randomIp } from "./harness";

export const ISSUER = (env as unknown as Record<string, string>).OAUTH_DEV_ISSUER as string;

export type Tamper = "aud" | "nonce" | "iss" | "exp" | "signature";

export interface ProviderVisit {
  /** The provider's redirect back to us (our callback URL with code and state). */
  callback: string;
  jar: CookieJar;
  /** The browser's address: each flow has its own, so tests never share per-IP limits. */
  ip: string;
  /** A form_post answer (Sign in with Apple): the fields the provider's page POSTs to our callback. */
  form?: URLSearchParams;
}

async function opFetch(url: string, jar: CookieJar, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const cookie = jar.header();
  if (cookie) headers.set("cookie", cookie);
  const response = await fetch(url, { ...init, headers, redirect: "manual" });
  jar.absorb(response);
  return response;
}

/** The start route's 302 followed to the provider, its login form posted, up to its redirect back. */
export async function visitProvider(
  h: Harness,
  options: {
    email: string;
    verified?: boolean;
    provider?: string;
    jar?: CookieJar;
    query?: Record<string, string>;
    deny?: boolean;
    ip?: string;
  },
): Promise<ProviderVisit> {
  const jar = options.jar ?? new CookieJar();
  const ip = options.ip ?? randomIp();
  const query = new URLSearchParams(options.query ?? {}).toString();
  const start = await h.request(`/v1/auth/oauth/${options.provider ?? "dev"}/start${query ? `?${query}` : ""}`, {
    jar,
    ip,
  });
  if (start.status !== 302) throw new Error(`start answered ${start.status}: ${await start.text()}`);
  return followProvider(start.headers.get("location") ?? "", jar, { ...options, ip });
}

/** From the provider's authorization URL: its login form posted (or cancelled), up to its redirect back. */
export async function followProvider(
  authorizationUrl: string,
  jar: CookieJar,
  options: { email: string; verified?: boolean; deny?: boolean; ip?: string },
): Promise<ProviderVisit> {
  const toLogin = await opFetch(authorizationUrl, jar);
  const interaction = new URL(toLogin.headers.get("location") ?? "", ISSUER).href;
  const form = new URLSearchParams({
    email: options.email,
    action: options.deny ? "deny" : "login",
    ...(options.verified === false ? {} : { verified: "1" }),
  });
  const resume = await opFetch(`${interaction}/login`, jar, {
    method: "POST",
    body: form,
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  const back = await opFetch(new URL(resume.headers.get("location") ?? "", ISSUER).href, jar);
  if (back.status === 200) {
    // response_mode=form_post: the provider's page auto-submits a form to our callback.
    const html = await back.text();
    const action = /<form[^>]*action="([^"]+)"/i.exec(html)?.[1] ?? "";
    const form = new URLSearchParams();
    for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g))
      form.set(name ?? "", (value ?? "").replaceAll("&amp;", "&"));
    return { callback: action, jar, ip: options.ip ?? randomIp(), form };
  }
  const callback = back.headers.get("location") ?? "";
  if (!callback.includes("/callback"))
    throw new Error(`the provider did not redirect back: ${back.status} ${callback}`);
  return { callback, jar, ip: options.ip ?? randomIp() };
}

/** Our callback, as the browser that started the flow (its cookies) or another jar. */
export async function returnFrom(h: Harness, visit: ProviderVisit, jar = visit.jar): Promise<Response> {
  const url = new URL(visit.callback);
  if (visit.form) {
    // A cross-site POST from the provider's page, as the browser sends it.
    return h.request(`${url.pathname}${url.search}`, {
      method: "POST",
      body: visit.form.toString(),
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: new URL(ISSUER).origin,
        "sec-fetch-site": "cross-site",
      },
      jar,
      ip: visit.ip,
    });
  }
  return h.request(`${url.pathname}${url.search}`, { jar, ip: visit.ip });
}

/** The next ID token the provider sends is tampered with (re-signed), standing in for a bad provider. */
export async function tamperNextIdToken(tamper: Tamper): Promise<void> {
  const response = await fetch(`${ISSUER}/__tamper`, { method: "POST", body: JSON.stringify({ tamper }) });
  if (!response.ok) throw new Error(`tamper control answered ${response.status}`);
}

/** The error code on our HTML failure page. */
export async function pageErrorCode(response: Response): Promise<string | null> {
  return /data-error-code="([a-z_]+)"/.exec(await response.text())?.[1] ?? null;
}
