// Outbound events: the consumer (the Cron Trigger's function) against a real receiver process that
// verifies every request with the `standardwebhooks` package (localstack/webhook-receiver.ts).
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it } from "vitest";
import { runConsumer } from "../src/features/webhooks/consumer";
import { MAX_ATTEMPTS, RETRY_SCHEDULE_MS } from "../src/features/webhooks/deliver";
import {
  bearer,
  createKey,
  grantSuperuser,
  joinOrganization,
  latestLink,
  login,
  PASSWORD,
  passwordGrant,
  type SignedIn,
  signInByLink,
  signUpVerified,
  tokenFromOutbox,
} from "./support/accounts";
import type { CookieJar } from "./support/cookies";
import { whileLocked } from "./support/faults";
import { bindings, json } from "./support/harness";
import { codeAt, enrolled } from "./support/mfa";
import { uniqueEmail, useHarness } from "./support/setup";
import { returnFrom, visitProvider } from "./support/social";
import { createCredential } from "./support/webauthn";

// SQL_TIMEOUT_MS: whileLocked holds a table for 3 s, twice the deadline.
const h = useHarness({ WEBHOOK_POLL_SECONDS: "0", SQL_TIMEOUT_MS: "1500" });
const RECEIVER = bindings.WEBHOOK_RECEIVER_URL!;
const CONTROL = bindings.WEBHOOK_CONTROL_URL!;

interface Received {
  id: string;
  timestamp: string;
  verified: boolean;
  type: string | null;
  body: { type: string; timestamp: string; data: Record<string, any> };
}

let sequence = 0;
const receiverName = (label: string) => `${label}-${Date.now().toString(36)}-${++sequence}`;

async function control(path: string, init: RequestInit = {}): Promise<any> {
  const res = await fetch(`${CONTROL}${path}`, init);
  expect(res.status).toBe(200);
  return res.json();
}
const configure = (name: string, body: { secret?: string; fail?: number }) =>
  control(`/receivers/${name}`, { method: "PUT", body: JSON.stringify(body) });
const receivedBy = async (name: string): Promise<{ attempts: number; received: Received[] }> =>
  control(`/receivers/${name}`);

/** One run of the Cron Trigger's consumer (WEBHOOK_POLL_SECONDS=0: one pass). */
async function consume() {
  const reports = await runConsumer({ config: h.config, deps: h.deps, waitUntil: () => undefined });
  return reports[0] ?? { moved: 0, attempted: 0, delivered: 0, failed: 0, disabled: 0 };
}

type Caller = { jar?: CookieJar; headers?: Record<string, string> };

/** Registers an endpoint at the receiver `name` and hands the receiver the secret from the answer. */
async function register(
  caller: Caller,
  name: string,
  options: { platform?: boolean; types?: string[] } = {},
): Promise<{ id: string; secret: string; url: string }> {
  const path = options.platform ? "/v1/admin/webhook-endpoints" : "/v1/webhook-endpoints";
  const body = { url: `${RECEIVER}/hooks/${name}`, event_types: options.types };
  const res = await h.request(path, { method: "POST", ...caller, json: body });
  expect(res.status, await res.clone().text()).toBe(201);
  const endpoint = (await json(res)).data;
  await configure(name, { secret: endpoint.secret });
  return endpoint;
}

async function eventsSince(seq: number): Promise<Array<{ id: string; type: string; data: any; seq: number }>> {
  const rows = await h.sql.query("select id, type, data, seq::int from events where seq > $1 order by seq", [seq]);
  return rows as Array<{ id: string; type: string; data: any; seq: number }>;
}
async function lastSeq(): Promise<number> {
  const [row] = await h.sql.query("select coalesce(max(seq), 0)::int as max from events");
  return row!.max;
}

async function owner(label: string): Promise<SignedIn> {
  return signInByLink(h, uniqueEmail(label));
}

