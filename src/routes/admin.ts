import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../context";
import { AuthError } from "../errors";
import { envelope, errorResponses, listEnvelope } from "../http";
import { createUser, disableUser, findUsersByEmail, getUser, mintMagicLink, type AdminContext } from "../services/admin";
import { Email, jsonBody } from "./schemas";
import { validationHook } from "./validation";

/** The admin API answers only admin-scoped API keys, never sessions or access tokens. */
const requireAdminKey: MiddlewareHandler<AppEnv> = async function requireAdminKey(c, next) {
  const auth = c.var.auth;
  if (!auth) throw new AuthError("unauthorized");
  if (auth.via !== "api_key") throw new AuthError("forbidden", { message: "The admin API takes an admin-scoped API key." });
  if (!auth.identity.scopes.includes("admin")) throw new AuthError("insufficient_scope", { message: "The admin API needs the admin scope." });
  await next();
};

const context = (c: Context<AppEnv>): AdminContext => ({ deps: c.var.deps, config: c.var.config, auth: c.var.auth!, requestId: c.var.requestId, ip: c.var.clientIp });

const AdminUser = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    email_verified: z.boolean(),
    disabled: z.boolean(),
    created_at: z.string(),
    last_login_at: z.string().nullable(),
    role: z.enum(["owner", "admin", "member"]),
    other_organizations: z.number(),
  })
  .openapi("AdminUser");
const UserId = z.string().regex(/^usr_[0-9a-z]{26}$/, "must be a user id (usr_...)");
const DESCRIPTION = "Admin-scoped API keys only; acts on members of the key's organization; every call is written to the audit table.";

const searchRoute = createRoute({
  method: "get",
  path: "/v1/admin/users",
  tags: ["Admin"],
  summary: "Find a member by email",
  description: DESCRIPTION,
  middleware: [requireAdminKey] as const,
  request: { query: z.object({ email: Email }) },
  responses: { 200: { description: "Zero or one user", content: { "application/json": { schema: listEnvelope(AdminUser) } } }, ...errorResponses(400, 401, 403, 503) },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/admin/users/{id}",
  tags: ["Admin"],
  summary: "A member by id",
  description: DESCRIPTION,
  middleware: [requireAdminKey] as const,
  request: { params: z.object({ id: UserId }) },
  responses: { 200: { description: "User", content: { "application/json": { schema: envelope(AdminUser) } } }, ...errorResponses(400, 401, 403, 503) },
});

const createUserRoute = createRoute({
  method: "post",
  path: "/v1/admin/users",
  tags: ["Admin"],
  summary: "Create a user (or take an existing one) as a member of the key's organization",
  description: `${DESCRIPTION} send_magic_link (default true) emails a sign-in link. Keys cannot make owners.`,
  middleware: [requireAdminKey] as const,
  request: {
    body: jsonBody(
      z
        .object({ email: Email, name: z.string().trim().min(1).max(100).optional(), role: z.enum(["admin", "member"]).default("member"), send_magic_link: z.boolean().default(true) })
        .openapi("AdminCreateUser"),
    ),
  },
  responses: { 201: { description: "Member", content: { "application/json": { schema: envelope(z.object({ user: AdminUser, created: z.boolean() })) } } }, ...errorResponses(400, 401, 403, 415, 429, 503) },
});

const disableRoute = createRoute({
  method: "post",
  path: "/v1/admin/users/{id}/disable",
  tags: ["Admin"],
  summary: "Disable a member: every session, token and key of theirs stops at once",
  description: `${DESCRIPTION} 409 when the user also belongs to other organizations (remove them instead).`,
  middleware: [requireAdminKey] as const,
  request: { params: z.object({ id: UserId }) },
  responses: { 200: { description: "Disabled", content: { "application/json": { schema: envelope(AdminUser) } } }, ...errorResponses(400, 401, 403, 409, 503) },
});

const magicLinkRoute = createRoute({
  method: "post",
  path: "/v1/admin/magic-links",
  tags: ["Admin"],
  summary: "Mint a sign-in link for a member (emailed, or returned with delivery: return)",
  description: DESCRIPTION,
  middleware: [requireAdminKey] as const,
  request: {
    body: jsonBody(z.object({ email: Email, redirect_to: z.string().max(2048).optional(), delivery: z.enum(["email", "return"]).default("email") }).openapi("AdminMagicLink")),
  },
  responses: {
    201: { description: "Minted", content: { "application/json": { schema: envelope(z.object({ sent: z.boolean(), magic_link: z.string().optional(), expires_in: z.number() })) } } },
    ...errorResponses(400, 401, 403, 415, 429, 503),
  },
});

export const adminRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(searchRoute, async (c) => {
    const users = await findUsersByEmail(context(c), c.req.valid("query").email);
    return c.json({ success: true as const, data: users, meta: { count: users.length } }, 200);
  })
  .openapi(getRoute, async (c) => c.json({ success: true as const, data: await getUser(context(c), c.req.valid("param").id) }, 200))
  .openapi(createUserRoute, async (c) => {
    const body = c.req.valid("json");
    const result = await createUser(context(c), { email: body.email, name: body.name ?? null, role: body.role, sendMagicLink: body.send_magic_link });
    return c.json({ success: true as const, data: result }, 201);
  })
  .openapi(disableRoute, async (c) => c.json({ success: true as const, data: await disableUser(context(c), c.req.valid("param").id) }, 200))
  .openapi(magicLinkRoute, async (c) => {
    const body = c.req.valid("json");
    return c.json({ success: true as const, data: await mintMagicLink(context(c), { email: body.email, redirectTo: body.redirect_to ?? null, delivery: body.delivery }) }, 201);
  });
