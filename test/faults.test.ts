// Real faults, injected into real stores: Postgres refusing connections (ALTER DATABASE ...
// ALLOW_CONNECTIONS false + terminated backends) or a table held locked; the fault tests' own Redis
// paused (SIGSTOP), or stopped and started again empty (data lost). See localstack/fault-redis.ts.
import { describe, expect, it } from "vitest";
import {
  bearer,
  createKey,
  latestLink,
  login,
  PASSWORD,
  passwordGrant,
  signInByLink,
  signUpVerified,
  tokenFromOutbox,
} from "./support/accounts";
import { CookieJar } from "./support/cookies";
import { expect503, redisFault, whilePostgresRefuses } from "./support/faults";
import { bindings, json } from "./support/harness";
import { uniqueEmail, useHarness } from "./support/setup";

const h = useHarness({ SQL_TIMEOUT_MS: "1500", REDIS_TIMEOUT_MS: "1000" });
const fr = useHarness({
  UPSTASH_REDIS_REST_URL: bindings.FAULT_UPSTASH_URL!,
  UPSTASH_REDIS_REST_TOKEN: bindings.FAULT_UPSTASH_TOKEN!,
  REDIS_TIMEOUT_MS: "1000",
});

describe("a secret used while Postgres is down is not spent: the retry works", () => {
  it("magic link", async () => {
    const token = await h.magicLinkToken(uniqueEmail("link"));
    const post = () => h.request("/v1/auth/magic-link/verify", { method: "POST", json: { token } });
    await whilePostgresRefuses(h, async () => expect503(await post()));
    expect((await post()).status).toBe(200);
    expect((await json(await post())).error.code).toBe("magic_link_invalid");
  });

  it("email verification and password reset", async () => {
    const email = uniqueEmail("verify");
    expect((await h.request("/v1/auth/signup", { method: "POST", json: { email, password: PASSWORD } })).status).toBe(
      201,
    );
    const verify = tokenFromOutbox(await latestLink(h, email, /Confirm your email/));
    const verifyPost = () => h.request("/v1/auth/verify-email", { method: "POST", json: { token: verify } });
    await whilePostgresRefuses(h, async () => expect503(await verifyPost()));
    expect((await verifyPost()).status).toBe(200);

    expect((await h.request("/v1/auth/forgot-password", { method: "POST", json: { email } })).status).toBe(200);
    const reset = tokenFromOutbox(await latestLink(h, email, /Reset your password/));
    const resetPost = () =>
      h.request("/v1/auth/reset-password", {
        method: "POST",
        json: { token: reset, password: "a different long passphrase" },
      });
    await whilePostgresRefuses(h, async () => expect503(await resetPost()));
    expect((await resetPost()).status).toBe(200);
    expect(
      (await h.request("/v1/auth/login", { method: "POST", json: { email, password: "a different long passphrase" } }))
        .status,
    ).toBe(200);
  });

  it("pairing code", async () => {
    const user = await signInByLink(h, uniqueEmail("pair"));
    const code = (await json(await h.request("/v1/pairing/code", { method: "POST", jar: user.jar, json: {} }))).data
      .token;
    const pair = () =>
      h.request("/v1/pairing/pair", {
        method: "POST",
        json: { pairing_token: code, push_token: "p", platform: "ios", device_name: "phone" },
      });
    await whilePostgresRefuses(h, async () => expect503(await pair()));
    expect((await pair()).status).toBe(201);
    const [row] = await h.sql.query("select count(*)::int as n from devices where user_id = $1", [user.user.id]);
    expect(row!.n).toBe(1);
  });

  it("refresh token: the 503 undoes the rotation, so the retry after the reuse window still works", async () => {
    const email = uniqueEmail("refresh-down");
    await signUpVerified(h, email);
    const tokens = await passwordGrant(h, email);
    const post = () =>
      h.request("/v1/auth/token", {
        method: "POST",
        json: { grant_type: "refresh_token", refresh_token: tokens.refresh_token },
      });
    // Redis rotates; the ended-family check in Postgres cannot answer.
    await whilePostgresRefuses(h, async () => expect503(await post()));
    h.clock.advance(60_000);
    const res = await post();
    expect(res.status, await res.clone().text()).toBe(200);
  });

  it("storefront code", async () => {
    const owner = await signInByLink(h, uniqueEmail("merchant"));
    const shop = "https://shop.example";
    const key = (
      await json(
        await h.request("/v1/publishable-keys", {
          method: "POST",
          jar: owner.jar,
          json: { name: "shop", allowed_origins: [shop] },
        }),
      )
    ).data.id;
    const contact = `+1415555${String(Math.floor(Math.random() * 10_000)).padStart(4, "0")}`;
    const call = (path: string, body: unknown) =>
      h.request(path, { method: "POST", json: body, headers: { "x-public-key": key, origin: shop } });
    expect((await call("/v1/storefront/auth/request-otp", { contact })).status).toBe(200);
    const code = (await h.outbox(contact))[0]!.codes[0]!;
    await whilePostgresRefuses(h, async () =>
      expect503(await call("/v1/storefront/auth/verify-otp", { contact, otp_code: code })),
    );
    expect((await call("/v1/storefront/auth/verify-otp", { contact, otp_code: code })).status).toBe(200);
  });
});