afterEach(async () => {
  // Endpoints of one test must not receive (or retry) the next test's events.
  await h.sql.query("delete from webhook_endpoints");
  await h.redis.del(h.keys.webhookSubscribers());
});

describe("webhook endpoints", () => {
  it("owners and admin keys register them (the secret once); members, app tokens and other organizations cannot", async () => {
    const ada = await owner("hooks-owner");
    const name = receiverName("crud");
    const created = await register({ jar: ada.jar }, name, { types: ["user.updated", "member.joined"] });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created).toMatchObject({
      organization_id: ada.organization.id,
      event_types: ["user.updated", "member.joined"],
    });
    const [row] = await h.sql.query("select secret_sealed from webhook_endpoints where id = $1", [created.id]);
    // Sealed: the database never holds the secret readable.
    expect(row!.secret_sealed).not.toContain(created.secret.slice(6));
    const list = await json(await h.request("/v1/webhook-endpoints", { jar: ada.jar }));
    expect(list.data.map((e: { id: string }) => e.id)).toEqual([created.id]);
    expect(JSON.stringify(list)).not.toContain("whsec_");

    const member = await joinOrganization(h, ada.jar, ada.organization.id, uniqueEmail("hooks-member"));
    const byMember = await h.request("/v1/webhook-endpoints", { jar: member.jar });
    expect(byMember.status).toBe(403);
    expect((await json(byMember)).error.code).toBe("forbidden");

    // An app's access token (even an owner's) cannot point the organization's events somewhere.
    const email = uniqueEmail("hooks-token");
    await signUpVerified(h, email);
    const tokens = await passwordGrant(h, email);
    const byToken = await h.request("/v1/webhook-endpoints", {
      method: "POST",
      headers: bearer(tokens.access_token),
      json: { url: `${RECEIVER}/hooks/x` },
    });
    expect(byToken.status).toBe(403);

    const adminKey = await createKey(h, ada.jar, { name: "hooks", scopes: ["read", "admin"] });
    const readKey = await createKey(h, ada.jar, { name: "reader", scopes: ["read"] });
    const byKey = await h.request("/v1/webhook-endpoints", { headers: bearer(adminKey.api_key) });
    expect(byKey.status).toBe(200);
    const byReadKey = await h.request("/v1/webhook-endpoints", { headers: bearer(readKey.api_key) });
    expect((await json(byReadKey)).error.code).toBe("insufficient_scope");

    const stranger = await owner("hooks-stranger");
    for (const [method, path] of [
      ["GET", `/v1/webhook-endpoints/${created.id}`],
      ["PATCH", `/v1/webhook-endpoints/${created.id}`],
      ["DELETE", `/v1/webhook-endpoints/${created.id}`],
      ["GET", `/v1/webhook-endpoints/${created.id}/deliveries`],
      ["POST", `/v1/webhook-endpoints/${created.id}/rotate-secret`],
      ["GET", `/v1/admin/webhook-endpoints/${created.id}`],
    ] as const) {
      const res = await h.request(path, { method, jar: stranger.jar, json: method === "PATCH" ? {} : undefined });
      expect([403, 404], `${method} ${path}`).toContain(res.status);
    }
    const platform = await h.request("/v1/admin/webhook-endpoints", { jar: ada.jar });
    expect(platform.status).toBe(403);

    const changed = await h.request(`/v1/webhook-endpoints/${created.id}`, {
      method: "PATCH",
      jar: ada.jar,
      json: { event_types: [], description: "everything" },
    });
    expect((await json(changed)).data).toMatchObject({ event_types: [], description: "everything" });
    const rotated = await json(
      await h.request(`/v1/webhook-endpoints/${created.id}/rotate-secret`, { method: "POST", jar: ada.jar }),
    );
    expect(rotated.data.secret).toMatch(/^whsec_/);
    expect(rotated.data.secret).not.toBe(created.secret);
    expect((await h.request(`/v1/webhook-endpoints/${created.id}`, { method: "DELETE", jar: ada.jar })).status).toBe(
      204,
    );
    expect((await h.request(`/v1/webhook-endpoints/${created.id}`, { jar: ada.jar })).status).toBe(404);
  });

  it("refuses receivers that are not https, carry credentials or point inside; unknown event types", async () => {
    const ada = await owner("hooks-urls");
    for (const url of [
      "http://example.com/hook",
      "https://user:pass@example.com/hook",
      "https://10.0.0.8/hook",
      "https://192.168.1.1/hook",
      "https://metadata.internal/hook",
      "ftp://example.com/hook",
      "not a url",
    ]) {
      const res = await h.request("/v1/webhook-endpoints", { method: "POST", jar: ada.jar, json: { url } });
      expect(res.status, url).toBe(400);
      const body = await json(res);
      expect(body.error.code).toBe("validation_error");
      expect(body.error.details[0].field).toBe("url");
    }
    const badType = await h.request("/v1/webhook-endpoints", {
      method: "POST",
      jar: ada.jar,
      json: { url: "https://example.com/hook", event_types: ["user.exploded"] },
    });
    expect(badType.status).toBe(400);
    const ok = await h.request("/v1/webhook-endpoints", {
      method: "POST",
      jar: ada.jar,
      json: { url: "https://example.com/hook" },
    });
    expect(ok.status).toBe(201);
    const types = await json(await h.request("/v1/webhooks/event-types", { jar: ada.jar }));
    expect(types.data.map((t: { type: string }) => t.type)).toContain("session.revoked");
  });
});

