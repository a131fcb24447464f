import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../context";
import { listEnvelope } from "../http";
import { devSignInPage } from "../pages/oauth";
import { createRoute } from "./declare";
import { validationHook } from "./validation";

const OutboxMessage = z
  .object({
    channel: z.enum(["email", "sms"]),
    to: z.string(),
    subject: z.string().nullable(),
    text: z.string(),
    links: z.array(z.string()),
    codes: z.array(z.string()),
    created_at: z.string(),
  })
  .openapi("OutboxMessage");

const outboxRoute = createRoute({
  method: "get",
  path: "/v1/dev/outbox",
  tags: ["Dev"],
  summary: "Captured emails and SMS, newest first (only with AUTH_DEBUG=1; absent in production)",
  request: { query: z.object({ to: z.string().max(320).optional() }) },
  responses: {
    200: {
      description: "Messages",
      content: { "application/json": { schema: listEnvelope(OutboxMessage) } },
    },
  },
});

const signInRoute = createRoute({
  method: "get",
  path: "/v1/dev/sign-in",
  tags: ["Dev"],
  summary: "A page with a sign-in button per configured provider (only with AUTH_DEBUG=1)",
  responses: { 200: { description: "HTML page", content: { "text/html": { schema: z.string() } } } },
});

/** Mounted only when AUTH_DEBUG=1, which config refuses in production. */
export const devRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(outboxRoute, async (c) => {
    const to = c.req.valid("query").to?.trim().toLowerCase();
    const messages = (await c.get("deps").outbox.list()).filter((m) => to === undefined || m.to === to);
    return c.json({ success: true as const, data: messages, meta: { count: messages.length } }, 200);
  })
  .openapi(signInRoute, (c) => devSignInPage(c, c.get("config").oauth.providers) as never);
