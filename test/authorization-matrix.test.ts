// The authorization matrix: every guarded route (enumerated from the router, so a new route must be
// classified here or this file fails) x every kind of caller. The expected answer comes from the access
// policy itself (src/services/policy.ts); the real answer from HTTP against real Redis and Postgres.
import { describe, expect, it } from "vitest";
import { generateId } from "../src/crypto/random";
import type { ErrorCode } from "../src/errors";
import { AuthError } from "../src/errors";
import { oauthErrorFor } from "../src/middleware/oauth-endpoint";
import type { Role } from "../src/ports";
import { authorize, authorizePlatform, type OrgAction, type Principal } from "../src/services/policy";
import {
  bearer,
  createKey,
  grantSuperuser,
  joinOrganization,
  login,
  passwordGrant,
  signInByLink,
  signUpVerified,
} from "./support/accounts";
import type { CookieJar } from "./support/cookies";
import { json } from "./support/harness";
import { uniqueEmail, useHarness } from "./support/setup";

const h = useHarness();

type Actor =
  | "anonymous"
  | "owner"
  | "owner_token"
  | "admin"
  | "member"
  | "outsider"
  | "admin_key"
  | "read_key"
  | "write_key"
  | "device"
  | "superuser"
  | "platform_key";
const ACTORS: Actor[] = [
  "anonymous",
  "owner",
  "owner_token",
  "admin",
  "member",
  "outsider",
  "admin_key",
  "read_key",
  "write_key",
  "device",
  "superuser",
  "platform_key",
];

interface World {
  org: string;
  owner: { id: string };
  member: { id: string };
  credentials: Record<Exclude<Actor, "anonymous">, { jar?: CookieJar; token?: string }>;
  principals: Record<Exclude<Actor, "anonymous">, Principal>;
}

/** What the policy says the caller gets: null for "allowed", else the refusal it throws. */
type Expectation = null | { status: number; code: string };
const decide = (run: () => unknown): Expectation => {
  try {
    run();
    return null;
  } catch (error) {
    if (error instanceof AuthError) return { status: error.status, code: error.code };
    throw error;
  }
};

interface RouteCase {
  method: string;
  /** Concrete path for this caller (fixtures are made per caller where the call changes state). */
  path: (w: World, actor: Exclude<Actor, "anonymous">) => Promise<string>;
  body?: unknown;
  expect: (w: World, p: Principal) => Expectation;
  /** Status of an allowed call. */
  ok: number;
}

const org =
  (
    action: OrgAction,
    target: (w: World) => { organizationId: string; targetRole?: Role; newRole?: Role; targetUserId?: string },
  ) =>
  (w: World, p: Principal) =>
    decide(() => authorize(p, action, target(w)));
const own = (action: OrgAction) => (_w: World, p: Principal) =>
  decide(() => authorize(p, action, { organizationId: p.organizationId }));
const platform = (_w: World, p: Principal) => decide(() => authorizePlatform(p));

