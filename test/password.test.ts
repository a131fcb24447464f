import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../src/config";
import { decodeBase64Url } from "../src/crypto/encoding";
import { hashPassword, importPepper, PBKDF2_MAX_ITERATIONS, verifyPassword } from "../src/crypto/password";
import { latestLink, login, PASSWORD, signUpVerified, tokenFromOutbox } from "./support/accounts";
import { CookieJar, parseSetCookies } from "./support/cookies";
import { bindings, json, randomIp } from "./support/harness";
import { countRoundTrips } from "./support/round-trips";
import { uniqueEmail, useHarness } from "./support/setup";

const h = useHarness();
const signup = (email: string, password = PASSWORD, extra: Record<string, unknown> = {}) =>
  h.request("/v1/auth/signup", { method: "POST", json: { email, password, ...extra }, ip: randomIp() });

describe("password policy", () => {
  it.each([
    ["seven", "Abc-123", "password_too_short"],
    ["129 characters", "x".repeat(64) + "y".repeat(65), "password_too_long"],
    ["a common password", "password123", "password_too_common"],
    ["a common password in another case", "PassWord123", "password_too_common"],
    ["one repeated character", "zzzzzzzzzzzz", "password_too_common"],
    ["a keyboard run", "qwertyuiop", "password_too_common"],
    ["an alphabet run", "cdefghijk", "password_too_common"],
  ])("refuses %s with a code that says why", async (_label, password, code) => {
    const email = uniqueEmail("policy");
    const res = await signup(email, password);
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error.code).toBe(code);
    expect(body.error.details[0].field).toBe("password");
    expect((await h.sql.query("select 1 from users where email = $1", [email])).length).toBe(0);
  });

  it("refuses a password containing the email's local part", async () => {
    const email = uniqueEmail("margaret");
    const res = await signup(email, `my-${email.split("@")[0]}-pw`);
    expect((await json(res)).error.code).toBe("password_too_common");
  });

  it("counts code points, not UTF-16 units, and accepts spaces and any script", async () => {
    expect((await signup(uniqueEmail("emoji"), "🔐🔑🗝️🔒🔓🛡️⚔🧿")).status).toBe(201);
    expect((await json(await signup(uniqueEmail("emoji"), "🔐🔑🔒🔓🛡⚔🧿"))).error.code).toBe("password_too_short");
    expect((await signup(uniqueEmail("spaces"), "correct horse battery")).status).toBe(201);
    expect((await signup(uniqueEmail("kana"), "ひみつのことばです")).status).toBe(201);
  });

  it("normalises with NFKC: a precomposed é logs in as e + combining accent", async () => {
    const email = uniqueEmail("nfkc");
    await signUpVerified(h, email, "caf\u00e9 au lait forever");
    await login(h, email, "cafe\u0301 au lait forever");
  });
});

