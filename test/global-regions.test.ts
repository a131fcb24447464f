// Two workers on one global database (the local stack's simulated global Upstash, a replica 500 ms
// behind): "Frankfurt" reads at the primary, "Sydney" at the replica. Same Postgres, same Redis keys.
// Every credential made at one edge works at once at the other; every end made at one edge is seen at
// the other within the stated bound; a one-time secret sent to both edges at once has one effect.
import { describe, expect, it } from "vitest";
import {
  bearer,
  createKey,
  grantSuperuser,
  pairPhone,
  passwordGrant,
  refresh,
  signInByLink,
  signUpVerified,
} from "./support/accounts";
import { CookieJar } from "./support/cookies";
import { bindings, type Harness, json, randomIp } from "./support/harness";
import { uniqueEmail, useHarness } from "./support/setup";

const global = bindings.GLOBAL_PRIMARY_URL ?? "";
const lag = Number(bindings.GLOBAL_LAG_MS);
/** The guarantee docs/deploy.md states for ends: the replica's lag plus one request's time. */
const BOUND = lag + 300;
const SHOP = "https://shop.example";

/**
 * Polls `call` until it is refused (401/403) and returns how long that took from `since`; fails once
 * the bound has passed. Never sleeps past the bound: what is measured is when the end arrived.
 */
