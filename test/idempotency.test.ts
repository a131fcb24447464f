import { describe, expect, it } from "vitest";
import { sha256Hex } from "../src/crypto/hash";
import { json } from "./support/harness";
import { uniqueEmail, useHarness } from "./support/setup";

const h = useHarness();

const request = (body: unknown, key: string, ip?: string) =>
  h.request("/v1/auth/magic-link/request", { method: "POST", json: body, headers: { "idempotency-key": key }, ip });

describe("Idempotency-Key", () => {
  it("replays the identical response for the same key and body, sending one email", async () => {
    const address = uniqueEmail("idem");
    const key = crypto.randomUUID();
    const first = await request({ email: address }, key);
    const firstBody = await first.text();
    const second = await request({ email: address }, key);
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(await second.text()).toBe(firstBody);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(await h.outbox(address)).toHaveLength(1);
  });

  it("stores the response sealed: Redis never holds the link in clear", async () => {
    const address = uniqueEmail("sealed");
    const res = await request({ email: address }, crypto.randomUUID());
    const link = (await json(res)).data.magic_link as string;
    const records = await Promise.all((await h.redisKeysMatching("idem:*")).map((k) => h.redis.get<string>(k)));
    expect(records.length).toBeGreaterThan(0);
    for (const r of records) {
      expect(String(r)).not.toContain(link.split("token=")[1]);
      expect(String(r)).not.toContain(address);
    }
  });

  it("422 idempotency_key_reused for the same key with a different body", async () => {
    const key = crypto.randomUUID();
    expect((await request({ email: uniqueEmail("a") }, key)).status).toBe(202);
    const res = await request({ email: uniqueEmail("b") }, key);
    expect(res.status).toBe(422);
    expect((await json(res)).error.code).toBe("idempotency_key_reused");
  });

  it("409 idempotency_conflict while the first request is still running", async () => {
    const address = uniqueEmail("parallel");
    const key = crypto.randomUUID();
    const responses = await Promise.all(Array.from({ length: 6 }, () => request({ email: address }, key)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.every((s) => s === 202 || s === 409)).toBe(true);
    expect(statuses.filter((s) => s === 202 && true).length).toBeGreaterThanOrEqual(1);
    for (const r of responses.filter((r) => r.status === 409))
      expect((await json(r)).error.code).toBe("idempotency_conflict");
    expect(await h.outbox(address)).toHaveLength(1);
  });

  it("keys are scoped to the caller: another client's identical key runs separately", async () => {
    const key = crypto.randomUUID();
    const a = uniqueEmail("scope-a");
    expect((await request({ email: a }, key, "10.9.9.1")).status).toBe(202);
    const b = await request({ email: a }, key, "10.9.9.2");
    expect(b.status).toBe(202);
    expect(b.headers.get("idempotent-replayed")).toBeNull();
  });

  it("does not keep 5xx outcomes: after a provider outage the same key runs for real", async () => {
    const address = uniqueEmail("outage");
    const key = crypto.randomUUID();
    h.failEmailFor.add(address);
    expect((await request({ email: address }, key)).status).toBe(503);
    h.failEmailFor.delete(address);
    const retry = await request({ email: address }, key);
    expect(retry.status).toBe(202);
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
    expect(await h.outbox(address)).toHaveLength(1);
  });

  it("400 for a malformed key", async () => {
    const res = await request({ email: uniqueEmail("bad") }, "x".repeat(300));
    expect(res.status).toBe(400);
    expect((await json(res)).error.details[0].field).toBe("Idempotency-Key");
  });
});

describe("Idempotency-Key for effects in Postgres", () => {
  it("a crash after the effect (the Redis record never completed) is replayed, never repeated", async () => {
    const { signInByLink } = await import("./support/accounts");
    const user = await signInByLink(h, uniqueEmail("crash"));
    const key = crypto.randomUUID();
    const create = () =>
      h.request("/v1/organizations", {
        method: "POST",
        jar: user.jar,
        json: { name: "Once Ltd" },
        headers: { "idempotency-key": key },
      });
    const first = await create();
    expect(first.status).toBe(201);
    const created = (await json(first)).data;
    // What a worker killed between the insert and the record leaves behind: the effect in Postgres,
    // and in Redis either the claim still running (the retry waits) or nothing once it expired.
    const record = h.keys.idempotency(await sha256Hex(`user:${user.user.id}\n${key}`));
    const done = JSON.parse((await h.redis.get<string>(record)) ?? "null") as { state: string; fingerprint: string };
    expect(done.state).toBe("done");
    await h.redis.set(record, JSON.stringify({ state: "running", fingerprint: done.fingerprint }), { ex: 60 });
    const waiting = await create();
    expect(waiting.status).toBe(409);
    expect((await json(waiting)).error.code).toBe("idempotency_conflict");
    await h.redis.del(record);
    const retry = await create();
    expect(retry.status).toBe(201);
    expect((await json(retry)).data).toEqual(created);
    const [count] = await h.sql.query(
      "select count(*)::int as n from organizations where name = 'Once Ltd' and id in (select organization_id from memberships where user_id = $1)",
      [user.user.id],
    );
    expect(count!.n).toBe(1);
  });

  it("an API key created before a crash is replayed with its one-time secret, and no second key exists", async () => {
    const { signInByLink } = await import("./support/accounts");
    const user = await signInByLink(h, uniqueEmail("keycrash"));
    const key = crypto.randomUUID();
    const create = () =>
      h.request("/v1/api-keys", {
        method: "POST",
        jar: user.jar,
        json: { name: "ci", scopes: ["read"] },
        headers: { "idempotency-key": key },
      });
    const first = await json(await create());
    await h.redis.del(h.keys.idempotency(await sha256Hex(`user:${user.user.id}\n${key}`)));
    const retry = await json(await create());
    expect(retry.data).toEqual(first.data);
    expect(
      (await h.request("/v1/auth/me", { headers: { authorization: `Bearer ${retry.data.api_key}` } })).status,
    ).toBe(200);
    const [count] = await h.sql.query("select count(*)::int as n from api_keys where organization_id = $1", [
      user.organization.id,
    ]);
    expect(count!.n).toBe(1);
  });

  it("records belong to the principal: a logged-out cookie cannot replay the API key secret its session was shown", async () => {
    const { signInByLink } = await import("./support/accounts");
    const user = await signInByLink(h, uniqueEmail("replay"));
    const key = crypto.randomUUID();
    const cookie = user.jar.header();
    const csrf = user.jar.get("csrf_token")!;
    const create = () =>
      h.request("/v1/api-keys", {
        method: "POST",
        json: { name: "ci", scopes: ["read"] },
        headers: { cookie, "x-csrf-token": csrf, "idempotency-key": key },
      });
    expect((await create()).status).toBe(201);
    expect((await h.request("/v1/auth/logout", { method: "POST", jar: user.jar })).status).toBe(204);
    const replay = await create();
    expect(replay.status).toBe(401);
    expect(await replay.text()).not.toContain("sk_test_");
  });
});

describe("Idempotency-Key for publishable keys", () => {
  it("a retry after a crash replays the key instead of making a second one", async () => {
    const { signInByLink } = await import("./support/accounts");
    const user = await signInByLink(h, uniqueEmail("pkcrash"));
    const key = crypto.randomUUID();
    const create = () =>
      h.request("/v1/publishable-keys", {
        method: "POST",
        jar: user.jar,
        json: { name: "shop", allowed_origins: ["https://shop.example"] },
        headers: { "idempotency-key": key },
      });
    const first = await json(await create());
    await h.redis.del(h.keys.idempotency(await sha256Hex(`user:${user.user.id}\n${key}`)));
    const retry = await json(await create());
    expect(retry.data).toEqual(first.data);
    const [count] = await h.sql.query("select count(*)::int as n from publishable_keys where organization_id = $1", [
      user.organization.id,
    ]);
    expect(count!.n).toBe(1);
  });
});
