import { describe, expect, it } from "vitest";
import { sha256Hex } from "../src/crypto/hash";
import { bearer, createKey, joinOrganization, passwordGrant, signInByLink, signUpVerified } from "./support/accounts";
import { json, randomIp } from "./support/harness";
import { countRoundTrips } from "./support/round-trips";
import { uniqueEmail, useHarness } from "./support/setup";

const h = useHarness();
const me = (key: string, ip?: string) => h.request("/v1/auth/me", { headers: bearer(key), ip });
const trips = <T>(run: () => Promise<T>) =>
  countRoundTrips({ redis: h.config.redis.url, sql: h.config.database.httpEndpoint! }, run);

describe("creating and listing keys", () => {
  it("shows the secret once (no-store), stores only its SHA-256, never lists it", async () => {
    const owner = await signInByLink(h, uniqueEmail("owner"));
    const res = await h.request("/v1/api-keys", {
      method: "POST",
      jar: owner.jar,
      json: { name: "deploy bot", scopes: ["read", "write"] },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const { data } = await json(res);
    expect(data.api_key).toMatch(/^sk_test_key_[0-9a-z]{26}\.[A-Za-z0-9_-]{43}$/);
    expect(data).toMatchObject({
      name: "deploy bot",
      scopes: ["read", "write"],
      organization_id: owner.organization.id,
      created_by: owner.user.id,
      prefix: "sk_test_",
    });
    const secret = data.api_key.split(".")[1];
    const [row] = await h.sql.query("select * from api_keys where id = $1", [data.id]);
    expect(row!.secret_hash).toBe(await sha256Hex(secret));
    expect(JSON.stringify(row)).not.toContain(secret);
    const listed = await h.request("/v1/api-keys", { jar: owner.jar });
    const text = await listed.text();
    expect(text).not.toContain(secret);
    expect(JSON.parse(text).data[0]).not.toHaveProperty("api_key");
    expect(JSON.parse(text).meta.count).toBe(1);
  });

  it("takes the organization and creator from the credential, never the body", async () => {
    const owner = await signInByLink(h, uniqueEmail("owner"));
    const other = await signInByLink(h, uniqueEmail("victim"));
    const key = await createKey(h, owner.jar, {
      name: "x",
      organization_id: other.organization.id,
      created_by: other.user.id,
      scopes: ["read"],
    });
    const [row] = await h.sql.query("select organization_id, created_by from api_keys where id = $1", [key.id]);
    expect(row).toEqual({ organization_id: owner.organization.id, created_by: owner.user.id });
  });

  it("scopes: vocabulary only, * means all you hold, never more than you hold", async () => {
    const owner = await signInByLink(h, uniqueEmail("owner"));
    expect(
      (
        await json(
          await h.request("/v1/api-keys", {
            method: "POST",
            jar: owner.jar,
            json: { name: "x", scopes: ["delete_everything"] },
          }),
        )
      ).error.code,
    ).toBe("validation_error");
    expect((await createKey(h, owner.jar, { name: "all", scopes: ["*"] })).scopes).toEqual(["read", "write", "admin"]);
    expect((await createKey(h, owner.jar, { name: "default" })).scopes).toEqual(["read"]);
    const read = await createKey(h, owner.jar, { name: "reader", scopes: ["read"] });
    const admin = await createKey(h, owner.jar, { name: "admin", scopes: ["read", "admin"] });
    // An admin key may mint keys, but not with scopes it lacks.
    const exceed = await h.request("/v1/api-keys", {
      method: "POST",
      headers: bearer(admin.api_key),
      json: { name: "more", scopes: ["write"] },
    });
    expect(exceed.status).toBe(403);
    expect((await json(exceed)).error.code).toBe("insufficient_scope");
    const child = await h.request("/v1/api-keys", {
      method: "POST",
      headers: bearer(admin.api_key),
      json: { name: "child", scopes: ["read"] },
    });
    expect(child.status).toBe(201);
    expect((await json(child)).data.created_by).toBe(owner.user.id);
    // A key without admin cannot manage keys at all.
    for (const [method, path] of [
      ["GET", "/v1/api-keys"],
      ["POST", "/v1/api-keys"],
      ["POST", `/v1/api-keys/${admin.id}/revoke`],
      ["POST", `/v1/api-keys/${admin.id}/rotate`],
    ] as const) {
      const res = await h.request(path, {
        method,
        headers: bearer(read.api_key),
        json: method === "POST" ? { name: "x" } : undefined,
      });
      expect(res.status, path).toBe(403);
      expect((await json(res)).error.code).toBe("insufficient_scope");
    }
  });

  it("a member's session and any access token cannot manage keys; a session needs its CSRF token", async () => {
    const owner = await signInByLink(h, uniqueEmail("owner"));
    const memberEmail = uniqueEmail("member");
    await signUpVerified(h, memberEmail);
    const member = await joinOrganization(h, owner.jar, owner.organization.id, memberEmail);
    expect((await json(await h.request("/v1/api-keys", { jar: member.jar }))).error.code).toBe("forbidden");
    const tokens = await passwordGrant(h, memberEmail);
    const byToken = await h.request("/v1/api-keys", { headers: bearer(tokens.access_token) });
    expect(byToken.status).toBe(403);
    expect((await json(byToken)).error.code).toBe("forbidden");
    const noCsrf = await h.request("/v1/api-keys", {
      method: "POST",
      headers: { cookie: owner.jar.header() },
      json: { name: "x" },
    });
    expect((await json(noCsrf)).error.code).toBe("csrf_failed");
  });
});

describe("the key cache and a revoke racing a refill", () => {
  it("a request that read the key before its revoke cannot cache it afterwards: the key stays refused", async () => {
    const owner = await signInByLink(h, uniqueEmail("racer"));
    const key = await createKey(h, owner.jar, { name: "raced" });
    expect((await me(key.api_key)).status).toBe(200);
    // What a request in flight holds: the record it read from Postgres before the revoke committed.
    const inFlight = await h.redis.get<string>(h.keys.apiKey(key.id));
    expect(inFlight).toContain(key.id);
    expect((await h.request(`/v1/api-keys/${key.id}/revoke`, { method: "POST", jar: owner.jar })).status).toBe(200);
    // ...and its refill, landing after the revoke: refused by the tombstone (SET NX).
    await h.deps.apiKeyCache.put(key.id, JSON.parse(inFlight as string));
    expect(await h.redis.get(h.keys.apiKey(key.id))).toBe("stale");
    const after = await me(key.api_key);
    expect(after.status).toBe(401);
    expect((await json(after)).error.code).toBe("unauthorized");
  });
});

describe("authenticating with a key", () => {
  it("resolves to the organization identity; warm: one Redis round trip, no SQL; last_used_at is stamped", async () => {
    const owner = await signInByLink(h, uniqueEmail("owner"));
    const key = await createKey(h, owner.jar, { name: "bot", scopes: ["read", "write"] });
    const cold = await trips(() => me(key.api_key));
    expect(cold.result.status).toBe(200);
    expect(cold.trips).toMatchObject({ sql: 2 }); // lookup + the deferred last_used_at stamp
    const { data } = await json(cold.result);
    // A key answers for the member who minted it (its identity stays the organization's).
    expect(data).toMatchObject({
      user: { id: owner.user.id, email: owner.user.email, is_superuser: false },
      organization: { id: owner.organization.id, role: null },
      identity: { kind: "api_key", user_id: null, scopes: ["read", "write"], credential_id: key.id },
    });
    const warm = await trips(() => me(key.api_key));
    expect(warm.result.status).toBe(200);
    expect(warm.trips).toMatchObject({ redis: 2, sql: 0 }); // the lookup, then the deferred once-a-minute check
    expect(warm.trips.calls[0]).toBe("redis");
    const [row] = await h.sql.query("select last_used_at from api_keys where id = $1", [key.id]);
    expect(row!.last_used_at).not.toBeNull();
  });

  it("revoked, expired, unknown and malformed keys all get the same 401", async () => {
    const owner = await signInByLink(h, uniqueEmail("owner"));
    const revoked = await createKey(h, owner.jar, { name: "r" });
    expect((await me(revoked.api_key)).status).toBe(200);
    expect((await h.request(`/v1/api-keys/${revoked.id}/revoke`, { method: "POST", jar: owner.jar })).status).toBe(200);
    const soon = new Date(Date.now() + 60_000).toISOString();
    const expiring = await createKey(h, owner.jar, { name: "e", expires_at: soon });
    const [prefix, secret] = revoked.api_key.split(".") as [string, string];
    const bodies: unknown[] = [];
    h.clock.advance(61_000);
    try {
      for (const key of [
        revoked.api_key,
        expiring.api_key,
        `${prefix.slice(0, -4)}zzzz.${secret}`,
        `${prefix}.${secret.slice(0, -1)}A`,
        "sk_live_nonsense",
        `${prefix}.short`,
      ]) {
        const res = await me(key);
        expect(res.status, key).toBe(401);
        const body = await json(res);
        delete body.meta.request_id;
        bodies.push(body);
      }
    } finally {
      h.clock.advance(-61_000);
    }
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
  });

  it("rotation: without grace the old secret stops at once; with grace it works until the grace ends", async () => {
    const owner = await signInByLink(h, uniqueEmail("owner"));
    const key = await createKey(h, owner.jar, { name: "rot" });
    const rotate = async (grace?: number) => {
      const res = await h.request(`/v1/api-keys/${key.id}/rotate`, {
        method: "POST",
        jar: owner.jar,
        json: grace === undefined ? {} : { grace_seconds: grace },
      });
      expect(res.status).toBe(201);
      return (await json(res)).data.api_key as string;
    };
    const second = await rotate();
    expect(second.split(".")[0]).toBe(key.api_key.split(".")[0]);
    expect((await me(key.api_key)).status).toBe(401);
    expect((await me(second)).status).toBe(200);
    const third = await rotate(60);
    expect((await me(second)).status).toBe(200);
    expect((await me(third)).status).toBe(200);
    h.clock.advance(61_000);
    try {
      expect((await me(second)).status).toBe(401);
      expect((await me(third)).status).toBe(200);
    } finally {
      h.clock.advance(-61_000);
    }
  });

  it("keys of one organization are invisible to another", async () => {
    const a = await signInByLink(h, uniqueEmail("a"));
    const b = await signInByLink(h, uniqueEmail("b"));
    const key = await createKey(h, a.jar, { name: "a-key" });
    expect((await h.request(`/v1/api-keys/${key.id}/revoke`, { method: "POST", jar: b.jar })).status).toBe(404);
    expect((await me(key.api_key)).status).toBe(200);
  });

  it("100 bad keys from one IP -> 429, whatever the forwarded headers say", async () => {
    const ip = randomIp();
    for (let i = 0; i < 100; i++) {
      const res = await h.request("/v1/auth/me", {
        headers: { ...bearer(`sk_test_key_${"0".repeat(26)}.${"x".repeat(43)}`), "x-forwarded-for": randomIp() },
        ip,
      });
      expect(res.status).toBe(401);
    }
    const limited = await h.request("/v1/auth/me", { headers: bearer("sk_test_whatever"), ip });
    expect(limited.status).toBe(429);
  });

  it("removing the key's creator from the organization stops the key", async () => {
    const owner = await signInByLink(h, uniqueEmail("owner"));
    const adminEmail = uniqueEmail("admin");
    await signInByLink(h, adminEmail);
    const admin = await joinOrganization(h, owner.jar, owner.organization.id, adminEmail, "admin");
    const key = await createKey(h, admin.jar, { name: "admins-key", scopes: ["read", "admin"] });
    expect((await me(key.api_key)).status).toBe(200);
    const removed = await h.request(`/v1/organizations/${owner.organization.id}/members/${admin.user.id}`, {
      method: "DELETE",
      jar: owner.jar,
    });
    expect(removed.status).toBe(204);
    expect((await me(key.api_key)).status).toBe(401);
    const [row] = await h.sql.query("select revoked_at from api_keys where id = $1", [key.id]);
    expect(row!.revoked_at).not.toBeNull();
  });
});
