// Invariants under real parallel requests: they hold in the database (or in one atomic Redis step),
// never in a read-then-write.
import { describe, expect, it } from "vitest";
import { PASSWORD } from "./support/accounts";
import { json, randomIp } from "./support/harness";
import { uniqueEmail, useHarness } from "./support/setup";

const h = useHarness();

describe("one personal organization per user", () => {
  it("a signup and the first magic-link sign-in of the same new address at the same moment make one", async () => {
    for (let trial = 0; trial < 8; trial++) {
      const email = uniqueEmail("race");
      const token = await h.magicLinkToken(email);
      const [signup, verify] = await Promise.all([
        h.request("/v1/auth/signup", { method: "POST", json: { email, password: PASSWORD }, ip: randomIp() }),
        h.request("/v1/auth/magic-link/verify", { method: "POST", json: { token } }),
      ]);
      expect(signup.status).toBe(201);
      expect(verify.status).toBe(200);
      const rows = await h.sql.query(
        "select count(*)::int as n from memberships m join organizations o on o.id = m.organization_id join users u on u.id = m.user_id where u.email = $1 and o.is_personal",
        [email],
      );
      expect(rows[0]!.n, `trial ${trial}`).toBe(1);
      // The signed-in session sees that one organization.
      expect((await json(verify)).data.organization.is_personal_account).toBe(true);
    }
  });

  it("is a database rule: a second personal organization for a user is refused by the unique index", async () => {
    const email = uniqueEmail("rule");
    const token = await h.magicLinkToken(email);
    await h.request("/v1/auth/magic-link/verify", { method: "POST", json: { token } });
    const [user] = await h.sql.query("select id from users where email = $1", [email]);
    await expect(
      h.sql.query(
        "insert into organizations (id, name, is_personal, personal_owner_id) values ('org_dup', 'dup', true, $1)",
        [user!.id],
      ),
    ).rejects.toThrow(/organizations_personal_owner_key/);
  });
});

describe("the password lockout cannot be raced", () => {
  it("30 parallel wrong passwords for one account: at most 10 are evaluated, the rest get 429", async () => {
    const email = uniqueEmail("locked");
    const res = await h.request("/v1/auth/signup", {
      method: "POST",
      json: { email, password: PASSWORD },
      ip: randomIp(),
    });
    expect(res.status).toBe(201);
    const before = h.passwordWork.count;
    const answers = await Promise.all(
      Array.from({ length: 30 }, () =>
        h.request("/v1/auth/login", { method: "POST", json: { email, password: "wrong wrong wrong" }, ip: randomIp() }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(20);
    expect(h.passwordWork.count - before).toBeLessThanOrEqual(10);
    // Locked: even the right password is refused until the window passes (or a reset clears it).
    expect(
      (await h.request("/v1/auth/login", { method: "POST", json: { email, password: PASSWORD }, ip: randomIp() }))
        .status,
    ).toBe(429);
  });

  it("successful attempts give their count back: a client IP's right passwords never lock it", async () => {
    const ip = randomIp();
    const email = uniqueEmail("fine");
    await h.request("/v1/auth/signup", { method: "POST", json: { email, password: PASSWORD }, ip: randomIp() });
    await h.sql.query("update users set email_verified_at = now() where email = $1", [email]);
    for (let i = 0; i < 55; i++) {
      const ok = await h.request("/v1/auth/verify-credentials", {
        method: "POST",
        json: { email, password: PASSWORD },
        ip,
      });
      expect(ok.status, `attempt ${i}`).toBe(200);
    }
    const [counter] = await h.redis.mget<(string | null)[]>(h.keys.rateLimit(`pw_fail:ip:${ip}`));
    expect(Number(counter ?? 0)).toBe(0);
  });
});

describe("invitations under concurrency", () => {
  it("10 parallel invitations of one address: all answered 202, one open invitation, no 500", async () => {
    const { signInByLink } = await import("./support/accounts");
    const owner = await signInByLink(h, uniqueEmail("owner"));
    const email = uniqueEmail("popular");
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        h.request(`/v1/organizations/${owner.organization.id}/invitations`, {
          method: "POST",
          jar: owner.jar,
          json: { email },
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(202));
    const [open] = await h.sql.query(
      "select count(*)::int as n from invitations where email = $1 and accepted_at is null and revoked_at is null and declined_at is null",
      [email],
    );
    expect(open!.n).toBe(1);
  });
});
