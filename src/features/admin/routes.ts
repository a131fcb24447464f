import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { envelope, listEnvelope } from "../../http";
import { principal, requirePlatform } from "../../middleware/require";
import { createRoute } from "../../routes/declare";
import { CsrfHeader, Email, jsonBody, recordId } from "../../routes/schemas";
import { validationHook } from "../../routes/validation";
import { createUser, findUsersByEmail, getUser, mintMagicLink, type PlatformContext, setUserDisabled } from "./service";

const context = (c: Context<AppEnv>): PlatformContext => ({ ...c.get("ctx"), principal: principal(c) });

const PlatformUser = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    email_verified: z.boolean(),
    disabled: z.boolean(),
    is_superuser: z.boolean(),
    created_at: z.string(),
    last_login_at: z.string().nullable(),
    organizations: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        is_personal_account: z.boolean(),
        role: z.enum(["owner", "admin", "member"]),
      }),
    ),
  })
  .openapi("PlatformUser");
const UserId = recordId("usr", "a user id");
const TAG = "Platform administration";
const DESCRIPTION =
  "Platform administrators only: a superuser's session (with X-CSRF-Token) or access token, or an API key with the reserved platform scope. Organization keys of any scope get 403. Every call is written to the audit table.";

const searchRoute = createRoute({
  method: "get",
  path: "/v1/admin/users",
  tags: [TAG],
  summary: "Find an account by email",
  description: DESCRIPTION,
  middleware: [requirePlatform] as const,
  request: { query: z.object({ email: Email }) },
  responses: {
    200: { description: "Zero or one user", content: { "application/json": { schema: listEnvelope(PlatformUser) } } },
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/admin/users/{id}",
  tags: [TAG],
  summary: "An account by id, with its organizations",
  description: DESCRIPTION,
  middleware: [requirePlatform] as const,
  request: { params: z.object({ id: UserId }) },
  responses: {
    200: { description: "User", content: { "application/json": { schema: envelope(PlatformUser) } } },
  },
});

const createUserRoute = createRoute({
  method: "post",
  path: "/v1/admin/users",
  tags: [TAG],
  summary: "Create an account (or return the existing one)",
  description: `${DESCRIPTION} The address is proven at the first sign-in, which also makes the account's first organization. send_magic_link (default true) emails a sign-in link.`,
  middleware: [requirePlatform] as const,
  request: {
    headers: CsrfHeader,
    body: jsonBody(
      z
        .object({
          email: Email,
          name: z.string().trim().min(1).max(100).optional(),
          send_magic_link: z.boolean().default(true),
        })
        .openapi("PlatformCreateUser"),
    ),
  },
  errors: ["email_delivery_failed"],
  responses: {
    201: {
      description: "Account",
      content: { "application/json": { schema: envelope(z.object({ user: PlatformUser, created: z.boolean() })) } },
    },
  },
});

function toggleRoute(action: "disable" | "enable") {
  return createRoute({
    method: "post",
    path: `/v1/admin/users/{id}/${action}`,
    tags: [TAG],
    summary:
      action === "disable"
        ? "Disable an account: every session, token, device and key of theirs stops at once"
        : "Re-enable an account (old credentials stay dead)",
    description: DESCRIPTION,
    middleware: [requirePlatform] as const,
    request: { headers: CsrfHeader, params: z.object({ id: UserId }) },
    errors: ["conflict"],
    responses: {
      200: { description: "Done", content: { "application/json": { schema: envelope(PlatformUser) } } },
    },
  });
}

const magicLinkRoute = createRoute({
  method: "post",
  path: "/v1/admin/magic-links",
  tags: [TAG],
  summary: "Mint a sign-in link for an account (emailed, or returned with delivery: return)",
  description: DESCRIPTION,
  middleware: [requirePlatform] as const,
  request: {
    headers: CsrfHeader,
    body: jsonBody(
      z
        .object({
          email: Email,
          redirect_to: z.string().max(2048).optional(),
          delivery: z.enum(["email", "return"]).default("email"),
        })
        .openapi("AdminMagicLink"),
    ),
  },
  errors: ["not_found", "email_delivery_failed"],
  responses: {
    201: {
      description: "Minted",
      content: {
        "application/json": {
          schema: envelope(z.object({ sent: z.boolean(), magic_link: z.string().optional(), expires_in: z.number() })),
        },
      },
    },
  },
});

export const adminRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(searchRoute, async (c) => {
    const users = await findUsersByEmail(context(c), c.req.valid("query").email);
    return c.json({ success: true as const, data: users, meta: { count: users.length } }, 200);
  })
  .openapi(getRoute, async (c) =>
    c.json({ success: true as const, data: await getUser(context(c), c.req.valid("param").id) }, 200),
  )
  .openapi(createUserRoute, async (c) => {
    const body = c.req.valid("json");
    return c.json(
      {
        success: true as const,
        data: await createUser(context(c), {
          email: body.email,
          name: body.name ?? null,
          sendMagicLink: body.send_magic_link,
        }),
      },
      201,
    );
  })
  .openapi(toggleRoute("disable"), async (c) =>
    c.json({ success: true as const, data: await setUserDisabled(context(c), c.req.valid("param").id, true) }, 200),
  )
  .openapi(toggleRoute("enable"), async (c) =>
    c.json({ success: true as const, data: await setUserDisabled(context(c), c.req.valid("param").id, false) }, 200),
  )
  .openapi(magicLinkRoute, async (c) => {
    const body = c.req.valid("json");
    return c.json(
      {
        success: true as const,
        data: await mintMagicLink(context(c), {
          email: body.email,
          redirectTo: body.redirect_to ?? null,
          delivery: body.delivery,
        }),
      },
      201,
    );
  });