describe("stalls end at the deadline (503 with Retry-After), never in a hanging request", () => {
  it("Redis paused: /me answers 503 within the Redis deadline, and 200 once it is back", async () => {
    const user = await signInByLink(fr, uniqueEmail("pause"));
    await redisFault("pause");
    try {
      const started = Date.now();
      await expect503(await fr.request("/v1/auth/me", { jar: user.jar }));
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await redisFault("resume");
    }
    expect((await fr.request("/v1/auth/me", { jar: user.jar })).status).toBe(200);
  });

  it("a table held locked: login and signup answer 503 within the SQL deadline", async () => {
    const email = uniqueEmail("locked");
    await signUpVerified(h, email);
    const sql = h.sql as unknown as { transaction(q: unknown[]): Promise<unknown>; query(text: string): unknown };
    const lock = sql.transaction([
      sql.query("LOCK TABLE users IN ACCESS EXCLUSIVE MODE"),
      sql.query("SELECT pg_sleep(4)"),
    ]);
    await new Promise((r) => setTimeout(r, 300));
    try {
      for (const [path, body] of [
        ["/v1/auth/login", { email, password: PASSWORD }],
        ["/v1/auth/signup", { email: uniqueEmail("new"), password: PASSWORD }],
      ] as const) {
        const started = Date.now();
        await expect503(await h.request(path, { method: "POST", json: body }));
        expect(Date.now() - started, path).toBeLessThan(3500);
      }
    } finally {
      await lock;
    }
    expect((await h.request("/v1/auth/login", { method: "POST", json: { email, password: PASSWORD } })).status).toBe(
      200,
    );
  });
});

