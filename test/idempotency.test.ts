import { describe, expect, it } from "vitest";
import { uniqueEmail, useHarness } from "./support/setup";
import { json } from "./support/harness";

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
    for (const r of responses.filter((r) => r.status === 409)) expect((await json(r)).error.code).toBe("idempotency_conflict");
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
