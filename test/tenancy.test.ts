// Tenant boundaries: no organization can reach an account it does not own. Each block replays an
// attack that worked before (the exact request sequence), then checks the stored state.
import { describe, expect, it } from "vitest";
import {
  bearer,
  createKey,
  inviteToken,
  joinOrganization,
  PASSWORD,
  passwordGrant,
  signInByLink,
  signUpVerified,
} from "./support/accounts";
import { CookieJar } from "./support/cookies";
import { json } from "./support/harness";
import { uniqueEmail, useHarness } from "./support/setup";

const h = useHarness();
const MINUTE = 60_000;

async function membershipsOf(userId: string): Promise<string[]> {
  const rows = await h.sql.query(
    "select organization_id from memberships where user_id = $1 order by organization_id",
    [userId],
  );
  return rows.map((r) => r.organization_id as string);
}

async function attackerWithAdminKey() {
  const attacker = await signInByLink(h, uniqueEmail("attacker"));
  const key = await createKey(h, attacker.jar, { name: "backdoor", scopes: ["read", "write", "admin"] });
  return { attacker, key: key.api_key };
}

describe("1. taking over an account through the admin API", () => {
  it("an organization's admin key can neither enrol an existing account nor mint a link for it", async () => {
    const victim = await signInByLink(h, uniqueEmail("victim"));
    const before = await membershipsOf(victim.user.id);
    const outboxBefore = (await h.outbox(victim.user.email)).length;
    const { attacker, key } = await attackerWithAdminKey();

    const enrol = await h.request("/v1/admin/users", {
      method: "POST",
      headers: bearer(key),
      json: { email: victim.user.email, send_magic_link: false },
    });
    expect(enrol.status).toBe(403);
    expect((await json(enrol)).error.code).toBe("forbidden");
    const link = await h.request("/v1/admin/magic-links", {
      method: "POST",
      headers: bearer(key),
      json: { email: victim.user.email, delivery: "return" },
    });
    expect(link.status).toBe(403);
    expect(JSON.stringify(await json(link))).not.toContain('magic_link":"http');
    // The old direct add is gone too.
    const add = await h.request(`/v1/organizations/${attacker.organization.id}/members`, {
      method: "POST",
      headers: bearer(key),
      json: { email: victim.user.email },
    });
    expect(add.status).toBe(404);

    expect(await membershipsOf(victim.user.id)).toEqual(before);
    expect((await h.outbox(victim.user.email)).length).toBe(outboxBefore);
    expect((await h.request(`/v1/users/${victim.user.id}/organizations`, { headers: bearer(key) })).status).toBe(404);
  });
});

describe("2. an organization admin against the organization's owner", () => {
  it("cannot mint the owner a sign-in link, disable them, or remove or demote them", async () => {
    const owner = await signInByLink(h, uniqueEmail("owner"));
    const org = owner.organization.id;
    const admin = await joinOrganization(h, owner.jar, org, uniqueEmail("admin"), "admin");
    const adminKey = await createKey(h, admin.jar, { name: "admin's", scopes: ["read", "admin"] });
    for (const credential of [{ jar: admin.jar }, { headers: bearer(adminKey.api_key) }]) {
      const minted = await h.request("/v1/admin/magic-links", {
        method: "POST",
        ...credential,
        json: { email: owner.user.email, delivery: "return" },
      });
      expect(minted.status).toBe(403);
      const disabled = await h.request(`/v1/admin/users/${owner.user.id}/disable`, { method: "POST", ...credential });
      expect(disabled.status).toBe(403);
      const removed = await h.request(`/v1/organizations/${org}/members/${owner.user.id}`, {
        method: "DELETE",
        ...credential,
      });
      expect((await json(removed)).error.code).toBe("forbidden");
      const demoted = await h.request(`/v1/organizations/${org}/members/${owner.user.id}`, {
        method: "PATCH",
        ...credential,
        json: { role: "member" },
      });
      expect((await json(demoted)).error.code).toBe("forbidden");
    }
    const [row] = await h.sql.query("select disabled_at from users where id = $1", [owner.user.id]);
    expect(row!.disabled_at).toBeNull();
    expect((await json(await h.request(`/v1/organizations/${org}/members`, { jar: owner.jar }))).data[0]).toMatchObject(
      { user_id: owner.user.id, role: "owner" },
    );
    expect((await h.request("/v1/auth/me", { jar: owner.jar })).status).toBe(200);
  });
});

