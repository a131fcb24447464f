import { describe, expect, it } from "vitest";
import { PASSWORD, bearer, createKey, passwordGrant, refresh, signInByLink, signUpVerified, tokenFromOutbox } from "./support/accounts";
import { json } from "./support/harness";
import { uniqueEmail, useHarness } from "./support/setup";

const h = useHarness();

async function orgWithAdminKey() {
  const owner = await signInByLink(h, uniqueEmail("owner"));
  const key = await createKey(h, owner.jar, { name: "admin", scopes: ["read", "write", "admin"] });
  return { owner, org: owner.organization.id, adminKey: key.api_key };
}

describe("who may call the admin API", () => {
  it("only admin-scoped API keys: sessions, access tokens and lesser keys are refused on every route", async () => {
    const { owner } = await orgWithAdminKey();
    const reader = await createKey(h, owner.jar, { name: "reader", scopes: ["read", "write"] });
    const email = uniqueEmail("tok");
    await signUpVerified(h, email);
    const tokens = await passwordGrant(h, email);
    const routes: Array<[string, string, unknown?]> = [
      ["GET", "/v1/admin/users?email=a%40example.com"],
      ["GET", `/v1/admin/users/usr_${"0".repeat(26)}`],
      ["POST", "/v1/admin/users", { email: "a@example.com" }],
      ["POST", `/v1/admin/users/usr_${"0".repeat(26)}/disable`, {}],
      ["POST", "/v1/admin/magic-links", { email: "a@example.com" }],
    ];
    for (const [method, path, body] of routes) {
      const as = async (headers: Record<string, string>, jar?: typeof owner.jar) => h.request(path, { method, json: body, headers, jar });
      expect((await as({})).status, path).toBe(401);
      expect((await json(await as({}, owner.jar))).error.code, path).toMatch(/forbidden|csrf_failed/);
      expect((await json(await as(bearer(tokens.access_token)))).error.code, path).toBe("forbidden");
      expect((await json(await as(bearer(reader.api_key)))).error.code, path).toBe("insufficient_scope");
    }
  });
});

describe("admin API", () => {
  it("finds members by email and id, never another organization's users, and audits every call", async () => {
    const { org, adminKey } = await orgWithAdminKey();
    const created = await h.request("/v1/admin/users", { method: "POST", headers: bearer(adminKey), json: { email: uniqueEmail("staff"), name: "Staff", send_magic_link: false } });
    expect(created.status).toBe(201);
    const { user } = (await json(created)).data;
    expect(user).toMatchObject({ role: "member", disabled: false, email_verified: false, other_organizations: 0 });

    const search = await h.request(`/v1/admin/users?email=${encodeURIComponent(user.email)}`, { headers: bearer(adminKey) });
    expect((await json(search)).data.map((u: { id: string }) => u.id)).toEqual([user.id]);
    expect((await json(await h.request(`/v1/admin/users/${user.id}`, { headers: bearer(adminKey) }))).data.email).toBe(user.email);

    const stranger = await signInByLink(h, uniqueEmail("stranger"));
    expect((await json(await h.request(`/v1/admin/users?email=${encodeURIComponent(stranger.user.email)}`, { headers: bearer(adminKey) }))).meta.count).toBe(0);
    const hidden = await h.request(`/v1/admin/users/${stranger.user.id}`, { headers: bearer(adminKey) });
    expect(hidden.status).toBe(404);

    const audited = await h.sql.query("select action, actor_kind, actor_id, organization_id, target, request_id from audit_log where organization_id = $1 order by created_at, id", [org]);
    expect(audited.map((a) => a.action)).toEqual(["users.create", "users.search", "users.get", "users.search", "users.get"]);
    expect(new Set(audited.map((a) => a.actor_kind))).toEqual(new Set(["api_key"]));
    expect(audited[0]!.actor_id).toMatch(/^key_/);
    expect(audited[0]!.request_id).toBe(created.headers.get("x-request-id"));
  });

  it("creates members who sign in with the emailed link; keys cannot make owners", async () => {
    const { org, adminKey } = await orgWithAdminKey();
    const email = uniqueEmail("invitee");
    const res = await h.request("/v1/admin/users", { method: "POST", headers: bearer(adminKey), json: { email, role: "admin" } });
    expect((await json(res)).data).toMatchObject({ created: true, user: { email, role: "admin" } });
    const token = tokenFromOutbox((await h.outbox(email))[0]?.links[0]);
    const signedIn = await h.request("/v1/auth/magic-link/verify", { method: "POST", json: { token } });
    expect((await json(signedIn)).data.organization).toMatchObject({ id: org, role: "admin" });
    const again = await h.request("/v1/admin/users", { method: "POST", headers: bearer(adminKey), json: { email, send_magic_link: false } });
    expect((await json(again)).data.created).toBe(false);
    expect((await json(await h.request("/v1/admin/users", { method: "POST", headers: bearer(adminKey), json: { email: uniqueEmail("o"), role: "owner" } }))).error.code).toBe("validation_error");
  });

  it("mints magic links for members: emailed by default, returned on request, 404 for non-members", async () => {
    const { adminKey } = await orgWithAdminKey();
    const email = uniqueEmail("member");
    await h.request("/v1/admin/users", { method: "POST", headers: bearer(adminKey), json: { email, send_magic_link: false } });
    const emailed = await h.request("/v1/admin/magic-links", { method: "POST", headers: bearer(adminKey), json: { email } });
    expect((await json(emailed)).data).toEqual({ sent: true, expires_in: 900 });
    expect(await h.outbox(email)).toHaveLength(1);
    const returned = await json(await h.request("/v1/admin/magic-links", { method: "POST", headers: bearer(adminKey), json: { email, delivery: "return" } }));
    const token = tokenFromOutbox(returned.data.magic_link);
    expect((await h.request("/v1/auth/magic-link/verify", { method: "POST", json: { token } })).status).toBe(200);
    expect((await h.request("/v1/admin/magic-links", { method: "POST", headers: bearer(adminKey), json: { email: uniqueEmail("nobody") } })).status).toBe(404);
  });
});

