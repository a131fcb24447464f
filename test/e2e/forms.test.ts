// Every page we render with a form, clicked in a real headless Chromium against the deployable bundle:
// the browser (not our fetch) decides Origin, Referer and Sec-Fetch-* on the form post, and each test
// checks the effect (signed in, password changed, membership created), not only the status.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { generateHOTP } from "@oslojs/otp";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  answerTo,
  api,
  closeSql,
  contextApi,
  emailedLink,
  env,
  expectAccessible,
  launchChromium,
  magicLink,
  screenshot,
  signInByClick,
  sql,
  uniqueEmail,
  verifiedAccount,
} from "./support/browser.ts";

const PASSWORD = "correct horse battery staple";

// An authenticator app's arithmetic (RFC 6238: HMAC-SHA-1, 30-second steps, 6 digits).
const totpStep = (nowMs: number) => Math.floor(nowMs / 30_000);
const totpCode = (secret: Uint8Array, step: number) => generateHOTP(secret, BigInt(step), 6);
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await closeSql();
});

const heading = (page: Page) => page.locator("h1").textContent();

async function me(
  context: BrowserContext,
): Promise<{ status: number; email: string | null; organization: string | null }> {
  const { status, body } = await contextApi(context, "/v1/auth/me");
  return { status, email: body?.data?.user?.email ?? null, organization: body?.data?.organization?.id ?? null };
}

describe("the magic-link confirm page", () => {
  it("its Sign in button signs the browser in and spends the link", async () => {
    const email = uniqueEmail("confirm");
    const link = await magicLink(email);
    const context = await browser.newContext();
    const page = await context.newPage();
    const opened = await page.goto(link);
    expect(opened?.status()).toBe(200);
    expect(opened?.headers()["referrer-policy"]).toBe("same-origin");
    await expectAccessible(page);
    await page.getByLabel("Keep me signed in for 30 days").check();
    const answer = await answerTo(page, "POST", "/v1/auth/magic-link/verify", () =>
      page.getByRole("button", { name: "Sign in" }).click(),
    );
    // The browser's own headers on its form post: what the cross-site check has to accept.
    const sent = await answer.request().allHeaders();
    expect(sent.origin).toBe(env().origin);
    expect(sent["sec-fetch-site"]).toBe("same-origin");
    expect(answer.status()).toBe(200);
    await expect.poll(() => heading(page)).toBe("You're signed in");
    await expectAccessible(page);
    await screenshot(page, "magic-link-signed-in");

    const session = (await context.cookies(env().origin)).find((c) => c.name === "session");
    expect(session?.httpOnly).toBe(true);
    // "Keep me signed in" reached the server: a 30-day cookie, not a browser-session one.
    expect(session!.expires - Date.now() / 1000).toBeGreaterThan(29 * 86_400);
    expect(await me(page.context())).toMatchObject({ status: 200, email });
    const [user] = await sql<{ email_verified_at: string | null }>(
      "select email_verified_at from users where email = $1",
      [email],
    );
    expect(user?.email_verified_at).not.toBeNull();

    // The link worked once: opening it again shows the expired page.
    const again = await page.goto(link);
    expect(again?.status()).toBe(410);
    await context.close();
  });

  it("goes on to the link's redirect_to after the click", async () => {
    const email = uniqueEmail("redirect");
    const link = await magicLink(email, { redirect_to: "/docs" });
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(link);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${env().origin}/docs`);
    expect(await me(page.context())).toMatchObject({ status: 200, email });
    await context.close();
  });
});

describe("the dev inbox page", () => {
  it("a first sign-in: type an address, click the link in the inbox, click Sign in", async () => {
    const email = uniqueEmail("inbox");
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${env().origin}/v1/dev/inbox`);
    expect(await heading(page)).toBe("Dev inbox");
    await expectAccessible(page);
    await page.getByLabel("Email address").fill(email);
    await page.getByRole("button", { name: "Send me a sign-in link" }).click();
    await page.waitForURL((url) => url.pathname === "/v1/dev/inbox" && url.searchParams.get("sent") === email);
    const message = page
      .getByRole("listitem")
      .filter({ hasText: `To ${email}` })
      .first();
    await expect.poll(() => message.getByRole("heading").textContent()).toBe("Your sign-in link");
    await screenshot(page, "dev-inbox");
    await expectAccessible(page);
    await message.getByRole("link", { name: "Open /v1/auth/magic-link/verify" }).click();
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => heading(page)).toBe("You're signed in");
    expect(await me(context)).toMatchObject({ status: 200, email });
    await context.close();
  });
});

