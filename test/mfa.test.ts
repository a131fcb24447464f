import { decodeBase32IgnorePadding, encodeBase32NoPadding as encodeBase32 } from "@oslojs/encoding";
import { describe, expect, it, vi } from "vitest";
import { utf8 } from "../src/crypto/encoding";
import { matchTotp, normalizeRecoveryCode, totpCode, totpStep } from "../src/crypto/totp";
import { bearer, joinOrganization, login, PASSWORD, signInByLink, signUpVerified } from "./support/accounts";
import { CookieJar, parseSetCookies } from "./support/cookies";
import { json, randomIp } from "./support/harness";
import { codeAt, enrolled as enrolledUser } from "./support/mfa";
import { uniqueEmail, useHarness } from "./support/setup";

const h = useHarness();
const MINUTE = 60_000;

describe("TOTP arithmetic (RFC 6238)", () => {
  // Appendix B, SHA-1: the 20-byte ASCII key "12345678901234567890", 8 digits, 30-second steps.
  const key = utf8.encode("12345678901234567890");
  it.each([
    [59, "94287082"],
    [1111111109, "07081804"],
    [1111111111, "14050471"],
    [1234567890, "89005924"],
    [2000000000, "69279037"],
    [20000000000, "65353130"],
  ])("at T=%i the code is %s", (seconds, expected) => {
    expect(totpCode(key, totpStep(seconds * 1000), 8)).toBe(expected);
  });

  it("accepts one step either side of now, never two, and never a step at or before the last used", () => {
    const now = 1_800_000_000_000;
    const step = totpStep(now);
    const code = (s: number) => totpCode(key, s);
    expect(matchTotp(key, code(step), now, null)).toBe(step);
    expect(matchTotp(key, code(step - 1), now, null)).toBe(step - 1);
    expect(matchTotp(key, code(step + 1), now, null)).toBe(step + 1);
    expect(matchTotp(key, code(step - 2), now, null)).toBeNull();
    expect(matchTotp(key, code(step + 2), now, null)).toBeNull();
    expect(matchTotp(key, code(step), now, step)).toBeNull();
    expect(matchTotp(key, code(step - 1), now, step - 1)).toBeNull();
    expect(matchTotp(key, code(step + 1), now, step)).toBe(step + 1);
  });

  it("reads recovery codes typed loosely but only in their alphabet", () => {
    expect(normalizeRecoveryCode("abcde-fghjk-mnpqr-stvwx")).toBe("ABCDEFGHJKMNPQRSTVWXY".slice(0, 20));
    expect(normalizeRecoveryCode("0o1il 22222 33333 44444")).toBe("00111222223333344444");
    expect(normalizeRecoveryCode("ABCDE-FGHJK-MNPQR-STVWU")).toBeNull();
    expect(normalizeRecoveryCode("short")).toBeNull();
  });
});

const codeNow = (secret: Uint8Array, offsetSteps = 0) => codeAt(h, secret, offsetSteps);
const enrolled = (label: string) => enrolledUser(h, label);

async function passwordStep(email: string, headers: Record<string, string> = {}) {
  const jar = new CookieJar();
  const res = await h.request("/v1/auth/login", { method: "POST", json: { email, password: PASSWORD }, jar, headers });
  expect(res.status).toBe(200);
  return { jar, res, data: (await json(res)).data };
}

const verify = (body: Record<string, unknown>, jar?: CookieJar, headers: Record<string, string> = {}) =>
  h.request("/v1/auth/mfa/verify", { method: "POST", json: body, jar, headers });

