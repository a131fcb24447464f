import { describe, expect, it } from "vitest";
import { sha256Hex } from "../src/crypto/hash";
import { generateToken } from "../src/crypto/random";
import { passwordGrant, signUpVerified } from "./support/accounts";
import { CookieJar, parseSetCookies } from "./support/cookies";
import { createHarness, type Harness, json } from "./support/harness";
import { countRoundTrips } from "./support/round-trips";
import { uniqueEmail, useHarness } from "./support/setup";

const h = useHarness();

/** A session hash's fields (through Lua: the SDK's HGETALL expects deserialization, which is off). */
async function sessionFields(key: string): Promise<Record<string, string>> {
  const flat = (await h.redis.eval("return redis.call('HGETALL', KEYS[1])", [key], [])) as string[];
  const out: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) out[String(flat[i])] = String(flat[i + 1]);
  return out;
}

async function signIn(
  harness: Harness = h,
  body: Record<string, unknown> = {},
): Promise<{ jar: CookieJar; res: Response; address: string }> {
  const address = uniqueEmail("user");
  const token = await harness.magicLinkToken(address);
  const jar = new CookieJar();
  const res = await harness.request("/v1/auth/magic-link/verify", { method: "POST", json: { token, ...body }, jar });
  expect(res.status).toBe(200);
  return { jar, res, address };
}

describe("session cookies", () => {
  it("sets an HttpOnly, SameSite=Lax, Path=/ session cookie (7 days) and a readable csrf_token cookie", async () => {
    const { res, address } = await signIn();
    const cookies = parseSetCookies(res);
    const session = cookies.find((c) => c.name === "session")!;
    const csrf = cookies.find((c) => c.name === "csrf_token")!;
    expect(session.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.value).not.toContain(address.split("@")[0]);
    expect(session.attributes).toMatchObject({ httponly: true, samesite: "Lax", path: "/", "max-age": "604800" });
    expect(session.attributes.domain).toBeUndefined();
    expect(session.attributes.secure).toBeUndefined();
    expect(csrf.attributes.httponly).toBeUndefined();
    // A 256-bit synchronizer token, stored in the session's own record (the cookie only echoes it).
    expect(csrf.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await h.redis.hget(h.keys.session(await sha256Hex(session.value)), "csrf")).toBe(csrf.value);
  });

  it("uses __Host- names and Secure over HTTPS", async () => {
    const secure = await createHarness({ PUBLIC_URL: "https://auth.example.com", AUTH_DEBUG: "0" });
    try {
      const { res } = await signIn(secure);
      const cookies = parseSetCookies(res);
      // session_sync: read-your-writes for a few seconds on a global database (a flag, not a credential);
      // known_client: this browser signed in as the address (send limits' owner bucket, send-guard.ts).
      expect(cookies.map((c) => c.name).sort()).toEqual([
        "__Host-csrf_token",
        "__Host-known_client",
        "__Host-session",
        "__Host-session_sync",
      ]);
      for (const c of cookies) expect(c.attributes).toMatchObject({ secure: true, path: "/" });
      expect(cookies.find((c) => c.name === "__Host-session_sync")?.attributes).toMatchObject({
        httponly: true,
        "max-age": "10",
      });
      expect(cookies.find((c) => c.name === "__Host-known_client")?.attributes).toMatchObject({
        httponly: true,
        samesite: "Lax",
        "max-age": String(90 * 86400),
      });
      expect(res.headers.get("strict-transport-security")).toContain("max-age=31536000");
    } finally {
      await secure.close();
    }
  });

  it("remember: true gives a 30-day idle window", async () => {
    const { res } = await signIn(h, { remember: true });
    expect(parseSetCookies(res).find((c) => c.name === "session")!.attributes["max-age"]).toBe(String(30 * 86400));
  });
});