describe("3. disabling people of other tenants", () => {
  it("no organization credential disables anyone, even a member of that organization", async () => {
    const { attacker, key } = await attackerWithAdminKey();
    const member = await joinOrganization(h, attacker.jar, attacker.organization.id, uniqueEmail("member"));
    for (const credential of [{ headers: bearer(key) }, { jar: attacker.jar }]) {
      const res = await h.request(`/v1/admin/users/${member.user.id}/disable`, { method: "POST", ...credential });
      expect(res.status).toBe(403);
    }
    expect((await h.request("/v1/auth/me", { jar: member.jar })).status).toBe(200);
  });
});

describe("4. enrol, then list the victim's organizations", () => {
  it("an invitation grants nothing; after acceptance only shared organizations are visible", async () => {
    const victim = await signInByLink(h, uniqueEmail("victim"));
    const secret = await h.request("/v1/organizations", {
      method: "POST",
      jar: victim.jar,
      json: { name: "Secret Project" },
    });
    expect(secret.status).toBe(201);
    const { attacker, key } = await attackerWithAdminKey();
    await inviteToken(h, attacker.jar, attacker.organization.id, victim.user.email);
    for (const credential of [{ jar: attacker.jar }, { headers: bearer(key) }]) {
      const res = await h.request(`/v1/users/${victim.user.id}/organizations`, credential);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain("Secret Project");
    }
    // Even once the victim joins, the attacker sees the shared organization and nothing else.
    const invitations = await json(await h.request("/v1/auth/invitations", { jar: victim.jar }));
    expect(invitations.data).toHaveLength(1);
    expect(
      (await h.request(`/v1/auth/invitations/${invitations.data[0].id}/accept`, { method: "POST", jar: victim.jar }))
        .status,
    ).toBe(200);
    const shared = await json(await h.request(`/v1/users/${victim.user.id}/organizations`, { headers: bearer(key) }));
    expect(shared.data.map((o: { id: string }) => o.id)).toEqual([attacker.organization.id]);
  });
});

