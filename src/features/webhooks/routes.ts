import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../context";
import { envelope, listEnvelope } from "../../http";
import { principal, requirePlatform, requireWebhookManager } from "../../middleware/require";
import { createRoute } from "../../routes/declare";
import { CsrfHeader, jsonBody } from "../../routes/schemas";
import { validationHook } from "../../routes/validation";
import { EVENT_TYPE_NAMES, EVENT_TYPES } from "./event-types";
import {
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  listDeliveries,
  listEndpoints,
  replayEvent,
  rotateSecret,
  type Scope,
  updateEndpoint,
} from "./service";

const TAG = "Webhooks";
const EventType = z.enum(EVENT_TYPE_NAMES as [string, ...string[]]);
const EndpointId = z
  .string()
  .regex(/^whe_[0-9a-hjkmnp-tv-z]{26}$/, "must be a webhook endpoint id")
  .openapi({ example: "whe_01jd5n2k4m0000000000000000" });
const EventId = z
  .string()
  .regex(/^evt_[0-9a-f]{32}$/, "must be an event id (the webhook-id header)")
  .openapi({ example: "evt_5f0c4a2e9b7d41c3a8e6f1d2b4c7e9a0" });

const Endpoint = z
  .object({
    id: z.string().openapi({ example: "whe_01jd5n2k4m0000000000000000" }),
    organization_id: z.string().nullable().openapi({ description: "null: a platform-wide endpoint" }),
    url: z.string(),
    description: z.string().nullable(),
    event_types: z.array(z.string()).openapi({ description: "Empty: every event type." }),
    created_by: z.string().nullable(),
    disabled_at: z.string().nullable(),
    disabled_reason: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("WebhookEndpoint");

const EndpointWithSecret = Endpoint.extend({
  secret: z.string().openapi({
    description: "The signing secret (Standard Webhooks, `whsec_…`): shown only in this answer.",
    example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  }),
}).openapi("WebhookEndpointWithSecret");

const Delivery = z
  .object({
    event_id: z.string(),
    event_type: z.string(),
    event_created_at: z.string(),
    status: z.enum(["pending", "delivered", "failed"]),
    attempts: z.number().int(),
    next_attempt_at: z.string().nullable(),
    last_attempt_at: z.string().nullable(),
    last_status: z.number().int().nullable(),
    last_error: z.string().nullable(),
    delivered_at: z.string().nullable(),
  })
  .openapi("WebhookDelivery");

const Url = z.string().trim().min(1).max(2048);
const Description = z.string().trim().max(200).nullable().optional();
const Types = z.array(EventType).max(EVENT_TYPE_NAMES.length);

const CreateBody = z
  .object({ url: Url, description: Description, event_types: Types.optional() })
  .openapi("CreateWebhookEndpoint");
const UpdateBody = z
  .object({
    url: Url.optional(),
    description: Description,
    event_types: Types.optional(),
    enabled: z.boolean().optional(),
  })
  .openapi("UpdateWebhookEndpoint");

const WHO: Record<Scope, string> = {
  organization:
    "The caller's organization's endpoints: its owners and admins (session with CSRF) or admin-scoped API keys; access tokens get 403. They receive the organization's events and those about its members.",
  platform:
    "Platform-wide endpoints (every event): platform administrators only (a superuser's session or access token, or a platform-scoped key).",
};

/** The same eight routes for an organization's endpoints and for the platform's. */
function endpointRoutes(base: string, scope: Scope, guard: MiddlewareHandler<AppEnv>) {
  const who = WHO[scope];
  const idParam = z.object({ id: EndpointId });
  const middleware: [MiddlewareHandler<AppEnv>] = [guard];
  const one = (description: string) => ({
    description,
    content: { "application/json": { schema: envelope(Endpoint) } },
  });
  const withSecret = (description: string) => ({
    description,
    content: { "application/json": { schema: envelope(EndpointWithSecret) } },
  });
  const routes = {
    create: createRoute({
      method: "post",
      path: base,
      tags: [TAG],
      summary: `Register a webhook endpoint (${scope})`,
      description: `${who} Events are POSTed as JSON, signed as Standard Webhooks specifies; the secret is shown once. https only (plain http to 127.0.0.1/localhost outside production).`,
      middleware,
      request: { headers: CsrfHeader, body: jsonBody(CreateBody) },
      responses: { 201: withSecret("Created") },
    }),
    list: createRoute({
      method: "get",
      path: base,
      tags: [TAG],
      summary: `The webhook endpoints (${scope})`,
      description: who,
      middleware,
      responses: {
        200: { description: "Endpoints", content: { "application/json": { schema: listEnvelope(Endpoint) } } },
      },
    }),
    get: createRoute({
      method: "get",
      path: `${base}/{id}`,
      tags: [TAG],
      summary: `One webhook endpoint (${scope})`,
      middleware,
      request: { params: idParam },
      responses: { 200: one("The endpoint") },
    }),
    update: createRoute({
      method: "patch",
      path: `${base}/{id}`,
      tags: [TAG],
      summary: `Change a webhook endpoint, or enable/disable it (${scope})`,
      description:
        "enabled: true brings back an endpoint disabled after a day of failures (deliveries it still had pending resume; replay the ones that failed).",
      middleware,
      request: { params: idParam, headers: CsrfHeader, body: jsonBody(UpdateBody) },
      responses: { 200: one("The endpoint") },
    }),
    remove: createRoute({
      method: "delete",
      path: `${base}/{id}`,
      tags: [TAG],
      summary: `Delete a webhook endpoint and its deliveries (${scope})`,
      middleware,
      request: { params: idParam, headers: CsrfHeader },
      responses: { 204: { description: "Deleted" } },
    }),
    rotate: createRoute({
      method: "post",
      path: `${base}/{id}/rotate-secret`,
      tags: [TAG],
      summary: `A new signing secret, shown once (${scope})`,
      description: "The old secret stops signing at once.",
      middleware,
      request: { params: idParam, headers: CsrfHeader },
      responses: { 200: withSecret("The endpoint and its new secret") },
    }),
    deliveries: createRoute({
      method: "get",
      path: `${base}/{id}/deliveries`,
      tags: [TAG],
      summary: `The endpoint's latest 100 deliveries, newest first (${scope})`,
      middleware,
      request: { params: idParam },
      responses: {
        200: { description: "Deliveries", content: { "application/json": { schema: listEnvelope(Delivery) } } },
      },
    }),
    replay: createRoute({
      method: "post",
      path: `${base}/{id}/replay`,
      tags: [TAG],
      summary: `Send a past event again (${scope})`,
      description:
        "Any event that was addressed to this endpoint (delivered or not), within the retention (WEBHOOK_EVENT_RETENTION_DAYS): due at once, same webhook-id, a new timestamp and signature. 409 while the endpoint is disabled.",
      middleware,
      request: {
        params: idParam,
        headers: CsrfHeader,
        body: jsonBody(z.object({ event_id: EventId }).openapi("ReplayWebhookEvent")),
      },
      errors: ["conflict"],
      responses: {
        202: {
          description: "Queued",
          content: {
            "application/json": { schema: envelope(z.object({ event_id: z.string(), status: z.literal("pending") })) },
          },
        },
      },
    }),
  };
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.create, async (c) => {
      const body = c.req.valid("json");
      const input = { url: body.url, description: body.description ?? null, eventTypes: body.event_types ?? [] };
      const created = await createEndpoint(c.get("ctx"), principal(c), scope, input, c.get("idempotency"));
      return c.json({ success: true as const, data: created }, 201);
    })
    .openapi(routes.list, async (c) => {
      const list = await listEndpoints(c.get("ctx"), principal(c), scope);
      return c.json({ success: true as const, data: list, meta: { count: list.length } }, 200);
    })
    .openapi(routes.get, async (c) => {
      const endpoint = await getEndpoint(c.get("ctx"), principal(c), scope, c.req.valid("param").id);
      return c.json({ success: true as const, data: endpoint }, 200);
    })
    .openapi(routes.update, async (c) => {
      const body = c.req.valid("json");
      const change = {
        url: body.url,
        description: body.description,
        eventTypes: body.event_types,
        enabled: body.enabled,
      };
      const endpoint = await updateEndpoint(c.get("ctx"), principal(c), scope, c.req.valid("param").id, change);
      return c.json({ success: true as const, data: endpoint }, 200);
    })
    .openapi(routes.remove, async (c) => {
      await deleteEndpoint(c.get("ctx"), principal(c), scope, c.req.valid("param").id);
      return c.body(null, 204);
    })
    .openapi(routes.rotate, async (c) => {
      const endpoint = await rotateSecret(c.get("ctx"), principal(c), scope, c.req.valid("param").id);
      return c.json({ success: true as const, data: endpoint }, 200);
    })
    .openapi(routes.deliveries, async (c) => {
      const list = await listDeliveries(c.get("ctx"), principal(c), scope, c.req.valid("param").id);
      return c.json({ success: true as const, data: list, meta: { count: list.length } }, 200);
    })
    .openapi(routes.replay, async (c) => {
      const eventId = c.req.valid("json").event_id;
      await replayEvent(c.get("ctx"), principal(c), scope, c.req.valid("param").id, eventId);
      return c.json({ success: true as const, data: { event_id: eventId, status: "pending" as const } }, 202);
    });
}

const eventTypesRoute = createRoute({
  method: "get",
  path: "/v1/webhooks/event-types",
  tags: [TAG],
  summary: "Every event type, with what it means",
  description:
    "Each event is POSTed as `{type, timestamp, data}` with the headers webhook-id (the event id: deduplicate on it), webhook-timestamp and webhook-signature.",
  middleware: [requireWebhookManager] as const,
  responses: {
    200: {
      description: "Event types",
      content: {
        "application/json": {
          schema: listEnvelope(z.object({ type: z.string(), description: z.string() }).openapi("WebhookEventType")),
        },
      },
    },
  },
});

export const webhookRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(eventTypesRoute, (c) => {
    const list = Object.entries(EVENT_TYPES).map(([type, description]) => ({ type, description }));
    return c.json({ success: true as const, data: list, meta: { count: list.length } }, 200);
  })
  .route("/", endpointRoutes("/v1/webhook-endpoints", "organization", requireWebhookManager))
  .route("/", endpointRoutes("/v1/admin/webhook-endpoints", "platform", requirePlatform));
