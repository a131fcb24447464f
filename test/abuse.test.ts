// Abuse defence on the public send endpoints: SMS pumping (prefix and global budgets, the breaker,
// allowed countries), Turnstile (the local siteverify stand-in, localstack/fake-turnstile.ts) and
// targeted lockout (an attacker spending a victim's per-address limit).
import { describe, expect, it } from "vitest";
import { type AuthApiError, createBrowserClient, createStorefrontClient } from "../client/src/index";
import { sha256Hex } from "../src/crypto/hash";
import { latestLink, signInByLink, tokenFromOutbox } from "./support/accounts";
import { CookieJar } from "./support/cookies";
import { bindings, type Harness, json, randomIp } from "./support/harness";
import { uniqueEmail, useHarness } from "./support/setup";

const TURNSTILE = {
  TURNSTILE_SECRET_KEY: "test-turnstile-secret",
  TURNSTILE_VERIFY_URL: bindings.FAKE_TURNSTILE_URL!,
  TURNSTILE_TIMEOUT_MS: "500",
};
// Budgets alone (the breaker would otherwise trip first: nobody types these codes).
const h = useHarness({ SMS_BREAKER_MIN_SENDS: "100000" });
const breaker = useHarness({ SMS_BREAKER_MIN_SENDS: "5", SMS_BREAKER_MIN_SUCCESS_PERCENT: "50" });
const global = useHarness({ SMS_GLOBAL_HOURLY: "10", SMS_BREAKER_MIN_SENDS: "100000" });
const always = useHarness({ ...TURNSTILE, TURNSTILE_MODE: "always", TURNSTILE_SITE_KEY: "test-site-key" });
const escalate = useHarness({ ...TURNSTILE, TURNSTILE_MODE: "escalate" });
const SHOP = "https://shop.example";
let sequence = 0;
const token = () => `pass-${Date.now()}-${++sequence}`;

/** Signs in by link, passing the human check (the `always` deployment asks for it on every send). */
async function signInAsHuman(x: Harness, email: string): Promise<CookieJar> {
  const jar = new CookieJar();
  expect((await linkRequest(x, email, { challenge: token() })).status).toBe(202);
  expect(await signInWithLatestLink(x, email, jar)).toBe(200);
  return jar;
}

async function signInWithLatestLink(x: Harness, email: string, jar: CookieJar): Promise<number> {
  const [message] = await x.outbox(email);
  const link = new URL(message!.links[0]!);
  const res = await x.request("/v1/auth/magic-link/verify", {
    method: "POST",
    json: { token: link.searchParams.get("token") },
    jar,
  });
  return res.status;
}

