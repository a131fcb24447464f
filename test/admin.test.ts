// The platform API (/v1/admin/*): platform administrators only. Organizations, whatever their keys'
// scopes, have no part in it.
import { describe, expect, it } from "vitest";
import {
  bearer,
  createKey,
  grantSuperuser,
  joinOrganization,
  PASSWORD,
  passwordGrant,
  refresh,
  signInByLink,
  signUpVerified,
  tokenFromOutbox,
} from "./support/accounts";
import { json } from "./support/harness";
import { uniqueEmail, useHarness } from "./support/setup";

const h = useHarness({ SUPERUSER_EMAILS: "root@ops.example" });

async function superuser() {
  const root = await signInByLink(h, uniqueEmail("root"));
  await grantSuperuser(h, root.user.id);
  const key = await createKey(h, root.jar, { name: "platform", scopes: ["platform"] });
  return { root, platformKey: key.api_key, keyId: key.id };
}

const ROUTES: Array<[string, string, unknown?]> = [
  ["GET", "/v1/admin/users?email=a%40example.com"],
  ["GET", `/v1/admin/users/usr_${"0".repeat(26)}`],
  ["POST", "/v1/admin/users", { email: "a@example.com", send_magic_link: false }],
  ["POST", `/v1/admin/users/usr_${"0".repeat(26)}/disable`, {}],
  ["POST", `/v1/admin/users/usr_${"0".repeat(26)}/enable`, {}],
  ["POST", "/v1/admin/magic-links", { email: "a@example.com" }],
];

describe("who may call the platform API", () => {
  it("refuses every organization credential, whatever its role or scopes (403), and anonymous callers (401)", async () => {
    const owner = await signInByLink(h, uniqueEmail("owner"));
    const adminKey = await createKey(h, owner.jar, { name: "admin", scopes: ["read", "write", "admin"] });
    const email = uniqueEmail("tok");
    await signUpVerified(h, email);
    const tokens = await passwordGrant(h, email);
    for (const [method, path, body] of ROUTES) {
      const as = async (headers: Record<string, string>, jar?: typeof owner.jar) =>
        h.request(path, { method, json: body, headers, jar });
      expect((await as({})).status, path).toBe(401);
      for (const res of [
        await as({}, owner.jar),
        await as(bearer(tokens.access_token)),
        await as(bearer(adminKey.api_key)),
      ]) {
        expect(res.status, path).toBe(403);
        expect((await json(res)).error.code, path).toBe("forbidden");
      }
    }
  });

  it("answers superusers' sessions and access tokens, and platform-scoped keys", async () => {
    const { root, platformKey } = await superuser();
    const target = await signInByLink(h, uniqueEmail("target"));
    const path = `/v1/admin/users/${target.user.id}`;
    expect((await h.request(path, { jar: root.jar })).status).toBe(200);
    expect((await h.request(path, { headers: bearer(platformKey) })).status).toBe(200);
    // /me tells the client what it is.
    const me = await json(await h.request("/v1/auth/me", { jar: root.jar }));
    expect(me.data.user.is_superuser).toBe(true);
    expect((await json(await h.request("/v1/auth/me", { jar: target.jar }))).data.user.is_superuser).toBe(false);
  });

  it("SUPERUSER_EMAILS grants the standing only once the address is proven", async () => {
    const attacker = await h.request("/v1/auth/signup", {
      method: "POST",
      json: { email: "root@ops.example", password: PASSWORD },
    });
    expect(attacker.status).toBe(201);
    // Unproven, the address gives nothing: the password account cannot even sign in.
    const login = await h.request("/v1/auth/login", {
      method: "POST",
      json: { email: "root@ops.example", password: PASSWORD },
    });
    expect((await json(login)).error.code).toBe("email_not_verified");
    const proven = await signInByLink(h, "root@ops.example");
    expect((await json(await h.request("/v1/auth/me", { jar: proven.jar }))).data.user.is_superuser).toBe(true);
    expect(
      (await h.request(`/v1/admin/users?email=${encodeURIComponent("root@ops.example")}`, { jar: proven.jar })).status,
    ).toBe(200);
  });

  it("only a signed-in superuser can create a platform key, and the key loses the scope with its creator", async () => {
    const owner = await signInByLink(h, uniqueEmail("owner"));
    const refused = await h.request("/v1/api-keys", {
      method: "POST",
      jar: owner.jar,
      json: { name: "p", scopes: ["platform"] },
    });
    expect(refused.status).toBe(403);
    expect((await json(refused)).error.code).toBe("insufficient_scope");
    const ownerAdminKey = await createKey(h, owner.jar, { name: "admin", scopes: ["admin"] });
    const byKey = await h.request("/v1/api-keys", {
      method: "POST",
      headers: bearer(ownerAdminKey.api_key),
      json: { name: "p", scopes: ["platform"] },
    });
    expect((await json(byKey)).error.code).toBe("insufficient_scope");
    // `*` is the vocabulary the creator holds, never the reserved scope.
    const { root, platformKey } = await superuser();
    expect((await createKey(h, root.jar, { name: "all", scopes: ["*"] })).scopes).toEqual(["read", "write", "admin"]);

    // Used once, so whatever cache there is holds it.
    expect((await h.request(`/v1/admin/users?email=a%40example.com`, { headers: bearer(platformKey) })).status).toBe(
      200,
    );
    await h.sql.query("update users set is_superuser = false where id = $1", [root.user.id]);
    // The operator's step (docs/deploy.md) drops the cached profile; the key's own cache entry is not
    // touched: a platform key takes its standing from Postgres on every use.
    await h.redis.del(h.keys.userSnapshot(root.user.id));
    const after = await h.request(`/v1/admin/users?email=a%40example.com`, { headers: bearer(platformKey) });
    expect(after.status).toBe(403);
    expect((await h.request(`/v1/admin/users?email=a%40example.com`, { jar: root.jar })).status).toBe(403);
  });
});

