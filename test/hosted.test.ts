// The hosted pages over HTTP (the browser walk is test/e2e/hosted.test.ts): what each form does to
// stored state, the refusals (CSRF field, cross-site posts, open redirects), language and CSP.
import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config";
import { palette } from "../src/features/hosted/layout";
import { CATALOGUES } from "../src/features/hosted/strings";
import { inviteToken, login, PASSWORD, pairPhone, signInByLink, signUpVerified } from "./support/accounts";
import { CookieJar } from "./support/cookies";
import { createHarness, json, randomIp } from "./support/harness";
import { uniqueEmail, useHarness } from "./support/setup";

const h = useHarness({ OAUTH_PROVIDERS: "" });
const ORIGIN = "http://127.0.0.1:8787";

const form = (fields: Record<string, string>) => ({
  method: "POST",
  body: new URLSearchParams(fields).toString(),
  headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN, "sec-fetch-site": "same-origin" },
});

/** The CSRF token the account page's forms carry. */
async function pageCsrf(jar: CookieJar): Promise<string> {
  const page = await (await h.request("/account", { jar })).text();
  return /name="csrf_token" value="([^"]+)"/.exec(page)?.[1] ?? "";
}

describe("hosted sign-in", () => {
  it("serves a page with a strict CSP, in the browser's language", async () => {
    const res = await h.request("/sign-in", { headers: { "accept-language": "fr-CA,fr;q=0.9,en;q=0.5" } });
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/script-src 'nonce-[A-Za-z0-9_-]+'/);
    expect(csp).toContain("frame-ancestors 'none'");
    const html = await res.text();
    expect(html).toContain('<html lang="fr">');
    expect(html).toContain("Se connecter");
    // Every inline script and style carries the response's nonce.
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(html.match(/<(script|style)\b[^>]*>/g)?.every((tag) => tag.includes(`nonce="${nonce}"`))).toBe(true);
    expect(await (await h.request("/sign-in?lang=en")).text()).toContain('<html lang="en">');
  });

  it("password form: signs in, sets the session cookie, goes to redirect_to when allowed", async () => {
    const email = uniqueEmail("hosted");
    await signUpVerified(h, email);
    const jar = new CookieJar();
    const res = await h.request("/sign-in/password", {
      ...form({ email, password: PASSWORD, redirect_to: "/account?tab=1" }),
      jar,
      ip: randomIp(),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${ORIGIN}/account?tab=1`);
    expect(jar.get(h.config.cookies.sessionName)).toBeTruthy();
    expect((await h.request("/v1/auth/me", { jar })).status).toBe(200);
    // A foreign redirect_to is ignored: the account page instead.
    const other = await h.request("/sign-in/password", {
      ...form({ email, password: PASSWORD, redirect_to: "https://evil.example/steal" }),
      ip: randomIp(),
    });
    expect(other.headers.get("location")).toBe("/account");
  });

  it("a wrong password is shown in words on the page (400), in the page's language", async () => {
    const email = uniqueEmail("wrong");
    await signUpVerified(h, email);
    const res = await h.request("/sign-in/password", {
      ...form({ email, password: "not the password at all", lang: "fr" }),
      ip: randomIp(),
    });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain("L&#39;e-mail ou le mot de passe est incorrect.");
    expect(html).toContain(`value="${email}"`);
  });

  it("email form sends a link (the same answer for an unknown address)", async () => {
    const email = uniqueEmail("link");
    const res = await h.request("/sign-in/email", { ...form({ email }), ip: randomIp() });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Check your inbox");
    expect((await h.outbox(email)).length).toBe(1);
  });

  it("forgot password: the form sends the reset link (and answers the same for an unknown address)", async () => {
    const email = uniqueEmail("forgot");
    await signUpVerified(h, email);
    expect(await (await h.request("/sign-in")).text()).toContain('href="/sign-in/forgot?lang=en"');
    expect((await h.request("/sign-in/forgot")).status).toBe(200);
    for (const address of [email, uniqueEmail("nobody")]) {
      const res = await h.request("/sign-in/forgot", { ...form({ email: address }), ip: randomIp() });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("a link to choose a new password is on its way");
    }
    const reset = (await h.outbox(email)).find((m) => /password/i.test(m.subject ?? ""));
    expect(reset?.links[0]).toContain("/v1/auth/reset-password?token=");
  });

  it("sign-up form creates the account and sends the confirmation", async () => {
    const email = uniqueEmail("signup");
    const res = await h.request("/sign-up", { ...form({ email, password: PASSWORD, name: "Ada" }), ip: randomIp() });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("confirmation link");
    const [row] = await h.sql.query("select name from users where email = $1", [email]);
    expect(row?.name).toBe("Ada");
    const weak = await h.request("/sign-up", {
      ...form({ email: uniqueEmail("weak"), password: "short" }),
      ip: randomIp(),
    });
    expect(weak.status).toBe(400);
    expect(await weak.text()).toMatch(/class="alert" role="alert">[^<]*(short|at least)/i);
  });

  it("a cross-site form post is refused", async () => {
    const res = await h.request("/sign-in/password", {
      ...form({ email: "a@example.com", password: "x" }),
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: "https://evil.example",
        "sec-fetch-site": "cross-site",
      },
    });
    expect(res.status).toBe(403);
  });
});

describe("hosted account page", () => {
  it("without a session: to /sign-in and back", async () => {
    const res = await h.request("/account");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/sign-in?lang=en&redirect_to=%2Faccount");
  });

  it("lists sessions; signs another one out; refuses a form without the page's CSRF token", async () => {
    const email = uniqueEmail("sessions");
    const here = await signInByLink(h, email);
    const there = await signInByLink(h, email);
    const page = await (await h.request("/account", { jar: here.jar })).text();
    expect(page.match(/data-session="/g)).toHaveLength(2);
    // This session is marked; only the other one has a sign-out form.
    const otherId = /action="\/account\/sessions\/([^/]+)\/revoke"/.exec(page)?.[1];
    expect(otherId).toBeDefined();
    expect(page.match(/\/account\/sessions\/[^/]+\/revoke"/g)).toHaveLength(1);
    const csrf = await pageCsrf(here.jar);
    const forged = await h.request(`/account/sessions/${otherId}/revoke`, {
      ...form({ csrf_token: "nope" }),
      jar: here.jar,
    });
    expect(forged.status).toBe(403);
    expect((await h.request("/v1/auth/me", { jar: there.jar })).status).toBe(200);
    const revoked = await h.request(`/account/sessions/${otherId}/revoke`, {
      ...form({ csrf_token: csrf }),
      jar: here.jar,
    });
    expect(revoked.status).toBe(303);
    expect((await h.request("/v1/auth/me", { jar: there.jar })).status).toBe(401);
    expect((await h.request("/v1/auth/me", { jar: here.jar })).status).toBe(200);
  });

  it("sets up an authenticator app: QR and key, then the first code, then recovery codes", async () => {
    const user = await signInByLink(h, uniqueEmail("totp"));
    const csrf = await pageCsrf(user.jar);
    const started = await h.request("/account/authenticator", { ...form({ csrf_token: csrf }), jar: user.jar });
    expect(started.status).toBe(200);
    const html = await started.text();
    expect(html).toContain("<svg");
    const secret = /data-secret>([A-Z2-7]+)</.exec(html)?.[1];
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const wrong = await h.request("/account/authenticator/confirm", {
      ...form({ csrf_token: csrf, code: "000000" }),
      jar: user.jar,
    });
    expect(wrong.status).toBe(400);
    const [factor] = await h.sql.query("select confirmed_at from totp_factors where user_id = $1", [user.user.id]);
    expect(factor?.confirmed_at ?? null).toBeNull();
  });

  it("signs out with the form", async () => {
    const user = await signInByLink(h, uniqueEmail("out"));
    const csrf = await pageCsrf(user.jar);
    const res = await h.request("/account/sign-out", { ...form({ csrf_token: csrf }), jar: user.jar });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/sign-in?lang=en");
    expect((await h.request("/v1/auth/me", { jar: user.jar })).status).toBe(401);
  });
});

describe("hosted account actions", () => {
  it("changes the password (others signed out, this session kept) and refuses a wrong current one in words", async () => {
    const email = uniqueEmail("pw");
    await signUpVerified(h, email);
    const jar = await login(h, email);
    const other = await login(h, email);
    const csrf = await pageCsrf(jar);
    const wrong = await h.request("/account/password", {
      ...form({ csrf_token: csrf, current_password: "not it at all", new_password: "a brand new passphrase" }),
      jar,
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("The email or password is incorrect.");
    const changed = await h.request("/account/password", {
      ...form({ csrf_token: csrf, current_password: PASSWORD, new_password: "a brand new passphrase" }),
      jar,
    });
    expect(changed.status).toBe(200);
    expect(await changed.text()).toContain("Password changed.");
    expect((await h.request("/v1/auth/me", { jar })).status).toBe(200);
    expect((await h.request("/v1/auth/me", { jar: other })).status).toBe(401);
    const old = await h.request("/v1/auth/login", { method: "POST", json: { email, password: PASSWORD } });
    expect(old.status).toBe(401);
  });

  it("an email change waits for the new address's link; the name applies at once", async () => {
    const user = await signInByLink(h, uniqueEmail("mover"));
    const csrf = await pageCsrf(user.jar);
    const next = uniqueEmail("moved");
    const res = await h.request("/account/profile", {
      ...form({ csrf_token: csrf, name: "Grace", email: next }),
      jar: user.jar,
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(`We sent a link to ${next}`);
    const [row] = await h.sql.query("select email, name from users where id = $1", [user.user.id]);
    expect(row).toMatchObject({ email: user.user.email, name: "Grace" });
    expect((await h.outbox(next)).length).toBe(1);
  });

  it("accepts an invitation from the account page: the membership exists", async () => {
    const owner = await signInByLink(h, uniqueEmail("owner"));
    const guestEmail = uniqueEmail("guest");
    const guest = await signInByLink(h, guestEmail);
    await inviteToken(h, owner.jar, owner.organization.id, guestEmail);
    const page = await (await h.request("/account", { jar: guest.jar })).text();
    const invitation = /data-invitation="([^"]+)"/.exec(page)?.[1];
    expect(invitation).toBeDefined();
    const csrf = await pageCsrf(guest.jar);
    const res = await h.request(`/account/invitations/${invitation}/accept`, {
      ...form({ csrf_token: csrf }),
      jar: guest.jar,
    });
    expect(res.status).toBe(303);
    const [row] = await h.sql.query("select role from memberships where user_id = $1 and organization_id = $2", [
      guest.user.id,
      owner.organization.id,
    ]);
    expect(row?.role).toBe("member");
    const orgs = await json(await h.request("/v1/auth/organizations", { jar: guest.jar }));
    expect(orgs.data.map((o: { id: string }) => o.id)).toContain(owner.organization.id);
  });

  it("revokes a paired device from the account page", async () => {
    const user = await signInByLink(h, uniqueEmail("fleet"));
    const device = await pairPhone(h, user.jar, { platform: "ios", name: "Phone" });
    const page = await (await h.request("/account", { jar: user.jar })).text();
    expect(page).toContain(`data-device="${device.device_id}"`);
    const csrf = await pageCsrf(user.jar);
    const res = await h.request(`/account/devices/${device.device_id}/revoke`, {
      ...form({ csrf_token: csrf }),
      jar: user.jar,
    });
    expect(res.status).toBe(303);
    const me = await h.request("/v1/auth/me", { headers: { authorization: `Bearer ${device.token}` } });
    expect(me.status).toBe(401);
  });
});

describe("the code page's passkey step", () => {
  it("offers a passkey button (by nonce script) and its options take the pending cookie, else token_invalid", async () => {
    // A browser in the middle of a sign-in (the pending cookie; its value is checked when spent).
    const pending = { cookie: "mfa_pending=not-a-real-token" };
    const page = await h.request("/v1/auth/mfa", { headers: pending });
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/script-src 'nonce-[^']+'; connect-src 'self'/);
    expect(await page.text()).toContain('<button type="button" id="passkey" hidden>Use a passkey</button>');
    for (const headers of [{}, pending]) {
      const res = await h.request("/v1/auth/mfa/passkey/options", { method: "POST", json: {}, headers });
      expect(res.status).toBe(401);
      expect((await json(res)).error.code).toBe("token_invalid");
    }
  });
});

describe("theming", () => {
  it("name, logo and colour from the configuration; text on the accent keeps its contrast", async () => {
    const themed = await createHarness({
      HOSTED_PRODUCT_NAME: "Acme Cloud",
      HOSTED_LOGO_URL: "https://cdn.acme.example/logo.svg",
      HOSTED_ACCENT_COLOR: "#FFD60A",
      HOSTED_LOCALE: "fr",
    });
    try {
      const res = await themed.request("/sign-in");
      const html = await res.text();
      expect(html).toContain("Se connecter à Acme Cloud");
      expect(html).toContain('<img class="logo" src="https://cdn.acme.example/logo.svg" alt="Acme Cloud"');
      expect(res.headers.get("content-security-policy")).toContain("img-src 'self' data: https://cdn.acme.example");
      // A light accent: black text on its buttons, and links in the text colour (yellow on white fails 4.5:1).
      expect(html).toContain("--accent:#ffd60a;--onAccent:#000000;--link:#1c2024");
    } finally {
      await themed.close();
    }
    // The default accent is dark enough for white text and for links.
    expect(palette("#1f4ed8").light).toMatchObject({ onAccent: "#ffffff", link: "#1f4ed8" });
  });

  it("refuses a colour, logo or language it cannot use, with the fix in words", () => {
    const base = { AUTH_SECRET: "x".repeat(48) };
    for (const [name, value, words] of [
      ["HOSTED_ACCENT_COLOR", "blue", "HOSTED_ACCENT_COLOR must be a colour like #1f4ed8"],
      ["HOSTED_LOGO_URL", "http://cdn.example/logo.png", "HOSTED_LOGO_URL must be an https URL"],
      ["HOSTED_LOCALE", "de", "HOSTED_LOCALE must be one of en, fr"],
    ] as const)
      expect(() => parseConfig({ ...base, [name]: value }), name).toThrow(words);
  });
});

describe("strings", () => {
  it("every language translates every key", () => {
    const keys = Object.keys(CATALOGUES.en).sort();
    for (const [locale, table] of Object.entries(CATALOGUES)) expect(Object.keys(table).sort(), locale).toEqual(keys);
  });
});