describe("the reset-password page", () => {
  it("sets the typed password, ends the old sessions, and the link works once", async () => {
    const email = await verifiedAccount("reset", PASSWORD);
    const before = await api("/v1/auth/token", { json: { grant_type: "password", email, password: PASSWORD } });
    expect(before.status).toBe(200);
    expect((await api("/v1/auth/forgot-password", { json: { email } })).status).toBe(200);
    const link = await emailedLink(email, /Reset your password/);

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(link);
    expect(await heading(page)).toBe("Choose a new password");
    await expectAccessible(page);
    await page.getByLabel("New password").fill("a brand new passphrase");
    const answer = await answerTo(page, "POST", "/v1/auth/reset-password", () =>
      page.getByRole("button", { name: "Set password" }).click(),
    );
    expect(answer.status()).toBe(200);
    await expect.poll(() => heading(page)).toBe("Password changed");
    await expectAccessible(page);
    await screenshot(page, "reset-password-done");

    const login = (password: string) =>
      api("/v1/auth/login", { json: { email, password }, headers: { "cf-connecting-ip": "198.51.100.7" } });
    expect((await login("a brand new passphrase")).status).toBe(200);
    const old = await login(PASSWORD);
    expect(old.status).toBe(401);
    expect(old.body.error.code).toBe("invalid_credentials");
    // Every earlier sign-in ended with the reset.
    const refreshed = await api("/v1/auth/token", {
      json: { grant_type: "refresh_token", refresh_token: before.body.data.refresh_token },
    });
    expect(refreshed.status).toBe(401);
    // The link is spent.
    expect((await page.goto(link))?.status()).toBe(410);
    await context.close();
  });
});

describe("the verify-email page", () => {
  it("its Confirm button proves the address", async () => {
    const email = uniqueEmail("verify");
    expect((await api("/v1/auth/signup", { json: { email, password: PASSWORD } })).status).toBe(201);
    const link = await emailedLink(email, /Confirm your email address/);
    const [unverified] = await sql("select email_verified_at from users where email = $1", [email]);
    expect(unverified?.email_verified_at).toBeNull();

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(link);
    await expectAccessible(page);
    const answer = await answerTo(page, "POST", "/v1/auth/verify-email", () =>
      page.getByRole("button", { name: "Confirm" }).click(),
    );
    expect(answer.status()).toBe(200);
    await expect.poll(() => heading(page)).toBe("Email confirmed");
    await expectAccessible(page);
    const [verified] = await sql("select email_verified_at from users where email = $1", [email]);
    expect(verified?.email_verified_at).not.toBeNull();
    expect((await page.goto(link))?.status()).toBe(410);
    await context.close();
  });
});

