import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../context";
import { AuthError } from "../errors";
import { envelope, errorResponses, listEnvelope } from "../http";
import { requireCredential, requireRole, requireUser, signedInUser } from "../middleware/require";
import { addMember, createOrganization, listMembers, removeMember, visibleOrganizations } from "../services/organizations";
import { CsrfHeader, Email, Organization, jsonBody } from "./schemas";
import { validationHook } from "./validation";

const OrgId = z.string().regex(/^org_[0-9a-z]{26}$/, "must be an organization id (org_...)");
const UserId = z.string().regex(/^usr_[0-9a-z]{26}$/, "must be a user id (usr_...)");
const Role = z.enum(["owner", "admin", "member"]);
const Member = z.object({ user_id: z.string(), email: z.string(), name: z.string().nullable(), role: Role, joined_at: z.string() }).openapi("Member");

const mineRoute = createRoute({
  method: "get",
  middleware: [requireCredential] as const,
  path: "/v1/auth/organizations",
  tags: ["Organizations"],
  summary: "The caller's organizations, with role and plan",
  description: "From the user's cached snapshot (no SQL). An API key sees its own organization, with role null.",
  responses: { 200: { description: "Organizations", content: { "application/json": { schema: listEnvelope(Organization) } } }, ...errorResponses(401, 503) },
});

const userOrgsRoute = createRoute({
  method: "get",
  middleware: [requireCredential] as const,
  path: "/v1/users/{user_id}/organizations",
  tags: ["Organizations"],
  summary: "Another user's organizations, as far as the caller may see them",
  description: "Only organizations shared with the caller (all of the caller's own). An admin-scoped API key sees all of them, for users in its organization. 404 when the user is invisible.",
  request: { params: z.object({ user_id: UserId }) },
  responses: { 200: { description: "Organizations", content: { "application/json": { schema: listEnvelope(Organization) } } }, ...errorResponses(400, 401, 403, 503) },
});

const createOrgRoute = createRoute({
  method: "post",
  path: "/v1/organizations",
  tags: ["Organizations"],
  summary: "Create an organization (you become its owner)",
  middleware: [requireUser] as const,
  request: { headers: CsrfHeader, body: jsonBody(z.object({ name: z.string().trim().min(1).max(100) }).openapi("CreateOrganization")) },
  responses: { 201: { description: "Created", content: { "application/json": { schema: envelope(Organization) } } }, ...errorResponses(400, 401, 403, 415, 503) },
});

const switchRoute = createRoute({
  method: "post",
  path: "/v1/auth/organizations/{id}/switch",
  tags: ["Organizations"],
  summary: "Make an organization the session's active one",
  description: "Session cookies only: /me, identity and keys created from this session then act in that organization.",
  middleware: [requireUser] as const,
  request: { headers: CsrfHeader, params: z.object({ id: OrgId }) },
  responses: { 200: { description: "Switched", content: { "application/json": { schema: envelope(Organization) } } }, ...errorResponses(400, 401, 403, 503) },
});

const membersRoute = createRoute({
  method: "get",
  middleware: [requireCredential] as const,
  path: "/v1/organizations/{id}/members",
  tags: ["Organizations"],
  summary: "Members of an organization (members, or a read-scoped key of it)",
  request: { params: z.object({ id: OrgId }) },
  responses: { 200: { description: "Members", content: { "application/json": { schema: listEnvelope(Member) } } }, ...errorResponses(400, 401, 403, 503) },
});

const addMemberRoute = createRoute({
  method: "post",
  middleware: [requireRole("owner", "admin")] as const,
  path: "/v1/organizations/{id}/members",
  tags: ["Organizations"],
  summary: "Add an existing user by email (owners and admins; only owners add owners)",
  request: {
    headers: CsrfHeader,
    params: z.object({ id: OrgId }),
    body: jsonBody(z.object({ email: Email, role: Role.default("member") }).openapi("AddMember")),
  },
  responses: { 201: { description: "Added", content: { "application/json": { schema: envelope(Member) } } }, ...errorResponses(400, 401, 403, 409, 415, 503) },
});

const removeMemberRoute = createRoute({
  method: "delete",
  middleware: [requireCredential] as const,
  path: "/v1/organizations/{id}/members/{user_id}",
  tags: ["Organizations"],
  summary: "Remove a member, or leave (the last owner cannot)",
  description: "The removed member's keys in this organization are revoked, and their sessions and tokens lose access to it at once.",
  request: { headers: CsrfHeader, params: z.object({ id: OrgId, user_id: UserId }) },
  responses: { 204: { description: "Removed" }, ...errorResponses(400, 401, 403, 409, 503) },
});

const anyCredential = (c: { var: AppEnv["Variables"] }) => c.var.auth!;

export const organizationRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(mineRoute, (c) => {
    const auth = anyCredential(c);
    const organizations = auth.snapshot ? auth.snapshot.organizations : [auth.organization];
    return c.json({ success: true as const, data: organizations, meta: { count: organizations.length } }, 200);
  })
  .openapi(userOrgsRoute, async (c) => {
    const organizations = await visibleOrganizations(c.var.deps, anyCredential(c), c.req.valid("param").user_id);
    if (!organizations) throw new AuthError("not_found");
    return c.json({ success: true as const, data: organizations, meta: { count: organizations.length } }, 200);
  })
  .openapi(createOrgRoute, async (c) => {
    return c.json({ success: true as const, data: await createOrganization(c.var.deps, c.var.auth!, c.req.valid("json").name) }, 201);
  })
  .openapi(switchRoute, async (c) => {
    const session = c.var.session;
    if (!session || c.var.auth?.via !== "cookie") throw new AuthError("forbidden", { message: "Only a browser session has an active organization to switch." });
    const organization = signedInUser(c).organizations.find((o) => o.id === c.req.valid("param").id);
    if (!organization) throw new AuthError("not_found");
    await c.var.deps.sessions.update(session.tokenHash, { ...session.record, organization_id: organization.id });
    return c.json({ success: true as const, data: organization }, 200);
  })
  .openapi(membersRoute, async (c) => {
    const members = await listMembers(c.var.deps, anyCredential(c), c.req.valid("param").id);
    return c.json({ success: true as const, data: members, meta: { count: members.length } }, 200);
  })
  .openapi(addMemberRoute, async (c) => {
    const auth = anyCredential(c);
    return c.json({ success: true as const, data: await addMember(c.var.deps, auth, c.req.valid("param").id, c.req.valid("json")) }, 201);
  })
  .openapi(removeMemberRoute, async (c) => {
    const auth = anyCredential(c);
    const { id, user_id } = c.req.valid("param");
    await removeMember(c.var.deps, auth, id, user_id);
    return c.body(null, 204);
  });