describe("platform API", () => {
  it("finds any account with all its organizations, creates accounts, and audits every call", async () => {
    const { root, platformKey, keyId } = await superuser();
    const someone = await signInByLink(h, uniqueEmail("someone"));
    const found = await json(
      await h.request(`/v1/admin/users?email=${encodeURIComponent(someone.user.email)}`, {
        headers: bearer(platformKey),
      }),
    );
    expect(found.data).toHaveLength(1);
    expect(found.data[0]).toMatchObject({
      id: someone.user.id,
      email_verified: true,
      disabled: false,
      is_superuser: false,
    });
    expect(found.data[0].organizations).toEqual([
      { id: someone.organization.id, name: someone.organization.name, is_personal_account: true, role: "owner" },
    ]);

    const email = uniqueEmail("new");
    const created = await h.request("/v1/admin/users", { method: "POST", jar: root.jar, json: { email, name: "New" } });
    expect(created.status).toBe(201);
    expect((await json(created)).data).toMatchObject({
      created: true,
      user: { email, email_verified: false, organizations: [] },
    });
    // The emailed link proves the address and makes the first organization.
    const token = tokenFromOutbox((await h.outbox(email))[0]?.links[0]);
    const signedIn = await json(await h.request("/v1/auth/magic-link/verify", { method: "POST", json: { token } }));
    expect(signedIn.data.organization).toMatchObject({ is_personal_account: true, role: "owner" });

    const audited = await h.sql.query(
      "select action, actor_kind, actor_id, organization_id, request_id from audit_log where actor_id in ($1, $2) order by created_at, id",
      [keyId, root.user.id],
    );
    expect(audited.map((a) => `${a.actor_kind}:${a.action}`)).toEqual(["api_key:users.search", "user:users.create"]);
    expect(audited.every((a) => a.organization_id === null)).toBe(true);
    expect(audited[1]!.request_id).toBe(created.headers.get("x-request-id"));
  });

  it("mints sign-in links: emailed by default, returned on request, 404 for unknown addresses", async () => {
    const { platformKey } = await superuser();
    const user = await signInByLink(h, uniqueEmail("member"));
    const email = user.user.email;
    const before = (await h.outbox(email)).length;
    const emailed = await h.request("/v1/admin/magic-links", {
      method: "POST",
      headers: bearer(platformKey),
      json: { email },
    });
    expect((await json(emailed)).data).toEqual({ sent: true, expires_in: 900 });
    expect(await h.outbox(email)).toHaveLength(before + 1);
    const returned = await json(
      await h.request("/v1/admin/magic-links", {
        method: "POST",
        headers: bearer(platformKey),
        json: { email, delivery: "return" },
      }),
    );
    const token = tokenFromOutbox(returned.data.magic_link);
    expect((await h.request("/v1/auth/magic-link/verify", { method: "POST", json: { token } })).status).toBe(200);
    expect(
      (
        await h.request("/v1/admin/magic-links", {
          method: "POST",
          headers: bearer(platformKey),
          json: { email: uniqueEmail("nobody") },
        })
      ).status,
    ).toBe(404);
  });
});

describe("disabling an account", () => {
  it("locks them out on every credential type at once: session, access token, refresh token, API key, password, magic link", async () => {
    const { platformKey } = await superuser();
    const owner = await signInByLink(h, uniqueEmail("owner"));
    const email = uniqueEmail("leaver");
    await signUpVerified(h, email);
    const leaver = await joinOrganization(h, owner.jar, owner.organization.id, email, "admin");
    const key = await createKey(h, leaver.jar, { name: "leaver's key", scopes: ["read"] });
    const tokens = await passwordGrant(h, email);
    const checks = [
      () => h.request("/v1/auth/me", { jar: leaver.jar }),
      () => h.request("/v1/auth/me", { headers: bearer(tokens.access_token) }),
      () => h.request("/v1/auth/me", { headers: bearer(key.api_key) }),
    ];
    for (const check of checks) expect((await check()).status).toBe(200);

    const res = await h.request(`/v1/admin/users/${leaver.user.id}/disable`, {
      method: "POST",
      headers: bearer(platformKey),
    });
    expect(res.status).toBe(200);
    expect((await json(res)).data.disabled).toBe(true);
    for (const check of checks) expect((await check()).status).toBe(401);
    expect((await refresh(h, tokens.refresh_token)).status).toBe(401);
    const login = await h.request("/v1/auth/login", { method: "POST", json: { email, password: PASSWORD } });
    expect((await json(login)).error.code).toBe("invalid_credentials");
    const link = await h.magicLinkToken(email);
    expect(
      (await json(await h.request("/v1/auth/magic-link/verify", { method: "POST", json: { token: link } }))).error.code,
    ).toBe("magic_link_invalid");

    // Re-enabling lets them sign in again; the old credentials stay dead.
    expect(
      (await h.request(`/v1/admin/users/${leaver.user.id}/enable`, { method: "POST", headers: bearer(platformKey) }))
        .status,
    ).toBe(200);
    expect((await h.request("/v1/auth/me", { headers: bearer(tokens.access_token) })).status).toBe(401);
    expect((await h.request("/v1/auth/login", { method: "POST", json: { email, password: PASSWORD } })).status).toBe(
      200,
    );
  });

  it("a superuser cannot disable themselves", async () => {
    const { root } = await superuser();
    const res = await h.request(`/v1/admin/users/${root.user.id}/disable`, { method: "POST", jar: root.jar });
    expect(res.status).toBe(409);
    expect((await h.request("/v1/auth/me", { jar: root.jar })).status).toBe(200);
  });
});
