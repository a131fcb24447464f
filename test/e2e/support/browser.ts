// Shared by the browser test files: Chromium, the worker's origin, its dev outbox, its database.
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import AxeBuilder from "@axe-core/playwright";
import pg from "pg";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { expect, inject } from "vitest";

export const root = fileURLToPath(new URL("../../..", import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export const env = () => inject("browserEnv");

/** Headless Chromium with the flags this machine needs (no background networking: it has no internet). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH.`,
    );
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

let pool: pg.Pool | undefined;
/** Reads the worker's own database (stored state: memberships, passwords, verified addresses). */
export async function sql<T = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> {
  pool ??= new pg.Pool({ connectionString: env().databaseUrl, max: 2 });
  return (await pool.query(text, values)).rows as T[];
}
export async function closeSql(): Promise<void> {
  await pool?.end();
  pool = undefined;
}

/** A JSON call from the test process (an app or a server, not the browser). */
export async function api(
  path: string,
  init: { method?: string; json?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${env().origin}${path}`, {
    method: init.method ?? (init.json === undefined ? "GET" : "POST"),
    headers: { ...(init.json === undefined ? {} : { "content-type": "application/json" }), ...init.headers },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

interface OutboxMessage {
  channel: "email" | "sms";
  to: string;
  subject: string | null;
  links: string[];
  codes: string[];
}

/** The newest link of the newest email to `to` whose subject matches (emails leave after the answer). */
export async function emailedLink(to: string, subject: RegExp): Promise<string> {
  // A plain loop (not expect.poll): set-up hooks use it too.
  for (const deadline = Date.now() + 5_000; Date.now() < deadline; ) {
    const { body } = await api(`/v1/dev/outbox?to=${encodeURIComponent(to)}`);
    const link = (body.data as OutboxMessage[]).find((m) => subject.test(m.subject ?? ""))?.links[0];
    if (link) return link;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no email to ${to} matching ${subject} within 5 s`);
}

/** Signs up with a password and proves the address, as a person would; answers the address. */
export async function verifiedAccount(label: string, password: string): Promise<string> {
  const email = uniqueEmail(label);
  const ip = { "cf-connecting-ip": `198.51.100.${Math.floor(Math.random() * 200) + 1}` };
  expect((await api("/v1/auth/signup", { json: { email, password }, headers: ip })).status).toBe(201);
  const proof = new URL(await emailedLink(email, /Confirm your email address/)).searchParams.get("token");
  expect((await api("/v1/auth/verify-email", { json: { token: proof } })).status).toBe(200);
  return email;
}

/** A fresh address's sign-in link, from the dev-mode answer (AUTH_DEBUG returns the link). */
export async function magicLink(email: string, body: Record<string, unknown> = {}): Promise<string> {
  const { status, body: answer } = await api("/v1/auth/magic-link/request", { json: { email, ...body } });
  expect(status).toBe(202);
  return answer.data.magic_link as string;
}

export const uniqueEmail = (label: string) =>
  `${label}.${Date.now()}.${Math.random().toString(36).slice(2, 8)}@example.com`;

/** The worker's answer to the next request matching `method` and `path`, while `action` runs. */
export async function answerTo(page: Page, method: string, path: string, action: () => Promise<unknown>) {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === method && new URL(r.url()).pathname === path),
    action(),
  ]);
  return response;
}

/**
 * Calls our API with the browser context's cookies, echoing its CSRF cookie as an app's script would
 * (our pages' CSP allows them no fetch of their own). Used for set-up and for reading the outcome.
 */
export async function contextApi(
  context: BrowserContext,
  path: string,
  init: { method?: string; json?: unknown } = {},
): Promise<{ status: number; body: any }> {
  const csrf = (await context.cookies(env().origin)).find((c) => c.name === "csrf_token")?.value ?? "";
  const res = await context.request.fetch(`${env().origin}${path}`, {
    method: init.method ?? (init.json === undefined ? "GET" : "POST"),
    headers: { "content-type": "application/json", "x-csrf-token": csrf },
    data: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
  const text = await res.text();
  return { status: res.status(), body: text ? JSON.parse(text) : null };
}

/** Opens the emailed sign-in link in `context` and clicks its button, as a person does. */
export async function signInByClick(context: BrowserContext, email: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(await magicLink(email));
  const answer = await answerTo(page, "POST", "/v1/auth/magic-link/verify", () =>
    page.getByRole("button", { name: "Sign in" }).click(),
  );
  expect(answer.status()).toBe(200);
  await expect.poll(() => page.locator("h1").textContent()).toBe("You're signed in");
  return page;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(`${root}test-results`, { recursive: true });
  await page.screenshot({ path: `${root}test-results/${name}.png`, fullPage: true });
}

/** axe-core's WCAG 2.1 A/AA rules on the page as rendered: no violations. */
export async function expectAccessible(page: Page): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const found = result.violations.map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`,
  );
  expect(found, `accessibility of ${page.url()}`).toEqual([]);
}

/**
 * A platform authenticator in `page` (DevTools' virtual one: resident keys, user verification, and a
 * touch simulated at once unless switched off with WebAuthn.setAutomaticPresenceSimulation).
 */
export async function withAuthenticator(context: BrowserContext, page: Page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}
