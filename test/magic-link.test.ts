import { describe, expect, it } from "vitest";
import { sha256Hex } from "../src/crypto/hash";
import { generateToken } from "../src/crypto/random";
import { CookieJar } from "./support/cookies";
import { bindings, createHarness, json, randomIp } from "./support/harness";
import { countRoundTrips } from "./support/round-trips";
import { uniqueEmail, useHarness } from "./support/setup";

const h = useHarness();

async function verify(
  token: string,
  options: { jar?: CookieJar; ip?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  return h.request("/v1/auth/magic-link/verify", { method: "POST", json: { token }, ...options });
}

describe("POST /v1/auth/magic-link/request", () => {
  it("answers 202 {sent: true} and emails a 256-bit link, stored only as its SHA-256", async () => {
    const email = uniqueEmail("store");
    const res = await h.request("/v1/auth/magic-link/request", { method: "POST", json: { email } });
    expect(res.status).toBe(202);
    const body = await json(res);
    expect(body.success).toBe(true);
    expect(body.data.sent).toBe(true);
    const [message] = await h.outbox(email);
    expect(message?.links).toHaveLength(1);
    const token = new URL(message!.links[0]!).searchParams.get("token")!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.data.magic_link).toBe(message!.links[0]);

    const key = h.keys.oneTimeToken("magic_link", await sha256Hex(token));
    expect(await h.redis.exists(key)).toBe(1);
    const ttl = await h.redis.ttl(key);
    expect(ttl).toBeGreaterThan(14 * 60);
    expect(ttl).toBeLessThanOrEqual(15 * 60);
    // No Redis value anywhere holds the token itself.
    for (const k of await h.redisKeysMatching("*")) {
      const type = await h.redis.type(k);
      if (type === "string") expect(String(await h.redis.get(k))).not.toContain(token);
    }
  });

  it("gives byte-identical answers for known and unknown addresses (no enumeration)", async () => {
    const known = uniqueEmail("known");
    await verify(await h.magicLinkToken(known));
    const strip = async (res: Response) => ({
      status: res.status,
      body: await res.text(),
      cookies: res.headers.getSetCookie().length,
    });
    const a = await strip(await h.request("/v1/auth/magic-link/request", { method: "POST", json: { email: known } }));
    const b = await strip(
      await h.request("/v1/auth/magic-link/request", { method: "POST", json: { email: uniqueEmail("unknown") } }),
    );
    const redact = (s: string) => s.replace(/token=[A-Za-z0-9_-]+/, "token=X");
    expect(a.status).toBe(202);
    expect({ ...a, body: redact(a.body) }).toEqual({ ...b, body: redact(b.body) });
  });

  it("revokes the previous link when a new one is requested", async () => {
    const email = uniqueEmail("twice");
    const first = await h.magicLinkToken(email);
    const second = await h.magicLinkToken(email);
    expect((await verify(first)).status).toBe(401);
    expect((await verify(second)).status).toBe(200);
  });

  it("refuses anything but one plain address, writing nothing", async () => {
    const cases = [
      "a@x.com,b@y.com",
      '"e@evil.com"@victim.com',
      "victim@x.com (e@evil.com)",
      "Name <e@evil.com>",
      "g:e@evil.com;",
      "victim@x.com\r\nBcc:e@evil.com",
      "victim@exаmple.com",
      "no-at-sign",
      "a@b",
      "",
    ];
    const before = await h.redisKeysMatching("*");
    for (const email of cases) {
      const res = await h.request("/v1/auth/magic-link/request", { method: "POST", json: { email } });
      expect(res.status, email).toBe(400);
      const body = await json(res);
      expect(body.error.code).toBe("validation_error");
      expect(body.error.details[0].field).toBe("email");
    }
    expect((await h.redisKeysMatching("*")).sort()).toEqual(before.sort());
  });

  it("accepts redirect_to only on our origin or a trusted origin", async () => {
    const bad = [
      "//evil.com",
      "/\\evil.com",
      "https://evil.com/x",
      "https://127.0.0.1:8787.evil.com",
      "https://127.0.0.1:5173@evil.com",
      "javascript:alert(1)",
      "data:text/html,x",
      "http://evil。com",
    ];
    for (const redirect_to of bad) {
      const res = await h.request("/v1/auth/magic-link/request", {
        method: "POST",
        json: { email: uniqueEmail("redir"), redirect_to },
      });
      expect(res.status, redirect_to).toBe(400);
      expect((await json(res)).error.details[0].field).toBe("redirect_to");
    }
    for (const redirect_to of ["/welcome", "http://127.0.0.1:5173/app"]) {
      const res = await h.request("/v1/auth/magic-link/request", {
        method: "POST",
        json: { email: uniqueEmail("redir"), redirect_to },
      });
      expect(res.status, redirect_to).toBe(202);
    }
  });

  it("503 email_delivery_failed with a correlation id when the provider fails, leaves no token, and a retry works", async () => {
    const email = uniqueEmail("down");
    h.failEmailFor.add(email);
    const res = await h.request("/v1/auth/magic-link/request", { method: "POST", json: { email } });
    expect(res.status).toBe(503);
    const body = await json(res);
    expect(body.error.code).toBe("email_delivery_failed");
    expect(body.meta.correlation_id).toMatch(/^corr_/);
    expect(body.meta.request_id).toBe(res.headers.get("x-request-id"));
    const live = await Promise.all((await h.redisKeysMatching("ott:magic_link:*")).map((k) => h.redis.get(k)));
    expect(live.filter((v) => JSON.stringify(v).includes(email))).toHaveLength(0);
    expect(await h.outbox(email)).toHaveLength(0);

    h.failEmailFor.delete(email);
    const token = await h.magicLinkToken(email);
    expect((await verify(token)).status).toBe(200);
  });

  it("rate limits per email and per client IP, ignoring X-Forwarded-For", async () => {
    const email = uniqueEmail("limited");
    const ip = randomIp();
    for (let i = 0; i < 5; i++) {
      expect(
        (await h.request("/v1/auth/magic-link/request", { method: "POST", json: { email }, ip: randomIp() })).status,
      ).toBe(202);
    }
    const limited = await h.request("/v1/auth/magic-link/request", { method: "POST", json: { email }, ip });
    expect(limited.status).toBe(429);
    expect((await json(limited)).error.code).toBe("rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);

    const shared = randomIp();
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) {
      const res = await h.request("/v1/auth/magic-link/request", {
        method: "POST",
        json: { email: uniqueEmail("ip") },
        ip: shared,
        headers: { "x-forwarded-for": randomIp(), "x-real-ip": randomIp(), "true-client-ip": randomIp() },
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 30).every((s) => s === 202)).toBe(true);
    expect(statuses[30]).toBe(429);
  });

  it("counts and issues in one step: parallel requests send at most the limit, and refusals leave the live link", async () => {
    const email = uniqueEmail("burst");
    const statuses = await Promise.all(
      Array.from({ length: 9 }, () =>
        h
          .request("/v1/auth/magic-link/request", { method: "POST", json: { email }, ip: randomIp() })
          .then((r) => r.status),
      ),
    );
    expect(statuses.filter((s) => s === 202)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(4);
    const sent = await h.outbox(email);
    expect(sent).toHaveLength(5);
    // Each issue replaces the previous link; a refused request issues nothing, so the last one sent still works.
    const results: number[] = [];
    for (const message of sent) {
      const token = new URL(message.links[0] ?? "").searchParams.get("token") ?? "";
      results.push((await verify(token, { ip: randomIp() })).status);
    }
    expect(results.filter((s) => s === 200)).toHaveLength(1);
    expect(results.filter((s) => s === 401)).toHaveLength(4);
  });
});

describe("GET and HEAD /v1/auth/magic-link/verify", () => {
  it("shows a confirm page that never spends the token", async () => {
    const email = uniqueEmail("scanner");
    const token = await h.magicLinkToken(email);
    for (const method of ["HEAD", "GET", "GET"]) {
      const res = await h.request(`/v1/auth/magic-link/verify?token=${token}`, { method });
      expect(res.status, method).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/html");
      expect(res.headers.getSetCookie()).toHaveLength(0);
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("referrer-policy")).toBe("same-origin");
      expect(res.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
      if (method === "GET") {
        const html = await res.text();
        expect(html).toContain(email);
        expect(html).toContain('method="post"');
        expect(html).not.toMatch(/<script/i);
      }
    }
    expect(await h.redis.exists(h.keys.oneTimeToken("magic_link", await sha256Hex(token)))).toBe(1);
    expect((await verify(token)).status).toBe(200);
  });

  it("says clearly when a link is no longer valid", async () => {
    const res = await h.request(`/v1/auth/magic-link/verify?token=${generateToken()}`);
    expect(res.status).toBe(410);
    expect(await res.text()).toContain("expired");
  });
});

describe("POST /v1/auth/magic-link/verify", () => {
  it("creates the user with a personal organization on first use and stamps last_login_at", async () => {
    const email = uniqueEmail("first");
    const res = await verify(await h.magicLinkToken(email, { name: "Grace" }));
    expect(res.status).toBe(200);
    const { data } = await json(res);
    expect(data.user).toMatchObject({ email, name: "Grace", email_verified: true });
    expect(data.user.id).toMatch(/^usr_[0-9a-z]{26}$/);
    expect(data.organization).toMatchObject({
      name: "Grace's workspace",
      is_personal_account: true,
      plan_tier: "sandbox",
      role: "owner",
    });
    const rows = await h.sql.query(
      "select u.last_login_at, m.role, o.is_personal from users u join memberships m on m.user_id = u.id join organizations o on o.id = m.organization_id where u.email = $1",
      [email],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ role: "owner", is_personal: true });
    expect(rows[0]!.last_login_at).not.toBeNull();
  });

  it("creates the named organization when organization_name is given", async () => {
    const email = uniqueEmail("named");
    const { data } = await json(await verify(await h.magicLinkToken(email, { organization_name: "Acme Robotics" })));
    expect(data.organization).toMatchObject({ name: "Acme Robotics", is_personal_account: false, role: "owner" });
  });

  it("signs an existing user into the same account and organization, updating last_login_at", async () => {
    const email = uniqueEmail("again");
    const first = (await json(await verify(await h.magicLinkToken(email)))).data;
    h.clock.advance(1000);
    const second = (await json(await verify(await h.magicLinkToken(email, { organization_name: "Ignored Inc" })))).data;
    h.clock.advance(-1000);
    expect(second.user.id).toBe(first.user.id);
    expect(second.organization.id).toBe(first.organization.id);
    expect(second.user.last_login_at > first.user.last_login_at).toBe(true);
    const orgs = await h.sql.query(
      "select count(*)::int as n from memberships m join users u on u.id = m.user_id where u.email = $1",
      [email],
    );
    expect(orgs[0]!.n).toBe(1);
  });

  it("rejects a replayed link with 401 magic_link_invalid", async () => {
    const token = await h.magicLinkToken(uniqueEmail("replay"));
    expect((await verify(token)).status).toBe(200);
    const replay = await verify(token);
    expect(replay.status).toBe(401);
    expect((await json(replay)).error.code).toBe("magic_link_invalid");
  });

  it("20 parallel verifications of one token: exactly one 200 and exactly one session in Redis", async () => {
    const email = uniqueEmail("race");
    const token = await h.magicLinkToken(email);
    const before = (await h.redisKeysMatching("ses:*")).length;
    const responses = await Promise.all(Array.from({ length: 20 }, () => verify(token, { ip: randomIp() })));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 401)).toHaveLength(19);
    expect((await h.redisKeysMatching("ses:*")).length - before).toBe(1);
    const users = await h.sql.query("select count(*)::int as n from users where email = $1", [email]);
    expect(users[0]!.n).toBe(1);
  });

  it("rejects an expired link (clock moved past 15 minutes)", async () => {
    const token = await h.magicLinkToken(uniqueEmail("late"));
    h.clock.advance(15 * 60 * 1000 + 1000);
    try {
      const res = await verify(token);
      expect(res.status).toBe(401);
      expect((await json(res)).error.code).toBe("magic_link_invalid");
    } finally {
      h.clock.advance(-(15 * 60 * 1000 + 1000));
    }
  });

  it("rejects tokens minted for another purpose and leaves them intact", async () => {
    const foreign = generateToken();
    const hash = await sha256Hex(foreign);
    const key = h.keys.oneTimeToken("password_reset", hash);
    const record = {
      purpose: "password_reset",
      token_hash: hash,
      subject: "victim@example.com",
      data: {},
      created_at: Date.now(),
      expires_at: Date.now() + 600_000,
    };
    await h.redis.set(key, JSON.stringify(record), { ex: 600 });
    const res = await verify(foreign);
    expect(res.status).toBe(401);
    expect((await json(res)).error.code).toBe("magic_link_invalid");
    expect(await h.redis.exists(key)).toBe(1);
  });

  it("refuses a cross-site sign-in (login CSRF) without spending the token", async () => {
    const token = await h.magicLinkToken(uniqueEmail("xsite"));
    for (const headers of [
      { origin: "https://evil.example" },
      { "sec-fetch-site": "cross-site" },
      { origin: "null" },
    ] as Array<Record<string, string>>) {
      const res = await verify(token, { headers });
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect((await json(res)).error.code).toBe("csrf_failed");
      expect(res.headers.getSetCookie()).toHaveLength(0);
    }
    expect(
      (await verify(token, { headers: { origin: "http://127.0.0.1:8787", "sec-fetch-site": "same-origin" } })).status,
    ).toBe(200);
  });

  it("the confirm page's form post signs in and redirects to the stored redirect_to", async () => {
    const token = await h.magicLinkToken(uniqueEmail("form"), { redirect_to: "http://127.0.0.1:5173/dashboard" });
    const jar = new CookieJar();
    const res = await h.request("/v1/auth/magic-link/verify", {
      method: "POST",
      body: new URLSearchParams({ token, remember: "true" }).toString(),
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: "http://127.0.0.1:8787",
        "sec-fetch-site": "same-origin",
      },
      jar,
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("http://127.0.0.1:5173/dashboard");
    expect(jar.get(h.config.cookies.sessionName)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await h.request("/v1/auth/me", { jar })).status).toBe(200);

    const used = await h.request("/v1/auth/magic-link/verify", {
      method: "POST",
      body: new URLSearchParams({ token }).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(used.status).toBe(401);
    expect(used.headers.get("content-type")).toContain("text/html");
  });

  it("throttles an IP after 30 failed verifications without spending valid tokens", async () => {
    const ip = randomIp();
    for (let i = 0; i < 30; i++) expect((await verify(generateToken(), { ip })).status).toBe(401);
    const token = await h.magicLinkToken(uniqueEmail("throttle"));
    const limited = await verify(token, { ip });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
    expect((await verify(token, { ip: randomIp() })).status).toBe(200);
  });

  it("rejects malformed tokens with 401 and empty bodies with 400", async () => {
    expect((await verify("short")).status).toBe(401);
    const empty = await h.request("/v1/auth/magic-link/verify", { method: "POST", json: {} });
    expect(empty.status).toBe(400);
    expect((await json(empty)).error.details[0].field).toBe("token");
  });
});

describe("upstream round trips", () => {
  const endpoints = () => ({ redis: h.config.redis.url, sql: h.config.database.httpEndpoint! });

  it("request: one Redis round trip (limits and token in one script) before the provider, no SQL", async () => {
    const { result, trips } = await countRoundTrips(endpoints(), () =>
      h.request("/v1/auth/magic-link/request", { method: "POST", json: { email: uniqueEmail("trips") } }),
    );
    expect(result.status).toBe(202);
    // The second Redis call is the dev outbox standing in for the email provider.
    expect(trips.calls).toEqual(["redis", "redis"]);
  });

  it("verify: consume, one SQL statement, session write", async () => {
    const token = await h.magicLinkToken(uniqueEmail("trips"));
    const { result, trips } = await countRoundTrips(endpoints(), () => verify(token));
    expect(result.status).toBe(200);
    expect(trips.calls).toEqual(["redis", "sql", "redis"]);
  });
});

describe("without AUTH_DEBUG", () => {
  it("never returns the link and has no dev outbox route", async () => {
    const prod = await createHarness({ AUTH_DEBUG: "0" });
    try {
      const res = await prod.request("/v1/auth/magic-link/request", {
        method: "POST",
        json: { email: uniqueEmail("prod") },
      });
      expect(res.status).toBe(202);
      expect(await json(res)).toEqual({ success: true, data: { sent: true } });
      expect((await prod.request("/v1/dev/outbox")).status).toBe(404);
    } finally {
      await prod.close();
    }
    expect(bindings.AUTH_DEBUG).toBe("1");
  });
});