describe("authenticator app enrolment", () => {
  it("shows the secret once, stores it sealed, and counts it only after a valid code", async () => {
    const email = uniqueEmail("enrol");
    await signUpVerified(h, email);
    const jar = await login(h, email);
    const res = await h.request("/v1/auth/mfa/totp", { method: "POST", jar, json: {} });
    expect(res.status).toBe(200);
    const { data } = await json(res);
    expect(data.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(data.otpauth_uri).toMatch(/^otpauth:\/\/totp\/127\.0\.0\.1:/);
    expect(data.otpauth_uri).toContain(`secret=${data.secret}`);
    expect(data.otpauth_uri).toContain("algorithm=SHA1");
    expect(data.qr_svg).toMatch(/^<svg/);
    const [row] = await h.sql.query(
      "select t.secret_sealed, t.confirmed_at from totp_factors t join users u on u.id = t.user_id where u.email = $1",
      [email],
    );
    expect(row!.confirmed_at).toBeNull();
    expect(row!.secret_sealed).not.toContain(data.secret);
    expect(row!.secret_sealed).toMatch(/^[\w-]{16}\.[\w-]+$/);

    // Not confirmed yet: a sign-in needs no code.
    expect((await passwordStep(email)).data.mfa_required).toBeUndefined();

    const secret = decodeBase32IgnorePadding(data.secret);
    const wrong = await h.request("/v1/auth/mfa/totp/confirm", {
      method: "POST",
      jar,
      json: { code: codeNow(secret, 3) },
    });
    expect(wrong.status).toBe(401);
    expect((await json(wrong)).error.code).toBe("mfa_invalid");

    const ok = await h.request("/v1/auth/mfa/totp/confirm", { method: "POST", jar, json: { code: codeNow(secret) } });
    expect(ok.status).toBe(200);
    const codes = (await json(ok)).data.recovery_codes as string[];
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^([0-9A-HJKMNP-TV-Z]{5}-){3}[0-9A-HJKMNP-TV-Z]{5}$/);
    const stored = await h.sql.query(
      "select r.code_hash from recovery_codes r join users u on u.id = r.user_id where u.email = $1",
      [email],
    );
    expect(stored).toHaveLength(10);
    for (const { code_hash } of stored) for (const code of codes) expect(code_hash).not.toContain(code.slice(0, 5));

    const status = await json(await h.request("/v1/auth/mfa/factors", { jar }));
    expect(status.data).toMatchObject({ methods: ["totp"], totp: { enabled: true }, recovery_codes_remaining: 10 });
    const again = await h.request("/v1/auth/mfa/totp", { method: "POST", jar, json: {} });
    expect(again.status).toBe(409);
    expect((await h.outbox(email)).some((m) => m.subject === "Two-step sign-in is on")).toBe(true);
  });

  it("needs a recent sign-in, and then a second factor rather than the password alone", async () => {
    const email = uniqueEmail("stale");
    await signUpVerified(h, email);
    const jar = await login(h, email);
    h.clock.advance(11 * MINUTE);
    const stale = await h.request("/v1/auth/mfa/totp", { method: "POST", jar, json: {} });
    expect(stale.status).toBe(403);
    expect((await json(stale)).error.code).toBe("reauth_required");
    const withPassword = await h.request("/v1/auth/mfa/totp", {
      method: "POST",
      jar,
      json: { current_password: PASSWORD },
    });
    expect(withPassword.status).toBe(200);

    const user = await enrolled("stale-remove");
    h.clock.advance(11 * MINUTE);
    const passwordOnly = await h.request("/v1/auth/mfa/totp", {
      method: "DELETE",
      jar: user.jar,
      json: { current_password: PASSWORD },
    });
    expect(passwordOnly.status).toBe(403);
    expect((await json(passwordOnly)).error.code).toBe("reauth_required");
    const removed = await h.request("/v1/auth/mfa/totp", {
      method: "DELETE",
      jar: user.jar,
      json: { mfa_code: codeNow(user.secret) },
    });
    expect(removed.status).toBe(204);
    expect(await h.sql.query("select 1 from totp_factors where user_id = $1", [user.userId])).toHaveLength(0);
    expect(await h.sql.query("select 1 from recovery_codes where user_id = $1", [user.userId])).toHaveLength(0);
    expect((await passwordStep(user.email)).data.mfa_required).toBeUndefined();
    expect((await h.outbox(user.email)).some((m) => m.subject === "Your authenticator app was removed")).toBe(true);
  });

  it("is only for people: an API key cannot enrol or remove a factor", async () => {
    const user = await enrolled("key-enrol");
    const key = await h.request("/v1/api-keys", {
      method: "POST",
      jar: user.jar,
      json: { name: "k", scopes: ["read"] },
    });
    expect(key.status).toBe(201);
    const res = await h.request("/v1/auth/mfa/totp", {
      method: "DELETE",
      headers: bearer((await json(key)).data.api_key),
      json: {},
    });
    expect([401, 403]).toContain(res.status);
    expect(await h.sql.query("select 1 from totp_factors where user_id = $1", [user.userId])).toHaveLength(1);
  });
});

