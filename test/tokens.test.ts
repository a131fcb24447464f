import { base64url, exportJWK, generateKeyPair, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../src/crypto/hash";
import { signJwt } from "../src/crypto/jwt";
import {
  bearer,
  latestLink,
  login,
  PASSWORD,
  passwordGrant,
  refresh,
  signUpVerified,
  tokenFromOutbox,
} from "./support/accounts";
import { json, randomIp } from "./support/harness";
import { countRoundTrips } from "./support/round-trips";
import { uniqueEmail, useHarness } from "./support/setup";

const h = useHarness();
const trips = <T>(run: () => Promise<T>) =>
  countRoundTrips({ redis: h.config.redis.url, sql: h.config.database.httpEndpoint! }, run);

async function account(label: string): Promise<string> {
  const email = uniqueEmail(label);
  await signUpVerified(h, email);
  return email;
}

const me = (token: string) => h.request("/v1/auth/me", { headers: bearer(token) });

describe("POST /v1/auth/token (password grant)", () => {
  it("returns a pinned EdDSA access JWT and an opaque refresh token stored only hashed", async () => {
    const email = await account("grant");
    const res = await h.request("/v1/auth/token", {
      method: "POST",
      json: { grant_type: "password", email, password: PASSWORD },
    });
    expect(res.status).toBe(200);
    const { data } = await json(res);
    expect(data).toMatchObject({ token_type: "Bearer", expires_in: 900, user: { email } });
    // Tenant and role in the same answer (001's tenantId/roles need no second call).
    expect(data.organization).toMatchObject({ id: expect.stringMatching(/^org_/), role: "owner" });
    expect(res.headers.getSetCookie()).toHaveLength(0);
    const [header, payload] = (data.access_token as string)
      .split(".")
      .map((p, i) => (i < 2 ? JSON.parse(new TextDecoder().decode(base64url.decode(p))) : p));
    expect(header).toEqual({ alg: "EdDSA", kid: "k2026", typ: "at+jwt" });
    expect(payload).toMatchObject({
      iss: h.config.jwt.issuer,
      aud: h.config.jwt.audience,
      sub: data.user.id,
      scope: "read write admin",
    });
    expect(payload.exp - payload.iat).toBe(900);
    expect(typeof payload.jti).toBe("string");
    expect(data.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    for (const key of await h.redisKeysMatching("rt:*")) expect(key).not.toContain(data.refresh_token);
  });

  it("the access token works on /me with one Redis round trip and no SQL", async () => {
    const tokens = await passwordGrant(h, await account("bearer"));
    const { result, trips: counted } = await trips(() => me(tokens.access_token));
    expect(result.status).toBe(200);
    expect((await json(result)).data.identity).toMatchObject({
      kind: "access_token",
      user_id: tokens.user.id,
      scopes: ["read", "write", "admin"],
    });
    expect(counted).toMatchObject({ redis: 1, sql: 0 });
  });

  it("same answer for unknown email and wrong password", async () => {
    const email = await account("grant-enum");
    const a = await h.request("/v1/auth/token", {
      method: "POST",
      json: { grant_type: "password", email, password: "wrong wrong wrong" },
      ip: randomIp(),
    });
    const b = await h.request("/v1/auth/token", {
      method: "POST",
      json: { grant_type: "password", email: uniqueEmail("ghost"), password: "wrong wrong wrong" },
      ip: randomIp(),
    });
    expect(a.status).toBe(401);
    const strip = async (r: Response) => ({ ...(await json(r)), meta: undefined });
    expect(await strip(a)).toEqual(await strip(b));
  });

  it("400 for an unknown grant type", async () => {
    const res = await h.request("/v1/auth/token", { method: "POST", json: { grant_type: "client_credentials" } });
    expect(res.status).toBe(400);
    expect((await json(res)).error.code).toBe("validation_error");
  });
});

describe("refresh tokens", () => {
  it("rotate on every use with one Redis round trip and one SQL read (ended families, durable), and the old token stops working after the grace window", async () => {
    const first = await passwordGrant(h, await account("rotate"));
    const { result, trips: counted } = await trips(() => refresh(h, first.refresh_token));
    expect(result.status).toBe(200);
    expect(counted, `calls: ${counted.calls.join(",")}; redis: ${counted.commands.join(",")}`).toMatchObject({
      redis: 1,
      sql: 1,
    });
    const second = (await json(result)).data;
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect((await me(second.access_token)).status).toBe(200);
    const next = await refresh(h, second.refresh_token);
    expect(next.status).toBe(200);
  });

  it("reuse of a rotated token after the grace window revokes the whole family, access tokens included", async () => {
    const first = await passwordGrant(h, await account("reuse"));
    const second = (await json(await refresh(h, first.refresh_token))).data;
    h.clock.advance(11_000);
    try {
      const replay = await refresh(h, first.refresh_token);
      expect(replay.status).toBe(401);
      expect((await json(replay)).error.code).toBe("token_invalid");
      expect((await refresh(h, second.refresh_token)).status).toBe(401);
      const dead = await me(second.access_token);
      expect(dead.status).toBe(401);
      expect(dead.headers.get("www-authenticate")).toContain("invalid_token");
    } finally {
      h.clock.advance(-11_000);
    }
  });

  it("20 parallel refreshes of one token: every winner holds the same successor, one live chain", async () => {
    const first = await passwordGrant(h, await account("race"));
    const responses = await Promise.all(Array.from({ length: 20 }, () => refresh(h, first.refresh_token)));
    const bodies = await Promise.all(responses.map((r) => json(r)));
    const successors = new Set(bodies.filter((b) => b.success).map((b) => b.data.refresh_token));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(successors.size).toBe(1);
    const [successor] = [...successors];
    expect(successor).not.toBe(first.refresh_token);
    expect((await refresh(h, successor as string)).status).toBe(200);
  });

  it("ends at the absolute lifetime (30 days) however often it is refreshed", async () => {
    let current = (await passwordGrant(h, await account("absolute"))).refresh_token;
    const step = 10 * 86_400_000;
    let moved = 0;
    try {
      for (let i = 0; i < 2; i++) {
        h.clock.advance(step);
        moved += step;
        const res = await refresh(h, current);
        expect(res.status).toBe(200);
        current = (await json(res)).data.refresh_token;
      }
      h.clock.advance(step + 1000);
      moved += step + 1000;
      expect((await refresh(h, current)).status).toBe(401);
    } finally {
      h.clock.advance(-moved);
    }
  });

  it("stores a new refresh token for its 30-day lifetime by the service clock, not the wall clock", async () => {
    const email = await account("ttl");
    const moved = -20 * 86_400_000;
    h.clock.advance(moved);
    try {
      const tokens = await passwordGrant(h, email);
      const ttl = await h.redis.ttl(h.keys.refreshToken(await sha256Hex(tokens.refresh_token)));
      expect(ttl).toBeGreaterThan(30 * 86_400 - 10);
      expect(ttl).toBeLessThanOrEqual(30 * 86_400);
    } finally {
      h.clock.advance(-moved);
    }
  });

  it("POST /v1/auth/token/revoke ends the family (200 even for unknown tokens)", async () => {
    const tokens = await passwordGrant(h, await account("revoke"));
    const res = await h.request("/v1/auth/token/revoke", { method: "POST", json: { token: tokens.refresh_token } });
    expect(res.status).toBe(200);
    expect((await refresh(h, tokens.refresh_token)).status).toBe(401);
    expect((await me(tokens.access_token)).status).toBe(401);
    expect((await h.request("/v1/auth/token/revoke", { method: "POST", json: { token: "nonsense" } })).status).toBe(
      200,
    );
  });

  it("malformed refresh tokens are 401, never 500", async () => {
    for (const token of ["", "x", "a".repeat(43), "é".repeat(43)]) {
      const res = await h.request("/v1/auth/token", {
        method: "POST",
        json: { grant_type: "refresh_token", refresh_token: token },
      });
      expect([400, 401]).toContain(res.status);
    }
  });
});

describe("access-token attacks on /me", () => {
  it("alg none, HS256 with the public key, foreign jwk/jku, unknown kid, wrong typ, iss or aud, expired or tampered: 401", async () => {
    const tokens = await passwordGrant(h, await account("attacks"));
    const [headerText, payloadText, signature] = tokens.access_token.split(".") as [string, string, string];
    const payload = JSON.parse(new TextDecoder().decode(base64url.decode(payloadText)));
    const enc = (o: object) => base64url.encode(JSON.stringify(o));
    const attacker = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
    const publicJwk = h.deps.keys.signing.jwks[0]!;
    const keys = h.deps.keys.signing;
    const sign = (
      claims: Record<string, unknown>,
      typ: string,
      overrides: Partial<{ issuer: string; audience: string; now: number; expiresInSeconds: number }> = {},
    ) =>
      signJwt(keys, claims, {
        typ,
        issuer: h.config.jwt.issuer,
        audience: h.config.jwt.audience,
        subject: tokens.user.id,
        expiresInSeconds: 900,
        now: Date.now(),
        ...overrides,
      });
    const claims = { org: payload.org, scope: payload.scope, sid: payload.sid, iat_ms: payload.iat_ms };
    const forged = [
      `${enc({ alg: "none", typ: "at+jwt" })}.${payloadText}.`,
      await new SignJWT(payload)
        .setProtectedHeader({ alg: "HS256", kid: "k2026", typ: "at+jwt" })
        .sign(new TextEncoder().encode(JSON.stringify(publicJwk))),
      await new SignJWT(payload)
        .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", jwk: await exportJWK(attacker.publicKey) })
        .sign(attacker.privateKey),
      await new SignJWT(payload)
        .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid: "k2026", jku: "https://evil.example/jwks" })
        .sign(attacker.privateKey),
      await new SignJWT(payload)
        .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid: "nope" })
        .sign(attacker.privateKey),
      await sign(claims, "device+jwt"),
      await sign(claims, "JWT"),
      await sign(claims, "at+jwt", { issuer: "https://evil.example" }),
      await sign(claims, "at+jwt", { audience: "https://other.example" }),
      await sign(claims, "at+jwt", { now: Date.now() - 3600_000, expiresInSeconds: 60 }),
      `${headerText}.${enc({ ...payload, sub: "usr_00000000000000000000000000" })}.${signature}`,
      `${headerText}.${payloadText}.${signature.slice(0, -4)}AAAA`,
    ];
    const outbound: string[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.includes("evil")) outbound.push(url);
      return realFetch(input, init);
    }) as typeof fetch;
    try {
      for (const token of forged) {
        const res = await me(token);
        expect(res.status, token.slice(0, 40)).toBe(401);
        expect((await json(res)).error.code).toBe("token_invalid");
      }
    } finally {
      globalThis.fetch = realFetch;
    }
    expect(outbound).toEqual([]);
    expect((await me(tokens.access_token)).status).toBe(200);
  });
});