// Fixtures written straight to the database: a separate target per caller for calls that change state.
async function newMember(w: World): Promise<string> {
  const id = generateId("usr");
  await h.sql.query("insert into users (id, email, email_verified_at) values ($1, $2, now())", [
    id,
    uniqueEmail("target"),
  ]);
  await h.sql.query("insert into memberships (id, user_id, organization_id, role) values ($1, $2, $3, 'member')", [
    generateId("mem"),
    id,
    w.org,
  ]);
  return id;
}
async function newInvitation(w: World): Promise<string> {
  const id = generateId("inv");
  await h.sql.query(
    "insert into invitations (id, organization_id, email, role, invited_by, token_hash, expires_at) values ($1, $2, $3, 'member', $4, $5, now() + interval '1 day')",
    [id, w.org, uniqueEmail("invited"), w.owner.id, generateId("hash")],
  );
  return id;
}
async function newApiKey(organizationId: string, createdBy: string): Promise<string> {
  const id = generateId("key");
  await h.sql.query(
    "insert into api_keys (id, organization_id, created_by, name, prefix, secret_hash, scopes) values ($1, $2, $3, 'fixture', 'sk_test_', 'x', '[\"read\"]'::jsonb)",
    [id, organizationId, createdBy],
  );
  return id;
}
async function newPublishableKey(organizationId: string): Promise<string> {
  const id = `pk_test_${generateId("x").slice(2)}`;
  await h.sql.query(
    "insert into publishable_keys (id, organization_id, name, allowed_origins) values ($1, $2, 'fixture', '[\"https://shop.example\"]'::jsonb)",
    [id, organizationId],
  );
  return id;
}
/** The one event every fixture endpoint was sent (replay's body names it). */
const WEBHOOK_EVENT = `evt_${"a1".repeat(16)}`;
/** A webhook endpoint (null: platform-wide) to which WEBHOOK_EVENT was delivered. */
async function newWebhook(organizationId: string | null): Promise<{ id: string }> {
  const id = generateId("whe");
  const event = WEBHOOK_EVENT;
  await h.sql.query(
    "insert into webhook_endpoints (id, organization_id, url, secret_sealed) values ($1, $2, 'https://hooks.example.com/in', 'x')",
    [id, organizationId],
  );
  await h.sql.query(
    "insert into events (id, type, subject, data) values ($1, 'user.updated', 'fixture', '{}') on conflict do nothing",
    [event],
  );
  await h.sql.query(
    "insert into webhook_deliveries (endpoint_id, event_id, seq, subject, status, next_attempt_at) values ($1, $2, 0, 'fixture', 'delivered', now())",
    [id, event],
  );
  return { id };
}
async function newDevice(w: World): Promise<string> {
  const id = generateId("dev");
  await h.sql.query(
    "insert into devices (id, user_id, organization_id, platform, name, push_token) values ($1, $2, $3, 'ios', 'fixture', 'push')",
    [id, w.owner.id, w.org],
  );
  return id;
}
const creatorOf = (w: World, p: Principal) => p.userId ?? w.owner.id;

