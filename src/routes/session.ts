import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import type { AppEnv } from "../context";
import { AuthError } from "../errors";
import { endBrowserSession, envelope, listEnvelope } from "../http";
import { principal, requireUser, sessionCsrf, signedInUser } from "../middleware/require";
import { updateProfile } from "../services/accounts";
import { isSuperuser, PLATFORM_SCOPE } from "../services/policy";
import { endCookieSession, endSession, endSessionById, listSessions, signOutEverywhere } from "../services/session";
import { createRoute, ERRORS } from "./declare";
import { CsrfHeader, Identity, MfaCode, Organization, Password, recordId, User } from "./schemas";
import { validationHook } from "./validation";

const meRoute = createRoute({
  method: "get",
  path: "/v1/auth/me",
  tags: ["Session"],
  summary: "The signed-in identity",
  description:
    "With a session cookie: one Redis round trip, no SQL (the session carries a snapshot of the user and organization).",
  // Any credential, a paired device's token included (the one route a device may call).
  security: [{ session: [] }, { accessToken: [] }, { apiKey: [] }, { deviceToken: [] }] as Array<
    Record<string, string[]>
  >,
  responses: {
    200: {
      description: "The identity behind the credential",
      content: {
        "application/json": {
          schema: envelope(
            z.object({
              user: User.nullable(),
              organization: Organization,
              identity: Identity,
              csrf_token: z.string().optional().openapi({
                description:
                  "With a session cookie: the value to send as X-CSRF-Token (for front ends on a trusted origin, which cannot read the cookie).",
              }),
            }),
          ),
        },
      },
    },
  },
});

const logoutRoute = createRoute({
  method: "post",
  path: "/v1/auth/logout",
  middleware: [sessionCsrf] as const,
  tags: ["Session"],
  summary: "End the session or token login (idempotent)",
  description:
    "204 with or without a credential. With the session cookie: the Redis record is deleted and both cookies are cleared. With a Bearer access token: its whole token family (that refresh token and its access tokens) is revoked.",
  request: { headers: CsrfHeader },
  responses: { 204: { description: "Signed out" } },
});

const ProfileBody = z
  .object({
    name: z.string().trim().min(1).max(100).nullable().optional(),
    email: z.string().max(320).optional(),
    phone: z
      .string()
      .regex(/^\+[1-9]\d{6,14}$/, "must be an E.164 number such as +14155550123")
      .nullable()
      .optional(),
    current_password: Password.optional().openapi({
      description: "For an email change when your sign-in is older than 10 minutes.",
    }),
    mfa_code: MfaCode.optional(),
  })
  .refine((b) => b.name !== undefined || b.email !== undefined || b.phone !== undefined, {
    message: "send at least one of name, email, phone",
  })
  .openapi("ProfileUpdate");

function profileRoute(method: "patch" | "put") {
  return createRoute({
    method,
    path: "/v1/auth/me",
    tags: ["Session"],
    summary: method === "patch" ? "Update name, phone or email" : "Update name, phone or email (same as PATCH)",
    description:
      "Name and phone apply at once. A new email needs a sign-in younger than 10 minutes or current_password (403 reauth_required otherwise), and is applied only after the link sent to it is opened (the current address is told); email_change_pending says one is under way.",
    middleware: [requireUser] as const,
    request: {
      headers: CsrfHeader,
      body: { required: true, content: { "application/json": { schema: ProfileBody } } },
    },
    errors: [...ERRORS.recentAuth],
    responses: {
      200: {
        description: "Updated",
        content: {
          "application/json": { schema: envelope(z.object({ user: User, email_change_pending: z.boolean() })) },
        },
      },
    },
  });
}

const SessionInfo = z
  .object({
    id: z.string(),
    created_at: z.string(),
    expires_at: z.string(),
    ip: z.string(),
    user_agent: z.string(),
    current: z.boolean(),
  })
  .openapi("Session");

const listSessionsRoute = createRoute({
  method: "get",
  path: "/v1/auth/sessions",
  tags: ["Session"],
  summary: "The user's active browser sessions",
  middleware: [requireUser] as const,
  responses: {
    200: {
      description: "Sessions, newest first",
      content: { "application/json": { schema: listEnvelope(SessionInfo) } },
    },
  },
});