describe("5. membership by consent", () => {
  it("answers an invitation to an existing account exactly like one to an unknown address", async () => {
    const owner = await signInByLink(h, uniqueEmail("owner"));
    const existing = await signInByLink(h, uniqueEmail("existing"));
    const answer = async (email: string) => {
      const res = await h.request(`/v1/organizations/${owner.organization.id}/invitations`, {
        method: "POST",
        jar: owner.jar,
        json: { email, role: "member" },
      });
      const body = await json(res);
      const { id: _id, email: _email, created_at: _c, expires_at: _e, ...rest } = body.data;
      return {
        status: res.status,
        keys: Object.keys(body.data).sort(),
        rest,
        headers: [...res.headers.keys()].filter((k) => k !== "x-request-id").sort(),
      };
    };
    const known = await answer(existing.user.email);
    const unknown = await answer(uniqueEmail("nobody"));
    expect(known.status).toBe(202);
    expect(known).toEqual(unknown);
    // Nobody became a member.
    expect(await membershipsOf(existing.user.id)).toEqual([existing.organization.id]);
  });

  it("only the proven owner of the address can accept (ORG-04); once, whatever the concurrency", async () => {
    const owner = await signInByLink(h, uniqueEmail("owner"));
    const email = uniqueEmail("invitee");
    // An attacker pre-registers the invited address without proving it.
    expect((await h.request("/v1/auth/signup", { method: "POST", json: { email, password: PASSWORD } })).status).toBe(
      201,
    );
    await inviteToken(h, owner.jar, owner.organization.id, email);
    const [invitation] = await h.sql.query("select id from invitations where email = $1", [email]);
    // Unproven, the attacker cannot sign in at all; a token for the account cannot answer either.
    const [user] = await h.sql.query("select id from users where email = $1", [email]);
    expect(await membershipsOf(user!.id)).toHaveLength(1);

    const proven = await signInByLink(h, email);
    const accepts = await Promise.all(
      Array.from({ length: 10 }, () =>
        h.request(`/v1/auth/invitations/${invitation!.id}/accept`, { method: "POST", jar: proven.jar }),
      ),
    );
    expect(accepts.filter((r) => r.status === 200)).toHaveLength(1);
    expect(accepts.filter((r) => r.status === 404)).toHaveLength(9);
    const rows = await h.sql.query(
      "select count(*)::int as n from memberships where user_id = $1 and organization_id = $2",
      [user!.id, owner.organization.id],
    );
    expect(rows[0]!.n).toBe(1);
  });

  it("an account whose address is not proven cannot list or accept invitations to it", async () => {
    const owner = await signInByLink(h, uniqueEmail("owner"), {});
    const email = uniqueEmail("unproven");
    await h.request("/v1/auth/signup", { method: "POST", json: { email, password: PASSWORD } });
    await h.sql.query("update users set email_verified_at = null where email = $1", [email]);
    await inviteToken(h, owner.jar, owner.organization.id, email);
    // Issue an access token for the unproven account directly (login refuses it while verification is required).
    const tokens = await passwordGrantUnverified(email);
    const listed = await h.request("/v1/auth/invitations", { headers: bearer(tokens) });
    expect(listed.status).toBe(403);
    expect((await json(listed)).error.code).toBe("email_not_verified");
    const [invitation] = await h.sql.query("select id from invitations where email = $1", [email]);
    const accepted = await h.request(`/v1/auth/invitations/${invitation!.id}/accept`, {
      method: "POST",
      headers: bearer(tokens),
    });
    expect((await json(accepted)).error.code).toBe("email_not_verified");
  });

  it("the emailed link signs in and accepts once; revoked, expired or withdrawn invitations are dead", async () => {
    const owner = await signInByLink(h, uniqueEmail("owner"));
    const org = owner.organization.id;
    const email = uniqueEmail("linked");
    const token = await inviteToken(h, owner.jar, org, email, "admin");
    const page = await h.request(`/v1/auth/invitations/accept?token=${token}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Accept and sign in");
    const jar = new CookieJar();
    const first = await h.request("/v1/auth/invitations/accept", { method: "POST", json: { token }, jar });
    expect(first.status).toBe(200);
    expect((await json(first)).data.organization).toMatchObject({ id: org, role: "admin" });
    expect((await json(await h.request("/v1/auth/me", { jar }))).data.organization.id).toBe(org);
    const again = await h.request("/v1/auth/invitations/accept", { method: "POST", json: { token } });
    expect((await json(again)).error.code).toBe("token_invalid");
    expect((await h.request(`/v1/auth/invitations/accept?token=${token}`)).status).toBe(410);

    // Revoked.
    const revokedToken = await inviteToken(h, owner.jar, org, uniqueEmail("revoked"));
    const [open] = await json(await h.request(`/v1/organizations/${org}/invitations`, { jar: owner.jar })).then(
      (b) => b.data,
    );
    expect(
      (await h.request(`/v1/organizations/${org}/invitations/${open.id}`, { method: "DELETE", jar: owner.jar })).status,
    ).toBe(204);
    expect(
      (await json(await h.request("/v1/auth/invitations/accept", { method: "POST", json: { token: revokedToken } })))
        .error.code,
    ).toBe("token_invalid");

    // Re-inviting replaces the link: the first one dies.
    const reEmail = uniqueEmail("again");
    const oldToken = await inviteToken(h, owner.jar, org, reEmail);
    const newToken = await inviteToken(h, owner.jar, org, reEmail);
    expect((await h.request("/v1/auth/invitations/accept", { method: "POST", json: { token: oldToken } })).status).toBe(
      401,
    );

    // Withdrawn: the inviter (an admin) loses the role before the invitee answers.
    const admin = await joinOrganization(h, owner.jar, org, uniqueEmail("admin2"), "admin");
    const pendingToken = await inviteToken(h, admin.jar, org, uniqueEmail("pending"));
    expect(
      (
        await h.request(`/v1/organizations/${org}/members/${admin.user.id}`, {
          method: "PATCH",
          jar: owner.jar,
          json: { role: "member" },
        })
      ).status,
    ).toBe(200);
    expect(
      (await h.request("/v1/auth/invitations/accept", { method: "POST", json: { token: pendingToken } })).status,
    ).toBe(401);

    // Expired after 7 days.
    h.clock.advance(7 * 24 * 60 * MINUTE + MINUTE);
    expect((await h.request("/v1/auth/invitations/accept", { method: "POST", json: { token: newToken } })).status).toBe(
      401,
    );
    h.clock.advance(-(7 * 24 * 60 * MINUTE + MINUTE));
  });
});

async function passwordGrantUnverified(email: string): Promise<string> {
  // A verified moment lets the password grant through; the address is then marked unproven again.
  await h.sql.query("update users set email_verified_at = now() where email = $1", [email]);
  const tokens = await passwordGrant(h, email);
  await h.sql.query("update users set email_verified_at = null where email = $1", [email]);
  const [user] = await h.sql.query("select id from users where email = $1", [email]);
  await h.redis.del(h.keys.userSnapshot(user!.id));
  return tokens.access_token;
}

describe("6. moving the account's email needs recent authentication", () => {
  it("a bearer token older than ten minutes cannot change the email; the current password or a fresh sign-in can", async () => {
    const email = uniqueEmail("owner");
    await signUpVerified(h, email);
    const tokens = await passwordGrant(h, email);
    h.clock.advance(11 * MINUTE);
    try {
      const target = uniqueEmail("attacker");
      const stale = await h.request("/v1/auth/me", {
        method: "PATCH",
        headers: bearer(tokens.access_token),
        json: { email: target },
      });
      expect(stale.status).toBe(403);
      expect((await json(stale)).error.code).toBe("reauth_required");
      expect(await h.outbox(target)).toHaveLength(0);
      const wrong = await h.request("/v1/auth/me", {
        method: "PATCH",
        headers: bearer(tokens.access_token),
        json: { email: target, current_password: "not the password" },
      });
      expect((await json(wrong)).error.code).toBe("invalid_credentials");
      const withPassword = await h.request("/v1/auth/me", {
        method: "PATCH",
        headers: bearer(tokens.access_token),
        json: { email: target, current_password: PASSWORD },
      });
      expect(withPassword.status).toBe(200);
      expect((await json(withPassword)).data.email_change_pending).toBe(true);
      // The old address is told.
      expect((await h.outbox(email)).some((m) => /being changed/.test(m.subject ?? ""))).toBe(true);
      // Name changes need nothing more.
      expect(
        (
          await h.request("/v1/auth/me", {
            method: "PATCH",
            headers: bearer(tokens.access_token),
            json: { name: "Still Me" },
          })
        ).status,
      ).toBe(200);
      // A fresh grant is recent authentication.
      const fresh = await passwordGrant(h, email);
      expect(
        (
          await h.request("/v1/auth/me", {
            method: "PATCH",
            headers: bearer(fresh.access_token),
            json: { email: uniqueEmail("new") },
          })
        ).status,
      ).toBe(200);
    } finally {
      h.clock.advance(-11 * MINUTE);
    }
  });

  it("a session older than ten minutes needs the current password too", async () => {
    const user = await signInByLink(h, uniqueEmail("session"));
    h.clock.advance(11 * MINUTE);
    try {
      const res = await h.request("/v1/auth/me", {
        method: "PATCH",
        jar: user.jar,
        json: { email: uniqueEmail("elsewhere") },
      });
      expect((await json(res)).error.code).toBe("reauth_required");
    } finally {
      h.clock.advance(-11 * MINUTE);
    }
  });
});

describe("7. keys and devices never exceed the key", () => {
  it("a read-only key cannot mint a pairing code (and so no device token)", async () => {
    const owner = await signInByLink(h, uniqueEmail("owner"));
    const reader = await createKey(h, owner.jar, { name: "reader", scopes: ["read"] });
    const res = await h.request("/v1/pairing/code", { method: "POST", headers: bearer(reader.api_key), json: {} });
    expect(res.status).toBe(403);
    expect((await json(res)).error.code).toBe("insufficient_scope");
  });

  it("admin keys need a recent sign-in, and no key can mint or rotate one", async () => {
    const email = uniqueEmail("owner");
    await signUpVerified(h, email);
    const jar = new CookieJar();
    expect(
      (await h.request("/v1/auth/login", { method: "POST", json: { email, password: PASSWORD }, jar })).status,
    ).toBe(200);
    const admin = await createKey(h, jar, { name: "admin", scopes: ["read", "admin"] });
    const byKey = await h.request("/v1/api-keys", {
      method: "POST",
      headers: bearer(admin.api_key),
      json: { name: "persist", scopes: ["admin"] },
    });
    expect((await json(byKey)).error.code).toBe("reauth_required");
    const rotate = await h.request(`/v1/api-keys/${admin.id}/rotate`, {
      method: "POST",
      headers: bearer(admin.api_key),
      json: {},
    });
    expect((await json(rotate)).error.code).toBe("reauth_required");
    // Lesser keys are still fine to mint from a key.
    expect(
      (
        await h.request("/v1/api-keys", {
          method: "POST",
          headers: bearer(admin.api_key),
          json: { name: "ci", scopes: ["read"] },
        })
      ).status,
    ).toBe(201);

    h.clock.advance(11 * MINUTE);
    try {
      const stale = await h.request("/v1/api-keys", { method: "POST", jar, json: { name: "late", scopes: ["admin"] } });
      expect((await json(stale)).error.code).toBe("reauth_required");
      expect(
        (
          await h.request("/v1/api-keys", {
            method: "POST",
            jar,
            json: { name: "late", scopes: ["admin"], current_password: PASSWORD },
          })
        ).status,
      ).toBe(201);
      expect(
        (await h.request("/v1/api-keys", { method: "POST", jar, json: { name: "reader", scopes: ["read"] } })).status,
      ).toBe(201);
    } finally {
      h.clock.advance(-11 * MINUTE);
    }
  });

  it("a configured scope (predict) works end to end; members hold all but admin", async () => {
    const scoped = await import("./support/harness").then((m) =>
      m.createHarness({ API_KEY_SCOPES: "read,write,admin,predict" }),
    );
    try {
      const owner = await signInByLink(scoped, uniqueEmail("owner"));
      const key = await createKey(scoped, owner.jar, { name: "model", scopes: ["predict"] });
      const me = await json(await scoped.request("/v1/auth/me", { headers: bearer(key.api_key) }));
      expect(me.data.identity.scopes).toEqual(["predict"]);
      const member = await joinOrganization(scoped, owner.jar, owner.organization.id, uniqueEmail("member"));
      expect((await json(await scoped.request("/v1/auth/me", { jar: member.jar }))).data.identity.scopes).toEqual([
        "read",
        "write",
        "predict",
      ]);
    } finally {
      await scoped.close();
    }
  });
});

describe("roles", () => {
  it("owners change roles; admins never touch owners or grant owner; nobody raises their own; demotion cuts keys at once", async () => {
    const owner = await signInByLink(h, uniqueEmail("owner"));
    const org = owner.organization.id;
    const admin = await joinOrganization(h, owner.jar, org, uniqueEmail("admin"), "admin");
    const member = await joinOrganization(h, owner.jar, org, uniqueEmail("member"));
    const patch = (jar: CookieJar, userId: string, role: string) =>
      h.request(`/v1/organizations/${org}/members/${userId}`, { method: "PATCH", jar, json: { role } });

    expect((await json(await patch(member.jar, member.user.id, "admin"))).error.code).toBe("forbidden");
    expect((await json(await patch(admin.jar, admin.user.id, "owner"))).error.code).toBe("forbidden");
    expect((await json(await patch(admin.jar, member.user.id, "owner"))).error.code).toBe("forbidden");
    const promoted = await patch(admin.jar, member.user.id, "admin");
    expect(promoted.status).toBe(200);
    expect((await json(promoted)).data).toMatchObject({ user_id: member.user.id, role: "admin" });

    const adminKey = await createKey(h, admin.jar, { name: "admin's", scopes: ["read", "admin"] });
    expect(
      (await json(await h.request("/v1/auth/me", { headers: bearer(adminKey.api_key) }))).data.identity.scopes,
    ).toEqual(["read", "admin"]);
    expect((await patch(owner.jar, admin.user.id, "member")).status).toBe(200);
    expect(
      (await json(await h.request("/v1/auth/me", { headers: bearer(adminKey.api_key) }))).data.identity.scopes,
    ).toEqual(["read"]);
    expect((await h.request("/v1/api-keys", { headers: bearer(adminKey.api_key) })).status).toBe(403);

    const last = await patch(owner.jar, owner.user.id, "admin");
    expect(last.status).toBe(409);
    expect((await json(last)).error.code).toBe("conflict");
    const outsider = await signInByLink(h, uniqueEmail("outsider"));
    expect((await patch(outsider.jar, member.user.id, "member")).status).toBe(404);
  });

  it("two owners removing each other (or demoting themselves) at the same moment never leave zero owners", async () => {
    for (let trial = 0; trial < 4; trial++) {
      const a = await signInByLink(h, uniqueEmail("a"));
      const org = a.organization.id;
      const b = await joinOrganization(h, a.jar, org, uniqueEmail("b"), "owner");
      const [ra, rb] = await Promise.all(
        trial % 2 === 0
          ? [
              h.request(`/v1/organizations/${org}/members/${b.user.id}`, { method: "DELETE", jar: a.jar }),
              h.request(`/v1/organizations/${org}/members/${a.user.id}`, { method: "DELETE", jar: b.jar }),
            ]
          : [
              h.request(`/v1/organizations/${org}/members/${a.user.id}`, {
                method: "PATCH",
                jar: a.jar,
                json: { role: "member" },
              }),
              h.request(`/v1/organizations/${org}/members/${b.user.id}`, {
                method: "PATCH",
                jar: b.jar,
                json: { role: "member" },
              }),
            ],
      );
      // One wins; the other is refused (409), or, when it arrives after its own removal, no longer signed in there (401).
      const statuses = [ra.status, rb.status].sort();
      expect(statuses[0]).toBe(trial % 2 === 0 ? 204 : 200);
      expect(trial % 2 === 0 ? [401, 409] : [409]).toContain(statuses[1]);
      const [owners] = await h.sql.query(
        "select count(*)::int as n from memberships where organization_id = $1 and role = 'owner'",
        [org],
      );
      expect(owners!.n).toBe(1);
    }
  });
});

describe("invitation links under attack", () => {
  it("made-up tokens are throttled per client IP (429 after 30 failures)", async () => {
    const ip = `10.77.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
    for (let i = 0; i < 30; i++) {
      const res = await h.request("/v1/auth/invitations/accept", {
        method: "POST",
        json: { token: `${"A".repeat(42)}${i % 10}` },
        ip,
      });
      expect((await json(res)).error.code).toBe("token_invalid");
    }
    const limited = await h.request("/v1/auth/invitations/accept", {
      method: "POST",
      json: { token: "B".repeat(43) },
      ip,
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
  });

  it("a cross-site page cannot make a browser accept an invitation (login CSRF)", async () => {
    const owner = await signInByLink(h, uniqueEmail("owner"));
    const token = await inviteToken(h, owner.jar, owner.organization.id, uniqueEmail("attacker"));
    const res = await h.request("/v1/auth/invitations/accept", {
      method: "POST",
      json: { token },
      headers: { origin: "https://evil.example" },
    });
    expect(res.status).toBe(403);
    expect((await json(res)).error.code).toBe("csrf_failed");
    expect((await h.request("/v1/auth/invitations/accept", { method: "POST", json: { token } })).status).toBe(200);
  });
});