async function store(x: Harness, extra: Record<string, unknown> = {}): Promise<string> {
  const owner = { jar: await signInAsHuman(x, uniqueEmail("merchant")) };
  const res = await x.request("/v1/publishable-keys", {
    method: "POST",
    jar: owner.jar,
    json: { name: "shop", allowed_origins: [SHOP], ...extra },
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await json(res)).data.id;
}

const requestCode = (x: Harness, key: string, contact: string, ip = randomIp(), headers: Record<string, string> = {}) =>
  x.request("/v1/storefront/auth/request-otp", {
    method: "POST",
    json: { contact },
    ip,
    headers: { "x-public-key": key, origin: SHOP, ...headers },
  });

const sendWithJar = (x: Harness, key: string, contact: string, jar: CookieJar) =>
  x.request("/v1/storefront/auth/request-otp", {
    method: "POST",
    json: { contact },
    ip: randomIp(),
    headers: { "x-public-key": key, origin: SHOP },
    jar,
  });

/** Lets the 30-second resend cooldown pass without waiting (it is a Redis key per store and contact). */
async function skipCooldown(x: Harness, contact: string): Promise<void> {
  const keys = await x.redisKeysMatching(`otp_cooldown:*:login:${await sha256Hex(contact)}`);
  if (keys.length > 0) await x.redis.del(...keys);
}

const texts = async (x: Harness, prefix: string) =>
  (await x.deps.outbox.list()).filter((m) => m.channel === "sms" && m.to.startsWith(prefix));

const linkRequest = (x: Harness, email: string, init: { ip?: string; jar?: CookieJar; challenge?: string } = {}) =>
  x.request("/v1/auth/magic-link/request", {
    method: "POST",
    json: { email },
    ip: init.ip ?? randomIp(),
    jar: init.jar,
    headers: init.challenge ? { "x-turnstile-token": init.challenge } : {},
  });

describe("SMS pumping", () => {
  it("1,000 code requests from 200 IPs to one number prefix stop at the prefix's hourly budget", async () => {
    const key = await store(h);
    const ips = Array.from({ length: 200 }, () => randomIp());
    const statuses: number[] = [];
    // Five different numbers per IP, all in +1 876-55x (one prefix: +18765): no contact or IP limit trips.
    for (let batch = 0; batch < 10; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, i) => {
          const n = batch * 100 + i;
          return requestCode(h, key, `+187655${String(n).padStart(5, "0")}`, ips[n % 200]);
        }),
      );
      statuses.push(...answers.map((r) => r.status));
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(30);
    expect(statuses.filter((s) => s === 429)).toHaveLength(970);
    expect(await texts(h, "+18765")).toHaveLength(30);
    // Another prefix is not affected.
    expect((await requestCode(h, key, "+447911123456")).status).toBe(200);
  });

  it("the deployment's hourly budget caps every prefix together", async () => {
    const key = await store(global);
    const answers: number[] = [];
    for (let i = 0; i < 14; i++) answers.push((await requestCode(global, key, `+1${200 + i}5550123`)).status);
    expect(answers.filter((s) => s === 200)).toHaveLength(10);
    const refused = await requestCode(global, key, "+33612345678");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    // Email codes are not texts.
    expect((await requestCode(global, key, uniqueEmail("customer"))).status).toBe(200);
  });

  it("a prefix whose codes are almost never used is paused; a prefix whose codes are used is not", async () => {
    const key = await store(breaker);
    for (let i = 0; i < 5; i++) expect((await requestCode(breaker, key, `+4479000000${i}0`)).status).toBe(200);
    const tripped = await requestCode(breaker, key, "+447900000099");
    expect(tripped.status).toBe(429);
    expect(Number(tripped.headers.get("retry-after"))).toBeGreaterThan(3000);
    expect((await requestCode(breaker, key, "+447900000098")).status).toBe(429);
    // Real people: codes texted to +33 6 12… are typed back.
    for (let i = 0; i < 5; i++) {
      const contact = `+3361234${String(i).padStart(4, "0")}`;
      expect((await requestCode(breaker, key, contact)).status).toBe(200);
      const [message] = await breaker.outbox(contact);
      const verified = await breaker.request("/v1/storefront/auth/verify-otp", {
        method: "POST",
        json: { contact, otp_code: message!.codes[0] },
        headers: { "x-public-key": key, origin: SHOP },
      });
      expect(verified.status).toBe(200);
    }
    // The deferred success counts land after the answers; the next text to the same prefix goes out.
    await expect.poll(async () => (await requestCode(breaker, key, "+33612349999")).status).toBe(200);
  });

  it("a store that allows some countries refuses texts to others (email still works)", async () => {
    const key = await store(h, { sms_countries: ["GB", "FR"] });
    const us = await requestCode(h, key, "+14155550123");
    expect(us.status).toBe(400);
    const body = await json(us);
    expect(body.error.code).toBe("validation_error");
    expect(body.error.details[0].field).toBe("contact");
    expect(await texts(h, "+14155550123")).toHaveLength(0);
    // The country is the number range's (libphonenumber): +44 7911 is Guernsey, +44 7400 is GB.
    expect((await requestCode(h, key, "+447911123457")).status).toBe(400);
    expect((await requestCode(h, key, "+447400123457")).status).toBe(200);
    expect((await requestCode(h, key, "+33612345679")).status).toBe(200);
    expect((await requestCode(h, key, uniqueEmail("buyer"))).status).toBe(200);
    const refused = await h.request("/v1/publishable-keys", {
      method: "POST",
      jar: (await signInByLink(h, uniqueEmail("m"))).jar,
      json: { name: "x", allowed_origins: [SHOP], sms_countries: ["usa"] },
    });
    expect(refused.status).toBe(400);
  });
});