describe("step-up after the first factor", () => {
  it("answers a challenge instead of a session, and the code completes the same session", async () => {
    const user = await enrolled("login");
    const first = await passwordStep(user.email);
    expect(first.data).toMatchObject({ mfa_required: true, methods: ["totp", "recovery_code"], expires_in: 300 });
    expect(first.data.user).toBeUndefined();
    expect(parseSetCookies(first.res).map((c) => c.name)).not.toContain(h.config.cookies.sessionName);
    expect((await h.request("/v1/auth/me", { jar: first.jar })).status).toBe(401);

    const wrong = await verify({ mfa_token: first.data.mfa_token, code: codeNow(user.secret, 5) });
    expect(wrong.status).toBe(401);
    expect((await json(wrong)).error.code).toBe("mfa_invalid");

    const jar = new CookieJar();
    const ok = await verify({ mfa_token: first.data.mfa_token, code: codeNow(user.secret) }, jar);
    expect(ok.status, await ok.clone().text()).toBe(200);
    expect((await json(ok)).data.user.email).toBe(user.email);
    const me = await h.request("/v1/auth/me", { jar });
    expect(me.status).toBe(200);
    expect((await json(me)).data.user.id).toBe(user.userId);

    const reused = await verify({ mfa_token: first.data.mfa_token, code: codeNow(user.secret, 1) });
    expect(reused.status).toBe(401);
    expect((await json(reused)).error.code).toBe("token_invalid");
  });

  it("accepts each code once: the same code in the same window is refused", async () => {
    const user = await enrolled("replay");
    const code = codeNow(user.secret);
    const a = await passwordStep(user.email);
    expect((await verify({ mfa_token: a.data.mfa_token, code })).status).toBe(200);
    const b = await passwordStep(user.email);
    const replay = await verify({ mfa_token: b.data.mfa_token, code });
    expect(replay.status).toBe(401);
    expect((await json(replay)).error.code).toBe("mfa_invalid");
    // An older code than the one used is refused too; the next step's code works.
    expect((await verify({ mfa_token: b.data.mfa_token, code: codeNow(user.secret, -1) })).status).toBe(401);
    h.clock.advance(30_000);
    expect((await verify({ mfa_token: b.data.mfa_token, code: codeNow(user.secret) })).status).toBe(200);
  });

  it("gives the token grant's tokens, and the credential check's answer", async () => {
    const user = await enrolled("grant");
    const grant = await h.request("/v1/auth/token", {
      method: "POST",
      json: { grant_type: "password", email: user.email, password: PASSWORD },
    });
    const challenge = (await json(grant)).data;
    expect(challenge.mfa_required).toBe(true);
    expect(challenge.access_token).toBeUndefined();
    const tokens = await verify({ mfa_token: challenge.mfa_token, code: codeNow(user.secret) });
    expect(tokens.status).toBe(200);
    const data = (await json(tokens)).data;
    expect(data.token_type).toBe("Bearer");
    expect(parseSetCookies(tokens).map((c) => c.name)).not.toContain(h.config.cookies.sessionName);
    expect((await h.request("/v1/auth/me", { headers: bearer(data.access_token) })).status).toBe(200);

    h.clock.advance(30_000);
    const check = await h.request("/v1/auth/verify-credentials", {
      method: "POST",
      json: { email: user.email, password: PASSWORD },
    });
    const pending = (await json(check)).data;
    expect(pending).toMatchObject({ mfa_required: true });
    expect(pending.valid).toBeUndefined();
    const checked = await verify({ mfa_token: pending.mfa_token, code: codeNow(user.secret) });
    expect((await json(checked)).data).toMatchObject({ valid: true, user: { id: user.userId } });
  });

  it("binds the token to the client that passed the first factor", async () => {
    const user = await enrolled("bound");
    const first = await passwordStep(user.email, { "user-agent": "Browser A" });
    const elsewhere = await verify({ mfa_token: first.data.mfa_token, code: codeNow(user.secret) }, undefined, {
      "user-agent": "Browser B",
    });
    expect(elsewhere.status).toBe(401);
    expect((await json(elsewhere)).error.code).toBe("token_invalid");
    // Carried off, it is spent for good.
    const back = await verify({ mfa_token: first.data.mfa_token, code: codeNow(user.secret) }, undefined, {
      "user-agent": "Browser A",
    });
    expect((await json(back)).error.code).toBe("token_invalid");
  });

  it("burns the token after five wrong codes, and counts wrong codes per account", async () => {
    const user = await enrolled("burn");
    const first = await passwordStep(user.email);
    for (let i = 0; i < 5; i++) {
      const res = await verify({ mfa_token: first.data.mfa_token, code: "000000" });
      expect((await json(res)).error.code).toBe("mfa_invalid");
    }
    const late = await verify({ mfa_token: first.data.mfa_token, code: codeNow(user.secret) });
    expect((await json(late)).error.code).toBe("token_invalid");

    // Five more wrong codes on a fresh token: the account's tenth failure, then it is locked.
    const second = await passwordStep(user.email);
    for (let i = 0; i < 5; i++) await verify({ mfa_token: second.data.mfa_token, code: "000000" });
    const third = await passwordStep(user.email);
    const locked = await verify({ mfa_token: third.data.mfa_token, code: codeNow(user.secret) });
    expect(locked.status).toBe(429);
    expect(locked.headers.get("retry-after")).toMatch(/^\d+$/);
    // The lockout is the account's, not the token's: a fresh first step does not lift it.
    const fourth = await passwordStep(user.email);
    expect((await verify({ mfa_token: fourth.data.mfa_token, code: codeNow(user.secret) })).status).toBe(429);
  });

  it("spends a token once when the same completion arrives 20 times at once", async () => {
    const user = await enrolled("race");
    const first = await passwordStep(user.email);
    const code = codeNow(user.secret);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => verify({ mfa_token: first.data.mfa_token, code })),
    );
    expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of answers.filter((a) => a.status !== 200)) expect([401, 429]).toContain(r.status);
  });

  it("covers magic links: JSON gets the challenge, the confirm page's form goes to the code page", async () => {
    const user = await enrolled("link");
    const token = await h.magicLinkToken(user.email);
    const res = await h.request("/v1/auth/magic-link/verify", { method: "POST", json: { token } });
    const challenge = (await json(res)).data;
    expect(challenge.mfa_required).toBe(true);
    expect((await verify({ mfa_token: challenge.mfa_token, code: codeNow(user.secret) })).status).toBe(200);

    h.clock.advance(30_000);
    const formToken = await h.magicLinkToken(user.email);
    const jar = new CookieJar();
    const posted = await h.request("/v1/auth/magic-link/verify", {
      method: "POST",
      body: new URLSearchParams({ token: formToken }),
      headers: { "content-type": "application/x-www-form-urlencoded" },
      jar,
    });
    expect(posted.status).toBe(303);
    expect(posted.headers.get("location")).toBe("/v1/auth/mfa");
    const pending = parseSetCookies(posted).find((c) => c.name === "mfa_pending");
    expect(pending?.attributes).toMatchObject({ httponly: true, path: "/v1/auth/mfa", samesite: "Lax" });
    expect(jar.get(h.config.cookies.sessionName)).toBeUndefined();
    const page = await h.request("/v1/auth/mfa", { jar });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('name="code"');
    const bad = await h.request("/v1/auth/mfa/verify", {
      method: "POST",
      body: new URLSearchParams({ code: "000000" }),
      headers: { "content-type": "application/x-www-form-urlencoded" },
      jar,
    });
    expect(bad.status).toBe(401);
    expect(await bad.text()).toContain("did not work");
    const done = await h.request("/v1/auth/mfa/verify", {
      method: "POST",
      body: new URLSearchParams({ code: codeNow(user.secret) }),
      headers: { "content-type": "application/x-www-form-urlencoded" },
      jar,
    });
    expect([200, 303]).toContain(done.status);
    expect(jar.get(h.config.cookies.sessionName)).toBeTruthy();
    expect(jar.get("mfa_pending")).toBeUndefined();
    expect((await h.request("/v1/auth/me", { jar })).status).toBe(200);
  });
});