describe("password storage", () => {
  it("stores a self-describing, salted, peppered PBKDF2-SHA-512 hash at 100,000 iterations", async () => {
    const a = uniqueEmail("hash-a");
    const b = uniqueEmail("hash-b");
    await signup(a);
    await signup(b);
    const rows = await h.sql.query("select email, password_hash from users where email = any($1)", [[a, b]]);
    const hashes = rows.map((r) => r.password_hash as string);
    for (const stored of hashes)
      expect(stored).toMatch(/^\$pbkdf2-sha512\$i=100000,p=1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{86}$/);
    expect(hashes[0]).not.toBe(hashes[1]);
    // Without the pepper the stored hash cannot be recomputed from the password and salt.
    const [, , , saltText, hashText] = hashes[0]!.split("$");
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(PASSWORD), "PBKDF2", false, [
      "deriveBits",
    ]);
    const unpeppered = new Uint8Array(
      await crypto.subtle.deriveBits(
        { name: "PBKDF2", hash: "SHA-512", salt: decodeBase64Url(saltText!)!, iterations: 100_000 },
        key,
        512,
      ),
    );
    expect(unpeppered).not.toEqual(decodeBase64Url(hashText!));
  });

  it("never configures or accepts more than the 100,000 iterations production Workers allow", async () => {
    expect(PBKDF2_MAX_ITERATIONS).toBe(100_000);
    expect(parseConfig(bindings).passwords.iterations).toBeLessThanOrEqual(PBKDF2_MAX_ITERATIONS);
    expect(() => parseConfig({ ...bindings, PASSWORD_ITERATIONS: "100001" })).toThrow(ConfigError);
    const params = { iterations: 100_001, pepper: await importPepper("p".repeat(32)), pepperId: 1 };
    await expect(hashPassword("whatever-it-is", params)).rejects.toThrow(RangeError);
    // A stored hash claiming more iterations is refused without being derived at that cost.
    const forged = `$pbkdf2-sha512$i=9999999,p=1$${"A".repeat(22)}$${"A".repeat(86)}`;
    expect(await verifyPassword(forged, "whatever", { ...params, iterations: 100_000 })).toEqual({
      valid: false,
      needsRehash: false,
    });
  });

  it("upgrades an outdated hash on the next successful login", async () => {
    const email = uniqueEmail("upgrade");
    await signUpVerified(h, email);
    const old = await hashPassword(PASSWORD, { iterations: 20_000, pepper: h.deps.keys.pepper, pepperId: 1 });
    await h.sql.query("update users set password_hash = $1 where email = $2", [old, email]);
    await login(h, email);
    const [row] = await h.sql.query("select password_hash from users where email = $1", [email]);
    expect(row!.password_hash).toMatch(/^\$pbkdf2-sha512\$i=100000,/);
    await login(h, email);
  });
});

describe("POST /v1/auth/signup", () => {
  it("creates the account and organization, sends a verification link, issues nothing", async () => {
    const email = uniqueEmail("new");
    const res = await signup(email, PASSWORD, { name: "Ada", organization_name: "Analytical Engines" });
    expect(res.status).toBe(201);
    expect(res.headers.getSetCookie()).toHaveLength(0);
    const { data } = await json(res);
    expect(data).toMatchObject({ verification_required: true, user: { email, name: "Ada", email_verified: false } });
    const rows = await h.sql.query(
      "select o.name, o.is_personal, m.role from users u join memberships m on m.user_id = u.id join organizations o on o.id = m.organization_id where u.email = $1",
      [email],
    );
    expect(rows).toEqual([{ name: "Analytical Engines", is_personal: false, role: "owner" }]);
    expect(await latestLink(h, email, /Confirm your email/)).toMatch(/\/v1\/auth\/verify-email\?token=/);
  });

  it("answers an existing email like a new one, with the same work, and tells the owner instead", async () => {
    const existing = uniqueEmail("taken");
    await signUpVerified(h, existing);
    const fresh = uniqueEmail("free");
    const before = h.passwordWork.count;
    const a = await signup(existing, "another good password");
    const mid = h.passwordWork.count;
    const b = await signup(fresh, "another good password");
    expect(mid - before).toBe(h.passwordWork.count - mid);
    expect(a.status).toBe(b.status);
    const [bodyA, bodyB] = [await json(a), await json(b)];
    const shape = (body: any) => ({
      ...body,
      data: {
        ...body.data,
        user: {
          ...body.data.user,
          id: typeof body.data.user.id,
          email: "x",
          created_at: typeof body.data.user.created_at,
        },
      },
    });
    expect(shape(bodyA)).toEqual(shape(bodyB));
    expect(bodyA.data.user.id).toMatch(/^usr_[0-9a-z]{26}$/);
    const rows = await h.sql.query("select id from users where email = $1", [existing]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.id).not.toBe(bodyA.data.user.id);
    const mails = (await h.outbox(existing)).map((m) => m.subject);
    expect(mails[0]).toBe("You already have an account");
    expect(mails.filter((s) => s === "Confirm your email address")).toHaveLength(1);
  });

  it("refuses a cross-site form of the browser kind (login CSRF)", async () => {
    const res = await h.request("/v1/auth/signup", {
      method: "POST",
      json: { email: uniqueEmail("x"), password: PASSWORD },
      headers: { origin: "https://evil.example" },
    });
    expect(res.status).toBe(403);
    expect((await json(res)).error.code).toBe("csrf_failed");
  });
});