describe("Turnstile", () => {
  it("required everywhere (TURNSTILE_MODE=always): none, invalid, reused -> 403; valid -> sent; siteverify stalled -> 503", async () => {
    const email = uniqueEmail("human");
    const none = await linkRequest(always, email);
    expect(none.status).toBe(403);
    expect((await json(none)).error.code).toBe("challenge_required");
    const bad = await linkRequest(always, email, { challenge: "fail-1" });
    expect((await json(bad)).error.code).toBe("challenge_failed");
    const good = token();
    expect((await linkRequest(always, email, { challenge: good })).status).toBe(202);
    expect((await always.outbox(email)).length).toBe(1);
    const reused = await linkRequest(always, email, { challenge: good });
    expect((await json(reused)).error.code).toBe("challenge_failed");
    const started = Date.now();
    const stalled = await linkRequest(always, email, { challenge: "stall-1" });
    expect(stalled.status).toBe(503);
    expect((await json(stalled)).error.code).toBe("challenge_unavailable");
    // The stand-in never answers: the 500 ms deadline ends the wait (timers run late in a busy workerd).
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await always.outbox(email)).length).toBe(1);
    for (const [path, body] of [
      ["/v1/auth/signup", { email: uniqueEmail("s"), password: "correct horse battery staple" }],
      ["/v1/auth/forgot-password", { email }],
      ["/v1/auth/verify-email/resend", { email }],
    ] as const) {
      const res = await always.request(path, { method: "POST", json: body, ip: randomIp() });
      expect((await json(res)).error.code, path).toBe("challenge_required");
    }
  });

  it("a publishable key can require it for its storefront; the hosted pages show the widget", async () => {
    const key = await store(always, { require_turnstile: true });
    const contact = uniqueEmail("shopper");
    expect((await json(await requestCode(always, key, contact))).error.code).toBe("challenge_required");
    expect((await requestCode(always, key, contact, randomIp(), { "x-turnstile-token": token() })).status).toBe(200);
    const page = await always.request("/sign-in");
    const html = await page.text();
    expect(html).toContain('class="cf-turnstile" data-sitekey="test-site-key"');
    expect(page.headers.get("content-security-policy")).toContain("frame-src https://challenges.cloudflare.com");
    // The widget puts its token in the form as cf-turnstile-response; the form answers in its page.
    const hostedForm = (fields: Record<string, string>) => ({
      method: "POST",
      body: new URLSearchParams(fields).toString(),
      ip: randomIp(),
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: "http://127.0.0.1:8787",
        "sec-fetch-site": "same-origin",
      },
    });
    const email = uniqueEmail("hosted");
    const missing = await always.request("/sign-in/email", hostedForm({ email }));
    expect(missing.status).toBe(400);
    const missingPage = await missing.text();
    expect(missingPage).toContain("Confirm you are human");
    expect(missingPage).toContain('class="cf-turnstile"');
    expect(await always.outbox(email)).toHaveLength(0);
    const passed = await always.request("/sign-in/email", hostedForm({ email, "cf-turnstile-response": token() }));
    expect(passed.status).toBe(200);
    expect(await passed.text()).toContain("Check your inbox");
    expect(await always.outbox(email)).toHaveLength(1);
    // Without a secret on the deployment a key cannot ask for it.
    const owner = await signInByLink(h, uniqueEmail("merchant"));
    const refused = await h.request("/v1/publishable-keys", {
      method: "POST",
      jar: owner.jar,
      json: { name: "shop", allowed_origins: [SHOP], require_turnstile: true },
    });
    expect((await json(refused)).error.details[0].field).toBe("require_turnstile");
  });
});

describe("Turnstile through the typed client", () => {
  /** The client's fetch, wired to the worker (from a page on `origin`, if given). */
  const wire = (x: Harness, origin?: string) => async (request: Request) =>
    x.request(new URL(request.url).pathname, {
      method: request.method,
      headers: { ...Object.fromEntries(request.headers), ...(origin ? { origin } : {}) },
      body: (await request.text()) || undefined,
      ip: randomIp(),
    });

  it("requestMagicLink and requestOtp carry the widget's token; without one the error says challenge_required", async () => {
    const browser = createBrowserClient({ baseUrl: "http://127.0.0.1:8787", fetch: wire(always) });
    const email = uniqueEmail("client");
    const refused = await browser.requestMagicLink({ email }).catch((e: AuthApiError) => e);
    expect((refused as AuthApiError).code).toBe("challenge_required");
    expect((refused as AuthApiError).status).toBe(403);
    await browser.requestMagicLink({ email }, { turnstileToken: token() });
    expect(await always.outbox(email)).toHaveLength(1);

    const key = await store(always, { require_turnstile: true });
    const shop = createStorefrontClient({
      baseUrl: "http://127.0.0.1:8787",
      publishableKey: key,
      fetch: wire(always, SHOP),
    });
    const contact = uniqueEmail("buyer");
    const noToken = await shop.requestOtp({ contact }).catch((e: AuthApiError) => e);
    expect((noToken as AuthApiError).code).toBe("challenge_required");
    expect((await shop.requestOtp({ contact }, { turnstileToken: token() })).delivery_channel).toBe("email");
  });
});

