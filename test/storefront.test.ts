import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config";
import { sha256Hex } from "../src/crypto/hash";
import { generateNumericCode } from "../src/crypto/otp";
import { signInByLink } from "./support/accounts";
import { CookieJar, parseSetCookies } from "./support/cookies";
import { bindings, json, randomIp } from "./support/harness";
import { countRoundTrips } from "./support/round-trips";
import { uniqueEmail, useHarness } from "./support/setup";

const h = useHarness();
const SHOP = "https://shop.example";

async function store(origins = [SHOP]): Promise<{ key: string; org: string }> {
  const owner = await signInByLink(h, uniqueEmail("merchant"));
  const res = await h.request("/v1/publishable-keys", {
    method: "POST",
    jar: owner.jar,
    json: { name: "shop", allowed_origins: origins },
  });
  expect(res.status).toBe(201);
  return { key: (await json(res)).data.id, org: owner.organization.id };
}

function phone(): string {
  return `+1415${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
}

const call = (
  key: string,
  path: string,
  init: { method?: string; json?: unknown; jar?: CookieJar; ip?: string; origin?: string } = {},
) =>
  h.request(path, {
    method: init.method ?? "POST",
    json: init.json,
    jar: init.jar,
    ip: init.ip,
    headers: { "x-public-key": key, origin: init.origin ?? SHOP },
  });

async function latestCode(to: string): Promise<string> {
  const [message] = await h.outbox(to);
  const code = message?.codes[0];
  if (!code) throw new Error(`no code sent to ${to}`);
  return code;
}

/** Lets the 30-second resend cooldown pass without waiting (the key is what the cooldown is). */
async function skipCooldown(org: string, contact: string): Promise<void> {
  await h.redis.del(h.keys.otpCooldown(`${org}:login:${await sha256Hex(contact)}`));
}

async function signIn(
  s: { key: string },
  contact: string,
  jar = new CookieJar(),
): Promise<{ jar: CookieJar; customer: { id: string } }> {
  expect((await call(s.key, "/v1/storefront/auth/request-otp", { json: { contact } })).status).toBe(200);
  const res = await call(s.key, "/v1/storefront/auth/verify-otp", {
    json: { contact, otp_code: await latestCode(contact) },
    jar,
  });
  expect(res.status).toBe(200);
  return { jar, customer: (await json(res)).data.customer };
}

describe("codes", () => {
  it("are 6 uniform digits from the CSPRNG; 4-digit codes are refused by configuration", () => {
    const counts = Array.from({ length: 6 }, () => new Array(10).fill(0));
    for (let i = 0; i < 3000; i++) {
      const code = generateNumericCode(6);
      expect(code).toMatch(/^\d{6}$/);
      for (const [p, d] of [...code].entries()) counts[p]![Number(d)]++;
    }
    // Chi-square per position, 9 degrees of freedom: 27.9 is the 0.001 critical value.
    for (const position of counts)
      expect(position.reduce((sum, n) => sum + (n - 300) ** 2 / 300, 0)).toBeLessThan(27.9);
    expect(() => parseConfig({ ...bindings, OTP_DIGITS: "4" })).toThrow(/OTP_DIGITS/);
  });
});

describe("POST /v1/storefront/auth/request-otp", () => {
  it("infers the channel, checks contact_type, and stores only a keyed hash of the code", async () => {
    const s = await store();
    const number = phone();
    const sms = await call(s.key, "/v1/storefront/auth/request-otp", { json: { contact: number } });
    expect(sms.status).toBe(200);
    expect((await json(sms)).data).toEqual({
      delivery_channel: "sms",
      expires_in_seconds: 300,
      next_resend_in_seconds: 30,
    });
    const mail = await call(s.key, "/v1/storefront/auth/request-otp", {
      json: { contact: uniqueEmail("buyer"), contact_type: "email" },
    });
    expect((await json(mail)).data.delivery_channel).toBe("email");
    for (const [contact, contact_type] of [
      [number, "email"],
      [uniqueEmail("x"), "phone"],
      ["12345", undefined],
      ["not a contact", undefined],
    ] as const) {
      const bad = await call(s.key, "/v1/storefront/auth/request-otp", { json: { contact, contact_type } });
      expect(bad.status, contact).toBe(400);
    }
    const code = await latestCode(number);
    const stored = await h.redis.hgetall<Record<string, string>>(
      h.keys.otp(`${s.org}:login:${await sha256Hex(number)}`),
    );
    expect(JSON.stringify(stored)).not.toContain(code);
  });

  it("answers unseen and known contacts the same", async () => {
    const s = await store();
    const known = phone();
    await signIn(s, known);
    await skipCooldown(s.org, known);
    const a = await call(s.key, "/v1/storefront/auth/request-otp", { json: { contact: known } });
    const b = await call(s.key, "/v1/storefront/auth/request-otp", { json: { contact: phone() } });
    expect(a.status).toBe(200);
    expect(await a.text()).toBe(await b.text());
  });

  it("resend cooldown, then hourly caps per contact and per IP -> 429 with Retry-After", async () => {
    const s = await store();
    const number = phone();
    expect((await call(s.key, "/v1/storefront/auth/request-otp", { json: { contact: number } })).status).toBe(200);
    const cooling = await call(s.key, "/v1/storefront/auth/request-otp", { json: { contact: number } });
    expect(cooling.status).toBe(429);
    expect(Number(cooling.headers.get("retry-after"))).toBeGreaterThan(20);
    for (let i = 0; i < 3; i++) {
      await skipCooldown(s.org, number);
      expect(
        (await call(s.key, "/v1/storefront/auth/request-otp", { json: { contact: number }, ip: randomIp() })).status,
      ).toBe(200);
    }
    await skipCooldown(s.org, number);
    const capped = await call(s.key, "/v1/storefront/auth/request-otp", { json: { contact: number }, ip: randomIp() });
    expect(capped.status).toBe(429);
    expect((await json(capped)).error.code).toBe("rate_limited");

    const ip = randomIp();
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++)
      statuses.push((await call(s.key, "/v1/storefront/auth/request-otp", { json: { contact: phone() }, ip })).status);
    expect(statuses.slice(0, 30).every((x) => x === 200)).toBe(true);
    expect(statuses[30]).toBe(429);
  });

  it("provider failure -> 503 sms_delivery_failed with correlation id, the code removed, and a retry works", async () => {
    const s = await store();
    const number = phone();
    h.failEmailFor.add(number);
    const res = await call(s.key, "/v1/storefront/auth/request-otp", { json: { contact: number } });
    expect(res.status).toBe(503);
    const body = await json(res);
    expect(body.error.code).toBe("sms_delivery_failed");
    expect(body.meta.correlation_id).toMatch(/^corr_/);
    expect(await h.redis.exists(h.keys.otp(`${s.org}:login:${await sha256Hex(number)}`))).toBe(0);
    h.failEmailFor.delete(number);
    await signIn(s, number);
  });
});

describe("POST /v1/storefront/auth/verify-otp", () => {
  it("signs the customer in with a separate cookie and creates them in this store on first use", async () => {
    const s = await store();
    const number = phone();
    await call(s.key, "/v1/storefront/auth/request-otp", { json: { contact: number } });
    const jar = new CookieJar();
    const res = await call(s.key, "/v1/storefront/auth/verify-otp", {
      json: { contact: number, otp_code: await latestCode(number) },
      jar,
    });
    expect(res.status).toBe(200);
    const { data } = await json(res);
    expect(data.customer).toMatchObject({ phone: number, phone_verified: true, email: null });
    expect(data.customer.id).toMatch(/^cus_/);
    expect(Date.parse(data.session.expires_at)).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    const cookie = parseSetCookies(res).find((c) => c.name === "customer_session")!;
    expect(cookie.attributes).toMatchObject({ httponly: true, path: "/" });
    expect(res.headers.get("access-control-allow-origin")).toBe(SHOP);
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
    const status = await json(await call(s.key, "/v1/storefront/auth/status", { method: "GET", jar }));
    expect(status.data).toMatchObject({ is_authenticated: true, customer: { id: data.customer.id } });
    const rows = await h.sql.query("select organization_id from customers where id = $1", [data.customer.id]);
    expect(rows).toEqual([{ organization_id: s.org }]);
  });

  it("20 parallel verifications of one code -> exactly one session", async () => {
    const s = await store();
    const number = phone();
    await call(s.key, "/v1/storefront/auth/request-otp", { json: { contact: number } });
    const code = await latestCode(number);
    const before = (await h.redisKeysMatching("cses:*")).length;
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        call(s.key, "/v1/storefront/auth/verify-otp", { json: { contact: number, otp_code: code }, ip: randomIp() }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 401)).toHaveLength(19);
    expect((await h.redisKeysMatching("cses:*")).length - before).toBe(1);
  });

  it("5 wrong tries burn the code; codes that are not 4-8 digits are 400", async () => {
    const s = await store();
    const number = phone();
    await call(s.key, "/v1/storefront/auth/request-otp", { json: { contact: number } });
    const code = await latestCode(number);
    const wrong = code === "000000" ? "111111" : "000000";
    for (let i = 0; i < 5; i++) {
      const res = await call(s.key, "/v1/storefront/auth/verify-otp", { json: { contact: number, otp_code: wrong } });
      expect((await json(res)).error.code).toBe("otp_invalid");
    }
    expect(
      (await json(await call(s.key, "/v1/storefront/auth/verify-otp", { json: { contact: number, otp_code: code } })))
        .error.code,
    ).toBe("otp_invalid");
    for (const otp_code of ["123", "123456789", "12a456", ""]) {
      expect(
        (await call(s.key, "/v1/storefront/auth/verify-otp", { json: { contact: number, otp_code } })).status,
      ).toBe(400);
    }
  });

  it("a resend never resets the failure count: 10 failures across codes lock the contact", async () => {
    const s = await store();
    const number = phone();
    const fail = async (n: number) => {
      for (let i = 0; i < n; i++)
        await call(s.key, "/v1/storefront/auth/verify-otp", {
          json: { contact: number, otp_code: "000000" },
          ip: randomIp(),
        });
    };
    for (const tries of [4, 4]) {
      await skipCooldown(s.org, number);
      await call(s.key, "/v1/storefront/auth/request-otp", { json: { contact: number }, ip: randomIp() });
      await fail(tries);
    }
    await skipCooldown(s.org, number);
    await call(s.key, "/v1/storefront/auth/request-otp", { json: { contact: number }, ip: randomIp() });
    const code = await latestCode(number);
    await fail(2);
    const locked = await call(s.key, "/v1/storefront/auth/verify-otp", {
      json: { contact: number, otp_code: code },
      ip: randomIp(),
    });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("expired codes are refused", async () => {
    const s = await store();
    const number = phone();
    await call(s.key, "/v1/storefront/auth/request-otp", { json: { contact: number } });
    const code = await latestCode(number);
    h.clock.advance(301_000);
    try {
      expect(
        (await json(await call(s.key, "/v1/storefront/auth/verify-otp", { json: { contact: number, otp_code: code } })))
          .error.code,
      ).toBe("otp_invalid");
    } finally {
      h.clock.advance(-301_000);
    }
  });
});

describe("isolation", () => {
  it("a customer of one store is unknown to another; codes do not cross stores", async () => {
    const a = await store(["https://a.example"]);
    const b = await store(["https://b.example"]);
    const number = phone();
    await call(a.key, "/v1/storefront/auth/request-otp", { json: { contact: number }, origin: "https://a.example" });
    const code = await latestCode(number);
    expect(
      (
        await call(b.key, "/v1/storefront/auth/verify-otp", {
          json: { contact: number, otp_code: code },
          origin: "https://b.example",
        })
      ).status,
    ).toBe(401);
    const jar = new CookieJar();
    expect(
      (
        await call(a.key, "/v1/storefront/auth/verify-otp", {
          json: { contact: number, otp_code: code },
          jar,
          origin: "https://a.example",
        })
      ).status,
    ).toBe(200);
    const atB = await json(
      await call(b.key, "/v1/storefront/auth/status", { method: "GET", jar, origin: "https://b.example" }),
    );
    expect(atB.data).toEqual({ is_authenticated: false, customer: null });
  });

  it("a customer session never works on user routes", async () => {
    const s = await store();
    const { jar } = await signIn(s, phone());
    const token = jar.get("customer_session")!;
    expect((await h.request("/v1/auth/me", { headers: { cookie: `customer_session=${token}` } })).status).toBe(401);
    expect((await h.request("/v1/auth/me", { headers: { cookie: `session=${token}` } })).status).toBe(401);
    expect((await h.request("/v1/auth/organizations", { headers: { cookie: `session=${token}` } })).status).toBe(401);
  });
});

describe("CORS and keys", () => {
  it("preflights: allowed origins get exactly themselves (never *), others get nothing", async () => {
    await store(["https://allowed.example"]);
    const ok = await h.request("/v1/storefront/auth/request-otp", {
      method: "OPTIONS",
      headers: {
        origin: "https://allowed.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type, x-public-key",
      },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://allowed.example");
    expect(ok.headers.get("access-control-allow-credentials")).toBe("true");
    expect(ok.headers.get("access-control-allow-headers")).toContain("x-public-key");
    const refused = await h.request("/v1/storefront/auth/request-otp", {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(refused.status).toBe(403);
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("a warm key lookup costs one Redis round trip and no SQL", async () => {
    const s = await store();
    await call(s.key, "/v1/storefront/auth/status", { method: "GET" });
    const { result, trips } = await countRoundTrips(
      { redis: h.config.redis.url, sql: h.config.database.httpEndpoint! },
      () => call(s.key, "/v1/storefront/auth/status", { method: "GET" }),
    );
    expect(result.status).toBe(200);
    expect(trips).toMatchObject({ redis: 1, sql: 0 });
  });

  it("missing, unknown and revoked keys are 401 publishable_key_invalid; a key only serves its own origins", async () => {
    const owner = await signInByLink(h, uniqueEmail("merchant"));
    const created = await json(
      await h.request("/v1/publishable-keys", {
        method: "POST",
        jar: owner.jar,
        json: { name: "shop", allowed_origins: [SHOP] },
      }),
    );
    const key = created.data.id as string;
    expect(key).toMatch(/^pk_test_[0-9a-z]{26}$/);
    const other = await store(["https://other.example"]);
    expect(
      (await call(key, "/v1/storefront/auth/status", { method: "GET", origin: "https://other.example" })).status,
    ).toBe(403);
    expect((await call(other.key, "/v1/storefront/auth/status", { method: "GET" })).status).toBe(403);
    for (const k of ["", "pk_test_nope", `pk_test_${"0".repeat(26)}`]) {
      expect((await json(await call(k, "/v1/storefront/auth/status", { method: "GET" }))).error.code).toBe(
        "publishable_key_invalid",
      );
    }
    expect((await call(key, "/v1/storefront/auth/status", { method: "GET" })).status).toBe(200);
    // What a request in flight read before the revoke; its refill after it must not bring the key back.
    const inFlight = await h.redis.get<string>(h.keys.storeKey(key));
    expect(inFlight).toContain(key);
    expect((await h.request(`/v1/publishable-keys/${key}/revoke`, { method: "POST", jar: owner.jar })).status).toBe(
      200,
    );
    await h.deps.storefrontStore.putKey(key, JSON.parse(inFlight as string));
    expect((await json(await call(key, "/v1/storefront/auth/status", { method: "GET" }))).error.code).toBe(
      "publishable_key_invalid",
    );
    const list = await json(await h.request("/v1/publishable-keys", { jar: owner.jar }));
    expect(list.data[0]).toMatchObject({ id: key, allowed_origins: [SHOP] });
    expect(list.data[0].revoked_at).not.toBeNull();
    const badOrigin = await h.request("/v1/publishable-keys", {
      method: "POST",
      jar: owner.jar,
      json: { name: "x", allowed_origins: ["https://shop.example/path"] },
    });
    expect(badOrigin.status).toBe(400);
  });
});

describe("status, profile, logout", () => {
  it("profile changes name at once; a new email needs a code sent to it; logout ends the session", async () => {
    const s = await store();
    const number = phone();
    const { jar } = await signIn(s, number);
    const named = await json(await call(s.key, "/v1/storefront/auth/profile", { json: { name: "Ada" }, jar }));
    expect(named.data).toMatchObject({ customer: { name: "Ada" }, verification_required: null });
    expect((await call(s.key, "/v1/storefront/auth/profile", { json: {}, jar })).status).toBe(400);
    const email = uniqueEmail("customer");
    const pending = await json(await call(s.key, "/v1/storefront/auth/profile", { json: { email }, jar }));
    expect(pending.data).toMatchObject({ verification_required: "email", customer: { email: null } });
    const code = await latestCode(email);
    const wrong = await call(s.key, "/v1/storefront/auth/profile", {
      json: { email, otp_code: code === "000000" ? "111111" : "000000" },
      jar,
    });
    expect((await json(wrong)).error.code).toBe("otp_invalid");
    const applied = await json(
      await call(s.key, "/v1/storefront/auth/profile", { json: { email, otp_code: code }, jar }),
    );
    expect(applied.data.customer).toMatchObject({ email, email_verified: true });
    // The code was bound to this change: it cannot sign anyone in.
    expect(
      (await call(s.key, "/v1/storefront/auth/verify-otp", { json: { contact: email, otp_code: code } })).status,
    ).toBe(401);
    const out = await call(s.key, "/v1/storefront/auth/logout", { jar });
    expect(await json(out)).toEqual({ success: true, data: null });
    expect(
      (await json(await call(s.key, "/v1/storefront/auth/status", { method: "GET", jar }))).data.is_authenticated,
    ).toBe(false);
    expect((await call(s.key, "/v1/storefront/auth/profile", { json: { name: "x" }, jar })).status).toBe(401);
  });
});

describe("customer cookie over HTTPS", () => {
  const secure = useHarness({ PUBLIC_URL: "https://auth.example.com", AUTH_DEBUG: "0" });

  it("is __Host-, Secure, HttpOnly, SameSite=None and Partitioned, so a storefront on another site can use it", async () => {
    const owner = await signInByLink(secure, uniqueEmail("merchant"));
    const created = await json(
      await secure.request("/v1/publishable-keys", {
        method: "POST",
        jar: owner.jar,
        json: { name: "shop", allowed_origins: [SHOP] },
      }),
    );
    const key = created.data.id as string;
    const number = phone();
    await secure.request("/v1/storefront/auth/request-otp", {
      method: "POST",
      json: { contact: number },
      headers: { "x-public-key": key, origin: SHOP },
    });
    const code = (await secure.outbox(number))[0]!.codes[0]!;
    const res = await secure.request("/v1/storefront/auth/verify-otp", {
      method: "POST",
      json: { contact: number, otp_code: code },
      headers: { "x-public-key": key, origin: SHOP },
    });
    expect(res.status).toBe(200);
    const cookies = parseSetCookies(res);
    expect(cookies.map((c) => c.name).sort()).toEqual(["__Host-customer_known", "__Host-customer_session"]);
    for (const cookie of cookies)
      expect(cookie.attributes).toMatchObject({
        secure: true,
        httponly: true,
        samesite: "None",
        partitioned: true,
        path: "/",
      });
    // The known-customer proof outlives the session (90 days): it only lets this browser ask for codes.
    expect(cookies.find((c) => c.name === "__Host-customer_known")?.attributes["max-age"]).toBe(String(90 * 86_400));
  });
});
