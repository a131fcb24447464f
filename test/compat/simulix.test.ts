// 000 Simulix, replayed from its document with COMPAT_PROFILE=simulix.
import { describe, expect, it } from "vitest";
import { CookieJar, parseSetCookies } from "../support/cookies";
import { json, randomIp } from "../support/harness";
import { uniqueEmail, useHarness } from "../support/setup";

const h = useHarness({ COMPAT_PROFILE: "simulix" });

async function requestLink(email: string, headers: Record<string, string> = {}) {
  return h.request("/v1/auth/magic-link/request", {
    method: "POST",
    ip: randomIp(),
    headers: { "idempotency-key": crypto.randomUUID(), ...headers },
    json: { email, name: "Founder Name", organization_name: "Acme Inc" },
  });
}

/** The document's flow: request, follow data.magic_link (dev mode), POST the token, keep the cookie. */
async function signIn(email: string): Promise<{ cookie: string; body: any }> {
  const requested = await json(await requestLink(email));
  const token = new URL(requested.data.magic_link).searchParams.get("token");
  const res = await h.request("/v1/auth/magic-link/verify", {
    method: "POST",
    headers: { "idempotency-key": crypto.randomUUID() },
    json: { token },
  });
  expect(res.status).toBe(200);
  // As curl -c / a browser keeps them: simulix_session and csrf_token.
  const jar = new CookieJar();
  jar.absorb(res);
  expect(jar.get("simulix_session")).toBeDefined();
  return { cookie: jar.header(), body: await json(res) };
}