describe("email verification", () => {
  it("GET shows a page and never spends; POST proves the address once; the token is typed", async () => {
    const email = uniqueEmail("verify");
    await signup(email);
    const token = tokenFromOutbox(await latestLink(h, email, /Confirm your email/));
    for (let i = 0; i < 2; i++) {
      const page = await h.request(`/v1/auth/verify-email?token=${token}`);
      expect(page.status).toBe(200);
      expect(page.headers.getSetCookie()).toHaveLength(0);
    }
    // Spent nowhere else: not a magic link, not a reset token.
    expect((await h.request("/v1/auth/magic-link/verify", { method: "POST", json: { token } })).status).toBe(401);
    expect(
      (
        await json(
          await h.request("/v1/auth/reset-password", {
            method: "POST",
            json: { token, password: "a fine new password" },
          }),
        )
      ).error.code,
    ).toBe("token_invalid");
    const ok = await h.request("/v1/auth/verify-email", { method: "POST", json: { token } });
    expect(ok.status).toBe(200);
    expect((await json(ok)).data.user).toMatchObject({ email, email_verified: true });
    const again = await h.request("/v1/auth/verify-email", { method: "POST", json: { token } });
    expect(again.status).toBe(401);
    expect((await json(again)).error.code).toBe("token_invalid");
  });

  it("a magic-link token is refused here and stays usable for its own purpose", async () => {
    const token = await h.magicLinkToken(uniqueEmail("ml"));
    expect((await h.request("/v1/auth/verify-email", { method: "POST", json: { token } })).status).toBe(401);
    expect((await h.request("/v1/auth/magic-link/verify", { method: "POST", json: { token } })).status).toBe(200);
  });

  it("expires after 24 hours", async () => {
    const email = uniqueEmail("late");
    await signup(email);
    const token = tokenFromOutbox(await latestLink(h, email, /Confirm your email/));
    h.clock.advance(24 * 3600_000 + 1000);
    try {
      const res = await h.request("/v1/auth/verify-email", { method: "POST", json: { token } });
      expect(res.status).toBe(401);
      expect((await json(res)).error.code).toBe("token_expired");
    } finally {
      h.clock.advance(-(24 * 3600_000 + 1000));
    }
  });

  it("resend: 202 for anyone, a fresh link only for unverified accounts, the old link dies", async () => {
    const email = uniqueEmail("resend");
    await signup(email);
    const first = tokenFromOutbox(await latestLink(h, email, /Confirm your email/));
    const resend = (address: string) =>
      h.request("/v1/auth/verify-email/resend", { method: "POST", json: { email: address }, ip: randomIp() });
    const known = await resend(email);
    const unknown = await resend(uniqueEmail("nobody"));
    expect(known.status).toBe(202);
    expect(await known.text()).toBe(await unknown.text());
    const second = tokenFromOutbox(await latestLink(h, email, /Confirm your email/));
    expect(second).not.toBe(first);
    expect((await h.request("/v1/auth/verify-email", { method: "POST", json: { token: first } })).status).toBe(401);
    expect((await h.request("/v1/auth/verify-email", { method: "POST", json: { token: second } })).status).toBe(200);
    const count = (await h.outbox(email)).length;
    expect((await resend(email)).status).toBe(202);
    expect(await h.outbox(email)).toHaveLength(count);
  });
});