describe("events", () => {
  it("each change is announced exactly once, to the endpoints it concerns, and standardwebhooks verifies every one", async () => {
    const root = await owner("hooks-root");
    await grantSuperuser(h, root.user.id);
    const everything = receiverName("platform");
    const platform = await register({ jar: root.jar }, everything, { platform: true });
    const ada = await owner("hooks-ada");
    const adaOrg = receiverName("ada-org");
    await register({ jar: ada.jar }, adaOrg);

    // Changes an integrator cares about, each through the API.
    expect((await h.request("/v1/auth/me", { method: "PATCH", jar: ada.jar, json: { name: "Ada L" } })).status).toBe(
      200,
    );
    const bobEmail = uniqueEmail("hooks-bob");
    const bob = await joinOrganization(h, ada.jar, ada.organization.id, bobEmail);
    const promote = await h.request(`/v1/organizations/${ada.organization.id}/members/${bob.user.id}`, {
      method: "PATCH",
      jar: ada.jar,
      json: { role: "admin" },
    });
    expect(promote.status).toBe(200);
    const remove = await h.request(`/v1/organizations/${ada.organization.id}/members/${bob.user.id}`, {
      method: "DELETE",
      jar: ada.jar,
    });
    expect(remove.status).toBe(204);
    const key = await createKey(h, ada.jar, { name: "hooks-key", scopes: ["read"] });
    expect((await h.request(`/v1/api-keys/${key.id}/revoke`, { method: "POST", jar: ada.jar })).status).toBe(200);
    const created = await h.request("/v1/organizations", { method: "POST", jar: ada.jar, json: { name: "Hooks Ltd" } });
    const newOrg = (await json(created)).data.id as string;
    expect((await h.request("/v1/auth/logout", { method: "POST", jar: bob.jar })).status).toBe(204);
    const disabled = await h.request(`/v1/admin/users/${bob.user.id}/disable`, { method: "POST", jar: root.jar });
    expect(disabled.status, await disabled.clone().text()).toBe(200);

    const report = await consume();
    expect(report.failed).toBe(0);
    const all = (await receivedBy(everything)).received;
    // Every event since the platform endpoint exists was addressed to it, and reached it once, verified.
    const addressed = (await h.sql.query(
      `select e.id, e.type, e.subject, e.seq::int, d.status from events e
       left join webhook_deliveries d on d.event_id = e.id and d.endpoint_id = $1
       where e.created_at >= (select created_at from webhook_endpoints where id = $1) order by e.seq`,
      [platform.id],
    )) as Array<{ id: string; type: string; subject: string; seq: number; status: string | null }>;
    expect(addressed.length).toBeGreaterThan(15);
    expect(addressed.filter((e) => e.status !== "delivered")).toEqual([]);
    expect(all.map((r) => r.id).sort()).toEqual(addressed.map((e) => e.id).sort());
    expect(all.every((r) => r.verified)).toBe(true);
    const typeOf = new Map(addressed.map((e) => [e.id, e.type]));
    expect(all.every((r) => typeOf.get(r.id) === r.body.type)).toBe(true);
    // In order per subject (Bob's events as the outbox received them).
    const bobs = addressed.filter((e) => e.subject === bob.user.id).map((e) => e.id);
    expect(all.filter((r) => bobs.includes(r.id)).map((r) => r.id)).toEqual(bobs);

    const one = (type: string, match: Record<string, unknown> = {}) => {
      const found = all.filter(
        (r) => r.body.type === type && Object.entries(match).every(([k, v]) => r.body.data[k] === v),
      );
      expect(found, `${type} ${JSON.stringify(match)}`).toHaveLength(1);
      return found[0]!;
    };
    one("user.updated", { id: ada.user.id, name: "Ada L" });
    one("member.invited", { organization_id: ada.organization.id, email: bobEmail });
    one("user.created", { email: bobEmail });
    one("member.joined", { organization_id: ada.organization.id, user_id: bob.user.id, role: "member" });
    one("member.role_changed", { user_id: bob.user.id, role: "admin", previous_role: "member" });
    one("member.removed", { organization_id: ada.organization.id, user_id: bob.user.id });
    one("api_key.created", { id: key.id, organization_id: ada.organization.id });
    one("api_key.revoked", { id: key.id });
    one("organization.created", { id: newOrg, name: "Hooks Ltd", is_personal: false });
    one("member.joined", { organization_id: newOrg, user_id: ada.user.id, role: "owner" });
    one("session.revoked", { user_id: bob.user.id, reason: "signed_out" });
    one("user.disabled", { id: bob.user.id, disabled: true });
    const signIn = one("session.created", { user_id: bob.user.id });
    expect(signIn.body.data).toMatchObject({ id: expect.stringMatching(/^ses_/) });
    expect(new Date(signIn.body.timestamp).getTime()).toBeGreaterThan(0);

    // Ada's organization endpoint got its own organization's events and its members', nothing else.
    const mine = (await receivedBy(adaOrg)).received;
    expect(mine.every((r) => r.verified)).toBe(true);
    const types = mine.map((r) => r.body.type);
    expect(types).toContain("member.role_changed");
    expect(types).toContain("api_key.revoked");
    expect(types).toContain("user.updated");
    // Bob's account events after he left, and Hooks Ltd's creation, are not Ada's organization's business.
    expect(mine.some((r) => r.body.type === "user.disabled")).toBe(false);
    expect(mine.some((r) => r.body.type === "organization.created")).toBe(false);

    // Exactly once: another run sends nothing again.
    const again = await consume();
    expect(again.attempted).toBe(0);
    expect((await receivedBy(everything)).received).toHaveLength(all.length);
  });

  it("second factors, passkeys, linked providers and email changes are announced too", async () => {
    const root = await owner("hooks-root2");
    await grantSuperuser(h, root.user.id);
    const name = receiverName("factors");
    await register({ jar: root.jar }, name, {
      platform: true,
      types: [
        "mfa.enabled",
        "mfa.disabled",
        "passkey.added",
        "passkey.removed",
        "email.changed",
        "identity.linked",
        "identity.unlinked",
      ],
    });
    const user = await enrolled(h, "hooks-mfa");
    const removed = await h.request("/v1/auth/mfa/totp", {
      method: "DELETE",
      jar: user.jar,
      json: { mfa_code: codeAt(h, user.secret) },
    });
    expect(removed.status, await removed.clone().text()).toBe(204);

    const options = await json(
      await h.request("/v1/auth/passkeys/register/options", { method: "POST", jar: user.jar, json: {} }),
    );
    const { response } = await createCredential(options.data, "http://localhost:8787");
    const added = await h.request("/v1/auth/passkeys", { method: "POST", jar: user.jar, json: { response } });
    expect(added.status, await added.clone().text()).toBe(201);
    const passkeyId = (await json(added)).data.passkey.id;
    const gone = await h.request(`/v1/auth/passkeys/${passkeyId}`, { method: "DELETE", jar: user.jar });
    expect(gone.status, await gone.clone().text()).toBe(204);

    const next = uniqueEmail("hooks-new-address");
    await h.request("/v1/auth/me", { method: "PATCH", jar: user.jar, json: { email: next } });
    const token = tokenFromOutbox(await latestLink(h, next, /Confirm your new email/));
    expect((await h.request("/v1/auth/verify-email", { method: "POST", json: { token } })).status).toBe(200);

    // A provider's identity: linked by a first social sign-in, then unlinked.
    const visit = await visitProvider(h, { email: uniqueEmail("hooks-social") });
    await returnFrom(h, visit);
    const identities = await json(await h.request("/v1/auth/identities", { jar: visit.jar }));
    const identityId = identities.data[0].id as string;
    const unlinked = await h.request(`/v1/auth/identities/${identityId}`, { method: "DELETE", jar: visit.jar });
    expect(unlinked.status).toBe(204);

    await consume();
    const got = (await receivedBy(name)).received;
    expect(got.every((r) => r.verified)).toBe(true);
    expect(got).toHaveLength(7);
    // One subject's events arrive in order (others may interleave: they are sent in parallel).
    const theirs = got.filter((r) => r.body.data.user_id === user.userId || r.body.data.id === user.userId);
    expect(theirs.map((r) => r.body.type)).toEqual([
      "mfa.enabled",
      "mfa.disabled",
      "passkey.added",
      "passkey.removed",
      "email.changed",
    ]);
    expect(theirs[4]!.body.data).toMatchObject({ id: user.userId, email: next, previous_email: user.email });
    expect(theirs[2]!.body.data).toMatchObject({ id: passkeyId, user_id: user.userId });
    const social = got.filter((r) => r.body.type.startsWith("identity."));
    expect(social.map((r) => [r.body.type, r.body.data.id, r.body.data.provider])).toEqual([
      ["identity.linked", identityId, "dev"],
      ["identity.unlinked", identityId, "dev"],
    ]);
  });

  it("a change that rolls back announces nothing: refused by the database, or given up at the deadline (503)", async () => {
    const ada = await owner("hooks-rollback");
    const name = receiverName("rollback");
    await register({ jar: ada.jar }, name);
    const since = await lastSeq();
    // The last owner cannot step down: the trigger refuses, the statement (and its event) rolls back.
    const demote = await h.request(`/v1/organizations/${ada.organization.id}/members/${ada.user.id}`, {
      method: "PATCH",
      jar: ada.jar,
      json: { role: "member" },
    });
    expect(demote.status).toBe(409);
    // The outbox held locked: the change cannot write its event, the deadline passes, the worker
    // answers 503 and the database commits neither the change nor the event.
    await whileLocked(h, "events", () =>
      h.request("/v1/auth/me", { method: "PATCH", jar: ada.jar, json: { name: "Never Saved" } }),
    );
    const [row] = await h.sql.query("select name from users where id = $1", [ada.user.id]);
    expect(row!.name).not.toBe("Never Saved");
    expect(await eventsSince(since)).toEqual([]);
    await consume();
    expect((await receivedBy(name)).attempts).toBe(0);
    // The same change, committed, is announced.
    await h.request("/v1/auth/me", { method: "PATCH", jar: ada.jar, json: { name: "Saved" } });
    await consume();
    const got = (await receivedBy(name)).received;
    expect(got.map((r) => [r.body.type, r.body.data.name])).toEqual([["user.updated", "Saved"]]);
  });
});