describe("revocation holds at once", () => {
  it("logout-all ends every session, refresh token and access token of the user", async () => {
    const email = await account("everywhere");
    const browserA = await login(h, email);
    const browserB = await login(h, email);
    const app = await passwordGrant(h, email);
    const res = await h.request("/v1/auth/logout-all", { method: "POST", jar: browserA });
    expect(res.status).toBe(200);
    expect((await json(res)).data.revoked_sessions).toBe(2);
    expect((await h.request("/v1/auth/me", { jar: browserA })).status).toBe(401);
    expect((await h.request("/v1/auth/me", { jar: browserB })).status).toBe(401);
    expect((await me(app.access_token)).status).toBe(401);
    expect((await refresh(h, app.refresh_token)).status).toBe(401);
    // Signing in again right away works: only what existed before is revoked.
    const again = await passwordGrant(h, email);
    expect((await me(again.access_token)).status).toBe(200);
  });

  it("logout with a bearer token ends that token login (refresh and access), not the user's others", async () => {
    const email = await account("bearer-logout");
    const phone = await passwordGrant(h, email);
    const laptop = await passwordGrant(h, email);
    expect((await h.request("/v1/auth/logout", { method: "POST", headers: bearer(phone.access_token) })).status).toBe(
      204,
    );
    expect((await me(phone.access_token)).status).toBe(401);
    expect((await refresh(h, phone.refresh_token)).status).toBe(401);
    expect((await me(laptop.access_token)).status).toBe(200);
  });

  it("logout-all works with a bearer token too", async () => {
    const email = await account("bearer-all");
    const tokens = await passwordGrant(h, email);
    const res = await h.request("/v1/auth/logout-all", { method: "POST", headers: bearer(tokens.access_token) });
    expect(res.status).toBe(200);
    expect((await me(tokens.access_token)).status).toBe(401);
  });

  it("change-password: needs the current password, keeps this session, ends every other credential", async () => {
    const email = await account("change");
    const here = await login(h, email);
    const elsewhere = await login(h, email);
    const app = await passwordGrant(h, email);
    const wrong = await h.request("/v1/auth/change-password", {
      method: "POST",
      jar: here,
      json: { current_password: "not it at all", new_password: "the next long passphrase" },
    });
    expect(wrong.status).toBe(401);
    expect((await json(wrong)).error.code).toBe("invalid_credentials");
    const weak = await h.request("/v1/auth/change-password", {
      method: "POST",
      jar: here,
      json: { current_password: PASSWORD, new_password: "password1" },
    });
    expect((await json(weak)).error.code).toBe("password_too_common");
    const noCsrf = await h.request("/v1/auth/change-password", {
      method: "POST",
      headers: { cookie: here.header() },
      json: { current_password: PASSWORD, new_password: "the next long passphrase" },
    });
    expect(noCsrf.status).toBe(403);

    const ok = await h.request("/v1/auth/change-password", {
      method: "POST",
      jar: here,
      json: { current_password: PASSWORD, new_password: "the next long passphrase" },
    });
    expect(ok.status).toBe(200);
    expect((await h.request("/v1/auth/me", { jar: here })).status).toBe(200);
    expect((await h.request("/v1/auth/me", { jar: elsewhere })).status).toBe(401);
    expect((await me(app.access_token)).status).toBe(401);
    expect((await refresh(h, app.refresh_token)).status).toBe(401);
    expect((await h.request("/v1/auth/login", { method: "POST", json: { email, password: PASSWORD } })).status).toBe(
      401,
    );
    await login(h, email, "the next long passphrase");
    expect((await h.outbox(email)).some((m) => m.subject === "Your password was changed")).toBe(true);
  });

  it("a wrong current password counts toward the account lockout", async () => {
    const email = await account("change-lock");
    const jar = await login(h, email);
    for (let i = 0; i < 10; i++) {
      await h.request("/v1/auth/change-password", {
        method: "POST",
        jar,
        json: { current_password: `guess ${i} guess`, new_password: "the next long passphrase" },
        ip: randomIp(),
      });
    }
    expect(
      (await h.request("/v1/auth/login", { method: "POST", json: { email, password: PASSWORD }, ip: randomIp() }))
        .status,
    ).toBe(429);
  });
});

