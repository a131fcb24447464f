// 003 CorePlexML, replayed from its document with COMPAT_PROFILE=coreplexml.
import { describe, expect, it } from "vitest";
import { inviteToken, latestLink, tokenFromOutbox } from "../support/accounts";
import { CookieJar, parseSetCookies } from "../support/cookies";
import { json, randomIp } from "../support/harness";
import { uniqueEmail, useHarness } from "../support/setup";

const h = useHarness({ COMPAT_PROFILE: "coreplexml" });
/** The document's ids are RFC 9562 UUIDs (`"id": "a1b2c3d4-e5f6-7890-abcd-ef1234567890"`). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const PASSWORD = "s3cure!Pass";

async function register(email: string, password = PASSWORD) {
  return h.request("/api/auth/register", {
    method: "POST",
    ip: randomIp(),
    json: { email, name: "Alice Chen", password },
  });
}

async function verify(email: string): Promise<void> {
  const token = tokenFromOutbox(await latestLink(h, email, /Confirm your email/));
  const res = await h.request("/v1/auth/verify-email", { method: "POST", json: { token } });
  expect(res.status).toBe(200);
}

/** `curl -c cookies.txt` on /api/auth/login: the jar keeps the session and csrf_token cookies. */
async function signIn(email: string, password = PASSWORD): Promise<{ jar: CookieJar; user: any }> {
  const jar = new CookieJar();
  const res = await h.request("/api/auth/login", { method: "POST", json: { email, password }, ip: randomIp() });
  expect(res.status, await res.clone().text()).toBe(200);
  jar.absorb(res);
  return { jar, user: (await json(res)).user };
}

/** A cookie-authenticated write with X-CSRF-Token copied from the csrf_token cookie, as the document says. */
const write = (path: string, jar: CookieJar, body?: unknown) =>
  h.request(path, {
    method: "POST",
    json: body,
    headers: { cookie: jar.header(), "x-csrf-token": jar.get("csrf_token") ?? "" },
  });

async function account(): Promise<{ email: string; jar: CookieJar; user: any }> {
  const email = uniqueEmail("alice");
  expect((await register(email)).status).toBe(201);
  await verify(email);
  return { email, ...(await signIn(email)) };
}