const ROUTES: Record<string, RouteCase> = {
  "PATCH /v1/organizations/:id": {
    method: "PATCH",
    path: async (w) => `/v1/organizations/${w.org}`,
    body: { require_mfa: false },
    expect: org("settings.update", (w) => ({ organizationId: w.org })),
    ok: 200,
  },
  "GET /v1/organizations/:id/members": {
    method: "GET",
    path: async (w) => `/v1/organizations/${w.org}/members`,
    expect: org("organization.read", (w) => ({ organizationId: w.org })),
    ok: 200,
  },
  "PATCH /v1/organizations/:id/members/:user_id": {
    method: "PATCH",
    path: async (w) => `/v1/organizations/${w.org}/members/${await newMember(w)}`,
    body: { role: "admin" },
    expect: org("members.update_role", (w) => ({ organizationId: w.org, targetRole: "member", newRole: "admin" })),
    ok: 200,
  },
  "DELETE /v1/organizations/:id/members/:user_id": {
    method: "DELETE",
    path: async (w) => `/v1/organizations/${w.org}/members/${await newMember(w)}`,
    expect: org("members.remove", (w) => ({
      organizationId: w.org,
      targetRole: "member",
      targetUserId: "someone else",
    })),
    ok: 204,
  },
  "POST /v1/organizations/:id/invitations": {
    method: "POST",
    path: async (w) => `/v1/organizations/${w.org}/invitations`,
    body: { email: "invitee@example.com", role: "member" },
    expect: org("invitations.manage", (w) => ({ organizationId: w.org, newRole: "member" })),
    ok: 202,
  },
  "GET /v1/organizations/:id/invitations": {
    method: "GET",
    path: async (w) => `/v1/organizations/${w.org}/invitations`,
    expect: org("invitations.manage", (w) => ({ organizationId: w.org })),
    ok: 200,
  },
  "DELETE /v1/organizations/:id/invitations/:invitation_id": {
    method: "DELETE",
    path: async (w) => `/v1/organizations/${w.org}/invitations/${await newInvitation(w)}`,
    expect: org("invitations.manage", (w) => ({ organizationId: w.org })),
    ok: 204,
  },
  "POST /v1/oauth/introspect": {
    method: "POST",
    path: async () => "/v1/oauth/introspect",
    body: { token: "not-a-token" },
    expect: own("tokens.introspect"),
    ok: 200,
  },
  "GET /v1/api-keys": { method: "GET", path: async () => "/v1/api-keys", expect: own("api_keys.manage"), ok: 200 },
  "POST /v1/api-keys": {
    method: "POST",
    path: async () => "/v1/api-keys",
    body: { name: "matrix", scopes: ["read"] },
    expect: own("api_keys.manage"),
    ok: 201,
  },
  "POST /v1/api-keys/:id/revoke": {
    method: "POST",
    path: async (w, a) =>
      `/v1/api-keys/${await newApiKey(w.principals[a].organizationId, creatorOf(w, w.principals[a]))}/revoke`,
    expect: own("api_keys.manage"),
    ok: 200,
  },
  "POST /v1/api-keys/:id/rotate": {
    method: "POST",
    path: async (w, a) =>
      `/v1/api-keys/${await newApiKey(w.principals[a].organizationId, creatorOf(w, w.principals[a]))}/rotate`,
    body: {},
    expect: own("api_keys.manage"),
    ok: 201,
  },
  "GET /v1/publishable-keys": {
    method: "GET",
    path: async () => "/v1/publishable-keys",
    expect: own("publishable_keys.manage"),
    ok: 200,
  },
  "POST /v1/publishable-keys": {
    method: "POST",
    path: async () => "/v1/publishable-keys",
    body: { name: "shop", allowed_origins: ["https://shop.example"] },
    expect: own("publishable_keys.manage"),
    ok: 201,
  },
  "POST /v1/publishable-keys/:id/revoke": {
    method: "POST",
    path: async (w, a) => `/v1/publishable-keys/${await newPublishableKey(w.principals[a].organizationId)}/revoke`,
    expect: own("publishable_keys.manage"),
    ok: 200,
  },
  "POST /v1/pairing/code": {
    method: "POST",
    path: async () => "/v1/pairing/code",
    body: {},
    expect: own("pairing.create"),
    ok: 201,
  },
  // Devices: everyone may list and revoke their own; the organization's need devices.*_all.
  "GET /v1/devices": {
    method: "GET",
    path: async () => "/v1/devices",
    expect: (_w, p) =>
      p.kind === "api_key" || p.kind === "device"
        ? decide(() => authorize(p, "devices.read_all", { organizationId: p.organizationId }))
        : null,
    ok: 200,
  },
  "DELETE /v1/devices/:id": {
    method: "DELETE",
    path: async (w) => `/v1/devices/${await newDevice(w)}`,
    expect: (w, p) => {
      if (p.kind === "api_key" || p.kind === "device")
        return decide(() => authorize(p, "devices.revoke_any", { organizationId: p.organizationId }));
      // Users who may not revoke any device revoke only their own: another's is not found.
      const any = decide(() => authorize(p, "devices.revoke_any", { organizationId: p.organizationId }));
      return any === null && p.organizationId === w.org ? null : { status: 404, code: "not_found" };
    },
    ok: 200,
  },
  "GET /v1/users/:user_id/organizations": {
    method: "GET",
    path: async (w) => `/v1/users/${w.member.id}/organizations`,
    expect: (w, p) => {
      if (p.kind === "device") return { status: 403, code: "forbidden" };
      if (p.superuser) return null;
      if (p.kind === "api_key")
        return (
          decide(() => authorize(p, "organization.read", { organizationId: p.organizationId })) ??
          (p.organizationId === w.org ? null : { status: 404, code: "not_found" })
        );
      return p.roles[w.org] ? null : { status: 404, code: "not_found" };
    },
    ok: 200,
  },
  "GET /v1/admin/users": {
    method: "GET",
    path: async () => "/v1/admin/users?email=someone%40example.com",
    expect: platform,
    ok: 200,
  },
  "GET /v1/admin/users/:id": {
    method: "GET",
    path: async (w) => `/v1/admin/users/${w.member.id}`,
    expect: platform,
    ok: 200,
  },
  "POST /v1/admin/users": {
    method: "POST",
    path: async () => "/v1/admin/users",
    body: { email: "made@example.com", send_magic_link: false },
    expect: platform,
    ok: 201,
  },
  "POST /v1/admin/users/:id/disable": {
    method: "POST",
    path: async (w) => `/v1/admin/users/${await newMember(w)}/disable`,
    expect: platform,
    ok: 200,
  },
  "POST /v1/admin/users/:id/enable": {
    method: "POST",
    path: async (w) => `/v1/admin/users/${await newMember(w)}/enable`,
    expect: platform,
    ok: 200,
  },
  "POST /v1/admin/magic-links": {
    method: "POST",
    path: async () => "/v1/admin/magic-links",
    body: { email: "made@example.com", delivery: "return" },
    expect: platform,
    ok: 201,
  },
  "POST /v1/webhook-endpoints": {
    method: "POST",
    path: async () => "/v1/webhook-endpoints",
    body: { url: "https://hooks.example.com/in" },
    expect: own("webhooks.manage"),
    ok: 201,
  },
  "GET /v1/webhook-endpoints": {
    method: "GET",
    path: async () => "/v1/webhook-endpoints",
    expect: own("webhooks.manage"),
    ok: 200,
  },
  "GET /v1/webhook-endpoints/:id": {
    method: "GET",
    path: async (w, a) => `/v1/webhook-endpoints/${(await newWebhook(w.principals[a].organizationId)).id}`,
    expect: own("webhooks.manage"),
    ok: 200,
  },
  "PATCH /v1/webhook-endpoints/:id": {
    method: "PATCH",
    path: async (w, a) => `/v1/webhook-endpoints/${(await newWebhook(w.principals[a].organizationId)).id}`,
    body: { description: "changed" },
    expect: own("webhooks.manage"),
    ok: 200,
  },
  "DELETE /v1/webhook-endpoints/:id": {
    method: "DELETE",
    path: async (w, a) => `/v1/webhook-endpoints/${(await newWebhook(w.principals[a].organizationId)).id}`,
    expect: own("webhooks.manage"),
    ok: 204,
  },
  "POST /v1/webhook-endpoints/:id/rotate-secret": {
    method: "POST",
    path: async (w, a) =>
      `/v1/webhook-endpoints/${(await newWebhook(w.principals[a].organizationId)).id}/rotate-secret`,
    expect: own("webhooks.manage"),
    ok: 200,
  },
  "POST /v1/webhook-endpoints/:id/replay": {
    method: "POST",
    path: async (w, a) => `/v1/webhook-endpoints/${(await newWebhook(w.principals[a].organizationId)).id}/replay`,
    body: { event_id: WEBHOOK_EVENT },
    expect: own("webhooks.manage"),
    ok: 202,
  },
  "GET /v1/webhook-endpoints/:id/deliveries": {
    method: "GET",
    path: async (w, a) => `/v1/webhook-endpoints/${(await newWebhook(w.principals[a].organizationId)).id}/deliveries`,
    expect: own("webhooks.manage"),
    ok: 200,
  },
  "POST /v1/admin/webhook-endpoints": {
    method: "POST",
    path: async () => "/v1/admin/webhook-endpoints",
    body: { url: "https://hooks.example.com/in" },
    expect: platform,
    ok: 201,
  },
  "GET /v1/admin/webhook-endpoints": {
    method: "GET",
    path: async () => "/v1/admin/webhook-endpoints",
    expect: platform,
    ok: 200,
  },
  "GET /v1/admin/webhook-endpoints/:id": {
    method: "GET",
    path: async () => `/v1/admin/webhook-endpoints/${(await newWebhook(null)).id}`,
    expect: platform,
    ok: 200,
  },
  "PATCH /v1/admin/webhook-endpoints/:id": {
    method: "PATCH",
    path: async () => `/v1/admin/webhook-endpoints/${(await newWebhook(null)).id}`,
    body: { description: "changed" },
    expect: platform,
    ok: 200,
  },
  "DELETE /v1/admin/webhook-endpoints/:id": {
    method: "DELETE",
    path: async () => `/v1/admin/webhook-endpoints/${(await newWebhook(null)).id}`,
    expect: platform,
    ok: 204,
  },
  "POST /v1/admin/webhook-endpoints/:id/rotate-secret": {
    method: "POST",
    path: async () => `/v1/admin/webhook-endpoints/${(await newWebhook(null)).id}/rotate-secret`,
    expect: platform,
    ok: 200,
  },
  "POST /v1/admin/webhook-endpoints/:id/replay": {
    method: "POST",
    path: async () => `/v1/admin/webhook-endpoints/${(await newWebhook(null)).id}/replay`,
    body: { event_id: WEBHOOK_EVENT },
    expect: platform,
    ok: 202,
  },
  "GET /v1/admin/webhook-endpoints/:id/deliveries": {
    method: "GET",
    path: async () => `/v1/admin/webhook-endpoints/${(await newWebhook(null)).id}/deliveries`,
    expect: platform,
    ok: 200,
  },
};

