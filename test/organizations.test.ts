import { describe, expect, it } from "vitest";
import {
  bearer,
  createKey,
  joinOrganization,
  passwordGrant,
  type SignedIn,
  signInByLink,
  signUpVerified,
} from "./support/accounts";
import { json } from "./support/harness";
import { uniqueEmail, useHarness } from "./support/setup";

const h = useHarness();
const ids = (body: { data: Array<{ id: string }> }) => body.data.map((o) => o.id).sort();

describe("organizations", () => {
  it("lists the caller's organizations with role, personal flag and plan; creating one makes you owner", async () => {
    const ada = await signInByLink(h, uniqueEmail("ada"));
    const mine = await json(await h.request("/v1/auth/organizations", { jar: ada.jar }));
    expect(mine.meta.count).toBe(1);
    expect(mine.data[0]).toMatchObject({
      id: ada.organization.id,
      is_personal_account: true,
      role: "owner",
      plan_tier: "sandbox",
    });
    const created = await h.request("/v1/organizations", {
      method: "POST",
      jar: ada.jar,
      json: { name: "Engines Ltd" },
    });
    expect(created.status).toBe(201);
    const org = (await json(created)).data;
    expect(org).toMatchObject({ name: "Engines Ltd", is_personal_account: false, role: "owner" });
    expect((await json(await h.request("/v1/auth/organizations", { jar: ada.jar }))).meta.count).toBe(2);
    // Switch the session's active organization: /me and the identity follow.
    expect((await h.request(`/v1/auth/organizations/${org.id}/switch`, { method: "POST", jar: ada.jar })).status).toBe(
      200,
    );
    const me = (await json(await h.request("/v1/auth/me", { jar: ada.jar }))).data;
    expect(me.organization.id).toBe(org.id);
    expect(me.identity.organization_id).toBe(org.id);
    expect(
      (await h.request(`/v1/auth/organizations/org_${"0".repeat(26)}/switch`, { method: "POST", jar: ada.jar })).status,
    ).toBe(404);
  });

  it("members join only through accepted invitations; invitations never exceed the inviter's role", async () => {
    const owner = await signInByLink(h, uniqueEmail("owner"));
    const org = owner.organization.id;
    const adminEmail = uniqueEmail("admin");
    const memberEmail = uniqueEmail("member");
    const admin = await joinOrganization(h, owner.jar, org, adminEmail, "admin");
    // The new member sees the organization at once.
    expect(ids(await json(await h.request("/v1/auth/organizations", { jar: admin.jar })))).toContain(org);
    const tooHigh = await h.request(`/v1/organizations/${org}/invitations`, {
      method: "POST",
      jar: admin.jar,
      json: { email: memberEmail, role: "owner" },
    });
    expect(tooHigh.status).toBe(403);
    expect((await json(tooHigh)).error.code).toBe("forbidden");
    const member = await joinOrganization(h, admin.jar, org, memberEmail, "member");
    const byMember = await h.request(`/v1/organizations/${org}/invitations`, {
      method: "POST",
      jar: member.jar,
      json: { email: uniqueEmail("x") },
    });
    expect((await json(byMember)).error.code).toBe("forbidden");
    const listed = await json(await h.request(`/v1/organizations/${org}/members`, { jar: member.jar }));
    expect(listed.data.map((m: { role: string }) => m.role)).toEqual(["owner", "admin", "member"]);
    // Adding a member directly is gone.
    expect(
      (
        await h.request(`/v1/organizations/${org}/members`, {
          method: "POST",
          jar: owner.jar,
          json: { email: memberEmail },
        })
      ).status,
    ).toBe(404);
    // Outsiders cannot even tell the organization exists.
    const outsider = await signInByLink(h, uniqueEmail("outsider"));
    expect((await h.request(`/v1/organizations/${org}/members`, { jar: outsider.jar })).status).toBe(404);
    expect(
      (
        await h.request(`/v1/organizations/${org}/invitations`, {
          method: "POST",
          jar: outsider.jar,
          json: { email: uniqueEmail("y") },
        })
      ).status,
    ).toBe(404);
    expect((await h.request(`/v1/organizations/not-an-id/members`, { jar: outsider.jar })).status).toBe(400);
  });

  it("removal: the last owner stays; admins cannot remove owners; members may leave; access ends at once", async () => {
    const owner = await signInByLink(h, uniqueEmail("owner"));
    const org = owner.organization.id;
    const memberEmail = uniqueEmail("member");
    const adminEmail = uniqueEmail("admin");
    await signUpVerified(h, memberEmail);
    await joinOrganization(h, owner.jar, org, memberEmail);
    const admin = await joinOrganization(h, owner.jar, org, adminEmail, "admin");
    const self = await h.request(`/v1/organizations/${org}/members/${owner.user.id}`, {
      method: "DELETE",
      jar: owner.jar,
    });
    expect(self.status).toBe(409);
    expect((await json(self)).error.code).toBe("conflict");
    expect(
      (
        await json(
          await h.request(`/v1/organizations/${org}/members/${owner.user.id}`, { method: "DELETE", jar: admin.jar }),
        )
      ).error.code,
    ).toBe("forbidden");

    const tokens = await passwordGrant(h, memberEmail);
    const member = (await json(await h.request("/v1/auth/me", { headers: bearer(tokens.access_token) }))).data.user;
    expect(
      (await h.request(`/v1/organizations/${org}/members/${member.id}`, { method: "DELETE", jar: admin.jar })).status,
    ).toBe(204);
    expect((await json(await h.request(`/v1/organizations/${org}/members`, { jar: owner.jar }))).meta.count).toBe(2);
    // The removed member's own organizations remain; this one is gone from their identity.
    expect(
      ids(await json(await h.request("/v1/auth/organizations", { headers: bearer(tokens.access_token) }))),
    ).not.toContain(org);
    // Leaving on one's own:
    expect(
      (await h.request(`/v1/organizations/${org}/members/${admin.user.id}`, { method: "DELETE", jar: admin.jar }))
        .status,
    ).toBe(204);
  });
});