describe("CorePlexML profile (003)", () => {
  it("register: 201 {user, verification_required}; login waits for the address with the documented 403", async () => {
    const email = uniqueEmail("alice");
    const res = await register(email);
    expect(res.status).toBe(201);
    const body = await json(res);
    expect(body).toEqual({
      user: { id: expect.stringMatching(UUID), email, name: "Alice Chen" },
      verification_required: true,
    });
    const early = await h.request("/api/auth/login", { method: "POST", json: { email, password: PASSWORD } });
    expect(early.status).toBe(403);
    expect((await json(early)).detail).toBe("Email not verified. Please check your inbox for the activation link.");
    // A taken address gets the same 201 (no enumeration); its owner is emailed instead.
    const again = await register(email);
    expect(again.status).toBe(201);
    expect((await h.outbox(email)).some((m) => /already have an account/.test(m.subject ?? ""))).toBe(true);
  });

  it("register validation: 422 with a detail list (missing name, short password)", async () => {
    const noName = await h.request("/api/auth/register", {
      method: "POST",
      json: { email: uniqueEmail("x"), password: PASSWORD },
    });
    expect(noName.status).toBe(422);
    expect((await json(noName)).detail[0]).toMatchObject({ loc: ["body", "name"] });
    const short = await register(uniqueEmail("short"), "short");
    expect(short.status).toBe(422);
    expect(Array.isArray((await json(short)).detail)).toBe(true);
  });

  it("the emailed activation link is GET /api/auth/verify-email: a confirm page that does not spend the token", async () => {
    const email = uniqueEmail("verify");
    await register(email);
    const link = await latestLink(h, email, /Confirm your email/);
    // The activation link follows the document's public endpoint, GET /api/auth/verify-email?token=.
    const url = new URL(link ?? "");
    expect(url.origin).toBe(h.config.publicOrigin);
    expect(url.pathname).toBe("/api/auth/verify-email");
    const page = await h.request(`${url.pathname}${url.search}`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    await verify(email);
    const [row] = await h.sql.query("select email_verified_at from users where email = $1", [email]);
    expect(row?.email_verified_at).not.toBeNull();
  });

  it("login sets an HttpOnly session cookie and a csrf_token cookie; a wrong password is 401 {detail}", async () => {
    const { email } = await account();
    const res = await h.request("/api/auth/login", { method: "POST", json: { email, password: PASSWORD } });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ user: { id: expect.stringMatching(UUID), email, name: "Alice Chen" } });
    const cookies = parseSetCookies(res);
    expect(cookies.find((c) => c.name === "session")?.attributes.httponly).toBe(true);
    expect(cookies.find((c) => c.name === "csrf_token")?.value).toMatch(/.{20,}/);
    const wrong = await h.request("/api/auth/login", { method: "POST", json: { email, password: "wrong-pass!" } });
    expect(wrong.status).toBe(401);
    expect(typeof (await json(wrong)).detail).toBe("string");
  });

  it("/me: the profile with is_superuser and email_verified_at", async () => {
    const { jar, user } = await account();
    const res = await h.request("/api/auth/me", { headers: { cookie: jar.header() } });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.user).toMatchObject({ id: user.id, email: user.email, name: "Alice Chen", is_superuser: false });
    expect(Date.parse(body.user.email_verified_at)).toBeGreaterThan(0);
    expect((await h.request("/api/auth/me")).status).toBe(401);
  });

  it("API keys: create (cookie + CSRF), list without secrets, use as Bearer on /me, revoke -> 401", async () => {
    const { jar, user } = await account();
    const noCsrf = await h.request("/api/auth/api-keys", {
      method: "POST",
      json: { name: "CI Pipeline Key", scopes: ["*"] },
      headers: { cookie: jar.header() },
    });
    expect(noCsrf.status).toBe(403);
    expect((await json(noCsrf)).code).toBe("csrf_failed");

    const res = await write("/api/auth/api-keys", jar, { name: "CI Pipeline Key", scopes: ["*"] });
    expect(res.status).toBe(201);
    const key = await json(res);
    // The document's keys: `cp_…`, `prefix` the part before the dot, a UUID id.
    expect(key.id).toMatch(UUID);
    expect(key.prefix).toMatch(/^cp_key_[0-9a-z]{26}$/);
    expect(key.api_key.startsWith(`${key.prefix}.`)).toBe(true);
    expect(key.scopes).toEqual(["read", "write", "predict", "admin"]);

    const me = await h.request("/api/auth/me", { headers: { authorization: `Bearer ${key.api_key}` } });
    expect(me.status).toBe(200);
    expect((await json(me)).user.id).toBe(user.id);

    // Key management takes the cookie only: the key itself (even admin-scoped) is not accepted.
    const byKey = await h.request("/api/auth/api-keys", { headers: { authorization: `Bearer ${key.api_key}` } });
    expect(byKey.status).toBe(401);

    const list = await h.request("/api/auth/api-keys", { headers: { cookie: jar.header() } });
    expect(list.status).toBe(200);
    const keys = await json(list);
    expect(Array.isArray(keys)).toBe(true);
    expect(keys[0]).toMatchObject({
      id: key.id,
      name: "CI Pipeline Key",
      prefix: key.prefix,
      created_at: expect.any(String),
    });
    expect(JSON.stringify(keys)).not.toContain(key.api_key);

    // Every accepted prefix verifies: the same key as minted before the deployment chose cp_ (sk_test_).
    const former = key.api_key.replace(/^cp_/, "sk_test_");
    expect((await h.request("/api/auth/me", { headers: { authorization: `Bearer ${former}` } })).status).toBe(200);
    const unknownPrefix = key.api_key.replace(/^cp_/, "xx_");
    expect((await h.request("/api/auth/me", { headers: { authorization: `Bearer ${unknownPrefix}` } })).status).toBe(
      401,
    );

    const revoked = await write(`/api/auth/api-keys/${key.id}/revoke`, jar);
    expect(revoked.status).toBe(200);
    expect(await json(revoked)).toEqual({ ok: true });
    const after = await h.request("/api/auth/me", { headers: { authorization: `Bearer ${key.api_key}` } });
    expect(after.status).toBe(401);
  });

  it("an invitation accepted by link keeps the session where it was: the user still manages their own keys", async () => {
    const inviter = await account();
    const team = await h.request("/v1/organizations", { method: "POST", jar: inviter.jar, json: { name: "Team" } });
    expect(team.status).toBe(201);
    const teamId = (await json(team)).data.id;
    const alice = await account();
    const token = await inviteToken(h, inviter.jar, teamId, alice.email, "member");
    const cookieBefore = alice.jar.get("session");
    const accepted = await h.request("/v1/auth/invitations/accept", {
      method: "POST",
      json: { token },
      jar: alice.jar,
    });
    expect(accepted.status, await accepted.clone().text()).toBe(200);
    const data = (await json(accepted)).data;
    expect(data.organization).toMatchObject({ id: teamId, role: "member" });
    expect(data.active_organization_id).not.toBe(teamId);
    expect(alice.jar.get("session")).toBe(cookieBefore);
    // The document's "every user manages their own keys" (403 before: the session had moved to Team).
    const key = await write("/api/auth/api-keys", alice.jar, { name: "After joining" });
    expect(key.status, await key.clone().text()).toBe(201);
    // Acting in the team is one documented switch away; there a member may not mint keys.
    const switched = await write(`/v1/auth/organizations/${teamId}/switch`, alice.jar);
    expect(switched.status).toBe(200);
    expect((await json(switched)).data).toMatchObject({ id: teamId, role: "member" });
    expect((await write("/api/auth/api-keys", alice.jar, { name: "In the team" })).status).toBe(403);
  });

  it("logout: 200 {ok: true} with the cookie alone; the session is gone", async () => {
    const { jar } = await account();
    const crossSite = await h.request("/api/auth/logout", {
      method: "POST",
      headers: { cookie: jar.header(), "sec-fetch-site": "cross-site" },
    });
    expect(crossSite.status).toBe(403);
    expect(await json(crossSite)).toMatchObject({ code: "csrf_failed" });
    const res = await h.request("/api/auth/logout", { method: "POST", headers: { cookie: jar.header() } });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ ok: true });
    expect((await h.request("/api/auth/me", { headers: { cookie: jar.header() } })).status).toBe(401);
  });

  it("forgot-password: 200 {ok: true} for any address; reset-password sets the new password", async () => {
    const { email } = await account();
    for (const address of [email, uniqueEmail("nobody")]) {
      const res = await h.request("/api/auth/forgot-password", { method: "POST", json: { email: address } });
      expect(res.status).toBe(200);
      expect(await json(res)).toEqual({ ok: true });
    }
    const token = tokenFromOutbox(await latestLink(h, email, /Reset your password/));
    const short = await h.request("/api/auth/reset-password", {
      method: "POST",
      json: { token: "abc123", password: "newS3cure!Pass" },
    });
    expect(short.status).toBe(422);
    const res = await h.request("/api/auth/reset-password", {
      method: "POST",
      json: { token, password: "newS3cure!Pass" },
    });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ ok: true });
    await signIn(email, "newS3cure!Pass");
    const reuse = await h.request("/api/auth/reset-password", {
      method: "POST",
      json: { token, password: "another!Pass1" },
    });
    expect(reuse.status).toBeGreaterThanOrEqual(400);
    expect(reuse.status).toBeLessThan(500);
    expect(typeof (await json(reuse)).detail).toBe("string");
  });
});