/** Routes that act on the caller's own account or session, or on no one's (sign-in, public pages, webhooks). */
const SELF_OR_PUBLIC =
  /^(GET|POST|PUT|PATCH|DELETE) \/v1\/(auth\/|storefront\/|webhooks\/|pairing\/(pair|link\/)|dev\/|organizations$)/;

async function buildWorld(): Promise<World> {
  const ownerEmail = uniqueEmail("owner");
  await signUpVerified(h, ownerEmail);
  const ownerJar = await login(h, ownerEmail);
  const ownerMe = (await json(await h.request("/v1/auth/me", { jar: ownerJar }))).data;
  const orgId = ownerMe.organization.id as string;
  const tokens = await passwordGrant(h, ownerEmail);
  const admin = await joinOrganization(h, ownerJar, orgId, uniqueEmail("admin"), "admin");
  const member = await joinOrganization(h, ownerJar, orgId, uniqueEmail("member"), "member");
  const outsider = await signInByLink(h, uniqueEmail("outsider"));
  const adminKey = await createKey(h, ownerJar, { name: "admin", scopes: ["read", "admin"] });
  const readKey = await createKey(h, ownerJar, { name: "read", scopes: ["read"] });
  const writeKey = await createKey(h, ownerJar, { name: "write", scopes: ["write"] });
  const code = (await json(await h.request("/v1/pairing/code", { method: "POST", jar: ownerJar, json: {} }))).data
    .token;
  const paired = (
    await json(
      await h.request("/v1/pairing/pair", {
        method: "POST",
        json: { pairing_token: code, push_token: "p", platform: "ios", device_name: "phone" },
      }),
    )
  ).data;
  const root = await signInByLink(h, uniqueEmail("root"));
  await grantSuperuser(h, root.user.id);
  const platformKey = await createKey(h, root.jar, { name: "platform", scopes: ["platform"] });

  const now = Date.now();
  const user = (
    kind: "session" | "access_token",
    userId: string,
    organizationId: string,
    roles: Record<string, Role>,
    scopes: string[],
    superuser = false,
  ): Principal => ({
    kind,
    userId,
    organizationId,
    roles,
    scopes,
    superuser,
    authenticatedAt: now,
    keyId: null,
  });
  const key = (id: string, organizationId: string, userId: string, scopes: string[], superuser = false): Principal => ({
    kind: "api_key",
    userId,
    organizationId,
    roles: {},
    scopes,
    superuser,
    authenticatedAt: null,
    keyId: id,
  });
  const all = ["read", "write", "admin"];
  return {
    org: orgId,
    owner: { id: ownerMe.user.id },
    member: { id: member.user.id },
    credentials: {
      owner: { jar: ownerJar },
      owner_token: { token: tokens.access_token },
      admin: { jar: admin.jar },
      member: { jar: member.jar },
      outsider: { jar: outsider.jar },
      admin_key: { token: adminKey.api_key },
      read_key: { token: readKey.api_key },
      write_key: { token: writeKey.api_key },
      device: { token: paired.token },
      superuser: { jar: root.jar },
      platform_key: { token: platformKey.api_key },
    },
    principals: {
      owner: user("session", ownerMe.user.id, orgId, { [orgId]: "owner" }, all),
      owner_token: user("access_token", ownerMe.user.id, orgId, { [orgId]: "owner" }, all),
      admin: user("session", admin.user.id, orgId, { [orgId]: "admin" }, all),
      member: user("session", member.user.id, orgId, { [orgId]: "member" }, ["read", "write"]),
      outsider: user(
        "session",
        outsider.user.id,
        outsider.organization.id,
        { [outsider.organization.id]: "owner" },
        all,
      ),
      admin_key: key(adminKey.id, orgId, ownerMe.user.id, ["read", "admin"]),
      read_key: key(readKey.id, orgId, ownerMe.user.id, ["read"]),
      write_key: key(writeKey.id, orgId, ownerMe.user.id, ["write"]),
      device: { ...user("session", ownerMe.user.id, orgId, {}, ["device"]), kind: "device", authenticatedAt: null },
      superuser: user("session", root.user.id, root.organization.id, { [root.organization.id]: "owner" }, all, true),
      platform_key: key(platformKey.id, root.organization.id, root.user.id, ["platform"], true),
    },
  };
}