const deleteSessionRoute = createRoute({
  method: "delete",
  path: "/v1/auth/sessions/{id}",
  tags: ["Session"],
  summary: "End one of the user's sessions",
  middleware: [requireUser] as const,
  request: {
    headers: CsrfHeader,
    params: z.object({ id: recordId("ses", "a session id") }),
  },
  responses: { 204: { description: "Ended" } },
});

const logoutAllRoute = createRoute({
  method: "post",
  path: "/v1/auth/logout-all",
  tags: ["Session"],
  summary: "Sign out everywhere",
  description:
    "Ends every session (this one included) and makes every refresh token and access token of the user fail at once.",
  middleware: [requireUser] as const,
  request: { headers: CsrfHeader },
  responses: {
    200: {
      description: "Signed out everywhere",
      content: { "application/json": { schema: envelope(z.object({ revoked_sessions: z.number() })) } },
    },
  },
});

async function applyProfile(c: Context<AppEnv>, body: z.infer<typeof ProfileBody>) {
  const { current_password, mfa_code, ...changes } = body;
  const input = {
    user: signedInUser(c).user,
    principal: principal(c),
    currentPassword: current_password ?? null,
    mfaCode: mfa_code ?? null,
    changes,
  };
  const result = await updateProfile(c.get("ctx"), input);
  return { user: result.snapshot.user, email_change_pending: result.emailChangePending };
}

export const sessionRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(meRoute, (c) => {
    const auth = c.get("auth");
    if (!auth) throw new AuthError("unauthorized");
    // A key answers for the member who minted it (it acts on their behalf, within its scopes).
    const user = auth.snapshot?.user ?? auth.keyCreatorUser ?? null;
    const shown = user && {
      ...user,
      is_superuser:
        auth.via === "api_key" ? auth.identity.scopes.includes(PLATFORM_SCOPE) : isSuperuser(c.get("config"), user),
    };
    const data = { user: shown, organization: auth.organization, identity: auth.identity };
    // Only our origin and TRUSTED_ORIGINS can read this answer (CORS), so it is safe to hand out here.
    const csrf = auth.via === "cookie" ? c.get("session")?.csrfToken : null;
    return c.json({ success: true as const, data: csrf ? { ...data, csrf_token: csrf } : data }, 200);
  })
  .openapi(logoutRoute, async (c) => {
    const deferred = c.get("deferredSession");
    if (deferred !== null) {
      const csrfCookie = getCookie(c, c.get("config").cookies.csrfName) ?? null;
      const csrfHeader = c.req.header("x-csrf-token") ?? null;
      await endCookieSession(c.get("ctx"), { token: deferred, csrfHeader, csrfCookie });
    } else
      await endSession(c.get("ctx"), { session: c.get("session"), tokenFamily: c.get("auth")?.tokenFamily ?? null });
    endBrowserSession(c);
    c.header("Clear-Site-Data", '"cookies"');
    return c.body(null, 204);
  })
  .openapi(profileRoute("patch"), async (c) =>
    c.json({ success: true as const, data: await applyProfile(c, c.req.valid("json")) }, 200),
  )
  .openapi(profileRoute("put"), async (c) =>
    c.json({ success: true as const, data: await applyProfile(c, c.req.valid("json")) }, 200),
  )
  .openapi(listSessionsRoute, async (c) => {
    const sessions = await listSessions(c.get("ctx"), signedInUser(c).user.id, c.get("session")?.record.id ?? null);
    return c.json({ success: true as const, data: sessions, meta: { count: sessions.length } }, 200);
  })
  .openapi(deleteSessionRoute, async (c) => {
    const { id } = c.req.valid("param");
    await endSessionById(c.get("ctx"), signedInUser(c).user.id, id);
    if (c.get("session")?.record.id === id) endBrowserSession(c);
    return c.body(null, 204);
  })
  .openapi(logoutAllRoute, async (c) => {
    const revoked = await signOutEverywhere(c.get("ctx"), signedInUser(c).user.id);
    endBrowserSession(c);
    return c.json({ success: true as const, data: { revoked_sessions: revoked } }, 200);
  });
