import { base64url } from "jose";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../src/crypto/hash";
import { bearer, createKey, passwordGrant, type SignedIn, signInByLink, signUpVerified } from "./support/accounts";
import { json, randomIp } from "./support/harness";
import { uniqueEmail, useHarness } from "./support/setup";

const h = useHarness();

async function code(
  user: SignedIn,
  peer?: string,
): Promise<{ token: string; deep_link: string; pair_url: string; expires_in: number }> {
  const res = await h.request("/v1/pairing/code", {
    method: "POST",
    jar: user.jar,
    json: peer ? { peer_id: peer } : {},
  });
  expect(res.status).toBe(201);
  return (await json(res)).data;
}

const pair = (pairing_token: string, extra: Record<string, unknown> = {}) =>
  h.request("/v1/pairing/pair", {
    method: "POST",
    json: { pairing_token, push_token: "fcm:abc123", platform: "android", device_name: "Pixel 9", ...extra },
    ip: randomIp(),
  });

describe("pairing codes", () => {
  it("are 256-bit, single use, stored hashed, with the app's deep link and a pair_url page", async () => {
    const user = await signInByLink(h, uniqueEmail("owner"));
    const c = await code(user, "runtime-7");
    expect(c.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(c.deep_link).toBe(`authapp://pair?token=${c.token}`);
    expect(c.pair_url).toBe(`http://127.0.0.1:8787/v1/pairing/link/${c.token}`);
    expect(c.expires_in).toBe(300);
    expect(await h.redis.exists(h.keys.oneTimeToken("pairing", await sha256Hex(c.token)))).toBe(1);
  });

  it("the link page opens the deep link, is locked down, and never spends the code", async () => {
    const user = await signInByLink(h, uniqueEmail("owner"));
    const c = await code(user);
    for (let i = 0; i < 2; i++) {
      const page = await h.request(`/v1/pairing/link/${c.token}`);
      expect(page.status).toBe(200);
      expect(page.headers.get("cache-control")).toBe("no-store");
      expect(page.headers.get("referrer-policy")).toBe("same-origin");
      expect(page.headers.get("content-security-policy")).toMatch(/^default-src 'none'; style-src 'nonce-[^']+'; /);
      const html = await page.text();
      expect(html).toContain(`href="${c.deep_link}"`);
      expect(html).toContain(`url=${c.deep_link}`);
      expect(html).not.toMatch(/<script|https?:\/\/(?!127\.0\.0\.1)/i);
    }
    expect((await pair(c.token)).status).toBe(201);
    const used = await h.request(`/v1/pairing/link/${c.token}`);
    expect(used.status).toBe(410);
    expect(await used.text()).toContain("expired");
  });
});

describe("POST /v1/pairing/pair", () => {
  it("records the device and returns a device token; the code cannot be replayed", async () => {
    const user = await signInByLink(h, uniqueEmail("owner"));
    const c = await code(user, "runtime-7");
    const res = await pair(c.token, { platform: "ios", device_name: "Ada's iPhone" });
    expect(res.status).toBe(201);
    const { data } = await json(res);
    expect(data).toMatchObject({ gateway_url: "http://127.0.0.1:8787", peer_id: "runtime-7" });
    expect(data.device_id).toMatch(/^dev_/);
    const [header] = (data.token as string).split(".");
    expect(JSON.parse(new TextDecoder().decode(base64url.decode(header!)))).toMatchObject({
      alg: "EdDSA",
      typ: "device+jwt",
    });
    const [row] = await h.sql.query(
      "select user_id, organization_id, platform, name, push_token, last_seen_at from devices where id = $1",
      [data.device_id],
    );
    expect(row).toMatchObject({
      user_id: user.user.id,
      organization_id: user.organization.id,
      platform: "ios",
      name: "Ada's iPhone",
      push_token: "fcm:abc123",
    });
    expect(row!.last_seen_at).not.toBeNull();
    const replay = await pair(c.token);
    expect(replay.status).toBe(401);
    expect((await json(replay)).error.code).toBe("token_invalid");
  });

  it("20 parallel exchanges of one code make one device", async () => {
    const user = await signInByLink(h, uniqueEmail("owner"));
    const c = await code(user);
    const results = await Promise.all(Array.from({ length: 20 }, () => pair(c.token)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    const [count] = await h.sql.query("select count(*)::int as n from devices where user_id = $1", [user.user.id]);
    expect(count!.n).toBe(1);
  });

  it("an expired code is refused", async () => {
    const user = await signInByLink(h, uniqueEmail("owner"));
    const c = await code(user);
    h.clock.advance(301_000);
    try {
      expect((await json(await pair(c.token))).error.code).toBe("token_expired");
    } finally {
      h.clock.advance(-301_000);
    }
  });

  it("bad platform or missing push token -> 400", async () => {
    const user = await signInByLink(h, uniqueEmail("owner"));
    const c = await code(user);
    const cases = [{ platform: "windows" }, { push_token: "" }, { push_token: undefined }, { device_name: "" }];
    for (const extra of cases) {
      const res = await pair(c.token, extra);
      expect(res.status, JSON.stringify(extra)).toBe(400);
      expect((await json(res)).error.code).toBe("validation_error");
    }
    expect((await pair(c.token)).status).toBe(201);
  });

  it("an API key (write) pairs for the member who minted it; the device holds the key's scopes and dies with the key", async () => {
    const owner = await signInByLink(h, uniqueEmail("owner"));
    const key = await createKey(h, owner.jar, { name: "runtime", scopes: ["read", "write"] });
    const res = await h.request("/v1/pairing/code", { method: "POST", headers: bearer(key.api_key), json: {} });
    expect(res.status).toBe(201);
    const paired = await json(await pair((await json(res)).data.token));
    const me = await json(await h.request("/v1/auth/me", { headers: bearer(paired.data.token) }));
    expect(me.data.user.id).toBe(owner.user.id);
    expect(me.data.identity).toMatchObject({ kind: "device", scopes: ["read", "write"] });
    const [row] = await h.sql.query("select api_key_id, scopes from devices where id = $1", [paired.data.device_id]);
    expect(row).toEqual({ api_key_id: key.id, scopes: ["read", "write"] });
    expect((await h.request(`/v1/api-keys/${key.id}/revoke`, { method: "POST", jar: owner.jar })).status).toBe(200);
    expect((await h.request("/v1/auth/me", { headers: bearer(paired.data.token) })).status).toBe(401);
  });

  it("a read-only key cannot mint pairing codes", async () => {
    const owner = await signInByLink(h, uniqueEmail("owner"));
    const key = await createKey(h, owner.jar, { name: "reader", scopes: ["read"] });
    const res = await h.request("/v1/pairing/code", { method: "POST", headers: bearer(key.api_key), json: {} });
    expect(res.status).toBe(403);
    expect((await json(res)).error.code).toBe("insufficient_scope");
  });
});

describe("device tokens", () => {
  it("act where devices may (/me), are refused everywhere else, and stop right after revoke", async () => {
    const user = await signInByLink(h, uniqueEmail("owner"));
    const device = (await json(await pair((await code(user)).token))).data;
    const me = await h.request("/v1/auth/me", { headers: bearer(device.token) });
    expect(me.status).toBe(200);
    expect((await json(me)).data.identity).toMatchObject({
      kind: "device",
      user_id: user.user.id,
      organization_id: user.organization.id,
      credential_id: device.device_id,
      scopes: ["device"],
    });
    for (const [method, path, body] of [
      ["GET", "/v1/auth/sessions"],
      ["POST", "/v1/auth/change-password", { current_password: "x", new_password: "y" }],
      ["GET", "/v1/api-keys"],
      ["POST", "/v1/organizations", { name: "x" }],
      ["GET", "/v1/devices"],
      ["POST", "/v1/pairing/code", {}],
      ["POST", "/v1/auth/logout-all"],
    ] as const) {
      const res = await h.request(path, { method, headers: bearer(device.token), json: body });
      expect(res.status, path).toBe(403);
    }
    const listed = await json(await h.request("/v1/devices", { jar: user.jar }));
    expect(listed.data.map((d: { id: string }) => d.id)).toEqual([device.device_id]);
    expect((await h.request(`/v1/devices/${device.device_id}`, { method: "DELETE", jar: user.jar })).status).toBe(200);
    const after = await h.request("/v1/auth/me", { headers: bearer(device.token) });
    expect(after.status).toBe(401);
    expect((await json(after)).error.code).toBe("token_invalid");
  });

  it("a request that found the device active before its removal cannot mark it active afterwards", async () => {
    const user = await signInByLink(h, uniqueEmail("raced"));
    const device = (await json(await pair((await code(user)).token))).data;
    expect((await h.request("/v1/auth/me", { headers: bearer(device.token) })).status).toBe(200);
    expect((await h.request(`/v1/devices/${device.device_id}`, { method: "DELETE", jar: user.jar })).status).toBe(200);
    // The late marker of a request that read Postgres just before the removal: refused (SET NX).
    await h.deps.deviceState.markActive(device.device_id);
    expect(await h.redis.get(h.keys.deviceActive(device.device_id))).toBe("revoked");
    expect((await h.request("/v1/auth/me", { headers: bearer(device.token) })).status).toBe(401);
  });

  it("a device token is never an access token, nor an access token a device token", async () => {
    const email = uniqueEmail("both");
    await signUpVerified(h, email);
    const user = await signInByLink(h, email);
    const device = (await json(await pair((await code(user)).token))).data.token as string;
    const access = (await passwordGrant(h, email)).access_token;
    // Relabel each token's header as the other kind: the signature no longer matches.
    const relabel = (token: string, typ: string) => {
      const [header, ...rest] = token.split(".");
      const parsed = JSON.parse(new TextDecoder().decode(base64url.decode(header!)));
      return [base64url.encode(JSON.stringify({ ...parsed, typ })), ...rest].join(".");
    };
    expect((await h.request("/v1/auth/me", { headers: bearer(relabel(device, "at+jwt")) })).status).toBe(401);
    expect((await h.request("/v1/auth/me", { headers: bearer(relabel(access, "device+jwt")) })).status).toBe(401);
    // Honestly signed tokens of one kind never pass the other's checks (typ and audience differ).
    const sessions = await h.request("/v1/auth/sessions", { headers: bearer(device) });
    expect(sessions.status).toBe(403);
    expect((await h.request("/v1/auth/sessions", { headers: bearer(access) })).status).toBe(200);
  });

  it("logout-all ends device tokens too", async () => {
    const owner = await signInByLink(h, uniqueEmail("owner"));
    const device = (await json(await pair((await code(owner)).token))).data.token as string;
    expect((await h.request("/v1/auth/logout-all", { method: "POST", jar: owner.jar })).status).toBe(200);
    expect((await h.request("/v1/auth/me", { headers: bearer(device) })).status).toBe(401);
  });
});
