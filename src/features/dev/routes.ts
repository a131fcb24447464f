import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { listEnvelope } from "../../http";
import { devInboxPage } from "../../pages/dev-inbox";
import { devSignInPage } from "../../pages/oauth";
import { createRoute } from "../../routes/declare";
import { validationHook } from "../../routes/validation";
import { requestMagicLink } from "../../services/magic-link";

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

const inboxRoute = createRoute({
  method: "get",
  path: "/v1/dev/inbox",
  tags: ["Dev"],
  summary: "The dev outbox as a page: every email and text with live links (only with AUTH_DEBUG=1)",
  request: { query: z.object({ sent: z.string().max(320).optional() }) },
  responses: { 200: { description: "HTML page", content: { "text/html": { schema: z.string() } } } },
});

const InboxForm = z.object({ email: z.string().max(320) }).openapi("DevInboxRequest");

const sendRoute = createRoute({
  method: "post",
  path: "/v1/dev/inbox",
  tags: ["Dev"],
  summary: "The inbox page's form: send a sign-in link, then back to the page (only with AUTH_DEBUG=1)",
  request: { body: { content: { "application/x-www-form-urlencoded": { schema: InboxForm } } } },
  responses: { 303: { description: "Back to the inbox, which shows the new message" } },
});

/** Mounted only when AUTH_DEBUG=1, which config refuses in production. */
export const devRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(outboxRoute, async (c) => {
    const to = c.req.valid("query").to?.trim().toLowerCase();
    const messages = (await c.get("deps").outbox.list()).filter((m) => to === undefined || m.to === to);
    return c.json({ success: true as const, data: messages, meta: { count: messages.length } }, 200);
  })
  .openapi(signInRoute, (c) => devSignInPage(c, c.get("config").oauth.providers) as never)
  .openapi(inboxRoute, async (c) => {
    const sent = c.req.valid("query").sent ?? null;
    return devInboxPage(c, await c.get("deps").outbox.list(), sent) as never;
  })
  .openapi(sendRoute, async (c) => {
    const { email } = c.req.valid("form");
    // The same verb (and rules, limits and email) as POST /v1/auth/magic-link/request, which sends the
    // email before it answers: the page the redirect lands on already lists it.
    await requestMagicLink(c.get("ctx"), {
      email,
      name: null,
      organizationName: null,
      redirectTo: null,
      ip: c.get("clientIp"),
    });
    return c.redirect(`/v1/dev/inbox?sent=${encodeURIComponent(email.trim().toLowerCase())}`, 303) as never;
  });