describe("GET /v1/auth/me", () => {
  it("returns the user, organization and identity for a session", async () => {
    const { jar, address } = await signIn();
    const res = await h.request("/v1/auth/me", { jar });
    expect(res.status).toBe(200);
    const { data } = await json(res);
    expect(data.user.email).toBe(address);
    // Proven by the magic link: the time is given beside the flag.
    expect(data.user.email_verified).toBe(true);
    expect(Date.parse(data.user.email_verified_at)).toBeGreaterThan(Date.now() - 60_000);
    expect(data.identity).toMatchObject({
      kind: "session",
      user_id: data.user.id,
      organization_id: data.organization.id,
      plan_tier: "sandbox",
      scopes: ["read", "write", "admin"],
    });
    expect(data.identity.credential_id).toMatch(/^ses_/);
  });

  it("401 unauthorized without a session, and a forged cookie creates nothing", async () => {
    const none = await h.request("/v1/auth/me");
    expect(none.status).toBe(401);
    expect((await json(none)).error.code).toBe("unauthorized");
    const before = await h.redisKeysMatching("*");
    const forged = await h.request("/v1/auth/me", { headers: { cookie: `session=${generateToken()}` } });
    expect(forged.status).toBe(401);
    expect(forged.headers.getSetCookie()).toHaveLength(0);
    expect((await h.redisKeysMatching("*")).sort()).toEqual(before.sort());
  });

  it("costs one Redis round trip and no SQL", async () => {
    const { jar } = await signIn();
    jar.delete(h.config.cookies.syncName); // ten seconds after the sign-in
    const { result, trips } = await countRoundTrips(
      { redis: h.config.redis.url, sql: h.config.database.httpEndpoint! },
      () => h.request("/v1/auth/me", { jar }),
    );
    expect(result.status).toBe(200);
    expect(trips).toMatchObject({ redis: 1, sql: 0 });
    // A read-only script: a global database answers it at the nearest read replica.
    expect(trips.commands).toEqual(["evalsha_ro"]);
  });

  it("a browser that has just written reads its session at the primary for a few seconds", async () => {
    const { jar } = await signIn();
    const endpoints = { redis: h.config.redis.url, sql: h.config.database.httpEndpoint! };
    expect(jar.get(h.config.cookies.syncName)).toBe("1"); // set by the sign-in
    const fresh = await countRoundTrips(endpoints, () => h.request("/v1/auth/me", { jar }));
    expect(fresh.result.status).toBe(200);
    // EVALSHA (not _RO): runs at the primary, which has every write already.
    expect(fresh.trips.commands).toEqual(["evalsha"]);
    jar.delete(h.config.cookies.syncName);
    const switched = await h.request("/v1/auth/me", { method: "PATCH", jar, json: { name: "Ada" } });
    expect(switched.status, await switched.clone().text()).toBe(200);
    expect(switched.headers.getSetCookie().find((c) => c.startsWith(`${h.config.cookies.syncName}=1`))).toMatch(
      /Max-Age=10; Path=\/; HttpOnly; SameSite=Lax/,
    );
    // A read answers without it; a refused write does not set it.
    expect((await h.request("/v1/auth/me", { jar })).headers.getSetCookie()).toHaveLength(0);
    jar.delete(h.config.cookies.syncName);
    const refused = await h.request("/v1/auth/me", { method: "PATCH", jar, json: { name: 5 } });
    expect(refused.status).toBe(400);
    expect(refused.headers.getSetCookie()).toHaveLength(0);
  });

  it("server expiry and cookie slide together, only past half the idle window (Lucia); a clock walks the days", async () => {
    const day = 86_400_000;
    const start = h.clock.now();
    const at = (days: number) => h.clock.advance(start + days * day - h.clock.now());
    try {
      const { jar, res: signedIn } = await signIn();
      expect(parseSetCookies(signedIn).find((c) => c.name === "session")?.attributes["max-age"]).toBe("604800");
      const key = h.keys.session(await sha256Hex(jar.get("session")!));
      await h.redis.expire(key, 100);
      // Day 1: active, but the cookie is fresh: no Set-Cookie, and the server does not slide either.
      at(1);
      const day1 = await h.request("/v1/auth/me", { jar });
      expect(day1.status).toBe(200);
      expect(parseSetCookies(day1)).toEqual([]);
      expect(await h.redis.ttl(key)).toBeLessThanOrEqual(100);
      // Day 7.5: the browser's cookie (max-age 7 days from day 0) is gone; the session is too.
      at(7.5);
      const day7 = await h.request("/v1/auth/me", { jar });
      expect(day7.status, "day 7.5").toBe(401);
      expect((await json(day7)).error.code).toBe("unauthorized");
      expect(await h.redis.exists(key)).toBe(0);

      // A session used past half the window: both slide from that moment, by the same 7 days.
      at(0);
      const second = (await signIn()).jar;
      const secondKey = h.keys.session(await sha256Hex(second.get("session")!));
      at(3.6);
      const slid = await h.request("/v1/auth/me", { jar: second });
      expect(parseSetCookies(slid).find((c) => c.name === "session")?.attributes["max-age"]).toBe("604800");
      expect(await h.redis.ttl(secondKey)).toBeGreaterThan(604800 - 10);
      expect(parseSetCookies(await h.request("/v1/auth/me", { jar: second }))).toEqual([]);
      at(5);
      expect((await h.request("/v1/auth/me", { jar: second })).status).toBe(200);
      at(3.6 + 7 + 0.01);
      expect((await h.request("/v1/auth/me", { jar: second })).status, "day 10.61").toBe(401);
    } finally {
      h.clock.advance(start - h.clock.now());
    }
  });

  it("reads a session written as JSON by the previous release (kept for one release)", async () => {
    const { jar } = await signIn();
    const tokenHash = await sha256Hex(jar.get("session")!);
    const key = h.keys.session(tokenHash);
    const fields = await sessionFields(key);
    const record = {
      id: fields.id,
      user_id: fields.user_id,
      organization_id: fields.organization_id,
      created_at: Number(fields.created_at),
      absolute_expires_at: Number(fields.absolute_expires_at),
      idle_seconds: Number(fields.idle_seconds),
      ip: fields.ip,
      user_agent: fields.user_agent,
    };
    await h.redis.del(key);
    await h.redis.set(key, JSON.stringify(record), { ex: 600 });
    const me = await h.request("/v1/auth/me", { jar });
    expect(me.status).toBe(200);
    expect((await h.redis.ttl(key)) > 600).toBe(true);
    expect((await h.request("/v1/auth/sessions", { jar })).status).toBe(200);
    expect((await h.request("/v1/auth/logout", { method: "POST", jar })).status).toBe(204);
    expect(await h.redis.exists(key)).toBe(0);
  });

  it("a hash session from before CSRF tokens were stored keeps working (HMAC-bound token) and signs out", async () => {
    const { jar } = await signIn();
    const key = h.keys.session(await sha256Hex(jar.get("session")!));
    await h.redis.hdel(key, "csrf");
    // The stored-token cookie no longer matches anything: /me re-sends an HMAC-bound one.
    const me = await h.request("/v1/auth/me", { jar });
    expect(me.status).toBe(200);
    const csrf = jar.get("csrf_token")!;
    expect(csrf).toContain(".");
    expect((await json(me)).data.csrf_token).toBeUndefined();
    expect((await json(await h.request("/v1/auth/me", { jar }))).data.csrf_token).toBe(csrf);
    const wrong = await h.request("/v1/auth/logout", { method: "POST", jar, headers: { "x-csrf-token": "nope" } });
    expect(wrong.status).toBe(403);
    expect(await h.redis.exists(key)).toBe(1);
    expect((await h.request("/v1/auth/logout", { method: "POST", jar })).status).toBe(204);
    expect(await h.redis.exists(key)).toBe(0);
  });

  it("sign-out refuses a wrong or missing X-CSRF-Token and leaves the session alive", async () => {
    const { jar } = await signIn();
    const key = h.keys.session(await sha256Hex(jar.get("session")!));
    const stored = await h.redis.hget(key, "csrf");
    expect(jar.get("csrf_token")).toBe(stored);
    for (const header of ["", `${stored}x`, String(stored).slice(0, -1), "a".repeat(43)]) {
      const res = await h.request("/v1/auth/logout", {
        method: "POST",
        headers: { cookie: jar.header(), "x-csrf-token": header },
      });
      expect(res.status).toBe(403);
      expect((await json(res)).error.code).toBe("csrf_failed");
    }
    const none = await h.request("/v1/auth/logout", { method: "POST", headers: { cookie: jar.header() } });
    expect(none.status).toBe(403);
    expect(await h.redis.exists(key)).toBe(1);
    expect((await h.request("/v1/auth/me", { jar })).status).toBe(200);
  });

  it("enforces the 30-day absolute cap against the server clock", async () => {
    const { jar } = await signIn();
    const key = h.keys.session(await sha256Hex(jar.get("session")!));
    h.clock.advance(30 * 86400 * 1000 + 1000);
    try {
      expect((await h.request("/v1/auth/me", { jar })).status).toBe(401);
      expect(await h.redis.exists(key)).toBe(0);
    } finally {
      h.clock.advance(-(30 * 86400 * 1000 + 1000));
    }
  });

  it("a new sign-in replaces the browser's previous session (no fixation)", async () => {
    const { jar } = await signIn();
    const oldToken = jar.get("session")!;
    const token = await h.magicLinkToken(uniqueEmail("fixation"));
    const res = await h.request("/v1/auth/magic-link/verify", { method: "POST", json: { token }, jar });
    expect(res.status).toBe(200);
    expect(jar.get("session")).not.toBe(oldToken);
    expect(await h.redis.exists(h.keys.session(await sha256Hex(oldToken)))).toBe(0);
    expect((await h.request("/v1/auth/me", { headers: { cookie: `session=${oldToken}` } })).status).toBe(401);
  });
});