describe("the email-change confirm page", () => {
  it("applies the new address only when its owner clicks Confirm", async () => {
    const email = uniqueEmail("mover");
    const moved = uniqueEmail("moved");
    const context = await browser.newContext();
    const page = await signInByClick(context, email);
    const asked = await contextApi(page.context(), "/v1/auth/me", { method: "PATCH", json: { email: moved } });
    expect(asked.status).toBe(200);
    expect(asked.body.data.email_change_pending).toBe(true);
    const link = await emailedLink(moved, /Confirm your new email address/);
    expect((await me(page.context())).email).toBe(email);

    await page.goto(link);
    const answer = await answerTo(page, "POST", "/v1/auth/verify-email", () =>
      page.getByRole("button", { name: "Confirm" }).click(),
    );
    expect(answer.status()).toBe(200);
    await expect.poll(() => heading(page)).toBe("Email confirmed");
    const rows = await sql("select email from users where email = any($1)", [[email, moved]]);
    expect(rows).toEqual([{ email: moved }]);
    await context.close();
  });
});

describe("the invitation page", () => {
  it("its Accept button creates the membership and signs the invitee in, in that organization", async () => {
    const owner = await browser.newContext();
    await signInByClick(owner, uniqueEmail("owner"));
    const orgId = (await me(owner)).organization as string;
    const invitee = uniqueEmail("invitee");
    const invited = await contextApi(owner, `/v1/organizations/${orgId}/invitations`, {
      json: { email: invitee, role: "admin" },
    });
    expect(invited.status).toBe(202);
    const link = await emailedLink(invitee, /invited to join/);

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(link);
    expect(await heading(page)).toMatch(/^Join /);
    await expectAccessible(page);
    const answer = await answerTo(page, "POST", "/v1/auth/invitations/accept", () =>
      page.getByRole("button", { name: "Accept and sign in" }).click(),
    );
    expect(answer.status()).toBe(200);
    await expect.poll(() => heading(page)).toMatch(/^You joined /);
    await expectAccessible(page);
    await screenshot(page, "invitation-joined");

    expect(await me(page.context())).toMatchObject({ status: 200, email: invitee, organization: orgId });
    const rows = await sql(
      `select m.role from memberships m join users u on u.id = m.user_id
        where u.email = $1 and m.organization_id = $2`,
      [invitee, orgId],
    );
    expect(rows).toEqual([{ role: "admin" }]);
    await owner.close();
    await context.close();
  });
});

describe("the two-step code page", () => {
  /** Signs in by clicking, adds an authenticator app, and returns its secret and recovery codes. */
  async function enrolled(email: string): Promise<{ secret: Uint8Array; step: number; recovery: string[] }> {
    const context = await browser.newContext();
    const page = await signInByClick(context, email);
    const started = await contextApi(page.context(), "/v1/auth/mfa/totp", { json: {} });
    expect(started.status).toBe(200);
    const secret = decodeBase32IgnorePadding(started.body.data.secret);
    const step = totpStep(Date.now());
    const confirmed = await contextApi(page.context(), "/v1/auth/mfa/totp/confirm", {
      json: { code: totpCode(secret, step) },
    });
    expect(confirmed.status).toBe(200);
    await context.close();
    return { secret, step, recovery: confirmed.body.data.recovery_codes };
  }

  async function toCodePage(email: string): Promise<Page> {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(await magicLink(email));
    const answer = await answerTo(page, "POST", "/v1/auth/magic-link/verify", () =>
      page.getByRole("button", { name: "Sign in" }).click(),
    );
    expect(answer.status()).toBe(303);
    await page.waitForURL(`${env().origin}/v1/auth/mfa`);
    expect(await heading(page)).toBe("Enter your code");
    await expectAccessible(page);
    // Only the first factor so far: no session yet.
    expect((await context.cookies(env().origin)).map((c) => c.name)).not.toContain("session");
    return page;
  }

  it("after the magic link, a wrong code is refused on the page and the right one signs in", async () => {
    const email = uniqueEmail("totp");
    const { secret, step } = await enrolled(email);
    const page = await toCodePage(email);
    await screenshot(page, "two-step-code");

    await page.getByLabel("Code from your authenticator app").fill("000000");
    const wrong = await answerTo(page, "POST", "/v1/auth/mfa/verify", () =>
      page.getByRole("button", { name: "Continue" }).click(),
    );
    expect(wrong.status()).toBe(401);
    expect(await page.getByRole("alert").textContent()).toBeTruthy();
    await expectAccessible(page);

    // A later step than the enrolment's (each step's code is single use); the worker allows one step ahead.
    await page.getByLabel("Code from your authenticator app").fill(totpCode(secret, step + 1));
    const right = await answerTo(page, "POST", "/v1/auth/mfa/verify", () =>
      page.getByRole("button", { name: "Continue" }).click(),
    );
    expect(right.status()).toBe(200);
    await expect.poll(() => heading(page)).toBe("You're signed in");
    expect(await me(page.context())).toMatchObject({ status: 200, email });
    await page.context().close();
  });

  it("a recovery code on the same page signs in once, and is spent", async () => {
    const email = uniqueEmail("recovery");
    const { recovery } = await enrolled(email);
    const page = await toCodePage(email);
    await page.getByLabel("Or a recovery code").fill(recovery[0]!);
    await page.getByRole("button", { name: "Use recovery code" }).click();
    await expect.poll(() => heading(page)).toBe("You're signed in");
    expect(await me(page.context())).toMatchObject({ status: 200, email });
    const [row] = await sql<{ used: number }>(
      `select count(*)::int as used from recovery_codes r join users u on u.id = r.user_id
        where u.email = $1 and r.used_at is not null`,
      [email],
    );
    expect(row?.used).toBe(1);
    await page.context().close();
  });
});