describe("authorization matrix (router x callers, expected answers from the access policy)", () => {
  it("classifies every /v1 route: policy-guarded here, or acting only on the caller's own account", () => {
    const unclassified = new Set<string>();
    for (const r of h.app.routes) {
      if (!r.path.startsWith("/v1/") || r.method === "ALL") continue;
      const name = `${r.method} ${r.path}`;
      if (!ROUTES[name] && !SELF_OR_PUBLIC.test(name)) unclassified.add(name);
    }
    expect([...unclassified]).toEqual([]);
    // And nothing in the table is stale.
    const live = new Set(h.app.routes.map((r) => `${r.method} ${r.path}`));
    expect(Object.keys(ROUTES).filter((name) => !live.has(name))).toEqual([]);
  });

  it("every guarded route answers every caller as the policy decides", async () => {
    const w = await buildWorld();
    const mismatches: string[] = [];
    for (const [name, route] of Object.entries(ROUTES)) {
      for (const actor of ACTORS) {
        let expected: Expectation;
        let res: Response;
        if (actor === "anonymous") {
          expected = { status: 401, code: "unauthorized" };
          res = await h.request(await route.path(w, "owner"), { method: route.method, json: route.body });
        } else {
          expected = route.expect(w, w.principals[actor]);
          const { jar, token } = w.credentials[actor];
          res = await h.request(await route.path(w, actor), {
            method: route.method,
            json: route.body,
            jar,
            headers: token ? bearer(token) : undefined,
          });
        }
        const body = res.status === 204 ? null : await res.json().catch(() => null);
        const error = (body as { error?: { code?: string } | string } | null)?.error;
        const got = `${res.status} ${typeof error === "string" ? error : (error?.code ?? "")}`.trim();
        let want = expected === null ? String(route.ok) : `${expected.status} ${expected.code}`;
        // OAuth endpoints say the same refusal in RFC 6749 / RFC 6750 terms.
        if (expected !== null && name.startsWith("POST /v1/oauth/")) {
          const bearerUsed = actor !== "anonymous" && Boolean(w.credentials[actor].token);
          const oauth = oauthErrorFor(expected as { code: ErrorCode; status: number }, "client", bearerUsed);
          want = `${oauth.status} ${oauth.error}`;
        }
        if (got !== want) mismatches.push(`${name} as ${actor}: expected ${want}, got ${got}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});

describe("the access policy against the contract's rules, written out independently", () => {
  // The rules as the README states them, in plain code, for every (actor x action x target role x new role).
  const ACTIONS: OrgAction[] = [
    "organization.read",
    "members.update_role",
    "members.remove",
    "invitations.manage",
    "api_keys.manage",
    "devices.read_all",
    "devices.revoke_any",
    "publishable_keys.manage",
    "pairing.create",
    "tokens.introspect",
    "settings.update",
    "webhooks.manage",
  ];
  const KEY_NEEDS: Record<OrgAction, string[]> = {
    "organization.read": ["read"],
    "members.update_role": ["admin"],
    "members.remove": ["admin"],
    "invitations.manage": ["admin"],
    "api_keys.manage": ["admin"],
    "devices.read_all": ["read", "admin"],
    "devices.revoke_any": ["admin"],
    "publishable_keys.manage": ["admin"],
    "pairing.create": ["write"],
    "tokens.introspect": ["read"],
    "settings.update": ["admin"],
    "webhooks.manage": ["admin"],
  };
  type Caller = { name: string; role: Role | "outsider" | "key"; scopes: string[]; kind: Principal["kind"] };
  const CALLERS: Caller[] = [
    { name: "owner", role: "owner", scopes: ["read", "write", "admin"], kind: "session" },
    { name: "owner token", role: "owner", scopes: ["read", "write", "admin"], kind: "access_token" },
    { name: "admin", role: "admin", scopes: ["read", "write", "admin"], kind: "session" },
    { name: "member", role: "member", scopes: ["read", "write"], kind: "session" },
    { name: "outsider", role: "outsider", scopes: ["read", "write", "admin"], kind: "session" },
    { name: "admin key", role: "key", scopes: ["read", "admin"], kind: "api_key" },
    { name: "read key", role: "key", scopes: ["read"], kind: "api_key" },
    { name: "write key", role: "key", scopes: ["write"], kind: "api_key" },
    { name: "foreign admin key", role: "outsider", scopes: ["read", "write", "admin"], kind: "api_key" },
    { name: "device", role: "owner", scopes: ["device"], kind: "device" },
  ];
  const rank = { member: 1, admin: 2, owner: 3 } as const;

  function oracle(
    c: Caller,
    action: OrgAction,
    targetRole: Role | undefined,
    newRole: Role | undefined,
    self: boolean,
  ): string {
    if (c.kind === "device") return "forbidden";
    // Introspection: servers (keys) only.
    if (action === "tokens.introspect" && c.kind !== "api_key") return "forbidden";
    const longLived = ["api_keys.manage", "publishable_keys.manage", "webhooks.manage"];
    if (longLived.includes(action) && c.kind === "access_token") return "forbidden";
    // Organization settings: an owner's, signed in; never a key's.
    if (action === "settings.update" && c.kind === "api_key") return "forbidden";
    if (c.role === "outsider") return "not_found";
    let acting: Role;
    if (c.role === "key") {
      if (!KEY_NEEDS[action].some((s) => c.scopes.includes(s))) return "insufficient_scope";
      acting = "admin";
    } else {
      acting = c.role;
      if (action === "members.remove" && self) return "allow";
      if (action === "settings.update" && acting !== "owner") return "forbidden";
      if (acting === "member" && action !== "organization.read" && action !== "pairing.create") return "forbidden";
    }
    if (acting === "owner") return "allow";
    if (targetRole === "owner" && (action === "members.update_role" || action === "members.remove")) return "forbidden";
    if (newRole !== undefined && rank[newRole] > rank[acting]) return "forbidden";
    return "allow";
  }

  it("agrees on every combination", () => {
    const disagreements: string[] = [];
    let cases = 0;
    for (const c of CALLERS) {
      for (const action of ACTIONS) {
        for (const targetRole of [undefined, "owner", "admin", "member"] as const) {
          for (const newRole of [undefined, "owner", "admin", "member"] as const) {
            for (const self of [false, true]) {
              const principal: Principal = {
                kind: c.kind,
                userId: "usr_me",
                organizationId: c.role === "outsider" ? "org_elsewhere" : "org_x",
                roles: c.role === "outsider" || c.role === "key" ? { org_elsewhere: "owner" } : { org_x: c.role },
                scopes: c.scopes,
                superuser: false,
                authenticatedAt: 0,
                keyId: c.kind === "api_key" ? "key_x" : null,
              };
              const target = {
                organizationId: "org_x",
                targetRole,
                newRole,
                targetUserId: self ? "usr_me" : "usr_other",
              };
              const got = decide(() => authorize(principal, action, target))?.code ?? "allow";
              const want = oracle(c, action, targetRole, newRole, self);
              cases++;
              if (got !== want)
                disagreements.push(
                  `${c.name} ${action} target=${targetRole} new=${newRole} self=${self}: policy ${got}, rules ${want}`,
                );
            }
          }
        }
      }
    }
    expect(cases).toBe(CALLERS.length * ACTIONS.length * 4 * 4 * 2);
    expect(disagreements).toEqual([]);
  });

  it("the platform API: superusers' credentials and platform keys only", () => {
    const base: Principal = {
      kind: "session",
      userId: "usr_me",
      organizationId: "org_x",
      roles: { org_x: "owner" },
      scopes: ["read", "write", "admin"],
      superuser: false,
      authenticatedAt: 0,
      keyId: null,
    };
    expect(decide(() => authorizePlatform(base))?.code).toBe("forbidden");
    expect(decide(() => authorizePlatform({ ...base, superuser: true }))).toBeNull();
    expect(decide(() => authorizePlatform({ ...base, kind: "access_token", superuser: true }))).toBeNull();
    expect(
      decide(() => authorizePlatform({ ...base, kind: "api_key", scopes: ["read", "write", "admin"] }))?.code,
    ).toBe("forbidden");
    expect(
      decide(() => authorizePlatform({ ...base, kind: "api_key", scopes: ["platform"], superuser: true })),
    ).toBeNull();
    expect(decide(() => authorizePlatform({ ...base, kind: "device", superuser: true }))?.code).toBe("forbidden");
  });
});