describe("forgot and reset password", () => {
  it("forgot answers the same for known and unknown addresses; the link uses PUBLIC_URL, not Host", async () => {
    const email = await account("forgot");
    const known = await h.request("/v1/auth/forgot-password", {
      method: "POST",
      json: { email },
      headers: { host: "evil.example", "x-forwarded-host": "evil.example" },
    });
    const unknown = await h.request("/v1/auth/forgot-password", {
      method: "POST",
      json: { email: uniqueEmail("ghost") },
    });
    expect(known.status).toBe(200);
    expect(await known.text()).toBe(await unknown.text());
    const link = await latestLink(h, email, /Reset your password/);
    expect(link?.startsWith(`${h.config.publicOrigin}/v1/auth/reset-password?token=`)).toBe(true);
  });

  it("reset: weak password first costs nothing, then one use, every credential ends, no sign-in", async () => {
    const email = await account("reset");
    const jar = await login(h, email);
    const app = await passwordGrant(h, email);
    await h.request("/v1/auth/forgot-password", { method: "POST", json: { email } });
    const token = tokenFromOutbox(await latestLink(h, email, /Reset your password/));
    const page = await h.request(`/v1/auth/reset-password?token=${token}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(email);
    expect(
      (
        await json(
          await h.request("/v1/auth/reset-password", { method: "POST", json: { token, password: "12345678" } }),
        )
      ).error.code,
    ).toBe("password_too_common");
    const res = await h.request("/v1/auth/reset-password", {
      method: "POST",
      json: { token, password: "a whole new passphrase" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toHaveLength(0);
    expect((await h.request("/v1/auth/me", { jar })).status).toBe(401);
    expect((await me(app.access_token)).status).toBe(401);
    expect((await refresh(h, app.refresh_token)).status).toBe(401);
    expect(
      (
        await h.request("/v1/auth/reset-password", {
          method: "POST",
          json: { token, password: "yet another passphrase" },
        })
      ).status,
    ).toBe(401);
    await login(h, email, "a whole new passphrase");
    expect((await h.outbox(email)).some((m) => m.subject === "Your password was reset")).toBe(true);
  });

  it("a newer request replaces the older link; links expire after an hour; 20 parallel resets -> one", async () => {
    const email = await account("reset-race");
    await h.request("/v1/auth/forgot-password", { method: "POST", json: { email } });
    const older = tokenFromOutbox(await latestLink(h, email, /Reset your password/));
    await h.request("/v1/auth/forgot-password", { method: "POST", json: { email } });
    const newer = tokenFromOutbox(await latestLink(h, email, /Reset your password/));
    expect(
      (
        await h.request("/v1/auth/reset-password", {
          method: "POST",
          json: { token: older, password: "a whole new passphrase" },
        })
      ).status,
    ).toBe(401);

    h.clock.advance(3600_000 + 1000);
    try {
      expect(
        (
          await json(
            await h.request("/v1/auth/reset-password", {
              method: "POST",
              json: { token: newer, password: "a whole new passphrase" },
            }),
          )
        ).error.code,
      ).toBe("token_expired");
    } finally {
      h.clock.advance(-(3600_000 + 1000));
    }
    await h.request("/v1/auth/forgot-password", { method: "POST", json: { email } });
    const fresh = tokenFromOutbox(await latestLink(h, email, /Reset your password/));
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        h.request("/v1/auth/reset-password", {
          method: "POST",
          json: { token: fresh, password: `parallel passphrase ${i}` },
          ip: randomIp(),
        }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
  });

  it("a reset token is refused by email verification and magic links, and stays usable", async () => {
    const email = await account("reset-typed");
    await h.request("/v1/auth/forgot-password", { method: "POST", json: { email } });
    const token = tokenFromOutbox(await latestLink(h, email, /Reset your password/));
    expect((await h.request("/v1/auth/verify-email", { method: "POST", json: { token } })).status).toBe(401);
    expect((await h.request("/v1/auth/magic-link/verify", { method: "POST", json: { token } })).status).toBe(401);
    expect(
      (
        await h.request("/v1/auth/reset-password", {
          method: "POST",
          json: { token, password: "a whole new passphrase" },
        })
      ).status,
    ).toBe(200);
  });
});

describe("profile and sessions", () => {
  it("PATCH and PUT update name and phone at once; /me and access tokens see it", async () => {
    const email = await account("profile");
    const jar = await login(h, email);
    const patched = await h.request("/v1/auth/me", {
      method: "PATCH",
      jar,
      json: { name: "Grace Hopper", phone: "+14155550123" },
    });
    expect(patched.status).toBe(200);
    expect((await json(patched)).data.user.name).toBe("Grace Hopper");
    expect((await json(await h.request("/v1/auth/me", { jar }))).data.user.name).toBe("Grace Hopper");
    const put = await h.request("/v1/auth/me", { method: "PUT", jar, json: { name: "Amazing Grace" } });
    expect((await json(put)).data.user.name).toBe("Amazing Grace");
    const tokens = await passwordGrant(h, email);
    expect((await json(await me(tokens.access_token))).data.user.name).toBe("Amazing Grace");
    const bad = await h.request("/v1/auth/me", { method: "PATCH", jar, json: { phone: "555-0123" } });
    expect((await json(bad)).error.details[0].field).toBe("phone");
    expect((await h.request("/v1/auth/me", { method: "PATCH", jar, json: {} })).status).toBe(400);
    expect((await h.request("/v1/auth/me", { method: "PATCH", json: { name: "x" } })).status).toBe(401);
  });

  it("an email change applies only once the new address confirms it; the old address is told", async () => {
    const email = await account("change-email");
    const jar = await login(h, email);
    const next = uniqueEmail("new-address");
    const res = await h.request("/v1/auth/me", { method: "PATCH", jar, json: { email: next } });
    expect((await json(res)).data).toMatchObject({ email_change_pending: true, user: { email } });
    expect((await h.outbox(email)).some((m) => m.subject === "Your email address is being changed")).toBe(true);
    const token = tokenFromOutbox(await latestLink(h, next, /Confirm your new email/));
    const confirmed = await h.request("/v1/auth/verify-email", { method: "POST", json: { token } });
    expect(confirmed.status).toBe(200);
    expect((await json(confirmed)).data.user).toMatchObject({ email: next, email_verified: true });
    expect((await json(await h.request("/v1/auth/me", { jar }))).data.user.email).toBe(next);
    await login(h, next);
  });

  it("changing to an address someone else has answers the same and changes nothing", async () => {
    const owner = await account("owner");
    const other = await account("other");
    const jar = await login(h, other);
    const res = await h.request("/v1/auth/me", { method: "PATCH", jar, json: { email: owner } });
    expect((await json(res)).data.email_change_pending).toBe(true);
    const token = tokenFromOutbox(await latestLink(h, owner, /Confirm your new email/));
    expect((await h.request("/v1/auth/verify-email", { method: "POST", json: { token } })).status).toBe(401);
    expect((await json(await h.request("/v1/auth/me", { jar }))).data.user.email).toBe(other);
  });

  it("lists the user's sessions and ends one by id; others' ids are not found", async () => {
    const email = await account("sessions");
    const here = await login(h, email);
    const there = await login(h, email);
    const listed = await h.request("/v1/auth/sessions", { jar: here });
    const list = await json(listed);
    expect(listed.status, JSON.stringify(list)).toBe(200);
    expect(list.meta.count).toBe(2);
    expect(list.data.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    const other = list.data.find((s: { current: boolean }) => !s.current);
    expect((await h.request(`/v1/auth/sessions/${other.id}`, { method: "DELETE", jar: here })).status).toBe(204);
    expect((await h.request("/v1/auth/me", { jar: there })).status).toBe(401);
    expect((await h.request(`/v1/auth/sessions/${other.id}`, { method: "DELETE", jar: here })).status).toBe(404);
    expect((await h.request("/v1/auth/sessions/not-an-id", { method: "DELETE", jar: here })).status).toBe(400);
    const stranger = await login(h, await account("stranger"));
    const mine = (await json(await h.request("/v1/auth/sessions", { jar: here }))).data[0].id;
    expect((await h.request(`/v1/auth/sessions/${mine}`, { method: "DELETE", jar: stranger })).status).toBe(404);
    expect((await h.request("/v1/auth/me", { jar: here })).status).toBe(200);
  });
});