describe("Simulix profile (000)", () => {
  it("request: 202 sent:true for a new and a known address alike, with data.magic_link in dev mode", async () => {
    const email = uniqueEmail("founder");
    const first = await requestLink(email);
    expect(first.status).toBe(202);
    const body = await json(first);
    expect(body).toMatchObject({ success: true, data: { sent: true } });
    expect(body.data.magic_link).toMatch(/token=/);
    await signIn(email);
    const again = await requestLink(email);
    expect(again.status).toBe(202);
    expect(Object.keys((await json(again)).data).sort()).toEqual(["magic_link", "sent"]);
  });

  it("verify sets simulix_session (HttpOnly, SameSite=Lax, Path=/, Max-Age=604800); a replay is 401 magic_link_invalid", async () => {
    const email = uniqueEmail("verify");
    const requested = await json(await requestLink(email));
    const token = new URL(requested.data.magic_link).searchParams.get("token");
    const res = await h.request("/v1/auth/magic-link/verify", { method: "POST", json: { token } });
    expect(res.status).toBe(200);
    const cookie = parseSetCookies(res).find((c) => c.name === "simulix_session");
    expect(cookie?.attributes).toMatchObject({ httponly: true, samesite: "Lax", path: "/", "max-age": "604800" });
    const body = await json(res);
    expect(body.data.user.email).toBe(email);
    expect(body.data.organization.name).toBe("Acme Inc");
    const [row] = await h.sql.query("select last_login_at from users where id = $1", [body.data.user.id]);
    expect(row?.last_login_at).not.toBeNull();
    const replay = await h.request("/v1/auth/magic-link/verify", { method: "POST", json: { token } });
    expect(replay.status).toBe(401);
    expect((await json(replay)).error.code).toBe("magic_link_invalid");
  });

  it("a rejected email is 503 email_delivery_failed with meta.correlation_id, and a retry mints a fresh token", async () => {
    const email = uniqueEmail("bounce");
    h.failEmailFor.add(email);
    const tokensBefore = (await h.redisKeysMatching("ott:*")).length;
    const res = await requestLink(email);
    expect(res.status).toBe(503);
    const body = await json(res);
    expect(body.error.code).toBe("email_delivery_failed");
    expect(body.meta.correlation_id).toEqual(expect.any(String));
    expect((await h.redisKeysMatching("ott:*")).length).toBe(tokensBefore);
    h.failEmailFor.delete(email);
    const retry = await requestLink(email);
    expect(retry.status).toBe(202);
  });

  it("/me answers user + organization for the cookie, and user null for a Bearer API key", async () => {
    const { cookie, body } = await signIn(uniqueEmail("me"));
    const me = await h.request("/v1/auth/me", { headers: { cookie } });
    expect(me.status).toBe(200);
    const data = (await json(me)).data;
    expect(data.user.id).toBe(body.data.user.id);
    expect(data.organization.id).toBe(body.data.organization.id);
    const csrf = data.csrf_token as string;
    const key = await h.request("/v1/api-keys", {
      method: "POST",
      headers: { cookie, "x-csrf-token": csrf },
      json: { name: "server", scopes: ["read"] },
    });
    expect(key.status).toBe(201);
    const apiKey = (await json(key)).data.api_key;
    const viaKey = await h.request("/v1/auth/me", { headers: { authorization: `Bearer ${apiKey}` } });
    expect(viaKey.status).toBe(200);
    const keyData = (await json(viaKey)).data;
    expect(keyData.user).toBeNull();
    expect(keyData.organization.id).toBe(body.data.organization.id);
    expect(keyData.identity).toMatchObject({ kind: "api_key", scopes: ["read"] });
    const anonymous = await h.request("/v1/auth/me");
    expect(anonymous.status).toBe(401);
  });

  it("sessions slide with their cookie: active on day 1 and back on day 7.5 finds both ended, never one", async () => {
    const day = 86_400_000;
    const start = h.clock.now();
    const at = (days: number) => h.clock.advance(start + days * day - h.clock.now());
    try {
      const { cookie } = await signIn(uniqueEmail("slide"));
      at(1);
      const day1 = await h.request("/v1/auth/me", { headers: { cookie } });
      expect(day1.status).toBe(200);
      // The cookie (Max-Age=604800 from day 0) is not extended, so neither is the session.
      expect(parseSetCookies(day1)).toEqual([]);
      at(4);
      const day4 = await h.request("/v1/auth/me", { headers: { cookie } });
      expect(parseSetCookies(day4).find((c) => c.name === "simulix_session")?.attributes["max-age"]).toBe("604800");
      at(10.9);
      expect((await h.request("/v1/auth/me", { headers: { cookie } })).status).toBe(200);
      at(0);
      const other = await signIn(uniqueEmail("slide"));
      at(1);
      expect((await h.request("/v1/auth/me", { headers: { cookie: other.cookie } })).status).toBe(200);
      at(7.5);
      expect((await h.request("/v1/auth/me", { headers: { cookie: other.cookie } })).status).toBe(401);
    } finally {
      h.clock.advance(start - h.clock.now());
    }
  });

  it("logout: 204 with the cookie and no CSRF header from the dashboard's origin; the Redis session is gone", async () => {
    const { cookie } = await signIn(uniqueEmail("logout"));
    const sessionsBefore = (await h.redisKeysMatching("ses:*")).length;
    const crossSite = await h.request("/v1/auth/logout", {
      method: "POST",
      headers: { cookie, origin: "https://evil.example" },
    });
    expect(crossSite.status).toBe(403);
    expect((await json(crossSite)).error.code).toBe("csrf_failed");
    expect((await h.request("/v1/auth/me", { headers: { cookie } })).status).toBe(200);

    const res = await h.request("/v1/auth/logout", {
      method: "POST",
      headers: { cookie, origin: "http://127.0.0.1:8787" },
    });
    expect(res.status).toBe(204);
    const cleared = parseSetCookies(res).find((c) => c.name === "simulix_session");
    expect(cleared?.attributes["max-age"]).toBe("0");
    expect((await h.redisKeysMatching("ses:*")).length).toBe(sessionsBefore - 1);
    expect((await h.request("/v1/auth/me", { headers: { cookie } })).status).toBe(401);
    // Idempotent: without a cookie it is still 204.
    expect((await h.request("/v1/auth/logout", { method: "POST" })).status).toBe(204);
  });
});

describe("Simulix profile with its dashboard (APP_URL)", () => {
  const dash = useHarness({ COMPAT_PROFILE: "simulix", APP_URL: "http://localhost:3000/" });

  it("the emailed link lands on the dashboard's /auth/callback?token=…, whose POST of the token signs in", async () => {
    const email = uniqueEmail("callback");
    const requested = await dash.request("/v1/auth/magic-link/request", {
      method: "POST",
      ip: randomIp(),
      headers: { "idempotency-key": crypto.randomUUID() },
      json: { email },
    });
    expect(requested.status).toBe(202);
    const [mail] = await dash.outbox(email);
    const link = new URL(mail?.links[0] ?? "");
    expect(`${link.origin}${link.pathname}`).toBe("http://localhost:3000/auth/callback");
    expect((await json(requested)).data.magic_link).toBe(link.toString());
    const res = await dash.request("/v1/auth/magic-link/verify", {
      method: "POST",
      headers: { origin: "http://localhost:3000" },
      json: { token: link.searchParams.get("token") },
    });
    expect(res.status).toBe(200);
    expect(parseSetCookies(res).some((c) => c.name === "simulix_session")).toBe(true);
  });
});