describe("POST /v1/auth/logout", () => {
  it("204 without a cookie", async () => {
    const res = await h.request("/v1/auth/logout", { method: "POST" });
    expect(res.status).toBe(204);
  });

  it("round trips: cookie = one script (check the CSRF token, delete the session and its index entry); Bearer = verify, end the family (Postgres first, then Redis)", async () => {
    const endpoints = { redis: h.config.redis.url, sql: h.config.database.httpEndpoint! };
    const { jar } = await signIn();
    const byCookie = await countRoundTrips(endpoints, () => h.request("/v1/auth/logout", { method: "POST", jar }));
    expect(byCookie.result.status).toBe(204);
    expect(byCookie.trips.calls).toEqual(["redis"]);
    const email = uniqueEmail("bearer-out");
    await signUpVerified(h, email);
    const tokens = await passwordGrant(h, email);
    const byToken = await countRoundTrips(endpoints, () =>
      h.request("/v1/auth/logout", { method: "POST", headers: { authorization: `Bearer ${tokens.access_token}` } }),
    );
    expect(byToken.result.status).toBe(204);
    expect(byToken.trips.calls).toEqual(["redis", "sql", "redis"]);
  });

  it("deletes the session from Redis and clears both cookies", async () => {
    const { jar } = await signIn();
    const token = jar.get("session")!;
    const key = h.keys.session(await sha256Hex(token));
    const record = await sessionFields(key);
    expect(await h.redis.hget(h.keys.userSessions(String(record.user_id)), String(record.id))).toBeTruthy();
    const res = await h.request("/v1/auth/logout", { method: "POST", jar });
    expect(res.status).toBe(204);
    expect(await h.redis.exists(key)).toBe(0);
    expect(await h.redis.hget(h.keys.userSessions(String(record.user_id)), String(record.id))).toBeNull();
    const cleared = parseSetCookies(res);
    expect(cleared.map((c) => [c.name, c.attributes["max-age"]]).sort()).toEqual([
      ["csrf_token", "0"],
      ["session", "0"],
    ]);
    expect((await h.request("/v1/auth/me", { headers: { cookie: `session=${token}` } })).status).toBe(401);
    expect(
      (await h.request("/v1/auth/logout", { method: "POST", headers: { cookie: `session=${token}` } })).status,
    ).toBe(204);
  });

  it("refuses a cookie-authenticated logout without a valid, session-bound CSRF token", async () => {
    const { jar } = await signIn();
    const other = await signIn();
    const session = jar.get("session")!;
    const attempts: Array<Record<string, string>> = [
      { cookie: `session=${session}` },
      { cookie: jar.header(), "x-csrf-token": "wrong" },
      // Cookie tossing: attacker-chosen cookie equal to attacker-chosen header.
      { cookie: `session=${session}; csrf_token=abc.def`, "x-csrf-token": "abc.def" },
      // A valid token, but minted for another session.
      {
        cookie: `session=${session}; csrf_token=${other.jar.get("csrf_token")}`,
        "x-csrf-token": other.jar.get("csrf_token")!,
      },
      { cookie: jar.header(), "x-csrf-token": jar.get("csrf_token")!, origin: "https://evil.example" },
      { cookie: jar.header(), "x-csrf-token": jar.get("csrf_token")!, "sec-fetch-site": "cross-site" },
    ];
    for (const headers of attempts) {
      const res = await h.request("/v1/auth/logout", { method: "POST", headers });
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect((await json(res)).error.code).toBe("csrf_failed");
    }
    expect(await h.redis.exists(h.keys.session(await sha256Hex(session)))).toBe(1);
    expect(
      (await h.request("/v1/auth/logout", { method: "POST", jar, headers: { origin: "http://127.0.0.1:5173" } }))
        .status,
    ).toBe(204);
  });
});