describe("revoked stays revoked when Redis loses its data", () => {
  it("logout-all's tokens and a deleted device fail after a Redis restart; live ones still work; sessions are gone", async () => {
    const email = uniqueEmail("durable");
    await signUpVerified(fr, email);
    const ended = await passwordGrant(fr, email);
    expect(
      (await fr.request("/v1/auth/logout-all", { method: "POST", headers: bearer(ended.access_token) })).status,
    ).toBe(200);
    const live = await passwordGrant(fr, email);
    const jar = await login(fr, email);
    const pairOne = async () => {
      const code = (await json(await fr.request("/v1/pairing/code", { method: "POST", jar, json: {} }))).data.token;
      return (
        await json(
          await fr.request("/v1/pairing/pair", {
            method: "POST",
            json: { pairing_token: code, push_token: "p", platform: "ios", device_name: "phone" },
          }),
        )
      ).data;
    };
    const revokedDevice = await pairOne();
    const liveDevice = await pairOne();
    expect((await fr.request(`/v1/devices/${revokedDevice.device_id}`, { method: "DELETE", jar })).status).toBe(200);
    const me = (token: string) => fr.request("/v1/auth/me", { headers: bearer(token) });
    expect((await me(ended.access_token)).status).toBe(401);
    expect((await me(revokedDevice.token)).status).toBe(401);
    // A resource server asking us (introspection) gets the same answers as /me, before and after.
    const server = await createKey(fr, jar, { name: "resource server", scopes: ["read"] });
    const introspect = async (token: string) =>
      (
        await json(
          await fr.request("/v1/oauth/introspect", {
            method: "POST",
            json: { token },
            headers: bearer(server.api_key),
          }),
        )
      ).active;
    expect(await introspect(ended.access_token)).toBe(false);

    await redisFault("stop");
    await redisFault("start");
    expect(await fr.redisKeysMatching("*")).toEqual([]);

    expect(await introspect(ended.access_token)).toBe(false);
    expect(await introspect(live.access_token)).toBe(true);

    expect((await me(ended.access_token)).status).toBe(401);
    expect((await me(revokedDevice.token)).status).toBe(401);
    expect((await me(live.access_token)).status).toBe(200);
    expect((await me(liveDevice.token)).status).toBe(200);
    // Sessions and refresh tokens live only in Redis: lost with it (users sign in again).
    expect((await fr.request("/v1/auth/me", { jar })).status).toBe(401);
    expect(
      (
        await fr.request("/v1/auth/token", {
          method: "POST",
          json: { grant_type: "refresh_token", refresh_token: live.refresh_token },
        })
      ).status,
    ).toBe(401);
  });

  it("Redis stopped: every request answers 503 at once, never 200 or 500", async () => {
    const user = await signInByLink(fr, uniqueEmail("stopped"));
    await redisFault("stop");
    try {
      const jar = new CookieJar();
      for (const res of [
        await fr.request("/v1/auth/me", { jar: user.jar }),
        await fr.request("/v1/auth/login", {
          method: "POST",
          json: { email: user.user.email, password: PASSWORD },
          jar,
        }),
      ]) {
        await expect503(res);
      }
      expect(jar.get("session")).toBeUndefined();
    } finally {
      await redisFault("start");
    }
  });
});

describe("Redis restored from an older backup: ended logins stay ended", () => {
  it("families ended by logout, revocation and reuse detection after the backup do not refresh again; live ones do", async () => {
    const email = uniqueEmail("restore");
    await signUpVerified(fr, email);
    const [loggedOut, revoked, reused, live] = [
      await passwordGrant(fr, email),
      await passwordGrant(fr, email),
      await passwordGrant(fr, email),
      await passwordGrant(fr, email),
    ];
    const rotate = (token: string) =>
      fr.request("/v1/auth/token", { method: "POST", json: { grant_type: "refresh_token", refresh_token: token } });
    await redisFault("save");

    expect(
      (await fr.request("/v1/auth/logout", { method: "POST", headers: bearer(loggedOut.access_token) })).status,
    ).toBe(204);
    expect(
      (await fr.request("/v1/auth/token/revoke", { method: "POST", json: { token: revoked.refresh_token } })).status,
    ).toBe(200);
    const successor = (await json(await rotate(reused.refresh_token))).data;
    fr.clock.advance(60_000);
    expect((await rotate(reused.refresh_token)).status).toBe(401);
    expect((await rotate(successor.refresh_token)).status).toBe(401);
    const [ended] = await fr.sql.query("select count(*)::int as n from ended_token_families");
    expect(ended!.n).toBe(3);

    await redisFault("restore");
    // The backup still holds all four families, as they were before the ends.
    for (const tokens of [loggedOut, revoked, reused]) {
      const res = await rotate(tokens.refresh_token);
      expect(res.status).toBe(401);
      expect((await json(res)).error.code).toBe("token_invalid");
    }
    expect((await rotate(live.refresh_token)).status).toBe(200);
  });
});
