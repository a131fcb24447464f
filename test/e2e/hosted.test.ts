// The hosted pages walked in headless Chromium by clicking, as a new user with no code of their own:
// sign up, confirm, sign in, add a passkey (DevTools virtual authenticator) and an authenticator app,
// sign out, sign in with the passkey, sign another session out. axe-core checks each page; each step
// leaves a screenshot in test-results/.
import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { generateHOTP } from "@oslojs/otp";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  api,
  closeSql,
  contextApi,
  emailedLink,
  env,
  expectAccessible,
  launchChromium,
  screenshot,
  signInByClick,
  sql,
  uniqueEmail,
  verifiedAccount,
  withAuthenticator,
} from "./support/browser.ts";

const PASSWORD = "correct horse battery staple";
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await closeSql();
});

/** Browsers refuse an IP address as a passkey's relying party: the same server, as localhost. */
const site = () => env().origin.replace("127.0.0.1", "localhost");
const heading = (page: Page) => page.locator("h1").textContent();

/** Our API with a context's cookies on the localhost name (contextApi reads the worker's own origin). */
async function localApi(context: BrowserContext, path: string, json?: unknown): Promise<{ status: number; body: any }> {
  const csrf = (await context.cookies(site())).find((c) => c.name === "csrf_token")?.value ?? "";
  const res = await context.request.fetch(`${site()}${path}`, {
    method: json === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json", "x-csrf-token": csrf, origin: site() },
    data: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await res.text();
  return { status: res.status(), body: text ? JSON.parse(text) : null };
}

async function me(context: BrowserContext, origin = site()): Promise<number> {
  return (await context.request.get(`${origin}/v1/auth/me`)).status();
}

describe("hosted pages, end to end in Chromium", () => {
  it("sign up, passkey, authenticator app, sign out, passkey sign-in, sign another session out", async () => {
    const email = uniqueEmail("hosted");
    const context = await browser.newContext();
    const page = await context.newPage();
    const { cdp, authenticatorId } = await withAuthenticator(context, page);

    // Sign up.
    await page.goto(`${site()}/sign-up`);
    await expectAccessible(page);
    await screenshot(page, "hosted-1-sign-up");
    await page.getByLabel("Name").fill("Ada Lovelace");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel(/^Password/).fill(PASSWORD);
    await page.getByRole("button", { name: "Create account" }).click();
    await expect.poll(() => heading(page)).toBe("Check your inbox");
    await expectAccessible(page);

    // Confirm the address from the email.
    const link = (await emailedLink(email, /Confirm your email/)).replace("127.0.0.1", "localhost");
    await page.goto(link);
    await page.getByRole("button", { name: "Confirm" }).click();
    await expect.poll(() => heading(page)).toMatch(/confirmed/i);

    // Sign in with the password.
    await page.goto(`${site()}/sign-in`);
    await expectAccessible(page);
    await screenshot(page, "hosted-2-sign-in");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect.poll(() => heading(page)).toBe("Your account");
    expect(new URL(page.url()).pathname).toBe("/account");
    await expectAccessible(page);
    await screenshot(page, "hosted-3-account");

    // Another device signs in too (it will be signed out from here at the end).
    const other = await browser.newContext();
    const otherPage = await other.newPage();
    await otherPage.goto(`${site()}/sign-in`);
    await otherPage.getByLabel("Email").fill(email);
    await otherPage.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await otherPage.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect.poll(() => heading(otherPage)).toBe("Your account");
    expect(await me(other)).toBe(200);

    // Add a passkey: the first second factor brings the recovery codes.
    await page.getByRole("button", { name: "Add a passkey" }).click();
    await expect.poll(() => page.locator("#new-codes li").count()).toBe(10);
    await expectAccessible(page);
    await screenshot(page, "hosted-4-passkey-added");
    await page.getByRole("link", { name: "Continue" }).click();
    await expect.poll(() => page.locator("[data-passkey]").count()).toBe(1);
    const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
    expect(credentials).toHaveLength(1);

    // Add an authenticator app: read the key as a person would type it, answer with its code.
    await page.getByRole("button", { name: "Set up an authenticator app" }).click();
    await expect.poll(() => heading(page)).toBe("Set up an authenticator app");
    await expectAccessible(page);
    await screenshot(page, "hosted-5-authenticator");
    const key = (await page.locator("[data-secret]").textContent()) ?? "";
    const code = generateHOTP(decodeBase32IgnorePadding(key), BigInt(Math.floor(Date.now() / 30_000)), 6);
    await page.getByLabel("6-digit code from the app").fill(code);
    await page.getByRole("button", { name: "Confirm" }).click();
    await expect.poll(() => heading(page)).toBe("Recovery codes");
    expect(await page.locator("ol.codes li").count()).toBe(10);
    const recoveryCode = (await page.locator("ol.codes li").first().textContent()) ?? "";
    await expectAccessible(page);
    await page.getByRole("link", { name: "Continue" }).click();
    await expect.poll(() => page.getByText("An authenticator app is set up.").count()).toBe(1);
    const [user] = await sql<{ id: string }>("select id from users where email = $1", [email]);
    const [factor] = await sql<{ confirmed_at: string | null }>(
      "select confirmed_at from totp_factors where user_id = $1",
      [user?.id],
    );
    expect(factor?.confirmed_at).not.toBeNull();

    // A third browser: the password now leads to the second step; a recovery code finishes it. (On
    // the worker's own origin: the step's redirect goes to PUBLIC_URL's, as it would in production.)
    const third = await browser.newContext();
    const thirdPage = await third.newPage();
    await thirdPage.goto(`${env().origin}/sign-in`);
    await thirdPage.getByLabel("Email").fill(email);
    await thirdPage.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await thirdPage.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect.poll(() => heading(thirdPage)).toBe("Enter your code");
    expect(await me(third, env().origin)).toBe(401);
    await thirdPage.getByLabel("Or a recovery code").fill(recoveryCode);
    await thirdPage.getByRole("button", { name: "Use recovery code" }).click();
    await expect.poll(() => heading(thirdPage)).toBe("Your account");
    expect(await me(third, env().origin)).toBe(200);
    await thirdPage.getByRole("button", { name: "Sign out", exact: true }).first().click();
    await expect.poll(() => new URL(thirdPage.url()).pathname).toBe("/sign-in");
    expect(await me(third, env().origin)).toBe(401);
    await third.close();

    // Sign out. The sign-in page offers the passkey in the email field's autofill (conditional
    // mediation); the virtual authenticator answers it at once, as a person picking it would.
    const sessionCookie = async () => (await context.cookies(site())).find((c) => c.name === "session")?.value;
    const first = await sessionCookie();
    await page.getByRole("button", { name: "Sign out", exact: true }).first().click();
    await expect.poll(() => heading(page)).toBe("Your account");
    const second = await sessionCookie();
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    expect(await me(context)).toBe(200);
    await screenshot(page, "hosted-6-passkey-autofill");

    // Sign out again, the authenticator waiting for a touch: the autofill offer stays open; the
    // button is a passkey sign-in of its own (no password, no code: a passkey is both factors).
    await cdp.send("WebAuthn.setAutomaticPresenceSimulation", { authenticatorId, enabled: false });
    await page.getByRole("button", { name: "Sign out", exact: true }).first().click();
    await expect.poll(() => new URL(page.url()).pathname).toBe("/sign-in");
    expect(await me(context)).toBe(401);
    await expectAccessible(page);
    await cdp.send("WebAuthn.setAutomaticPresenceSimulation", { authenticatorId, enabled: true });
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await expect.poll(() => heading(page)).toBe("Your account");
    expect(await me(context)).toBe(200);
    await screenshot(page, "hosted-7-passkey-button");

    // Sign the other device out from the sessions list.
    const rows = page.locator("[data-session]");
    await expect.poll(() => rows.count()).toBe(2);
    await rows
      .filter({ has: page.getByRole("button", { name: "Sign out" }) })
      .getByRole("button")
      .click();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await me(other)).toBe(401);
    expect(await me(context)).toBe(200);
    await expectAccessible(page);
    await screenshot(page, "hosted-8-other-session-signed-out");

    // The password, then a passkey as the second step: the code page's button.
    await cdp.send("WebAuthn.setAutomaticPresenceSimulation", { authenticatorId, enabled: false });
    await page.getByRole("button", { name: "Sign out", exact: true }).first().click();
    await expect.poll(() => new URL(page.url()).pathname).toBe("/sign-in");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect.poll(() => heading(page)).toBe("Enter your code");
    expect(await me(context)).toBe(401);
    await expectAccessible(page);
    await cdp.send("WebAuthn.setAutomaticPresenceSimulation", { authenticatorId, enabled: true });
    await page.getByRole("button", { name: "Use a passkey" }).click();
    // Signed in here; the page goes on to redirect_to (PUBLIC_URL's /account, the other host name here).
    await expect.poll(() => me(context)).toBe(200);
    await expect.poll(() => new URL(page.url()).pathname).not.toBe("/v1/auth/mfa");
    await other.close();
    await context.close();
  });

  it("every other account form, clicked: rename and remove a passkey, new codes, password, email, invitations, organizations, devices, authenticator removal", async () => {
    const email = await verifiedAccount("forms", PASSWORD);
    const context = await browser.newContext();
    const page = await context.newPage();
    await withAuthenticator(context, page);
    await page.goto(`${site()}/sign-in`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect.poll(() => heading(page)).toBe("Your account");

    // A passkey, renamed, then new recovery codes.
    await page.getByRole("button", { name: "Add a passkey" }).click();
    await expect.poll(() => page.locator("#new-codes li").count()).toBe(10);
    await page.getByRole("link", { name: "Continue" }).click();
    const passkey = page.locator("[data-passkey]");
    await passkey.getByLabel("Name of this passkey").fill("Laptop");
    await passkey.getByRole("button", { name: "Rename" }).click();
    await expect.poll(() => passkey.locator("span").first().textContent()).toMatch(/^Laptop/);
    await page.getByRole("button", { name: "Make new recovery codes" }).click();
    await expect.poll(() => heading(page)).toBe("Recovery codes");
    expect(await page.locator("ol.codes li").count()).toBe(10);
    await page.getByRole("link", { name: "Continue" }).click();
    await expect.poll(() => page.getByText("10 recovery codes left.").count()).toBe(1);

    // An authenticator app, then removed.
    await page.getByRole("button", { name: "Set up an authenticator app" }).click();
    const key = (await page.locator("[data-secret]").textContent()) ?? "";
    const code = generateHOTP(decodeBase32IgnorePadding(key), BigInt(Math.floor(Date.now() / 30_000)), 6);
    await page.getByLabel("6-digit code from the app").fill(code);
    await page.getByRole("button", { name: "Confirm" }).click();
    await expect.poll(() => heading(page)).toBe("Recovery codes");
    await page.getByRole("link", { name: "Continue" }).click();
    await page.getByRole("button", { name: "Remove the authenticator app" }).click();
    await expect.poll(() => page.getByRole("button", { name: "Set up an authenticator app" }).count()).toBe(1);

    // The passkey removed (the password remains a way in).
    await passkey.getByRole("button", { name: "Remove" }).click();
    await expect.poll(() => page.locator("[data-passkey]").count()).toBe(0);

    // Password changed; the new one signs in (checked from outside), the old one no longer.
    const next = "a different passphrase entirely";
    await page.getByLabel("Current password", { exact: true }).fill(PASSWORD);
    await page.getByLabel("New password").fill(next);
    await page.getByRole("button", { name: "Change password" }).click();
    await expect.poll(() => page.getByText("Password changed.", { exact: false }).count()).toBe(1);
    const login = (password: string) =>
      api("/v1/auth/login", { json: { email, password }, headers: { "cf-connecting-ip": "198.51.100.77" } });
    expect((await login(next)).status).toBe(200);
    expect((await login(PASSWORD)).status).toBe(401);

    // An email change waits for the new address's link.
    const moved = uniqueEmail("moved");
    await page.locator("#profile-email").fill(moved);
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.getByText(`We sent a link to ${moved}`, { exact: false }).count()).toBe(1);
    expect(await emailedLink(moved, /./)).toContain("token=");

    // Two invitations from another user's organizations: one accepted (then switched to), one declined.
    const owner = await browser.newContext();
    await signInByClick(owner, uniqueEmail("owner"));
    const ownerOrg = (await contextApi(owner, "/v1/auth/me")).body.data.organization.id as string;
    const second = (await contextApi(owner, "/v1/organizations", { json: { name: "Second Co" } })).body.data.id;
    for (const org of [ownerOrg, second])
      expect(
        (await contextApi(owner, `/v1/organizations/${org}/invitations`, { json: { email, role: "member" } })).status,
      ).toBe(202);
    await page.goto(`${site()}/account`);
    const invitations = page.locator("[data-invitation]");
    await expect.poll(() => invitations.count()).toBe(2);
    await invitations.filter({ hasText: "Second Co" }).getByRole("button", { name: "Decline" }).click();
    await expect.poll(() => invitations.count()).toBe(1);
    await invitations.getByRole("button", { name: "Accept" }).click();
    await expect.poll(() => invitations.count()).toBe(0);
    await expectAccessible(page);
    await page.getByRole("button", { name: "Switch" }).click();
    await expect.poll(async () => (await localApi(context, "/v1/auth/me")).body?.data?.organization?.id).toBe(ownerOrg);
    await owner.close();

    // A paired device, revoked from the list.
    const pairing = (await localApi(context, "/v1/pairing/code", {})).body.data.token as string;
    const device = await api("/v1/pairing/pair", {
      json: { pairing_token: pairing, push_token: "fcm:forms", platform: "android", device_name: "Pixel" },
    });
    expect(device.status).toBe(201);
    await page.goto(`${site()}/account`);
    const devices = page.locator("[data-device]");
    await expect.poll(() => devices.count()).toBe(1);
    await devices.getByRole("button", { name: "Sign out" }).click();
    await expect.poll(() => devices.count()).toBe(0);
    const deviceMe = await api("/v1/auth/me", { headers: { authorization: `Bearer ${device.body.data.token}` } });
    expect(deviceMe.status).toBe(401);
    await expectAccessible(page);
    await screenshot(page, "hosted-11-account-forms");
    await context.close();
  });

  it("social sign-in from the hosted page lands on /account with the provider listed", async () => {
    // On the worker's own origin: the provider's callback comes back there, to the browser that started.
    const origin = env().origin;
    const email = uniqueEmail("social");
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${origin}/sign-in`);
    await page.click('a[data-provider="dev"]');
    await page.waitForURL((url) => url.href.startsWith(env().oidcIssuer));
    await page.fill('input[name="email"]', email);
    await page.click('button[value="login"]');
    await page.waitForURL((url) => url.href.startsWith(origin));
    await expect.poll(() => heading(page)).toBe("Your account");
    await expect.poll(() => page.locator("[data-identity]").count()).toBe(1);
    expect(await page.locator("[data-identity]").textContent()).toContain(email);
    await expectAccessible(page);
    await screenshot(page, "hosted-10-social");
    await context.close();

    // Someone signed in by email links the provider from /account: through the provider and back.
    const linker = await browser.newContext();
    const linkPage = await signInByClick(linker, uniqueEmail("linker"));
    await linkPage.goto(`${origin}/account`);
    await linkPage.getByRole("button", { name: "Link dev" }).click();
    await linkPage.waitForURL((url) => url.href.startsWith(env().oidcIssuer));
    const providerEmail = uniqueEmail("elsewhere");
    await linkPage.fill('input[name="email"]', providerEmail);
    await linkPage.click('button[value="login"]');
    await linkPage.waitForURL((url) => url.href.startsWith(origin));
    await expect.poll(() => heading(linkPage)).toBe("Your account");
    await expect.poll(() => linkPage.locator("[data-identity]").count()).toBe(1);
    expect(await linkPage.locator("[data-identity]").textContent()).toContain(providerEmail);
    // And unlinks it again (the email sign-in remains, so it is not the last way in).
    await linkPage.locator("[data-identity]").getByRole("button", { name: "Unlink" }).click();
    await expect.poll(() => linkPage.locator("[data-identity]").count()).toBe(0);
    await linker.close();
  });

  it("in French, and without JavaScript the email and password paths still work", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, locale: "fr-FR" });
    const page = await context.newPage();
    await page.goto(`${site()}/sign-in`);
    expect(await page.locator("html").getAttribute("lang")).toBe("fr");
    expect(await heading(page)).toMatch(/^Se connecter/);
    // No script ran: the passkey button stays hidden, the forms are there.
    expect(await page.getByRole("button", { name: "Se connecter avec une clé d'accès" }).isVisible()).toBe(false);
    await page.getByLabel("E-mail").fill(uniqueEmail("nojs"));
    await page.getByRole("button", { name: "Recevoir un lien de connexion" }).click();
    await expect.poll(() => heading(page)).toBe("Consultez votre boîte de réception");
    await screenshot(page, "hosted-9-fr-no-js");
    // Forgot password, without JavaScript too.
    await page.goto(`${site()}/sign-in`);
    await page.getByRole("link", { name: "Mot de passe oublié ?" }).click();
    await page.getByLabel("E-mail").fill(uniqueEmail("forgot"));
    await page.getByRole("button", { name: "Recevoir un lien de réinitialisation" }).click();
    await expect.poll(() => heading(page)).toBe("Consultez votre boîte de réception");
    await context.close();
    // The French pages pass the same accessibility checks (axe runs as a script, so with JavaScript).
    const checked = await browser.newContext({ locale: "fr-FR" });
    const checkPage = await checked.newPage();
    for (const path of ["/sign-in", "/sign-up", "/sign-in/forgot"]) {
      await checkPage.goto(`${site()}${path}`);
      expect(await checkPage.locator("html").getAttribute("lang")).toBe("fr");
      await expectAccessible(checkPage);
    }
    await checked.close();
  });
});