describe("delivery", () => {
  it("a receiver that fails 3 times then succeeds gets the event once it recovers, and the next one after it", async () => {
    const ada = await owner("hooks-retry");
    const name = receiverName("flaky");
    const endpoint = await register({ jar: ada.jar }, name);
    await configure(name, { fail: 3 });
    await h.request("/v1/auth/me", { method: "PATCH", jar: ada.jar, json: { name: "First" } });
    const [first] = await eventsSince(0).then((e) => e.filter((x) => x.data.name === "First"));

    expect(await consume()).toMatchObject({ attempted: 1, failed: 1 });
    // A later change about the same person waits behind the failing one (order per subject).
    await h.request("/v1/auth/me", { method: "PATCH", jar: ada.jar, json: { name: "Second" } });
    expect((await consume()).attempted).toBe(0);
    h.clock.advance(RETRY_SCHEDULE_MS[0]!);
    expect(await consume()).toMatchObject({ attempted: 1, failed: 1 });
    h.clock.advance(RETRY_SCHEDULE_MS[1]!);
    expect(await consume()).toMatchObject({ attempted: 1, failed: 1 });
    const waiting = await json(await h.request(`/v1/webhook-endpoints/${endpoint.id}/deliveries`, { jar: ada.jar }));
    expect(waiting.data.find((d: { event_id: string }) => d.event_id === first!.id)).toMatchObject({
      status: "pending",
      attempts: 3,
      last_status: 500,
      last_error: "HTTP 500",
    });
    h.clock.advance(RETRY_SCHEDULE_MS[2]!);
    expect(await consume()).toMatchObject({ attempted: 2, delivered: 2 });

    const { attempts, received } = await receivedBy(name);
    expect(attempts).toBe(5);
    expect(received.map((r) => [r.id, r.body.data.name, r.verified])).toEqual([
      [first!.id, "First", true],
      [expect.stringMatching(/^evt_/), "Second", true],
    ]);
    const after = await json(await h.request(`/v1/webhook-endpoints/${endpoint.id}/deliveries`, { jar: ada.jar }));
    expect(after.data[1]).toMatchObject({ event_id: first!.id, status: "delivered", attempts: 4, last_status: 204 });
  });

  it("a receiver restart loses nothing: what it missed while down arrives, in order, once it is back", async () => {
    const ada = await owner("hooks-restart");
    const name = receiverName("restart");
    await register({ jar: ada.jar }, name);
    await control("/down", { method: "POST" });
    try {
      for (const n of ["one", "two", "three"])
        await h.request("/v1/auth/me", { method: "PATCH", jar: ada.jar, json: { name: n } });
      const down = await consume();
      // One at a time per subject: the head fails, the two behind it wait.
      expect(down).toMatchObject({ attempted: 1, failed: 1 });
      const [row] = await h.sql.query(
        "select last_error from webhook_deliveries where status = 'pending' and attempts = 1 limit 1",
      );
      expect(row!.last_error).toBe("connection failed");
    } finally {
      await control("/up", { method: "POST" });
    }
    h.clock.advance(RETRY_SCHEDULE_MS[0]!);
    await consume();
    const got = (await receivedBy(name)).received;
    expect(got.map((r) => r.body.data.name)).toEqual(["one", "two", "three"]);
    expect(new Set(got.map((r) => r.id)).size).toBe(3);
  });

  it("a signature made with another secret does not verify (the receiver refuses it, and it is retried)", async () => {
    const ada = await owner("hooks-wrong");
    const name = receiverName("wrong-secret");
    const endpoint = await register({ jar: ada.jar }, name);
    await configure(name, { secret: `whsec_${btoa("another secret of thirty-two bytes!")}` });
    await h.request("/v1/auth/me", { method: "PATCH", jar: ada.jar, json: { name: "Signed" } });
    expect(await consume()).toMatchObject({ attempted: 1, failed: 1 });
    const { received } = await receivedBy(name);
    expect(received.map((r) => r.verified)).toEqual([false]);
    // The library in the worker's own runtime agrees with the receiver's: the right secret verifies.
    const body = JSON.stringify(received[0]!.body);
    const headers = {
      "webhook-id": received[0]!.id,
      "webhook-timestamp": received[0]!.timestamp,
    };
    const signature = new Webhook(endpoint.secret).sign(
      headers["webhook-id"],
      new Date(Number(headers["webhook-timestamp"]) * 1000),
      body,
    );
    expect(() =>
      new Webhook(endpoint.secret).verify(body, { ...headers, "webhook-signature": signature }),
    ).not.toThrow();
  });

  it("two consumers at once send each event once", async () => {
    const ada = await owner("hooks-parallel");
    const name = receiverName("parallel");
    await register({ jar: ada.jar }, name);
    // Ten subjects (ten keys), so nothing waits behind anything.
    for (let i = 0; i < 10; i++) await createKey(h, ada.jar, { name: `k${i}`, scopes: ["read"] });
    const reports = await Promise.all([consume(), consume(), consume()]);
    expect(reports.reduce((n, r) => n + r.delivered, 0)).toBe(10);
    const got = (await receivedBy(name)).received;
    expect(got).toHaveLength(10);
    expect(new Set(got.map((r) => r.id)).size).toBe(10);
  });

  it("an endpoint failing for a day is disabled and its owner told; enabled again, a replay by id delivers", async () => {
    const ada = await owner("hooks-dead");
    const name = receiverName("dead");
    const endpoint = await register({ jar: ada.jar }, name);
    await configure(name, { fail: 1000 });
    await h.request("/v1/auth/me", { method: "PATCH", jar: ada.jar, json: { name: "Lost" } });
    const [event] = (await eventsSince(0)).filter((e) => e.data.name === "Lost");
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const report = await consume();
      expect(report, `attempt ${attempt}`).toMatchObject({ attempted: 1, failed: 1 });
      if (attempt < MAX_ATTEMPTS) h.clock.advance(RETRY_SCHEDULE_MS[attempt - 1]!);
      else expect(report.disabled).toBe(1);
    }
    const shown = (await json(await h.request(`/v1/webhook-endpoints/${endpoint.id}`, { jar: ada.jar }))).data;
    expect(shown.disabled_at).not.toBeNull();
    expect(shown.disabled_reason).toBe("failing for 24 hours");
    const notice = (await h.outbox(ada.user.email)).find((m) => m.subject === "A webhook endpoint was disabled");
    expect(notice?.text).toContain(endpoint.id);
    // Disabled: new events are not addressed to it.
    await h.request("/v1/auth/me", { method: "PATCH", jar: ada.jar, json: { name: "While Disabled" } });
    const [{ count }] = (await h.sql.query(
      "select count(*)::int as count from webhook_deliveries where endpoint_id = $1",
      [endpoint.id],
    )) as [{ count: number }];
    expect(count).toBe(1);
    const refused = await h.request(`/v1/webhook-endpoints/${endpoint.id}/replay`, {
      method: "POST",
      jar: ada.jar,
      json: { event_id: event!.id },
    });
    expect(refused.status).toBe(409);

    await configure(name, { fail: 0 });
    const enabled = await h.request(`/v1/webhook-endpoints/${endpoint.id}`, {
      method: "PATCH",
      jar: ada.jar,
      json: { enabled: true },
    });
    expect((await json(enabled)).data.disabled_at).toBeNull();
    const replay = await h.request(`/v1/webhook-endpoints/${endpoint.id}/replay`, {
      method: "POST",
      jar: ada.jar,
      json: { event_id: event!.id },
    });
    expect(replay.status).toBe(202);
    expect(await consume()).toMatchObject({ attempted: 1, delivered: 1 });
    const got = (await receivedBy(name)).received;
    expect(got.map((r) => [r.id, r.verified])).toEqual([[event!.id, true]]);

    // Replay again: the same webhook-id arrives a second time (receivers deduplicate on it).
    await h.request(`/v1/webhook-endpoints/${endpoint.id}/replay`, {
      method: "POST",
      jar: ada.jar,
      json: { event_id: event!.id },
    });
    await consume();
    expect((await receivedBy(name)).received.map((r) => r.id)).toEqual([event!.id, event!.id]);
    // Only events addressed to the endpoint replay: not another organization's, not an unknown id.
    const other = await owner("hooks-other");
    const foreign = await h.request(`/v1/webhook-endpoints/${endpoint.id}/replay`, {
      method: "POST",
      jar: other.jar,
      json: { event_id: event!.id },
    });
    expect(foreign.status).toBe(404);
    const unknown = await h.request(`/v1/webhook-endpoints/${endpoint.id}/replay`, {
      method: "POST",
      jar: ada.jar,
      json: { event_id: `evt_${"0".repeat(32)}` },
    });
    expect(unknown.status).toBe(404);
  });

  it("session events move from the Redis stream once, however often a crashed consumer repeats the move", async () => {
    const root = await owner("hooks-stream");
    await grantSuperuser(h, root.user.id);
    const name = receiverName("stream");
    await register({ jar: root.jar }, name, { platform: true, types: ["session.created", "session.revoked"] });
    const email = uniqueEmail("hooks-stream-member");
    await signUpVerified(h, email);
    const first = await login(h, email, PASSWORD);
    const second = await login(h, email, PASSWORD);
    const [{ id: userId }] = (await h.sql.query("select id from users where email = $1", [email])) as [{ id: string }];
    const batch = await h.deps.eventStream.take(100);
    expect(batch.map((e) => e.type)).toContain("session.created");
    // A consumer that wrote the batch and died before acknowledging it: the next one writes it again.
    const ids = batch.map((e) => e.id);
    const stored = async () => {
      const rows = await h.sql.query(
        "select e.id, count(d.*)::int as deliveries from events e join webhook_deliveries d on d.event_id = e.id where e.id = any($1) group by e.id",
        [ids],
      );
      return rows as Array<{ id: string; deliveries: number }>;
    };
    await h.deps.webhooks.importEvents(batch);
    const once = await stored();
    // This user's two sign-ins (after the endpoint existed) are among them, each with one delivery.
    expect(once.filter((r) => batch.find((e) => e.id === r.id)?.userId === userId)).toHaveLength(2);
    expect(once.every((r) => r.deliveries === 1)).toBe(true);
    await h.deps.webhooks.importEvents(batch);
    expect(await stored()).toEqual(once);
    // Revoking every session announces each one.
    expect((await h.request("/v1/auth/logout-all", { method: "POST", jar: second })).status).toBe(200);
    expect((await h.request("/v1/auth/me", { jar: first })).status).toBe(401);
    await consume();
    const got = (await receivedBy(name)).received;
    const mine = got.filter((r) => r.body.data.user_id === userId);
    expect(mine.map((r) => [r.body.type, r.body.data.reason ?? null])).toEqual([
      ["session.created", null],
      ["session.created", null],
      ["session.revoked", "revoked_all"],
      ["session.revoked", "revoked_all"],
    ]);
    expect(new Set(got.map((r) => r.id)).size).toBe(got.length);
    expect(await h.deps.eventStream.take(10)).toEqual([]);
  });
});