describe("GET /v1/users/{user_id}/organizations visibility", () => {
  it("three users in overlapping organizations see only what they share", async () => {
    const a = await signInByLink(h, uniqueEmail("a"));
    const bEmail = uniqueEmail("b");
    const cEmail = uniqueEmail("c");
    const b = await signInByLink(h, bEmail);
    const c = await signInByLink(h, cEmail);
    const x = a.organization.id; // A owns X, B is a member
    const y = b.organization.id; // B owns Y, C is a member
    await joinOrganization(h, a.jar, x, bEmail);
    await joinOrganization(h, b.jar, y, cEmail);
    const view = async (viewer: SignedIn, target: SignedIn) =>
      h.request(`/v1/users/${target.user.id}/organizations`, { jar: viewer.jar });

    const aSeesB = await json(await view(a, b));
    expect(ids(aSeesB)).toEqual([x]);
    // Each item names whom it is about and who asked (002's fields).
    expect(aSeesB.data[0]).toMatchObject({ user_id: b.user.id, requested_by: a.user.id, role: "member" });
    expect(ids(await json(await view(b, a)))).toEqual([x]);
    expect(ids(await json(await view(c, b)))).toEqual([y]);
    expect(ids(await json(await view(b, c)))).toEqual([y]);
    expect(ids(await json(await view(b, b)))).toEqual([x, y].sort());
    const hidden = await view(a, c);
    expect(hidden.status).toBe(404);
    expect((await json(hidden)).error.code).toBe("not_found");
    expect((await h.request(`/v1/users/nope/organizations`, { jar: a.jar })).status).toBe(400);
    expect((await h.request(`/v1/users/usr_${"0".repeat(26)}/organizations`, { jar: a.jar })).status).toBe(404);

    // A key of X, whatever its scopes, shares X only: it sees X for B (never B's other organizations),
    // and nobody outside X.
    const key = await createKey(h, a.jar, { name: "admin", scopes: ["read", "admin"] });
    const byKey = await h.request(`/v1/users/${b.user.id}/organizations`, { headers: bearer(key.api_key) });
    const keyView = await json(byKey);
    expect(ids(keyView)).toEqual([x]);
    expect(keyView.data[0]).toMatchObject({ user_id: b.user.id, requested_by: a.user.id });
    expect((await h.request(`/v1/users/${c.user.id}/organizations`, { headers: bearer(key.api_key) })).status).toBe(
      404,
    );
    const writer = await createKey(h, a.jar, { name: "writer", scopes: ["write"] });
    expect((await h.request(`/v1/users/${b.user.id}/organizations`, { headers: bearer(writer.api_key) })).status).toBe(
      403,
    );
  });
});
