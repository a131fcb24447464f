// 002 phy.engineering, replayed from its document with COMPAT_PROFILE=phy.

import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { describe, expect, it } from "vitest";
import { generateId } from "../../src/crypto/random";
import { totpCode, totpStep } from "../../src/crypto/totp";
import { idToUuid } from "../../src/crypto/uuid-ids";
import { joinOrganization, login, PASSWORD, signUpVerified } from "../support/accounts";
import { json, randomIp } from "../support/harness";
import { uniqueEmail, useHarness } from "../support/setup";

const h = useHarness({ COMPAT_PROFILE: "phy" });

const post = (path: string, body: unknown) => h.request(path, { method: "POST", json: body, ip: randomIp() });
/** The document's ids: RFC 9562 UUIDs (`"id": "8b4cdb8d-..."`, `userId (uuid)`). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const get = (path: string, token?: string) =>
  h.request(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });

async function phyLogin(email: string): Promise<any> {
  const res = await post("/api/v1/auth/login", { email, password: PASSWORD });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await json(res)).data;
}

function expectError(body: any) {
  expect(body.success).toBe(false);
  expect(typeof body.error).toBe("string");
  expect(typeof body.message).toBe("string");
}

describe("phy.engineering profile (002)", () => {
  it("signup: 200 {success, message, data: {user}} and no tokens; the same answer for a taken address", async () => {
    const email = uniqueEmail("newuser");
    const res = await post("/api/v1/auth/signup", { email, password: "SecretPass123!" });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({
      success: true,
      message: "Authentication successful",
      data: { user: { id: expect.stringMatching(UUID), email, created_at: expect.any(String) } },
    });
    expect(body.data.access_token).toBeUndefined();
    const taken = await post("/api/v1/auth/signup", { email, password: "SecretPass123!" });
    expect(taken.status).toBe(200);
    expect(Object.keys((await json(taken)).data.user).sort()).toEqual(["created_at", "email", "id"]);
    const [count] = await h.sql.query("select count(*)::int as n from users where email = $1", [email]);
    expect(count?.n).toBe(1);
    // Email confirmation is on: login waits for the address to be proven (a 401, as the document lists).
    const early = await post("/api/v1/auth/login", { email, password: "SecretPass123!" });
    expect(early.status).toBe(401);
    expectError(await json(early));
    const invalid = await post("/api/v1/auth/signup", { email: "not-an-email", password: "SecretPass123!" });
    expect(invalid.status).toBe(400);
    expectError(await json(invalid));
  });

  it("login: 200 with access/refresh tokens, epoch expires_at and expires_in 3600", async () => {
    const email = uniqueEmail("user");
    await signUpVerified(h, email);
    const before = Math.floor(Date.now() / 1000);
    const res = await post("/api/v1/auth/login", { email, password: PASSWORD });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.success).toBe(true);
    expect(body.message).toBe("Authentication successful");
    expect(body.data).toMatchObject({
      access_token: expect.stringMatching(/^ey/),
      refresh_token: expect.any(String),
      expires_in: 3600,
      user: { id: expect.any(String), email, created_at: expect.any(String) },
    });
    expect(Number.isInteger(body.data.expires_at)).toBe(true);
    expect(body.data.expires_at).toBeGreaterThanOrEqual(before + 3600);
    expect(body.data.expires_at).toBeLessThanOrEqual(before + 3602);
  });

  it("login errors: 400 for a missing password, 401 for wrong credentials (unknown email alike)", async () => {
    const email = uniqueEmail("user");
    await signUpVerified(h, email);
    const missing = await post("/api/v1/auth/login", { email });
    expect(missing.status).toBe(400);
    expectError(await json(missing));
    for (const body of [
      { email, password: "password123" },
      { email: uniqueEmail("nobody"), password: "password123" },
    ]) {
      const res = await post("/api/v1/auth/login", body);
      expect(res.status).toBe(401);
      const error = await json(res);
      expectError(error);
      expect(error.code).toBe("invalid_credentials");
    }
  });

  it("refresh: new tokens with message 'Token refreshed'; the used token later fails with 401", async () => {
    const email = uniqueEmail("refresh");
    await signUpVerified(h, email);
    const first = await phyLogin(email);
    const res = await post("/api/v1/auth/refresh", { refresh_token: first.refresh_token });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ success: true, message: "Token refreshed", data: { user: { email } } });
    expect(body.data.refresh_token).not.toBe(first.refresh_token);
    expect(Number.isInteger(body.data.expires_at)).toBe(true);
    h.clock.advance(11_000);
    const replay = await post("/api/v1/auth/refresh", { refresh_token: first.refresh_token });
    expect(replay.status).toBe(401);
    expectError(await json(replay));
    const bad = await post("/api/v1/auth/refresh", {});
    expect(bad.status).toBe(400);
  });

  it("organizations: the caller's memberships with upper-case roles, message and count", async () => {
    const ownerEmail = uniqueEmail("owner");
    await signUpVerified(h, ownerEmail);
    const ownerJar = await login(h, ownerEmail);
    const created = await h.request("/v1/organizations", {
      method: "POST",
      jar: ownerJar,
      json: { name: "Example Utilities" },
    });
    expect(created.status).toBe(201);
    const org = (await json(created)).data;
    const memberEmail = uniqueEmail("member");
    await signUpVerified(h, memberEmail);
    await joinOrganization(h, ownerJar, org.id, memberEmail, "admin");
    const member = await phyLogin(memberEmail);

    expect((await get("/api/v1/auth/organizations")).status).toBe(401);
    const res = await get("/api/v1/auth/organizations", member.access_token);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.success).toBe(true);
    expect(body.message).toBe("Retrieved 2 organizations");
    expect(body.count).toBe(2);
    const byName = Object.fromEntries(body.data.map((o: any) => [o.name, o]));
    expect(byName["Example Utilities"]).toMatchObject({
      id: idToUuid(org.id),
      is_personal_account: false,
      role: "ADMIN",
    });
    expect(body.data.every((o: any) => UUID.test(o.id))).toBe(true);
    const personal = body.data.find((o: any) => o.is_personal_account);
    expect(personal.role).toBe("OWNER");

    // Another user's organizations: only the ones the caller shares with them, naming both.
    const owner = await phyLogin(ownerEmail);
    const ownerId = owner.user.id;
    expect(ownerId).toMatch(UUID);
    const theirs = await get(`/api/v1/auth/users/${ownerId}/organizations`, member.access_token);
    expect(theirs.status).toBe(200);
    const shared = await json(theirs);
    expect(shared).toMatchObject({ success: true, message: "Retrieved 1 organizations for user", count: 1 });
    expect(shared.data).toEqual([
      expect.objectContaining({
        id: idToUuid(org.id),
        name: "Example Utilities",
        is_personal_account: false,
        role: "OWNER",
        user_id: ownerId,
        requested_by: member.user.id,
      }),
    ]);
    // The /v1 form of the same id is taken too; anything that is neither is 400 "invalid userId format".
    const v1Id = (await json(await get("/v1/auth/me", owner.access_token))).data.user.id;
    const byV1Id = await get(`/api/v1/auth/users/${v1Id}/organizations`, member.access_token);
    expect((await json(byV1Id)).data).toEqual(shared.data);
    for (const bad of ["not-a-user-id!", "8b4cdb8d-...", ownerId.slice(0, -1)]) {
      const malformed = await get(`/api/v1/auth/users/${bad}/organizations`, member.access_token);
      expect(malformed.status, bad).toBe(400);
      expectError(await json(malformed));
    }
    const stranger = uniqueEmail("stranger");
    await signUpVerified(h, stranger);
    const strangerId = (await phyLogin(stranger)).user.id;
    // The visible subset, as the document answers: empty for a stranger and for an unknown id alike.
    // ...and for a well-formed UUID that is none of ours (the document's own example, version 4).
    for (const id of [strangerId, idToUuid(generateId("usr")), "f47ac10b-58cc-4372-a567-0e02b2c3d479"]) {
      const invisible = await get(`/api/v1/auth/users/${id}/organizations`, member.access_token);
      expect(invisible.status).toBe(200);
      expect(await json(invisible)).toMatchObject({ success: true, data: [], count: 0 });
    }
  });
});

describe("phy.engineering profile and a second factor", () => {
  it("refuses in its own error shape with the challenge beside it; /v1/auth/mfa/verify finishes", async () => {
    const email = uniqueEmail("phy-mfa");
    await signUpVerified(h, email);
    const jar = await login(h, email);
    const started = await json(await h.request("/v1/auth/mfa/totp", { method: "POST", jar, json: {} }));
    const secret = decodeBase32IgnorePadding(started.data.secret);
    const code = (offset: number) => totpCode(secret, totpStep(h.clock.now()) + offset);
    const confirmed = await h.request("/v1/auth/mfa/totp/confirm", { method: "POST", jar, json: { code: code(0) } });
    expect(confirmed.status).toBe(200);
    const res = await post("/api/v1/auth/login", { email, password: PASSWORD });
    expect(res.status).toBe(401);
    const body = await json(res);
    expectError(body);
    expect(body).toMatchObject({ code: "mfa_required", mfa_required: true, methods: ["totp", "recovery_code"] });
    const done = await h.request("/v1/auth/mfa/verify", {
      method: "POST",
      json: { mfa_token: body.mfa_token, code: code(1) },
      ip: randomIp(),
    });
    expect(done.status, await done.clone().text()).toBe(200);
    expect((await json(done)).data.access_token).toEqual(expect.any(String));
  });
});
