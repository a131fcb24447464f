import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../context";
import { AuthError } from "../errors";
import { envelope, listEnvelope } from "../http";
import { credential, principal, requireCredential, requireUser } from "../middleware/require";
import { inviteMember, listOrganizationInvitations, revokeInvitation } from "../services/invitations";
import {
  changeMemberRole,
  createOrganization,
  listMembers,
  removeMember,
  setRequireMfa,
  visibleOrganizations,
} from "../services/organizations";
import { switchOrganization } from "../services/session";
import { createRoute, ERRORS } from "./declare";
import { CsrfHeader, Email, jsonBody, Organization, RecentAuthProof, recentAuthProof, recordId } from "./schemas";
import { validationHook } from "./validation";

const OrgId = recordId("org", "an organization id", ["tnt"]);
const UserId = recordId("usr", "a user id");
const Role = z.enum(["owner", "admin", "member"]);
export const InvitationId = recordId("inv", "an invitation id");
const Member = z
  .object({ user_id: z.string(), email: z.string(), name: z.string().nullable(), role: Role, joined_at: z.string() })
  .openapi("Member");

const mineRoute = createRoute({
  method: "get",
  middleware: [requireCredential] as const,
  path: "/v1/auth/organizations",
  tags: ["Organizations"],
  summary: "The caller's organizations, with role and plan",
  description: "From the user's cached snapshot (no SQL). An API key sees its own organization, with role null.",
  responses: {
    200: { description: "Organizations", content: { "application/json": { schema: listEnvelope(Organization) } } },
  },
});

const UserOrganization = Organization.extend({
  user_id: z.string().openapi({ description: "The user asked about." }),
  requested_by: z.string().openapi({ description: "The caller: a user id (a key's creator for API keys)." }),
}).openapi("UserOrganization");

const userOrgsRoute = createRoute({
  method: "get",
  middleware: [requireCredential] as const,
  path: "/v1/users/{user_id}/organizations",
  tags: ["Organizations"],
  summary: "Another user's organizations, as far as the caller may see them",
  description:
    "Only organizations the caller shares with that user (all of the caller's own; an API key shares its one organization). Platform administrators see all. 404 when the user is invisible.",
  request: { params: z.object({ user_id: UserId }) },
  errors: [...ERRORS.policy],
  responses: {
    200: {
      description: "Organizations, each naming the user asked about and the caller who asked",
      content: { "application/json": { schema: listEnvelope(UserOrganization) } },
    },
  },
});

const createOrgRoute = createRoute({
  method: "post",
  path: "/v1/organizations",
  tags: ["Organizations"],
  summary: "Create an organization (you become its owner)",
  middleware: [requireUser] as const,
  request: {
    headers: CsrfHeader,
    body: jsonBody(z.object({ name: z.string().trim().min(1).max(100) }).openapi("CreateOrganization")),
  },
  errors: ["forbidden"],
  responses: {
    201: { description: "Created", content: { "application/json": { schema: envelope(Organization) } } },
  },
});

const switchRoute = createRoute({
  method: "post",
  path: "/v1/auth/organizations/{id}/switch",
  tags: ["Organizations"],
  summary: "Make an organization the session's active one",
  description: "Session cookies only: /me, identity and keys created from this session then act in that organization.",
  middleware: [requireUser] as const,
  request: { headers: CsrfHeader, params: z.object({ id: OrgId }) },
  errors: ["forbidden", "not_found", "mfa_enrollment_required"],
  responses: {
    200: { description: "Switched", content: { "application/json": { schema: envelope(Organization) } } },
  },
});