describe("targeted lockout", () => {
  /** The attacker spends the address's limit from fresh IPs until refused; returns the refusal. */
  async function exhaust(x: Harness, email: string): Promise<Response> {
    for (let i = 0; i < 10; i++) {
      const res = await linkRequest(x, email);
      if (res.status !== 202) return res;
    }
    throw new Error("the per-address limit never refused");
  }

  it("a browser that signed in as the address before still gets its link after an attacker spent the limit", async () => {
    const email = uniqueEmail("victim");
    const victim = await signInByLink(h, email);
    expect(victim.jar.get("known_client")).toMatch(/^[\w-]{43}$/);
    const refusal = await exhaust(h, email);
    expect(refusal.status).toBe(429);
    // The attacker cannot make the proof up.
    const forged = new CookieJar();
    forged.set("known_client", "A".repeat(43));
    expect((await linkRequest(h, email, { jar: forged })).status).toBe(429);
    // The victim's own browser, from anywhere.
    expect((await linkRequest(h, email, { jar: victim.jar })).status).toBe(202);
    const fresh = new CookieJar();
    fresh.set("known_client", victim.jar.get("known_client")!);
    expect(await signInWithLatestLink(h, email, fresh)).toBe(200);
    // Password resets too.
    for (let i = 0; i < 5; i++)
      await h.request("/v1/auth/forgot-password", { method: "POST", json: { email }, ip: randomIp() });
    const attacker = await h.request("/v1/auth/forgot-password", { method: "POST", json: { email }, ip: randomIp() });
    expect(attacker.status).toBe(429);
    const own = await h.request("/v1/auth/forgot-password", { method: "POST", json: { email }, jar: victim.jar });
    expect(own.status).toBe(200);
  });

  it("an attacker's request does not revoke the link the owner's browser asked for (links or resets)", async () => {
    const email = uniqueEmail("inbox");
    const victim = await signInByLink(h, email);
    expect((await linkRequest(h, email, { jar: victim.jar })).status).toBe(202);
    const [own] = await h.outbox(email);
    // A request from anyone else (allowed: the shared limit is not spent) mints its own link...
    expect((await linkRequest(h, email)).status).toBe(202);
    // ...and the owner's, already in the inbox, still signs in.
    const token = new URL(own!.links[0]!).searchParams.get("token");
    const used = await h.request("/v1/auth/magic-link/verify", {
      method: "POST",
      json: { token },
      jar: new CookieJar(),
    });
    expect(used.status).toBe(200);

    const reset = await h.request("/v1/auth/forgot-password", { method: "POST", json: { email }, jar: victim.jar });
    expect(reset.status).toBe(200);
    const resetToken = tokenFromOutbox(await latestLink(h, email, /Reset your password/));
    const other = await h.request("/v1/auth/forgot-password", { method: "POST", json: { email }, ip: randomIp() });
    expect(other.status).toBe(200);
    expect((await h.outbox(email)).filter((m) => /Reset your password/.test(m.subject ?? ""))).toHaveLength(2);
    const done = await h.request("/v1/auth/reset-password", {
      method: "POST",
      json: { token: resetToken, password: "a new and long passphrase" },
    });
    expect(done.status).toBe(200);
  });

  it("a storefront customer's browser still gets its code after an attacker spent the contact's limit", async () => {
    const key = await store(h);
    const contact = "+33612987654";
    const customer = new CookieJar();
    const signIn = async (jar: CookieJar) => {
      const [text] = await h.outbox(contact); // newest first
      return h.request("/v1/storefront/auth/verify-otp", {
        method: "POST",
        json: { contact, otp_code: text!.codes[0] },
        headers: { "x-public-key": key, origin: SHOP },
        jar,
      });
    };
    expect((await requestCode(h, key, contact)).status).toBe(200);
    expect((await signIn(customer)).status).toBe(200);
    expect(customer.get("customer_known")).toMatch(/^[\w-]{43}$/);
    // The customer signs out; the proof stays (it signs nobody in).
    await h.request("/v1/storefront/auth/logout", {
      method: "POST",
      headers: { "x-public-key": key, origin: SHOP },
      jar: customer,
    });
    expect(customer.get("customer_session")).toBeUndefined();
    // The attacker spends the contact's hourly limit from fresh IPs, each after the resend cooldown.
    let refusal: Response | undefined;
    for (let i = 0; i < 6 && !refusal; i++) {
      await skipCooldown(h, contact);
      const res = await requestCode(h, key, contact);
      if (res.status !== 200) refusal = res;
    }
    expect(refusal?.status).toBe(429);
    expect((await json(refusal!)).error.code).toBe("rate_limited");
    const forged = new CookieJar();
    forged.set("customer_known", "A".repeat(43));
    await skipCooldown(h, contact);
    expect((await sendWithJar(h, key, contact, forged)).status).toBe(429);
    // The proof is for this contact at this store only.
    await skipCooldown(h, contact);
    expect((await sendWithJar(h, key, "+33612987655", customer)).status).toBe(200);
    const own = await sendWithJar(h, key, contact, customer);
    expect(own.status).toBe(200);
    expect((await signIn(new CookieJar())).status).toBe(200);
  });

  it("with TURNSTILE_MODE=escalate a spent limit asks for the human check, which lets the owner through", async () => {
    const email = uniqueEmail("new-victim");
    const refusal = await exhaust(escalate, email);
    expect(refusal.status).toBe(403);
    expect((await json(refusal)).error.code).toBe("challenge_required");
    const jar = new CookieJar();
    expect((await linkRequest(escalate, email, { jar, challenge: token() })).status).toBe(202);
    expect(await signInWithLatestLink(escalate, email, jar)).toBe(200);
    // Bots without a token keep getting the challenge, not links.
    expect((await linkRequest(escalate, email)).status).toBe(403);
  });
});