describe("recovery codes", () => {
  it("sign in once each, and the owner is told how many remain", async () => {
    const user = await enrolled("recovery");
    const first = await passwordStep(user.email);
    const code = user.recovery[0]!.toLowerCase().replace(/-/g, " ");
    const ok = await verify({ mfa_token: first.data.mfa_token, recovery_code: code });
    expect(ok.status).toBe(200);
    const again = await passwordStep(user.email);
    const reused = await verify({ mfa_token: again.data.mfa_token, recovery_code: user.recovery[0] });
    expect((await json(reused)).error.code).toBe("mfa_invalid");
    const mail = (await h.outbox(user.email)).find((m) => m.subject === "A recovery code was used");
    expect(mail?.text).toContain("9 unused codes remain");
    const status = await json(await h.request("/v1/auth/mfa/factors", { jar: user.jar }));
    expect(status.data.recovery_codes_remaining).toBe(9);
  });

  it("are single use under 20 parallel attempts", async () => {
    const user = await enrolled("recovery-race");
    // A sensitive change with an old session: each request proves itself with the same recovery code.
    h.clock.advance(11 * MINUTE);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        h.request("/v1/api-keys", {
          method: "POST",
          jar: user.jar,
          json: { name: `admin-${i}`, scopes: ["admin"], mfa_code: user.recovery[1] },
          ip: randomIp(),
        }),
      ),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    for (const s of statuses.filter((x) => x !== 201)) expect([401, 429]).toContain(s);
    const used = await h.sql.query("select 1 from recovery_codes where user_id = $1 and used_at is not null", [
      user.userId,
    ]);
    expect(used).toHaveLength(1);
    const keys = await h.sql.query("select 1 from api_keys where name like 'admin-%' and created_by = $1", [
      user.userId,
    ]);
    expect(keys).toHaveLength(1);
  });

  it("can be replaced; the old ones stop working", async () => {
    const user = await enrolled("replace");
    const res = await h.request("/v1/auth/mfa/recovery-codes", { method: "POST", jar: user.jar, json: {} });
    expect(res.status).toBe(200);
    const fresh = (await json(res)).data.recovery_codes as string[];
    const first = await passwordStep(user.email);
    expect((await verify({ mfa_token: first.data.mfa_token, recovery_code: user.recovery[2] })).status).toBe(401);
    expect((await verify({ mfa_token: first.data.mfa_token, recovery_code: fresh[0] })).status).toBe(200);
  });
});