const settingsRoute = createRoute({
  method: "patch",
  middleware: [requireCredential] as const,
  path: "/v1/organizations/{id}",
  tags: ["Organizations"],
  summary: "Change the organization's settings (owners)",
  description:
    "`require_mfa`: members need a second factor to act in the organization (others get 403 mfa_enrollment_required, including when they switch into it, until they set one up). Needs recent authentication; turning it on needs your own second factor.",
  request: {
    headers: CsrfHeader,
    params: z.object({ id: OrgId }),
    body: jsonBody(z.object({ require_mfa: z.boolean(), ...RecentAuthProof.shape }).openapi("OrganizationSettings")),
  },
  errors: [...ERRORS.policy, ...ERRORS.recentAuth, "mfa_enrollment_required"],
  responses: {
    200: { description: "Changed", content: { "application/json": { schema: envelope(Organization) } } },
  },
});

const membersRoute = createRoute({
  method: "get",
  middleware: [requireCredential] as const,
  path: "/v1/organizations/{id}/members",
  tags: ["Organizations"],
  summary: "Members of an organization (members, or a read-scoped key of it)",
  request: { params: z.object({ id: OrgId }) },
  errors: [...ERRORS.policy],
  responses: {
    200: { description: "Members", content: { "application/json": { schema: listEnvelope(Member) } } },
  },
});

const changeRoleRoute = createRoute({
  method: "patch",
  middleware: [requireCredential] as const,
  path: "/v1/organizations/{id}/members/{user_id}",
  tags: ["Organizations"],
  summary: "Change a member's role",
  description:
    "Owners change anyone's role; admins (and admin-scoped keys) change admins and members, never owners, and never grant owner. Nobody raises their own role. 409 when it would leave the organization without an owner.",
  request: {
    headers: CsrfHeader,
    params: z.object({ id: OrgId, user_id: UserId }),
    body: jsonBody(z.object({ role: Role }).openapi("ChangeRole")),
  },
  errors: [...ERRORS.policy, "conflict"],
  responses: {
    200: { description: "Changed", content: { "application/json": { schema: envelope(Member) } } },
  },
});

const Invitation = z
  .object({
    id: z.string(),
    organization_id: z.string(),
    organization_name: z.string(),
    email: z.string(),
    role: Role,
    invited_by: z.string().nullable(),
    created_at: z.string(),
    expires_at: z.string(),
  })
  .openapi("Invitation");

const inviteRoute = createRoute({
  method: "post",
  middleware: [requireCredential] as const,
  path: "/v1/organizations/{id}/invitations",
  tags: ["Organizations"],
  summary: "Invite an address to join (owners and admins; never above your own role)",
  description:
    "202 with the same answer whether or not an account uses the address. The invitee gets an email; nobody becomes a member until they accept (7 days). Inviting the same address again refreshes the invitation and its link.",
  request: {
    headers: CsrfHeader,
    params: z.object({ id: OrgId }),
    body: jsonBody(z.object({ email: Email, role: Role.default("member") }).openapi("CreateInvitation")),
  },
  errors: [...ERRORS.policy],
  responses: {
    202: { description: "Invited", content: { "application/json": { schema: envelope(Invitation) } } },
  },
});

const listInvitationsRoute = createRoute({
  method: "get",
  middleware: [requireCredential] as const,
  path: "/v1/organizations/{id}/invitations",
  tags: ["Organizations"],
  summary: "Open invitations of an organization (owners and admins)",
  request: { params: z.object({ id: OrgId }) },
  errors: [...ERRORS.policy],
  responses: {
    200: { description: "Invitations", content: { "application/json": { schema: listEnvelope(Invitation) } } },
  },
});

const revokeInvitationRoute = createRoute({
  method: "delete",
  middleware: [requireCredential] as const,
  path: "/v1/organizations/{id}/invitations/{invitation_id}",
  tags: ["Organizations"],
  summary: "Revoke an open invitation (its link stops working)",
  request: { headers: CsrfHeader, params: z.object({ id: OrgId, invitation_id: InvitationId }) },
  errors: [...ERRORS.policy],
  responses: { 204: { description: "Revoked" } },
});

