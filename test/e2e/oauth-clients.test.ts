// A certified OAuth library (oauth4webapi) against the deployable bundle over real HTTP: discovery
// (RFC 8414), introspection (RFC 7662) with client_secret_basic and client_secret_post, its error
// answers (RFC 6749 §5.2, RFC 6750 §3), and the token endpoint's refresh and revocation as a library
// drives them (RFC 6749 §6, RFC 7009).
import * as oauth from "oauth4webapi";
import { beforeAll, describe, expect, it } from "vitest";
import { api, env, verifiedAccount } from "./support/browser.ts";

const PASSWORD = "correct horse battery staple";
const insecure = { [oauth.allowInsecureRequests]: true } as const; // the dev worker is plain HTTP

let as: oauth.AuthorizationServer;
let fixture: { keyId: string; apiKey: string; accessToken: string; refreshToken: string; userId: string };

/** A verified account with tokens, and an organization key with the read scope (a resource server). */
async function account(scopes = ["read"]) {
  const email = await verifiedAccount("oauth", PASSWORD);
  const ip = { "cf-connecting-ip": `198.51.100.${Math.floor(Math.random() * 200) + 1}` };
  const tokens = await api("/v1/auth/token", { json: { grant_type: "password", email, password: PASSWORD } });
  expect(tokens.status).toBe(200);
  const access = tokens.body.data.access_token as string;
  // Keys are minted by a browser session (an access token may not mint long-lived keys).
  const login = await fetch(`${env().origin}/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", ...ip },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  const cookies = login.headers.getSetCookie().map((c) => c.split(";")[0] ?? "");
  const csrf = cookies.find((c) => c.startsWith("csrf_token="))?.split("=")[1] ?? "";
  const key = await api("/v1/api-keys", {
    json: { name: "resource server", scopes },
    headers: { cookie: cookies.join("; "), "x-csrf-token": csrf },
  });
  expect(key.status).toBe(201);
  const apiKey = key.body.data.api_key as string;
  return {
    keyId: apiKey.slice(apiKey.indexOf("key_"), apiKey.indexOf(".")),
    apiKey,
    accessToken: access,
    refreshToken: tokens.body.data.refresh_token as string,
    userId: tokens.body.data.user.id as string,
  };
}

beforeAll(async () => {
  const issuer = new URL(env().origin);
  as = await oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { ...insecure, algorithm: "oauth2" }),
  );
  fixture = await account();
});

describe("discovery (RFC 8414) through oauth4webapi", () => {
  it("finds the issuer, JWKS, token, introspection and revocation endpoints", () => {
    const origin = env().origin;
    expect(as).toMatchObject({
      issuer: origin,
      jwks_uri: `${origin}/.well-known/jwks.json`,
      token_endpoint: `${origin}/v1/auth/token`,
      introspection_endpoint: `${origin}/v1/oauth/introspect`,
      revocation_endpoint: `${origin}/v1/auth/token/revoke`,
      introspection_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
      code_challenge_methods_supported: ["S256"],
      grant_types_supported: expect.arrayContaining(["refresh_token", "authorization_code"]),
    });
  });

  it("its jwks_uri verifies our access tokens (jose, pinned algorithm, iss, aud, typ)", async () => {
    const { createRemoteJWKSet, jwtVerify } = await import("jose");
    const keys = createRemoteJWKSet(new URL(as.jwks_uri as string));
    const { payload, protectedHeader } = await jwtVerify(fixture.accessToken, keys, {
      algorithms: ["EdDSA"],
      issuer: as.issuer,
      audience: env().origin,
      typ: "at+jwt",
    });
    expect(payload.sub).toBe(fixture.userId);
    expect(protectedHeader.kid).toBeTruthy();
  });
});

describe("introspection (RFC 7662) through oauth4webapi", () => {
  for (const [name, auth] of [
    ["client_secret_basic", (secret: string) => oauth.ClientSecretBasic(secret)],
    ["client_secret_post", (secret: string) => oauth.ClientSecretPost(secret)],
  ] as const) {
    it(`${name}: the key's id and the key itself; a live token is active with its claims`, async () => {
      const client: oauth.Client = { client_id: fixture.keyId };
      const response = await oauth.introspectionRequest(
        as,
        client,
        auth(fixture.apiKey),
        fixture.accessToken,
        insecure,
      );
      const result = await oauth.processIntrospectionResponse(as, client, response);
      expect(result).toMatchObject({ active: true, sub: fixture.userId, token_type: "Bearer", iss: as.issuer });
      const dead = await oauth.introspectionRequest(as, client, auth(fixture.apiKey), "not-a-token", insecure);
      expect(await oauth.processIntrospectionResponse(as, client, dead)).toEqual({ active: false });
    });

    it(`${name}: the secret alone (the part after the dot) also authenticates`, async () => {
      const client: oauth.Client = { client_id: fixture.keyId };
      const secret = fixture.apiKey.slice(fixture.apiKey.indexOf(".") + 1);
      const response = await oauth.introspectionRequest(as, client, auth(secret), fixture.accessToken, insecure);
      expect((await oauth.processIntrospectionResponse(as, client, response)).active).toBe(true);
    });

    it(`${name}: a wrong secret or another key's id is 401 invalid_client`, async () => {
      const other = await account();
      for (const [clientId, secret] of [
        [fixture.keyId, `${fixture.apiKey.slice(0, -4)}AAAA`],
        [other.keyId, fixture.apiKey],
      ]) {
        const client: oauth.Client = { client_id: clientId as string };
        const response = await oauth.introspectionRequest(
          as,
          client,
          auth(secret as string),
          fixture.accessToken,
          insecure,
        );
        expect(response.status).toBe(401);
        expect(response.headers.get("www-authenticate")).toMatch(
          name === "client_secret_basic" ? /^Basic realm=/ : /realm=/,
        );
        const body = (await response.clone().json()) as { error: string };
        expect(body.error).toBe("invalid_client");
        const error = await oauth.processIntrospectionResponse(as, client, response).then(
          () => null,
          (e: unknown) => e,
        );
        // oauth4webapi surfaces a 401 with a challenge as WWWAuthenticateChallengeError.
        expect(error).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
      }
    });
  }

  it("errors are RFC 6749 JSON with an RFC 6750 challenge (raw HTTP)", async () => {
    const url = as.introspection_endpoint as string;
    const form = { "content-type": "application/x-www-form-urlencoded" };
    const none = await fetch(url, { method: "POST", headers: form, body: "token=x" });
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/Basic realm="[^"]+".*Bearer realm=/);
    expect(await none.json()).toMatchObject({ error: "invalid_client", error_description: expect.any(String) });

    const badBearer = await fetch(url, {
      method: "POST",
      headers: { ...form, authorization: "Bearer sk_live_nope" },
      body: "token=x",
    });
    expect(badBearer.status).toBe(401);
    expect(badBearer.headers.get("www-authenticate")).toMatch(/^Bearer realm="[^"]+", error="invalid_token"/);
    expect(((await badBearer.json()) as { error: string }).error).toBe("invalid_token");

    const writeOnly = await account(["write"]);
    const noScope = await fetch(url, {
      method: "POST",
      headers: { ...form, authorization: `Bearer ${writeOnly.apiKey}` },
      body: `token=${fixture.accessToken}`,
    });
    expect(noScope.status).toBe(403);
    expect(noScope.headers.get("www-authenticate")).toMatch(/error="insufficient_scope", scope="read"/);
    expect(((await noScope.json()) as { error: string }).error).toBe("insufficient_scope");

    const basic = `Basic ${btoa(`${fixture.keyId}:${fixture.apiKey}`)}`;
    const twoMethods = await fetch(url, {
      method: "POST",
      headers: { ...form, authorization: basic },
      body: new URLSearchParams({ token: "x", client_id: fixture.keyId, client_secret: fixture.apiKey }).toString(),
    });
    expect(twoMethods.status).toBe(400);
    expect(((await twoMethods.json()) as { error: string }).error).toBe("invalid_request");

    const missing = await fetch(url, { method: "POST", headers: { ...form, authorization: basic }, body: "" });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: string }).error).toBe("invalid_request");
  });
});

