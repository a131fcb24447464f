import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../context";
import { AuthError } from "../errors";
import { clearSessionCookies, envelope, errorResponses } from "../http";
import { logAuthEvent } from "../services/audit";
import { sessionCsrf } from "../middleware/require";
import { CsrfHeader, Identity, Organization, User } from "./schemas";
import { validationHook } from "./validation";

const meRoute = createRoute({
  method: "get",
  path: "/v1/auth/me",
  tags: ["Session"],
  summary: "The signed-in identity",
  description: "With a session cookie: one Redis round trip, no SQL (the session carries a snapshot of the user and organization).",
  responses: {
    200: {
      description: "The identity behind the credential",
      content: {
        "application/json": { schema: envelope(z.object({ user: User.nullable(), organization: Organization, identity: Identity })) },
      },
    },
    ...errorResponses(401, 503),
  },
});

const logoutRoute = createRoute({
  method: "post",
  path: "/v1/auth/logout",
  middleware: [sessionCsrf] as const,
  tags: ["Session"],
  summary: "End the session (idempotent)",
  description: "204 with or without a session; the Redis record is deleted and both cookies are cleared.",
  request: { headers: CsrfHeader },
  responses: { 204: { description: "Signed out" }, ...errorResponses(403, 503) },
});

export const sessionRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(meRoute, (c) => {
    const auth = c.var.auth;
    if (!auth) throw new AuthError("unauthorized");
    return c.json({ success: true as const, data: { user: auth.snapshot.user, organization: auth.organization, identity: auth.identity } }, 200);
  })
  .openapi(logoutRoute, async (c) => {
    const session = c.var.session;
    if (session) {
      await c.var.deps.sessions.revoke(session.tokenHash);
      logAuthEvent("session.ended", { user_id: session.record.user_id, session_id: session.record.id, ip: c.var.clientIp, reason: "logout" }, c.var.deps.clock.now());
    }
    c.set("session", null);
    clearSessionCookies(c);
    c.header("Clear-Site-Data", '"cookies"');
    return c.body(null, 204);
  });