describe("sensitive changes", () => {
  it("accept a fresh authenticator code as recent authentication", async () => {
    const user = await enrolled("sensitive");
    h.clock.advance(11 * MINUTE);
    const refused = await h.request("/v1/api-keys", {
      method: "POST",
      jar: user.jar,
      json: { name: "admin", scopes: ["admin"], current_password: PASSWORD },
    });
    expect(refused.status).toBe(403);
    expect((await json(refused)).error.code).toBe("reauth_required");
    const wrong = await h.request("/v1/api-keys", {
      method: "POST",
      jar: user.jar,
      json: { name: "admin", scopes: ["admin"], mfa_code: "123456" },
    });
    expect((await json(wrong)).error.code).toBe("mfa_invalid");
    const ok = await h.request("/v1/api-keys", {
      method: "POST",
      jar: user.jar,
      json: { name: "admin", scopes: ["admin"], mfa_code: codeNow(user.secret) },
    });
    expect(ok.status).toBe(201);
  });
});

describe("organizations that require a second factor", () => {
  it("ask members without one to enrol, at their next request there and when switching in", async () => {
    const owner = await enrolled("org-owner");
    const created = await h.request("/v1/organizations", { method: "POST", jar: owner.jar, json: { name: "Vault" } });
    expect(created.status, await created.clone().text()).toBe(201);
    const orgId = (await json(created)).data.id as string;
    const member = await joinOrganization(h, owner.jar, orgId, uniqueEmail("org-member"));
    const members = () => h.request(`/v1/organizations/${orgId}/members`, { jar: member.jar });
    expect((await members()).status).toBe(200);

    // An owner without a second factor cannot lock the organization (or themselves) out.
    const plain = await signInByLink(h, uniqueEmail("org-plain"));
    const other = await h.request("/v1/organizations", { method: "POST", jar: plain.jar, json: { name: "Open" } });
    expect(other.status, await other.clone().text()).toBe(201);
    const otherId = (await json(other)).data.id as string;
    const refused = await h.request(`/v1/organizations/${otherId}`, {
      method: "PATCH",
      jar: plain.jar,
      json: { require_mfa: true },
    });
    expect((await json(refused)).error.code).toBe("mfa_enrollment_required");
    // A member is no owner.
    const byMember = await h.request(`/v1/organizations/${orgId}`, {
      method: "PATCH",
      jar: member.jar,
      json: { require_mfa: false },
    });
    expect((await json(byMember)).error.code).toBe("forbidden");

    const on = await h.request(`/v1/organizations/${orgId}`, {
      method: "PATCH",
      jar: owner.jar,
      json: { require_mfa: true },
    });
    expect(on.status, await on.clone().text()).toBe(200);
    expect((await json(on)).data).toMatchObject({ id: orgId, require_mfa: true });

    const blocked = await members();
    expect(blocked.status).toBe(403);
    expect((await json(blocked)).error.code).toBe("mfa_enrollment_required");
    // Somewhere else to be: an organization of the member's own.
    const own = await h.request("/v1/organizations", { method: "POST", jar: member.jar, json: { name: "Mine" } });
    expect(own.status, await own.clone().text()).toBe(201);
    const home = (await json(own)).data;
    expect(
      (await h.request(`/v1/auth/organizations/${home.id}/switch`, { method: "POST", jar: member.jar })).status,
    ).toBe(200);
    const switchBack = await h.request(`/v1/auth/organizations/${orgId}/switch`, { method: "POST", jar: member.jar });
    expect(switchBack.status).toBe(403);
    expect((await json(switchBack)).error.code).toBe("mfa_enrollment_required");

    // Enrolling (still allowed: it is the person's own account) lets them in.
    const started = await json(await h.request("/v1/auth/mfa/totp", { method: "POST", jar: member.jar, json: {} }));
    const secret = decodeBase32IgnorePadding(started.data.secret);
    const confirmed = await h.request("/v1/auth/mfa/totp/confirm", {
      method: "POST",
      jar: member.jar,
      json: { code: codeNow(secret) },
    });
    expect(confirmed.status).toBe(200);
    expect(
      (await h.request(`/v1/auth/organizations/${orgId}/switch`, { method: "POST", jar: member.jar })).status,
    ).toBe(200);
    expect((await members()).status).toBe(200);
  });
});