describe("the token endpoint (RFC 6749) and revocation (RFC 7009) through oauth4webapi", () => {
  const client: oauth.Client = { client_id: "mobile-app" };

  it("refreshes a token family and revokes it; the old refresh token is then invalid_grant", async () => {
    const mine = await account();
    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), mine.refreshToken, insecure),
    );
    expect(refreshed.token_type).toBe("bearer"); // oauth4webapi lower-cases it
    expect(refreshed.expires_in).toBe(900);
    expect(refreshed.refresh_token).not.toBe(mine.refreshToken);
    const introspected = await oauth.processIntrospectionResponse(
      as,
      { client_id: mine.keyId },
      await oauth.introspectionRequest(
        as,
        { client_id: mine.keyId },
        oauth.ClientSecretBasic(mine.apiKey),
        refreshed.access_token,
        insecure,
      ),
    );
    expect(introspected).toMatchObject({ active: true, sub: mine.userId });

    const revoked = await oauth.revocationRequest(
      as,
      client,
      oauth.None(),
      refreshed.refresh_token as string,
      insecure,
    );
    await expect(oauth.processRevocationResponse(revoked)).resolves.toBeUndefined();
    const again = await oauth.refreshTokenGrantRequest(
      as,
      client,
      oauth.None(),
      refreshed.refresh_token as string,
      insecure,
    );
    expect(again.status).toBe(400);
    expect(again.headers.get("cache-control")).toBe("no-store");
    const error = await oauth.processRefreshTokenResponse(as, client, again).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(oauth.ResponseBodyError);
    expect((error as oauth.ResponseBodyError).error).toBe("invalid_grant");
  });

  it("the password grant as RFC 6749 sends it (username), and its refusals", async () => {
    const url = as.token_endpoint as string;
    const post = (fields: Record<string, string>) =>
      fetch(url, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "cf-connecting-ip": "198.51.100.250" },
        body: new URLSearchParams(fields).toString(),
      });
    const email = await verifiedAccount("ropc", PASSWORD);

    const granted = await post({ grant_type: "password", username: email, password: PASSWORD });
    expect(granted.status).toBe(200);
    expect(granted.headers.get("cache-control")).toBe("no-store");
    const tokens = (await granted.json()) as Record<string, unknown>;
    expect(tokens).toMatchObject({ token_type: "Bearer", expires_in: 900 });
    expect(tokens.access_token).toEqual(expect.any(String));
    expect(tokens.success).toBeUndefined(); // not the envelope

    const wrong = await post({ grant_type: "password", username: email, password: "not the password" });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: "invalid_grant" });
    const unsupported = await post({ grant_type: "client_credentials" });
    expect(unsupported.status).toBe(400);
    expect(await unsupported.json()).toMatchObject({ error: "unsupported_grant_type" });
    const missing = await post({ grant_type: "refresh_token" });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: "invalid_request" });
  });
});
