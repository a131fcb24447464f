import type { AuthApi } from "./api.js";
import { unwrap } from "./errors.js";
import type { components } from "./schema.js";

type Schemas = components["schemas"];

/** Every event type the worker sends (GET /v1/webhooks/event-types describes each). */
export type WebhookEventType = NonNullable<Schemas["CreateWebhookEndpoint"]["event_types"]>[number];

/**
 * An event's JSON body, as a receiver gets it. Verify the raw body with a Standard Webhooks library
 * (`standardwebhooks`) before trusting it, and deduplicate on the `webhook-id` header.
 */
export interface WebhookEvent<T extends WebhookEventType = WebhookEventType> {
  type: T;
  /** When the change happened (ISO 8601). */
  timestamp: string;
  data: Record<string, unknown>;
}

/** Registers an endpoint; the answer holds its signing secret (`whsec_…`), shown only this once. */
export async function createWebhookEndpoint(
  api: AuthApi,
  body: { url: string; event_types?: WebhookEventType[]; description?: string | null },
  options: { platform?: boolean } = {},
) {
  // The organization's endpoints, or (platform: true) the platform's, for platform administrators.
  const created = options.platform
    ? await api.POST("/v1/admin/webhook-endpoints", { body })
    : await api.POST("/v1/webhook-endpoints", { body });
  return unwrap(created);
}

/** Sends a past event to the endpoint again (same webhook-id), e.g. after enabling it again. */
export async function replayWebhookEvent(
  api: AuthApi,
  endpointId: string,
  eventId: string,
  options: { platform?: boolean } = {},
) {
  const request = { params: { path: { id: endpointId } }, body: { event_id: eventId } };
  const replayed = options.platform
    ? await api.POST("/v1/admin/webhook-endpoints/{id}/replay", request)
    : await api.POST("/v1/webhook-endpoints/{id}/replay", request);
  return unwrap(replayed);
}