describe("POST /v1/auth/login", () => {
  it("signs in with cookies; costs one parallel lookup, the hash, one parallel write", async () => {
    const email = uniqueEmail("login");
    await signUpVerified(h, email);
    const jar = new CookieJar();
    const { result, trips } = await countRoundTrips(
      { redis: h.config.redis.url, sql: h.config.database.httpEndpoint! },
      () => h.request("/v1/auth/login", { method: "POST", json: { email, password: PASSWORD }, jar }),
    );
    expect(result.status).toBe(200);
    expect((await json(result)).data.user.email).toBe(email);
    // Throttle check + user lookup in parallel; then session write + counter reset + last_login in parallel.
    expect(trips).toMatchObject({ redis: 3, sql: 2 });
    expect(
      parseSetCookies(result)
        .map((c) => c.name)
        .sort(),
    ).toEqual(["csrf_token", "known_client", "session", "session_sync"]);
    expect((await h.request("/v1/auth/me", { jar })).status).toBe(200);
    const [row] = await h.sql.query("select last_login_at from users where email = $1", [email]);
    expect(row!.last_login_at).not.toBeNull();
  });

  it("unknown email and wrong password: same status, body and amount of hashing, no cookie", async () => {
    const email = uniqueEmail("enum");
    await signUpVerified(h, email);
    const attempt = async (address: string) => {
      const before = h.passwordWork.count;
      const res = await h.request("/v1/auth/login", {
        method: "POST",
        json: { email: address, password: "not the password at all" },
        ip: randomIp(),
      });
      const body = await json(res);
      delete body.meta.request_id;
      return {
        status: res.status,
        body,
        cookies: res.headers.getSetCookie().length,
        work: h.passwordWork.count - before,
      };
    };
    const wrong = await attempt(email);
    const unknown = await attempt(uniqueEmail("ghost"));
    expect(wrong).toEqual(unknown);
    expect(wrong).toMatchObject({ status: 401, cookies: 0, work: 1, body: { error: { code: "invalid_credentials" } } });
  });

  it("403 email_not_verified only after a correct password", async () => {
    const email = uniqueEmail("unverified");
    await signup(email);
    const wrong = await h.request("/v1/auth/login", {
      method: "POST",
      json: { email, password: "not the password at all" },
    });
    expect((await json(wrong)).error.code).toBe("invalid_credentials");
    const right = await h.request("/v1/auth/login", { method: "POST", json: { email, password: PASSWORD } });
    expect(right.status).toBe(403);
    expect((await json(right)).error.code).toBe("email_not_verified");
    expect(right.headers.getSetCookie()).toHaveLength(0);
  });

  it("locks the account after 10 failures from any IPs (X-Forwarded-For changes nothing); a reset unlocks it", async () => {
    const email = uniqueEmail("lockout");
    await signUpVerified(h, email);
    for (let i = 0; i < 10; i++) {
      const res = await h.request("/v1/auth/login", {
        method: "POST",
        json: { email, password: `wrong guess ${i}` },
        ip: randomIp(),
        headers: { "x-forwarded-for": randomIp() },
      });
      expect(res.status).toBe(401);
    }
    const before = h.passwordWork.count;
    const locked = await h.request("/v1/auth/login", {
      method: "POST",
      json: { email, password: PASSWORD },
      ip: randomIp(),
    });
    expect(locked.status).toBe(429);
    expect((await json(locked)).error.code).toBe("rate_limited");
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(h.passwordWork.count).toBe(before);
    expect(
      (await h.request("/v1/auth/verify-credentials", { method: "POST", json: { email, password: PASSWORD } })).status,
    ).toBe(429);

    expect((await h.request("/v1/auth/forgot-password", { method: "POST", json: { email } })).status).toBe(200);
    const token = tokenFromOutbox(await latestLink(h, email, /Reset your password/));
    expect(
      (
        await h.request("/v1/auth/reset-password", {
          method: "POST",
          json: { token, password: "a brand new passphrase" },
        })
      ).status,
    ).toBe(200);
    await login(h, email, "a brand new passphrase");
  });

  it("limits failures per client IP across accounts", async () => {
    const ip = randomIp();
    const statuses: number[] = [];
    for (let i = 0; i < 51; i++) {
      const res = await h.request("/v1/auth/login", {
        method: "POST",
        json: { email: uniqueEmail("spray"), password: "Spring2026!" },
        ip,
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 50).every((s) => s === 401)).toBe(true);
    expect(statuses[50]).toBe(429);
  });

  it("refuses a cross-site login (login CSRF)", async () => {
    const res = await h.request("/v1/auth/login", {
      method: "POST",
      json: { email: uniqueEmail("x"), password: PASSWORD },
      headers: { "sec-fetch-site": "cross-site" },
    });
    expect(res.status).toBe(403);
  });
});

describe("POST /v1/auth/verify-credentials", () => {
  it("answers valid with the user, and issues nothing", async () => {
    const email = uniqueEmail("creds");
    await signUpVerified(h, email);
    const sessionsBefore = (await h.redisKeysMatching("ses:*")).length;
    const tokensBefore = (await h.redisKeysMatching("rt:*")).length;
    const res = await h.request("/v1/auth/verify-credentials", { method: "POST", json: { email, password: PASSWORD } });
    expect(res.status).toBe(200);
    const data = (await json(res)).data;
    expect(data).toMatchObject({
      valid: true,
      user: { email },
      organization: { role: "owner", is_personal_account: true },
    });
    // The tenant and the roles in the same answer (a management app minting its own tokens needs one call).
    expect(data.organizations.map((o: { id: string; role: string }) => [o.id, o.role])).toEqual([
      [data.organization.id, "owner"],
    ]);
    expect(res.headers.getSetCookie()).toHaveLength(0);
    expect((await h.redisKeysMatching("ses:*")).length).toBe(sessionsBefore);
    expect((await h.redisKeysMatching("rt:*")).length).toBe(tokensBefore);
    const wrong = await h.request("/v1/auth/verify-credentials", {
      method: "POST",
      json: { email, password: "nope nope nope" },
    });
    expect(wrong.status).toBe(401);
    expect((await json(wrong)).error.code).toBe("invalid_credentials");
  });
});

describe("pre-account takeover", () => {
  it("an unverified password account loses its password when the real owner first proves the email", async () => {
    const victim = uniqueEmail("victim");
    expect((await signup(victim, "attacker chosen secret")).status).toBe(201);
    const token = await h.magicLinkToken(victim);
    expect((await h.request("/v1/auth/magic-link/verify", { method: "POST", json: { token } })).status).toBe(200);
    const attacker = await h.request("/v1/auth/login", {
      method: "POST",
      json: { email: victim, password: "attacker chosen secret" },
    });
    expect(attacker.status).toBe(401);
    const [row] = await h.sql.query("select password_hash from users where email = $1", [victim]);
    expect(row!.password_hash).toBeNull();
  });
});

describe("with REQUIRE_EMAIL_VERIFICATION=false", () => {
  const open = useHarness({ REQUIRE_EMAIL_VERIFICATION: "false" });

  it("signup says no verification is required, sends no link, and the password works at once", async () => {
    const email = uniqueEmail("open");
    const res = await open.request("/v1/auth/signup", { method: "POST", json: { email, password: PASSWORD } });
    expect((await json(res)).data.verification_required).toBe(false);
    expect(await open.outbox(email)).toHaveLength(0);
    const jar = new CookieJar();
    const signedIn = await open.request("/v1/auth/login", { method: "POST", json: { email, password: PASSWORD }, jar });
    expect(signedIn.status).toBe(200);
    expect((await json(signedIn)).data.user.email_verified).toBe(false);
  });
});
