// RFC 7662 token introspection: for services that must see a revocation before the token expires.
import { describe, expect, it } from "vitest";
import {
  bearer,
  createKey,
  grantSuperuser,
  login,
  passwordGrant,
  signInByLink,
  signUpVerified,
} from "./support/accounts";
import { json, randomIp } from "./support/harness";
import { countRoundTrips } from "./support/round-trips";
import { uniqueEmail, useHarness } from "./support/setup";

const h = useHarness();
const PATH = "/v1/oauth/introspect";

/** A password account, its access token, and a key of its own organization. */
async function setup(keyScopes: string[] = ["read"]) {
  const email = uniqueEmail("intro");
  await signUpVerified(h, email);
  const tokens = await passwordGrant(h, email);
  const jar = await login(h, email);
  const key = await createKey(h, jar, { name: "resource server", scopes: keyScopes });
  return { email, tokens, jar, key: key.api_key };
}

const form = (token: string) => new URLSearchParams({ token, token_type_hint: "access_token" }).toString();
const introspect = (key: string, token: string) =>
  h.request(PATH, {
    method: "POST",
    body: form(token),
    headers: { ...bearer(key), "content-type": "application/x-www-form-urlencoded" },
  });

describe("POST /v1/oauth/introspect", () => {
  it("answers a live token's claims in RFC 7662's own shape, uncached, form-encoded or JSON", async () => {
    const { email, tokens, key } = await setup();
    const res = await introspect(key, tokens.access_token);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = await json(res);
    expect(body).toMatchObject({
      active: true,
      token_type: "Bearer",
      sub: tokens.user.id,
      username: email,
      iss: h.config.jwt.issuer,
      aud: h.config.jwt.audience,
    });
    expect(body.scope.split(" ")).toEqual(expect.arrayContaining(["read", "write", "admin"]));
    expect(body.exp - body.iat).toBe(900);
    expect(body.org).toMatch(/^org_/);
    expect(body.sid).toMatch(/^rtf_/);
    const byJson = await h.request(PATH, {
      method: "POST",
      json: { token: tokens.access_token },
      headers: bearer(key),
    });
    expect((await json(byJson)).active).toBe(true);
  });

  it("sees a revocation at once: logout-all, and a removed family, turn the token inactive", async () => {
    const { tokens, key } = await setup();
    expect(
      (await h.request("/v1/auth/logout-all", { method: "POST", headers: bearer(tokens.access_token) })).status,
    ).toBe(200);
    expect(await json(await introspect(key, tokens.access_token))).toEqual({ active: false });

    const second = await setup();
    await h.request("/v1/auth/token/revoke", { method: "POST", json: { token: second.tokens.refresh_token } });
    expect(await json(await introspect(second.key, second.tokens.access_token))).toEqual({ active: false });
  });

  it("answers only {active:false} for garbage, refresh tokens and other organizations' tokens", async () => {
    const mine = await setup();
    const theirs = await setup();
    for (const token of ["x", "a.b.c", mine.tokens.refresh_token, theirs.tokens.access_token]) {
      const res = await introspect(mine.key, token);
      expect(res.status, token).toBe(200);
      expect(await json(res)).toEqual({ active: false });
    }
  });

  it("a platform key sees every organization's tokens", async () => {
    const other = await setup();
    const root = await signInByLink(h, uniqueEmail("root"));
    await grantSuperuser(h, root.user.id);
    const platform = await createKey(h, root.jar, { name: "platform", scopes: ["platform"] });
    expect(await json(await introspect(platform.api_key, other.tokens.access_token))).toMatchObject({
      active: true,
      sub: other.tokens.user.id,
    });
  });

  it("needs an API key with the read scope; sessions and access tokens are refused", async () => {
    const { tokens, jar } = await setup();
    const anonymous = await h.request(PATH, { method: "POST", json: { token: tokens.access_token } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
    expect((await json(anonymous)).error).toBe("invalid_client");
    const byToken = await h.request(PATH, {
      method: "POST",
      json: { token: tokens.access_token },
      headers: bearer(tokens.access_token),
    });
    expect(byToken.status).toBe(403);
    expect(byToken.headers.get("www-authenticate")).toMatch(/error="insufficient_scope"/);
    expect((await json(byToken)).error).toBe("insufficient_scope");
    const bySession = await h.request(PATH, { method: "POST", json: { token: tokens.access_token }, jar });
    expect(bySession.status).toBe(403);
    const writeOnly = await createKey(h, jar, { name: "w", scopes: ["write"] });
    const refused = await introspect(writeOnly.api_key, tokens.access_token);
    expect(refused.status).toBe(403);
    expect((await json(refused)).error).toBe("insufficient_scope");
  });

  it("bad input gets OAuth's invalid_request: missing token 400, other media types 415", async () => {
    const { key } = await setup();
    const missing = await h.request(PATH, { method: "POST", json: {}, headers: bearer(key) });
    expect(missing.status).toBe(400);
    expect(await json(missing)).toMatchObject({ error: "invalid_request", request_id: expect.any(String) });
    const text = await h.request(PATH, {
      method: "POST",
      body: "token=x",
      headers: { ...bearer(key), "content-type": "text/plain" },
    });
    expect([400, 415]).toContain(text.status);
    expect((await json(text)).error).toBe("invalid_request");
  });

  it("client_secret_basic guesses count toward the key-guessing limit: 100 wrong -> 429, the right key too", async () => {
    const { tokens, key } = await setup();
    const keyId = key.slice(key.indexOf("key_"), key.indexOf("."));
    const ip = randomIp();
    const basic = (secret: string) =>
      h.request(PATH, {
        method: "POST",
        body: form(tokens.access_token),
        headers: {
          authorization: `Basic ${btoa(`${keyId}:${secret}`)}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        ip,
      });
    for (let i = 0; i < 100; i++) {
      const wrong = await basic("x".repeat(43));
      expect(wrong.status).toBe(401);
      expect((await json(wrong)).error).toBe("invalid_client");
    }
    const limited = await basic(key);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
    expect((await json(limited)).error).toBe("temporarily_unavailable");
    // Another client IP is not held back.
    const elsewhere = await h.request(PATH, {
      method: "POST",
      body: form(tokens.access_token),
      headers: {
        authorization: `Basic ${btoa(`${keyId}:${key}`)}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      ip: randomIp(),
    });
    expect((await json(elsewhere)).active).toBe(true);
  });

  it("costs the key's own lookup plus one MGET, no SQL", async () => {
    const { tokens, key } = await setup();
    await introspect(key, tokens.access_token);
    const { result, trips } = await countRoundTrips(
      { redis: h.config.redis.url, sql: h.config.database.httpEndpoint! },
      () => introspect(key, tokens.access_token),
    );
    expect((await json(result)).active).toBe(true);
    expect(trips.sql).toBe(0);
    console.log("INTROSPECT_TRIPS", JSON.stringify(trips.calls));
    expect(trips.redis).toBeLessThanOrEqual(3);
  });
});