describe("invitations", () => {
  const invite = (jar: CookieJar, organizationId: string, email: string) =>
    h.request(`/v1/organizations/${organizationId}/invitations`, {
      method: "POST",
      jar,
      json: { email, role: "member" },
    });
  const createOrganization = async (jar: CookieJar, name: string): Promise<string> => {
    const res = await h.request("/v1/organizations", { method: "POST", jar, json: { name } });
    expect(res.status).toBe(201);
    return (await json(res)).data.id;
  };

  it("a stranger spamming an address cannot stop the person's real team from inviting them; one account's sends are capped across its organizations", async () => {
    const victim = uniqueEmail("invitee");
    const attacker = await signInByLink(h, uniqueEmail("spammer"));
    const second = await createOrganization(attacker.jar, "Spam Two");
    const sent: number[] = [];
    for (let i = 0; i < 10; i++) sent.push((await invite(attacker.jar, attacker.organization.id, victim)).status);
    expect(sent).toEqual(Array(10).fill(202));
    const refused = await invite(attacker.jar, attacker.organization.id, victim);
    expect(refused.status).toBe(429);
    expect((await json(refused)).error.code).toBe("rate_limited");
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    // Another organization of the same account is no way around it.
    expect((await invite(attacker.jar, second, victim)).status).toBe(429);
    expect(await h.outbox(victim)).toHaveLength(10);

    // The victim's real team still reaches them.
    const team = await signInByLink(h, uniqueEmail("team-lead"));
    const teamOrg = await createOrganization(team.jar, "Real Team");
    expect((await invite(team.jar, teamOrg, victim)).status).toBe(202);
    const messages = await h.outbox(victim);
    expect(messages).toHaveLength(11);
    expect(messages.some((m) => m.subject === "You're invited to join Real Team")).toBe(true);

    // One account, many organizations: 100 sends an hour in all (refused ones count), each organization
    // far below its own 100.
    let accepted = 0;
    for (let i = 0; i < 100; i++) {
      const res = await invite(attacker.jar, i % 2 ? second : attacker.organization.id, uniqueEmail(`bulk${i}`));
      if (res.status !== 202) {
        expect(res.status).toBe(429);
        break;
      }
      accepted++;
    }
    expect(accepted).toBe(100 - 12);
    expect((await invite(team.jar, teamOrg, uniqueEmail("new-hire"))).status).toBe(202);
  });
});