describe("forms posted from another site", () => {
  let attacker: Server;
  let attackerOrigin: string;
  let html = "";

  beforeAll(async () => {
    attacker = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(html);
    });
    await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
    // localhost and 127.0.0.1 are different sites: this page is cross-site to the worker.
    attackerOrigin = `http://localhost:${(attacker.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => attacker.close(resolve)));

  /** The attacker's page for a victim's token: a plain form, or one inside a sandboxed frame. */
  const attackPages: Array<[string, (target: string, token: string) => string]> = [
    [
      "a page on another site",
      (target, token) =>
        `<form method="post" action="${target}"><input type="hidden" name="token" value="${token}"><button>Go</button></form>`,
    ],
    [
      "a sandboxed frame (Origin: null)",
      (target, token) =>
        // The frame's form navigates the whole tab, so the answer is a document Chromium reports.
        `<iframe sandbox="allow-forms allow-scripts allow-top-navigation" srcdoc="<form method='post' target='_top' action='${target}'><input type='hidden' name='token' value='${token}'></form><script>document.forms[0].submit()</script>"></iframe>`,
    ],
  ];

  for (const [name, attackPage] of attackPages) {
    it(`${name} cannot spend a victim's sign-in link (login CSRF)`, async () => {
      const link = await magicLink(uniqueEmail("victim"));
      const token = new URL(link).searchParams.get("token") as string;
      const target = `${env().origin}/v1/auth/magic-link/verify`;
      html = `<!doctype html><body>${attackPage(target, token)}</body>`;
      const context = await browser.newContext();
      const page = await context.newPage();
      const refused = await answerTo(page, "POST", "/v1/auth/magic-link/verify", async () => {
        await page.goto(attackerOrigin);
        if (name === "a page on another site") await page.getByRole("button", { name: "Go" }).click();
      });
      const sent = await refused.request().allHeaders();
      expect(sent.origin).toBe(name.includes("sandboxed") ? "null" : attackerOrigin);
      expect(sent["sec-fetch-site"]).toBe("cross-site");
      expect(refused.status()).toBe(403);
      expect(refused.headers()["content-type"]).toContain("application/json");
      expect((await context.cookies(env().origin)).map((c) => c.name)).not.toContain("session");
      // Nothing was spent: the victim's own click still works.
      const own = await api("/v1/auth/magic-link/verify", { json: { token } });
      expect(own.status).toBe(200);
      await context.close();
    });
  }
});
