// A 503 means nothing happened, or the same request again gets the first one's answer. Real faults:
// the fault tests' own Redis paused (SIGSTOP) while a request waits on it and resumed after the worker
// gave up; a table held locked (LOCK TABLE in another transaction) past the SQL deadline and then let
// go. Before each store enforced the worker's deadline itself, the queued script and the blocked
// statement ran after the 503 anyway: secrets spent, devices paired twice, memberships created.
import { describe, expect, it } from "vitest";
import { inviteToken, latestLink, PASSWORD, signInByLink, tokenFromOutbox } from "./support/accounts";
import { CookieJar } from "./support/cookies";
import { whileLocked, whileRedisPaused } from "./support/faults";
import { bindings, type Harness, json, randomIp } from "./support/harness";
import { codeAt, enrolled } from "./support/mfa";
import { uniqueEmail, useHarness } from "./support/setup";

const h = useHarness({ SQL_TIMEOUT_MS: "1500", REDIS_TIMEOUT_MS: "1000" });
const fr = useHarness({
  UPSTASH_REDIS_REST_URL: bindings.FAULT_UPSTASH_URL!,
  UPSTASH_REDIS_REST_TOKEN: bindings.FAULT_UPSTASH_TOKEN!,
  REDIS_TIMEOUT_MS: "1000",
});

const pairBody = (code: string) => ({ pairing_token: code, push_token: "p", platform: "ios", device_name: "phone" });

async function pairingCode(x: Harness, jar: CookieJar): Promise<string> {
  const res = await x.request("/v1/pairing/code", { method: "POST", jar, json: {} });
  expect(res.status).toBe(201);
  return (await json(res)).data.token;
}

async function deviceCount(x: Harness, userId: string): Promise<number> {
  const [row] = await x.sql.query("select count(*)::int as n from devices where user_id = $1", [userId]);
  return row!.n;
}

async function mfaChallenge(x: Harness, email: string, ip: string): Promise<string> {
  const res = await x.request("/v1/auth/login", { method: "POST", json: { email, password: PASSWORD }, ip });
  const { data } = await json(res);
  expect(data.mfa_required, JSON.stringify(data)).toBe(true);
  return data.mfa_token;
}

describe("Redis paused while a secret is being spent: the 503 leaves it unspent", () => {
  it("magic link", async () => {
    const token = await fr.magicLinkToken(uniqueEmail("paused-link"));
    const post = () => fr.request("/v1/auth/magic-link/verify", { method: "POST", json: { token } });
    await whileRedisPaused(post);
    const res = await post();
    expect(res.status, await res.clone().text()).toBe(200);
  });

  it("pairing code: one device after the retry", async () => {
    const user = await signInByLink(fr, uniqueEmail("paused-pair"));
    const code = await pairingCode(fr, user.jar);
    const pair = () => fr.request("/v1/pairing/pair", { method: "POST", json: pairBody(code) });
    await whileRedisPaused(pair);
    expect(await deviceCount(fr, user.user.id)).toBe(0);
    expect((await pair()).status).toBe(201);
    expect(await deviceCount(fr, user.user.id)).toBe(1);
  });

  it("email verification", async () => {
    const email = uniqueEmail("paused-verify");
    const signup = await fr.request("/v1/auth/signup", { method: "POST", json: { email, password: PASSWORD } });
    expect(signup.status).toBe(201);
    const token = tokenFromOutbox(await latestLink(fr, email, /Confirm your email/));
    const post = () => fr.request("/v1/auth/verify-email", { method: "POST", json: { token } });
    await whileRedisPaused(post);
    expect((await post()).status).toBe(200);
    const [row] = await fr.sql.query("select email_verified_at from users where email = $1", [email]);
    expect(row!.email_verified_at).not.toBeNull();
  });

  it("mfa_token: the step-up completes on the retry with the next code", async () => {
    const user = await enrolled(fr, "paused-mfa");
    const ip = randomIp();
    const mfaToken = await mfaChallenge(fr, user.email, ip);
    const verify = (code: string) =>
      fr.request("/v1/auth/mfa/verify", { method: "POST", json: { mfa_token: mfaToken, code }, ip });
    await whileRedisPaused(() => verify(codeAt(fr, user.secret)));
    const res = await verify(codeAt(fr, user.secret));
    expect(res.status, await res.clone().text()).toBe(200);
  });
});

describe("a table locked past the SQL deadline: Postgres itself gives up, nothing commits", () => {
  it("pairing: no device from the 503, one from the retry", async () => {
    const user = await signInByLink(h, uniqueEmail("locked-pair"));
    const code = await pairingCode(h, user.jar);
    const pair = () => h.request("/v1/pairing/pair", { method: "POST", json: pairBody(code) });
    await whileLocked(h, "devices", pair);
    expect(await deviceCount(h, user.user.id)).toBe(0);
    const res = await pair();
    expect(res.status, await res.clone().text()).toBe(201);
    expect(await deviceCount(h, user.user.id)).toBe(1);
  });

  it("invitation link: no membership from the 503, the retry joins", async () => {
    const owner = await signInByLink(h, uniqueEmail("locked-owner"));
    const email = uniqueEmail("locked-invitee");
    const token = await inviteToken(h, owner.jar, owner.organization.id, email);
    const accept = () => h.request("/v1/auth/invitations/accept", { method: "POST", json: { token } });
    await whileLocked(h, "memberships", accept);
    const members = () =>
      h.sql.query(
        "select m.role from memberships m join users u on u.id = m.user_id where u.email = $1 and m.organization_id = $2",
        [email, owner.organization.id],
      );
    expect(await members()).toEqual([]);
    const res = await accept();
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await members()).toEqual([{ role: "member" }]);
  });

  it("recovery code: the code's own table locked, then the account's: the code survives both 503s", async () => {
    const user = await enrolled(h, "locked-recovery");
    const ip = randomIp();
    const mfaToken = await mfaChallenge(h, user.email, ip);
    const code = user.recovery[0]!;
    const verify = () =>
      h.request("/v1/auth/mfa/verify", { method: "POST", json: { mfa_token: mfaToken, recovery_code: code }, ip });
    const unused = async () =>
      (
        await h.sql.query("select count(*)::int as n from recovery_codes where user_id = $1 and used_at is null", [
          user.userId,
        ])
      )[0]!.n;
    // The code's statement itself blocked: it never commits.
    await whileLocked(h, "recovery_codes", verify);
    expect(await unused()).toBe(10);
    // The code spent, then the sign-in fails reading the account: the code and the token come back.
    await whileLocked(h, "users", verify);
    expect(await unused()).toBe(10);
    const jar = new CookieJar();
    const res = await h.request("/v1/auth/mfa/verify", {
      method: "POST",
      json: { mfa_token: mfaToken, recovery_code: code },
      ip,
      jar,
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await unused()).toBe(9);
    expect((await h.request("/v1/auth/me", { jar })).status).toBe(200);
  });
});