describe("disabling a user", () => {
  it("locks them out on every credential type at once: session, access token, refresh token, API key, password, magic link", async () => {
    const { owner, org, adminKey } = await orgWithAdminKey();
    const email = uniqueEmail("leaver");
    await signUpVerified(h, email);
    expect((await h.request(`/v1/organizations/${org}/members`, { method: "POST", jar: owner.jar, json: { email, role: "admin" } })).status).toBe(201);
    const leaver = await signInByLink(h, email);
    await h.request(`/v1/auth/organizations/${org}/switch`, { method: "POST", jar: leaver.jar });
    const key = await createKey(h, leaver.jar, { name: "leaver's key", scopes: ["read"] });
    const tokens = await passwordGrant(h, email);
    for (const check of [() => h.request("/v1/auth/me", { jar: leaver.jar }), () => h.request("/v1/auth/me", { headers: bearer(tokens.access_token) }), () => h.request("/v1/auth/me", { headers: bearer(key.api_key) })]) {
      expect((await check()).status).toBe(200);
    }

    const res = await h.request(`/v1/admin/users/${leaver.user.id}/disable`, { method: "POST", headers: bearer(adminKey) });
    expect(res.status).toBe(200);
    expect((await json(res)).data.disabled).toBe(true);

    expect((await h.request("/v1/auth/me", { jar: leaver.jar })).status).toBe(401);
    expect((await h.request("/v1/auth/me", { headers: bearer(tokens.access_token) })).status).toBe(401);
    expect((await refresh(h, tokens.refresh_token)).status).toBe(401);
    expect((await h.request("/v1/auth/me", { headers: bearer(key.api_key) })).status).toBe(401);
    const login = await h.request("/v1/auth/login", { method: "POST", json: { email, password: PASSWORD } });
    expect((await json(login)).error.code).toBe("invalid_credentials");
    const link = await h.magicLinkToken(email);
    expect((await json(await h.request("/v1/auth/magic-link/verify", { method: "POST", json: { token: link } }))).error.code).toBe("magic_link_invalid");
  });

  it("is refused (409) for someone who also belongs to another organization", async () => {
    const { owner, org, adminKey } = await orgWithAdminKey();
    const elsewhere = await signInByLink(h, uniqueEmail("elsewhere"));
    const shared = await h.request("/v1/organizations", { method: "POST", jar: elsewhere.jar, json: { name: "Other Co" } });
    expect(shared.status).toBe(201);
    await h.request(`/v1/organizations/${org}/members`, { method: "POST", jar: owner.jar, json: { email: elsewhere.user.email } });
    const res = await h.request(`/v1/admin/users/${elsewhere.user.id}/disable`, { method: "POST", headers: bearer(adminKey) });
    expect(res.status).toBe(409);
    expect((await h.request("/v1/auth/me", { jar: elsewhere.jar })).status).toBe(200);
  });
});

describe("scope enforcement per route (API keys)", () => {
  it.each([
    ["GET", "/v1/api-keys", "admin"],
    ["POST", "/v1/api-keys", "admin"],
    ["GET", "/v1/admin/users?email=x%40example.com", "admin"],
    ["GET", "/v1/organizations/{org}/members", "read"],
    ["POST", "/v1/organizations/{org}/members", "admin"],
  ])("%s %s needs %s", async (method, path, scope) => {
    const owner = await signInByLink(h, uniqueEmail("scopes"));
    const url = path.replace("{org}", owner.organization.id);
    const body = method === "POST" ? { name: "x", email: uniqueEmail("nobody"), scopes: [scope] } : undefined;
    const without = await createKey(h, owner.jar, { name: "without", scopes: ["read", "write", "admin"].filter((s) => s !== scope && (scope !== "read" || s === "write")) });
    const withIt = await createKey(h, owner.jar, { name: "with", scopes: [scope] });
    const refused = await h.request(url, { method, headers: bearer(without.api_key), json: body });
    expect(refused.status).toBe(403);
    expect((await json(refused)).error.code).toBe("insufficient_scope");
    const allowed = await h.request(url, { method, headers: bearer(withIt.api_key), json: body });
    expect(allowed.status).not.toBe(403);
    expect(allowed.status).not.toBe(401);
  });
});