async function refusedWithin(since: number, call: () => Promise<Response>): Promise<number> {
  for (;;) {
    const asked = Date.now();
    const res = await call();
    // When the end arrived: the refused request was sent then (its own time is not the end's).
    if (res.status === 401 || res.status === 403) return asked - since;
    expect(res.status).toBe(200);
    if (Date.now() - since > BOUND) throw new Error(`still accepted ${Date.now() - since} ms after the end`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// Only where the machine has redis-server (CI does): the in-process engine has no replication.
describe.runIf(global)("a global database: sign in at one edge, use it at another", () => {
  const frankfurt = useHarness({
    UPSTASH_REDIS_REST_URL: global,
    UPSTASH_REDIS_REST_TOKEN: bindings.GLOBAL_TOKEN ?? "",
  });
  // The same deployment at another edge: its Redis reads go to the lagging replica.
  const sydney = useHarness(
    {
      UPSTASH_REDIS_REST_URL: bindings.GLOBAL_REPLICA_URL ?? "",
      UPSTASH_REDIS_REST_TOKEN: bindings.GLOBAL_TOKEN ?? "",
    },
    frankfurt,
  );

  async function storefrontKey(h: Harness): Promise<Record<string, string>> {
    const owner = await signInByLink(h, uniqueEmail("merchant"));
    const created = await h.request("/v1/publishable-keys", {
      method: "POST",
      jar: owner.jar,
      json: { name: "shop", allowed_origins: [SHOP] },
    });
    return { "x-public-key": (await json(created)).data.id as string, origin: SHOP };
  }

  async function otpFor(storefront: Record<string, string>): Promise<{ contact: string; code: string }> {
    const contact = `+1415${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
    const sent = await frankfurt.request("/v1/storefront/auth/request-otp", {
      method: "POST",
      json: { contact },
      headers: storefront,
      ip: randomIp(),
    });
    expect(sent.status).toBe(200);
    const [message] = await frankfurt.outbox(contact);
    return { contact, code: message?.codes[0] ?? "" };
  }

  /** A copy of the cookies as they are now (the jar forgets them when a logout clears them). */
  const copy = (jar: CookieJar) => ({ cookie: jar.header() });

  it("a session cookie works at once at the other edge; its logout reaches it within the bound", async () => {
    const user = await signInByLink(frankfurt, uniqueEmail("traveller"));
    const atOnce = await sydney.request("/v1/auth/me", { jar: user.jar });
    expect(atOnce.status, await atOnce.clone().text()).toBe(200);
    expect((await json(atOnce)).data.user.id).toBe(user.user.id);
    // A session made at Sydney works at Frankfurt at once too (writes go to the primary wherever they start).
    const other = new CookieJar();
    const verified = await sydney.request("/v1/auth/magic-link/verify", {
      method: "POST",
      json: { token: await frankfurt.magicLinkToken(user.user.email) },
      jar: other,
    });
    expect(verified.status).toBe(200);
    expect((await frankfurt.request("/v1/auth/me", { jar: other })).status).toBe(200);
    expect((await sydney.request("/v1/auth/me", { jar: other })).status).toBe(200);

    // Logout at Frankfurt; Sydney is then sent the old cookie, as a copy of it would be.
    const cookie = copy(user.jar);
    const out = await frankfurt.request("/v1/auth/logout", { method: "POST", jar: user.jar });
    expect(out.status).toBe(204);
    const ended = Date.now();
    expect(await refusedWithin(ended, () => sydney.request("/v1/auth/me", { headers: cookie }))).toBeLessThanOrEqual(
      BOUND,
    );
    expect((await sydney.request("/v1/auth/me", { jar: other })).status).toBe(200);
  });

  it("a browser at the far edge reads its own writes at once: a new organization, then a switch to it", async () => {
    const user = await signInByLink(frankfurt, uniqueEmail("builder"));
    // Warm: this browser's reads at Sydney come from the replica (no write of its own there yet).
    const jar = new CookieJar();
    jar.set(sydney.config.cookies.sessionName, user.jar.get(sydney.config.cookies.sessionName) ?? "");
    jar.set(sydney.config.cookies.csrfName, user.jar.get(sydney.config.cookies.csrfName) ?? "");
    await new Promise((r) => setTimeout(r, lag + 100));
    expect((await sydney.request("/v1/auth/me", { jar })).status).toBe(200);
    const created = await sydney.request("/v1/organizations", { method: "POST", jar, json: { name: "Sydney Ltd" } });
    expect(created.status, await created.clone().text()).toBe(201);
    // The write's answer tells this browser to read at the primary for a while (not a credential).
    expect(jar.get(sydney.config.cookies.syncName)).toBe("1");
    const org = (await json(created)).data.id as string;
    const switched = await sydney.request(`/v1/auth/organizations/${org}/switch`, { method: "POST", jar });
    expect(switched.status, await switched.clone().text()).toBe(200);
    const me = await sydney.request("/v1/auth/me", { jar });
    expect(me.status).toBe(200);
    expect((await json(me)).data.organization.id).toBe(org);

    // Without it, the replica answers for up to its lag: what the browser would see, and why it is sent.
    await new Promise((r) => setTimeout(r, lag + 300));
    jar.delete(sydney.config.cookies.syncName);
    const back = await sydney.request(`/v1/auth/organizations/${user.organization.id}/switch`, { method: "POST", jar });
    expect(back.status).toBe(200);
    jar.delete(sydney.config.cookies.syncName);
    expect((await json(await sydney.request("/v1/auth/me", { jar }))).data.organization.id).toBe(org);
    await new Promise((r) => setTimeout(r, lag + 300));
    expect((await json(await sydney.request("/v1/auth/me", { jar }))).data.organization.id).toBe(user.organization.id);
  });

  it("access and refresh tokens work at once at the other edge; revocation and reuse reach it within the bound", async () => {
    const email = uniqueEmail("mobile");
    await signUpVerified(frankfurt, email);
    const first = await passwordGrant(frankfurt, email);
    expect((await sydney.request("/v1/auth/me", { headers: bearer(first.access_token) })).status).toBe(200);
    // Rotated at Sydney a moment after it was issued at Frankfurt.
    const rotated = await refresh(sydney, first.refresh_token);
    expect(rotated.status, await rotated.clone().text()).toBe(200);
    const second = (await json(rotated)).data as { access_token: string; refresh_token: string };
    expect((await frankfurt.request("/v1/auth/me", { headers: bearer(second.access_token) })).status).toBe(200);

    // Reuse: the rotated-away token replayed at Frankfurt after the retry grace ends the family; Sydney
    // sees it within the bound. (Both edges' clocks move together.)
    const grace = (frankfurt.config.tokens.refreshReuseGraceSeconds + 1) * 1000;
    frankfurt.clock.advance(grace);
    sydney.clock.advance(grace);
    const replay = await refresh(frankfurt, first.refresh_token);
    expect(replay.status).toBe(401);
    const ended = Date.now();
    expect(
      await refusedWithin(ended, () => sydney.request("/v1/auth/me", { headers: bearer(second.access_token) })),
    ).toBeLessThanOrEqual(BOUND);
    // The family's refresh token is dead at once everywhere (rotation runs at the primary).
    expect((await refresh(sydney, second.refresh_token)).status).toBe(401);

    // Revocation (RFC 7009) at Frankfurt: the family's access token stops at Sydney within the bound.
    const third = await passwordGrant(frankfurt, email);
    expect((await sydney.request("/v1/auth/me", { headers: bearer(third.access_token) })).status).toBe(200);
    const revoked = await frankfurt.request("/v1/auth/token/revoke", {
      method: "POST",
      json: { token: third.refresh_token },
    });
    expect(revoked.status).toBe(200);
    const revokedAt = Date.now();
    expect(
      await refusedWithin(revokedAt, () => sydney.request("/v1/auth/me", { headers: bearer(third.access_token) })),
    ).toBeLessThanOrEqual(BOUND);
    expect((await refresh(sydney, third.refresh_token)).status).toBe(401);
  });

  it("logout-all at one edge ends sessions, tokens and the other edge's copies within the bound", async () => {
    const email = uniqueEmail("everywhere");
    await signUpVerified(frankfurt, email);
    const tokens = await passwordGrant(frankfurt, email);
    const here = await signInByLink(frankfurt, email);
    // Signed in at Sydney (the link is read from the outbox at the primary: Sydney's copy lags).
    const there = new CookieJar();
    const verified = await sydney.request("/v1/auth/magic-link/verify", {
      method: "POST",
      json: { token: await frankfurt.magicLinkToken(email) },
      jar: there,
    });
    expect(verified.status).toBe(200);
    expect((await sydney.request("/v1/auth/me", { headers: bearer(tokens.access_token) })).status).toBe(200);
    expect((await sydney.request("/v1/auth/me", { jar: there })).status).toBe(200);
    const cookie = copy(there);
    const all = await frankfurt.request("/v1/auth/logout-all", { method: "POST", jar: here.jar });
    expect(all.status).toBe(200);
    expect((await json(all)).data.revoked_sessions).toBe(2);
    const ended = Date.now();
    expect(
      await refusedWithin(ended, () => sydney.request("/v1/auth/me", { headers: bearer(tokens.access_token) })),
    ).toBeLessThanOrEqual(BOUND);
    expect(await refusedWithin(ended, () => sydney.request("/v1/auth/me", { headers: cookie }))).toBeLessThanOrEqual(
      BOUND,
    );
    expect((await refresh(sydney, tokens.refresh_token)).status).toBe(401);
  });

  it("a device token and an API key work at once at the other edge; revoke and disable reach it within the bound", async () => {
    const email = uniqueEmail("fleet");
    const user = await signInByLink(frankfurt, email);
    const device = await pairPhone(frankfurt, user.jar);
    expect((await sydney.request("/v1/auth/me", { headers: bearer(device.token) })).status).toBe(200);
    const key = await createKey(frankfurt, user.jar, { name: "ci", scopes: ["read"] });
    expect((await sydney.request("/v1/auth/me", { headers: bearer(key.api_key) })).status).toBe(200);

    const removed = await frankfurt.request(`/v1/devices/${device.device_id}`, { method: "DELETE", jar: user.jar });
    expect(removed.status).toBe(200);
    const removedAt = Date.now();
    expect(
      await refusedWithin(removedAt, () => sydney.request("/v1/auth/me", { headers: bearer(device.token) })),
    ).toBeLessThanOrEqual(BOUND);

    const revoked = await frankfurt.request(`/v1/api-keys/${key.id}/revoke`, { method: "POST", jar: user.jar });
    expect(revoked.status).toBe(200);
    const revokedAt = Date.now();
    expect(
      await refusedWithin(revokedAt, () => sydney.request("/v1/auth/me", { headers: bearer(key.api_key) })),
    ).toBeLessThanOrEqual(BOUND);

    // Disable by a platform administrator at Frankfurt: every credential of the user, at Sydney.
    const second = await createKey(frankfurt, user.jar, { name: "ci2", scopes: ["read"] });
    const device2 = await pairPhone(frankfurt, user.jar, { platform: "ios", name: "i" });
    const session = copy(user.jar);
    for (const headers of [bearer(second.api_key), bearer(device2.token), session])
      expect((await sydney.request("/v1/auth/me", { headers })).status).toBe(200);
    const admin = await signInByLink(frankfurt, uniqueEmail("root"));
    await grantSuperuser(frankfurt, admin.user.id);
    const disabled = await frankfurt.request(`/v1/admin/users/${user.user.id}/disable`, {
      method: "POST",
      jar: admin.jar,
    });
    expect(disabled.status).toBe(200);
    const disabledAt = Date.now();
    for (const headers of [bearer(second.api_key), bearer(device2.token), session])
      expect(await refusedWithin(disabledAt, () => sydney.request("/v1/auth/me", { headers }))).toBeLessThanOrEqual(
        BOUND,
      );
  });

  it("a storefront customer's session works at once at the other edge; its logout reaches it within the bound", async () => {
    const storefront = await storefrontKey(frankfurt);
    const { contact, code } = await otpFor(storefront);
    const jar = new CookieJar();
    const verified = await frankfurt.request("/v1/storefront/auth/verify-otp", {
      method: "POST",
      json: { contact, otp_code: code },
      headers: storefront,
      jar,
    });
    expect(verified.status).toBe(200);
    const atOnce = await sydney.request("/v1/storefront/auth/status", { headers: storefront, jar });
    expect(atOnce.status, await atOnce.clone().text()).toBe(200);
    expect((await json(atOnce)).data).toMatchObject({ is_authenticated: true });

    const cookie = copy(jar);
    const out = await frankfurt.request("/v1/storefront/auth/logout", { method: "POST", headers: storefront, jar });
    expect(out.status).toBeLessThan(300);
    const ended = Date.now();
    for (;;) {
      const after = await sydney.request("/v1/storefront/auth/status", { headers: { ...storefront, ...cookie } });
      if (!(await json(after)).data?.is_authenticated) break;
      expect(Date.now() - ended).toBeLessThanOrEqual(BOUND);
      await new Promise((r) => setTimeout(r, 25));
    }
  });

  describe("a one-time secret sent to both edges at once has exactly one effect", () => {
    it("a magic link", async () => {
      const email = uniqueEmail("twice");
      const token = await frankfurt.magicLinkToken(email);
      const results = await Promise.all(
        [frankfurt, sydney, frankfurt, sydney].map((h) =>
          h.request("/v1/auth/magic-link/verify", { method: "POST", json: { token } }),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 401, 401, 401]);
      const [row] = await frankfurt.sql.query("select count(*)::int as n from users where email = $1", [email]);
      expect(row?.n).toBe(1);
      const user = (await json(results.find((r) => r.status === 200)!)).data.user.id as string;
      const sessions = await frankfurt.redis.hkeys(frankfurt.keys.userSessions(user));
      expect(sessions).toHaveLength(1);
    });

    it("a storefront OTP", async () => {
      const storefront = await storefrontKey(frankfurt);
      const { contact, code } = await otpFor(storefront);
      const before = (await frankfurt.redisKeysMatching("cses:*")).length;
      const results = await Promise.all(
        [frankfurt, sydney, frankfurt, sydney].map((h) =>
          h.request("/v1/storefront/auth/verify-otp", {
            method: "POST",
            json: { contact, otp_code: code },
            headers: storefront,
            ip: randomIp(),
          }),
        ),
      );
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      for (const r of results.filter((r) => r.status !== 200)) expect(r.status).toBeGreaterThanOrEqual(400);
      expect(results.filter((r) => r.headers.getSetCookie().some((c) => !/max-age=0/i.test(c)))).toHaveLength(1);
      expect((await frankfurt.redisKeysMatching("cses:*")).length).toBe(before + 1);
    });

    it("a pairing code", async () => {
      const user = await signInByLink(frankfurt, uniqueEmail("pair"));
      const code = await frankfurt.request("/v1/pairing/code", { method: "POST", jar: user.jar, json: {} });
      const pairing_token = (await json(code)).data.token as string;
      const results = await Promise.all(
        [frankfurt, sydney, frankfurt, sydney].map((h) =>
          h.request("/v1/pairing/pair", {
            method: "POST",
            json: { pairing_token, push_token: "fcm:twice", platform: "android", device_name: "twice" },
            ip: randomIp(),
          }),
        ),
      );
      expect(results.filter((r) => r.status === 201)).toHaveLength(1);
      for (const r of results.filter((r) => r.status !== 201)) expect(r.status).toBeGreaterThanOrEqual(400);
      const [row] = await frankfurt.sql.query("select count(*)::int as n from devices where user_id = $1", [
        user.user.id,
      ]);
      expect(row?.n).toBe(1);
    });
  });
});
