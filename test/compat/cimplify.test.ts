// 004 cimplify, replayed from its document with COMPAT_PROFILE=cimplify.
import { describe, expect, it } from "vitest";
import { signInByLink } from "../support/accounts";
import { CookieJar } from "../support/cookies";
import { json, randomIp } from "../support/harness";
import { uniqueEmail, useHarness } from "../support/setup";

const h = useHarness({ COMPAT_PROFILE: "cimplify" });
const SHOP = "https://shop.example";

async function store(): Promise<string> {
  const owner = await signInByLink(h, uniqueEmail("merchant"));
  const res = await h.request("/v1/publishable-keys", {
    method: "POST",
    jar: owner.jar,
    json: { name: "shop", allowed_origins: [SHOP] },
  });
  expect(res.status).toBe(201);
  return (await json(res)).data.id;
}

function phone(): string {
  return `+23324${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
}

/** The document's curl calls: X-Public-Key, JSON, the customer cookie kept like a browser would. */
function call(key: string, path: string, init: { method?: string; json?: unknown; jar?: CookieJar } = {}) {
  const headers: Record<string, string> = { "x-public-key": key };
  if (init.jar) headers.cookie = init.jar.header();
  return h.request(path, { method: init.method ?? "POST", json: init.json, headers, ip: randomIp() }).then((res) => {
    init.jar?.absorb(res);
    return res;
  });
}

async function latestCode(to: string): Promise<string> {
  const code = (await h.outbox(to))[0]?.codes[0];
  if (!code) throw new Error(`no code sent to ${to}`);
  return code;
}

async function signIn(key: string, contact: string): Promise<{ jar: CookieJar; body: any }> {
  const jar = new CookieJar();
  const requested = await call(key, "/api/v1/auth/request-otp", { json: { contact, contact_type: "phone" } });
  expect(requested.status).toBe(200);
  const res = await call(key, "/api/v1/auth/verify-otp", {
    json: { contact, otp_code: await latestCode(contact) },
    jar,
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return { jar, body: await json(res) };
}

describe("cimplify profile (004)", () => {
  it("status: anonymous is is_authenticated false, customer null", async () => {
    const key = await store();
    const res = await call(key, "/api/v1/auth/status", { method: "GET" });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ success: true, data: { is_authenticated: false, customer: null } });
  });

  it("request-otp: channel, lifetime and resend delay; the channel is inferred when contact_type is omitted", async () => {
    const key = await store();
    const res = await call(key, "/api/v1/auth/request-otp", { json: { contact: phone(), contact_type: "phone" } });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({
      success: true,
      data: { delivery_channel: "sms", expires_in_seconds: 300, next_resend_in_seconds: 30 },
    });
    const email = await call(key, "/api/v1/auth/request-otp", { json: { contact: uniqueEmail("ama") } });
    expect((await json(email)).data.delivery_channel).toBe("email");
  });

  it("verify-otp: a session cookie and the customer; status, profile and logout follow it", async () => {
    const key = await store();
    const contact = phone();
    const { jar, body } = await signIn(key, contact);
    expect(body).toMatchObject({
      success: true,
      data: {
        customer: { id: expect.stringMatching(/^cus_/), phone: contact },
        session: { expires_at: expect.any(String) },
      },
    });
    const status = await call(key, "/api/v1/auth/status", { method: "GET", jar });
    expect((await json(status)).data).toMatchObject({ is_authenticated: true, customer: { phone: contact } });

    const profile = await call(key, "/api/v1/auth/profile", { json: { name: "Ama N. Mensah" }, jar });
    expect(profile.status).toBe(200);
    const updated = await json(profile);
    expect(updated).toMatchObject({
      success: true,
      data: { id: body.data.customer.id, name: "Ama N. Mensah", email: null, phone: contact },
    });
    expect(updated.data.customer).toBeUndefined();
    const empty = await call(key, "/api/v1/auth/profile", { json: {}, jar });
    expect(empty.status).toBe(400);
    expect((await json(empty)).error.code).toBe("VALIDATION_ERROR");

    const logout = await call(key, "/api/v1/auth/logout", { jar });
    expect(logout.status).toBe(200);
    expect(await json(logout)).toEqual({ success: true, data: null });
    const after = await call(key, "/api/v1/auth/status", { method: "GET", jar });
    expect((await json(after)).data.is_authenticated).toBe(false);
  });

  it("verify-otp errors: 400 VALIDATION_ERROR for empty, short or long codes; 401 UNAUTHORIZED for wrong or used", async () => {
    const key = await store();
    const contact = phone();
    await call(key, "/api/v1/auth/request-otp", { json: { contact } });
    for (const otp_code of ["", "123", "1234567"]) {
      const res = await call(key, "/api/v1/auth/verify-otp", { json: { contact, otp_code } });
      expect(res.status).toBe(400);
      expect((await json(res)).error.code).toBe("VALIDATION_ERROR");
    }
    const code = await latestCode(contact);
    const wrong = code === "000000" ? "111111" : "000000";
    const bad = await call(key, "/api/v1/auth/verify-otp", { json: { contact, otp_code: wrong } });
    expect(bad.status).toBe(401);
    expect((await json(bad)).error.code).toBe("UNAUTHORIZED");
    expect((await call(key, "/api/v1/auth/verify-otp", { json: { contact, otp_code: code } })).status).toBe(200);
    const used = await call(key, "/api/v1/auth/verify-otp", { json: { contact, otp_code: code } });
    expect(used.status).toBe(401);
    expect((await json(used)).error.code).toBe("UNAUTHORIZED");
  });

  it("every call needs X-Public-Key; browsers get CORS for the key's own origins only", async () => {
    const key = await store();
    const noKey = await h.request("/api/v1/auth/status");
    expect(noKey.status).toBe(401);
    expect((await json(noKey)).error.code).toBe("UNAUTHORIZED");
    const preflight = await h.request("/api/v1/auth/verify-otp", {
      method: "OPTIONS",
      headers: { origin: SHOP, "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(SHOP);
    const evil = await h.request("/api/v1/auth/status", {
      headers: { "x-public-key": key, origin: "https://evil.example" },
    });
    expect(evil.status).toBe(403);
    expect((await json(evil)).error.code).toBe("FORBIDDEN");
    const ok = await h.request("/api/v1/auth/status", { headers: { "x-public-key": key, origin: SHOP } });
    expect(ok.headers.get("access-control-allow-origin")).toBe(SHOP);
    expect(ok.headers.get("access-control-allow-credentials")).toBe("true");
  });
});