describe("signing in from a browser that already has a session", () => {
  it("the confirm page's form post works without X-CSRF-Token and replaces the old session", async () => {
    const { jar } = await signIn();
    const oldToken = jar.get("session")!;
    const token = await h.magicLinkToken(uniqueEmail("switch"));
    const res = await h.request("/v1/auth/magic-link/verify", {
      method: "POST",
      body: new URLSearchParams({ token }).toString(),
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: "http://127.0.0.1:8787",
        "sec-fetch-site": "same-origin",
        cookie: jar.header(),
      },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("signed in");
    expect(await h.redis.exists(h.keys.session(await sha256Hex(oldToken)))).toBe(0);
  });
});

describe("front ends on a trusted origin (TRUSTED_ORIGINS)", () => {
  const app = "http://127.0.0.1:5173";

  it("get CORS for exactly their origin, read the CSRF token from /me, and can sign out", async () => {
    const { jar } = await signIn();
    const preflight = await h.request("/v1/auth/logout", {
      method: "OPTIONS",
      headers: {
        origin: app,
        "access-control-request-method": "POST",
        "access-control-request-headers": "x-csrf-token",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(app);
    expect(preflight.headers.get("access-control-allow-credentials")).toBe("true");
    expect(preflight.headers.get("access-control-allow-headers")).toContain("x-csrf-token");
    const me = await h.request("/v1/auth/me", { headers: { cookie: jar.header(), origin: app } });
    expect(me.headers.get("access-control-allow-origin")).toBe(app);
    const csrf = (await json(me)).data.csrf_token;
    expect(csrf).toBe(jar.get("csrf_token"));
    const out = await h.request("/v1/auth/logout", {
      method: "POST",
      headers: { cookie: jar.header(), origin: app, "x-csrf-token": csrf },
    });
    expect(out.status).toBe(204);
  });

  it("other origins get no CORS headers at all, and bearer callers get no CSRF token", async () => {
    const { jar } = await signIn();
    const preflight = await h.request("/v1/auth/me", {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "GET" },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    const me = await h.request("/v1/auth/me", { headers: { cookie: jar.header(), origin: "https://evil.example" } });
    expect(me.headers.get("access-control-allow-origin")).toBeNull();
    const email = uniqueEmail("bearer");
    await signUpVerified(h, email);
    const tokens = await passwordGrant(h, email);
    const byToken = await json(
      await h.request("/v1/auth/me", { headers: { authorization: `Bearer ${tokens.access_token}` } }),
    );
    expect(byToken.data.identity.kind).toBe("access_token");
    expect(byToken.data).not.toHaveProperty("csrf_token");
  });
});
