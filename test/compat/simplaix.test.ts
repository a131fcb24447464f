// 001 Simplaix gateway, replayed from its document with COMPAT_PROFILE=simplaix.
import { describe, expect, it } from "vitest";
import { PASSWORD, signUpVerified } from "../support/accounts";
import { parseSetCookies } from "../support/cookies";
import { json, randomIp } from "../support/harness";
import { uniqueEmail, useHarness } from "../support/setup";

const h = useHarness({ COMPAT_PROFILE: "simplaix" });

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  h.request(path, { method: "POST", json: body, headers, ip: randomIp() });

async function account(name = "Admin"): Promise<{ email: string; token: string; user: any }> {
  const email = uniqueEmail("admin");
  await signUpVerified(h, email, PASSWORD, { name });
  const res = await post("/api/v1/auth/login", { email, password: PASSWORD });
  expect(res.status).toBe(200);
  const body = await json(res);
  return { email, token: body.token, user: body.user };
}

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

describe("Simplaix profile (001)", () => {
  it("login: {success, token, user{id, email, name, tenantId, roles}}; the token is a Bearer JWT", async () => {
    const email = uniqueEmail("admin");
    await signUpVerified(h, email, PASSWORD, { name: "Admin" });
    const res = await post("/api/v1/auth/login", { email, password: PASSWORD });
    expect(res.status).toBe(200);
    expect(parseSetCookies(res)).toEqual([]);
    const body = await json(res);
    expect(body).toMatchObject({
      success: true,
      token: expect.stringMatching(/^ey/),
      user: { id: expect.stringMatching(/^usr_/), email, name: "Admin", tenantId: expect.stringMatching(/^tnt_/) },
    });
    // The document's tenant id form; /v1 takes it as the organization's id.
    const members = await h.request(`/v1/organizations/${body.user.tenantId}/members`, { headers: auth(body.token) });
    expect(members.status, await members.clone().text()).toBe(200);
    expect((await json(members)).data[0].email).toBe(email);
    // An owner passes the document's `roles.includes("admin")` checks.
    expect(body.user.roles).toEqual(["owner", "admin"]);
    const me = await h.request("/api/v1/auth/me", { headers: auth(body.token) });
    expect(me.status).toBe(200);
    expect((await json(me)).user).toEqual(body.user);
  });

  it("login with a wrong password or an unknown email: the same 401, a string error", async () => {
    const { email } = await account();
    const wrong = await post("/api/v1/auth/login", { email, password: "not the password" });
    const unknown = await post("/api/v1/auth/login", { email: uniqueEmail("nobody"), password: PASSWORD });
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      const body = await json(res);
      expect(body).toMatchObject({ success: false, code: "invalid_credentials" });
      expect(typeof body.error).toBe("string");
    }
    const missing = await post("/api/v1/auth/login", { email });
    expect(missing.status).toBe(400);
    expect((await json(missing)).code).toBe("validation_error");
  });

  it("verify-credentials checks without issuing anything", async () => {
    const { email, user } = await account();
    const res = await post("/api/v1/auth/verify-credentials", { email, password: PASSWORD });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toEqual({ success: true, valid: true, user });
    expect(parseSetCookies(res)).toEqual([]);
    expect(JSON.stringify(body)).not.toMatch(/ey[A-Za-z0-9_-]{10,}\./);
    const bad = await post("/api/v1/auth/verify-credentials", { email, password: "nope nope nope" });
    expect(bad.status).toBe(401);
  });

  it("GET/PUT /me: profile with the JWT; a new email is applied only once proven", async () => {
    const { email, token, user } = await account();
    expect((await h.request("/api/v1/auth/me")).status).toBe(401);
    const newEmail = uniqueEmail("new");
    const put = await h.request("/api/v1/auth/me", {
      method: "PUT",
      headers: auth(token),
      json: { name: "Updated Name", email: newEmail },
    });
    expect(put.status).toBe(200);
    const body = await json(put);
    expect(body).toMatchObject({ success: true, user: { id: user.id, name: "Updated Name", email } });
    const [row] = await h.sql.query("select name, email from users where id = $1", [user.id]);
    expect(row).toEqual({ name: "Updated Name", email });
    expect((await h.outbox(newEmail)).length).toBe(1);
  });

  it("change-password takes camelCase fields; the old password stops working", async () => {
    const { email, token } = await account();
    const wrong = await post(
      "/api/v1/auth/change-password",
      { currentPassword: "old-pass-wrong", newPassword: "new-pass-123-long" },
      auth(token),
    );
    expect(wrong.status).toBe(401);
    expect((await json(wrong)).success).toBe(false);
    const res = await post(
      "/api/v1/auth/change-password",
      { currentPassword: PASSWORD, newPassword: "new-pass-123-long" },
      auth(token),
    );
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ success: true });
    expect((await post("/api/v1/auth/login", { email, password: PASSWORD })).status).toBe(401);
    expect((await post("/api/v1/auth/login", { email, password: "new-pass-123-long" })).status).toBe(200);
  });

  it("device pairing: pairing-code -> pair-link page -> pair (camelCase) -> device JWT; single use", async () => {
    const { token, user } = await account();
    const code = await post("/api/v1/auth/pairing-code", { peerId: "runtime-1" }, auth(token));
    expect(code.status).toBe(200);
    const { token: pairingToken, deepLink, pairUrl } = await json(code);
    expect(pairingToken).toEqual(expect.any(String));
    expect(deepLink).toContain(encodeURIComponent(pairingToken));
    expect(pairUrl).toBe(`http://127.0.0.1:8787/api/v1/auth/pair-link/${pairingToken}`);

    const page = await h.request(`/api/v1/auth/pair-link/${pairingToken}`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    expect(await page.text()).toContain(deepLink.replaceAll("&", "&amp;"));

    const body = { pairingToken, pushToken: "push-abc", platform: "ios", deviceName: "iPhone 16" };
    const paired = await post("/api/v1/auth/pair", body);
    expect(paired.status).toBe(200);
    const device = await json(paired);
    expect(device).toMatchObject({ token: expect.stringMatching(/^ey/), gatewayUrl: "http://127.0.0.1:8787" });
    expect(device.peerId).toBe("runtime-1");
    const [row] = await h.sql.query("select user_id, name, platform from devices where id = $1", [device.deviceId]);
    expect(row).toEqual({ user_id: user.id, name: "iPhone 16", platform: "ios" });
    const me = await h.request("/api/v1/auth/me", { headers: auth(device.token) });
    expect(me.status).toBe(200);
    expect((await json(me)).user.id).toBe(user.id);

    const again = await post("/api/v1/auth/pair", body);
    expect(again.status).toBe(401);
    expect((await json(again)).success).toBe(false);
  });

  it("two runtimes of one user pair at once (one code per peerId)", async () => {
    const { token } = await account();
    const a = await json(await post("/api/v1/auth/pairing-code", { peerId: "runtime-a" }, auth(token)));
    const b = await json(await post("/api/v1/auth/pairing-code", { peerId: "runtime-b" }, auth(token)));
    const pair = (pairingToken: string, deviceName: string) =>
      post("/api/v1/auth/pair", { pairingToken, pushToken: "p", platform: "android", deviceName });
    const [ra, rb] = await Promise.all([pair(a.token, "Pixel A"), pair(b.token, "Pixel B")]);
    expect([ra.status, rb.status]).toEqual([200, 200]);
    expect((await json(ra)).peerId).toBe("runtime-a");
    expect((await json(rb)).peerId).toBe("runtime-b");
  });

  it("a malformed body gets a 400 in the profile's shape, never a 500", async () => {
    const res = await h.request("/api/v1/auth/pair", {
      method: "POST",
      body: "{not json",
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({ success: false, code: "validation_error" });
    const huge = await post("/api/v1/auth/login", { email: "a@example.com", password: "x".repeat(70_000) });
    expect(huge.status).toBe(413);
    expect(await json(huge)).toMatchObject({ success: false, code: "payload_too_large" });
    const text = await h.request("/api/v1/auth/login", { method: "POST", body: "email=a", headers: {} });
    expect(text.status).toBe(415);
    expect((await json(text)).code).toBe("unsupported_media_type");
  });
});