const removeMemberRoute = createRoute({
  method: "delete",
  middleware: [requireCredential] as const,
  path: "/v1/organizations/{id}/members/{user_id}",
  tags: ["Organizations"],
  summary: "Remove a member, or leave (the last owner cannot)",
  description:
    "The removed member's keys in this organization are revoked, and their sessions and tokens lose access to it at once.",
  request: { headers: CsrfHeader, params: z.object({ id: OrgId, user_id: UserId }) },
  errors: [...ERRORS.policy, "conflict"],
  responses: { 204: { description: "Removed" } },
});

export const organizationRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(settingsRoute, async (c) => {
    const body = c.req.valid("json");
    const organization = await setRequireMfa(c.get("ctx"), principal(c), {
      organizationId: c.req.valid("param").id,
      required: body.require_mfa,
      email: credential(c).snapshot?.user.email ?? null,
      reauth: recentAuthProof(body),
    });
    return c.json({ success: true as const, data: organization }, 200);
  })
  .openapi(mineRoute, (c) => {
    const auth = credential(c);
    const organizations = auth.snapshot ? auth.snapshot.organizations : [auth.organization];
    return c.json({ success: true as const, data: organizations, meta: { count: organizations.length } }, 200);
  })
  .openapi(userOrgsRoute, async (c) => {
    const caller = principal(c);
    const userId = c.req.valid("param").user_id;
    const found = await visibleOrganizations(c.get("ctx"), caller, userId);
    if (!found) throw new AuthError("not_found");
    // A key asks on behalf of its creator; a key without one is named by its own id.
    const requestedBy = caller.userId ?? caller.keyId ?? "";
    const data = found.map((o) => ({ ...o, user_id: userId, requested_by: requestedBy }));
    return c.json({ success: true as const, data, meta: { count: data.length } }, 200);
  })
  .openapi(createOrgRoute, async (c) => {
    return c.json(
      {
        success: true as const,
        data: await createOrganization(c.get("ctx"), principal(c), c.req.valid("json").name, c.get("idempotency")),
      },
      201,
    );
  })
  .openapi(switchRoute, async (c) => {
    const session = c.get("session");
    if (!session || c.get("auth")?.via !== "cookie")
      throw new AuthError("forbidden", { message: "Only a browser session has an active organization to switch." });
    const organization = await switchOrganization(c.get("ctx"), session, c.req.valid("param").id);
    return c.json({ success: true as const, data: organization }, 200);
  })
  .openapi(membersRoute, async (c) => {
    const members = await listMembers(c.get("ctx"), principal(c), c.req.valid("param").id);
    return c.json({ success: true as const, data: members, meta: { count: members.length } }, 200);
  })
  .openapi(changeRoleRoute, async (c) => {
    const { id, user_id } = c.req.valid("param");
    return c.json(
      {
        success: true as const,
        data: await changeMemberRole(c.get("ctx"), principal(c), id, user_id, c.req.valid("json").role),
      },
      200,
    );
  })
  .openapi(removeMemberRoute, async (c) => {
    const { id, user_id } = c.req.valid("param");
    await removeMember(c.get("ctx"), principal(c), id, user_id);
    return c.body(null, 204);
  })
  .openapi(inviteRoute, async (c) => {
    const body = c.req.valid("json");
    const auth = credential(c);
    const inviterEmail = auth.snapshot?.user.email ?? auth.keyCreatorUser?.email ?? null;
    const invitation = await inviteMember(c.get("ctx"), principal(c), {
      organizationId: c.req.valid("param").id,
      email: body.email,
      role: body.role,
      inviterEmail,
    });
    return c.json({ success: true as const, data: invitation }, 202);
  })
  .openapi(listInvitationsRoute, async (c) => {
    const list = await listOrganizationInvitations(c.get("ctx"), principal(c), c.req.valid("param").id);
    return c.json({ success: true as const, data: list, meta: { count: list.length } }, 200);
  })
  .openapi(revokeInvitationRoute, async (c) => {
    const { id, invitation_id } = c.req.valid("param");
    await revokeInvitation(c.get("ctx"), principal(c), id, invitation_id);
    return c.body(null, 204);
  });