describe("an organization that requires a second factor, seen by a member without one", () => {
  it("does not list itself through another user's organizations, and can always be left", async () => {
    const owner = await enrolled("gate-owner");
    const created = await h.request("/v1/organizations", { method: "POST", jar: owner.jar, json: { name: "Gate" } });
    const orgId = (await json(created)).data.id as string;
    const member = await joinOrganization(h, owner.jar, orgId, uniqueEmail("gate-member"));
    const theirs = () => h.request(`/v1/users/${owner.userId}/organizations`, { jar: member.jar });
    const before = await theirs();
    expect(before.status).toBe(200);
    expect(JSON.stringify(await json(before))).toContain(orgId);
    const on = await h.request(`/v1/organizations/${orgId}`, {
      method: "PATCH",
      jar: owner.jar,
      json: { require_mfa: true },
    });
    expect(on.status, await on.clone().text()).toBe(200);

    const after = await theirs();
    expect([200, 404]).toContain(after.status);
    expect(JSON.stringify(await json(after))).not.toContain(orgId);

    const leave = await h.request(`/v1/organizations/${orgId}/members/${member.user.id}`, {
      method: "DELETE",
      jar: member.jar,
    });
    expect(leave.status, await leave.clone().text()).toBe(204);
    expect(
      await h.sql.query("select 1 from memberships where organization_id = $1 and user_id = $2", [
        orgId,
        member.user.id,
      ]),
    ).toEqual([]);
  });
});

describe("second factors in the log", () => {
  it("records enrolment, challenges, failures and recovery codes, never a secret or a code", async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void lines.push(args.join(" ")));
    try {
      const user = await enrolled("logged");
      const first = await passwordStep(user.email);
      await verify({ mfa_token: first.data.mfa_token, code: "000000" });
      await verify({ mfa_token: first.data.mfa_token, recovery_code: user.recovery[0] });
      const events = lines.map((l) => JSON.parse(l) as { event: string; reason?: string; user_id?: string });
      const mine = events.filter((e) => e.user_id === user.userId).map((e) => e.event);
      for (const event of ["mfa.enabled", "mfa.challenged", "mfa.failed", "mfa.recovery_code_used", "mfa.verified"])
        expect(mine).toContain(event);
      const all = lines.join("\n");
      for (const secret of [...user.recovery, first.data.mfa_token, encodeBase32(user.secret)])
        expect(all).not.toContain(secret);
    } finally {
      spy.mockRestore();
    }
  });
});
