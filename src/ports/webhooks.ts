// Outbound events: endpoints, the Postgres outbox and its deliveries, and the Redis half of the
// outbox (changes that live in Redis, such as sessions, announce themselves on a stream).
import type { Claimed, DurableClaim } from "./basics";

export interface WebhookEndpointRecord {
  id: string;
  /** null: platform-wide (every event). */
  organization_id: string | null;
  url: string;
  description: string | null;
  /** Empty: every event type. */
  event_types: string[];
  created_by: string | null;
  disabled_at: string | null;
  disabled_reason: string | null;
  created_at: string;
  updated_at: string;
}

export interface DeliveryRecord {
  event_id: string;
  event_type: string;
  event_created_at: string;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  next_attempt_at: string | null;
  last_attempt_at: string | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: string | null;
}

/** A delivery claimed for one attempt, with what it takes to send it. */
export interface DueDelivery {
  endpointId: string;
  eventId: string;
  url: string;
  secretSealed: string;
  /** This attempt's number (1 for the first). */
  attempt: number;
  type: string;
  createdAt: string;
  data: Record<string, unknown>;
}

export interface DeliveryOutcome {
  endpointId: string;
  eventId: string;
  ok: boolean;
  /** The receiver's HTTP status, null when no answer came (refused, timed out). */
  status: number | null;
  error: string | null;
  /** The next attempt's time; null: no further attempt (delivered, or the schedule is spent). */
  retryAt: number | null;
  now: number;
}

export interface EndpointChange {
  url?: string;
  description?: string | null;
  eventTypes?: string[];
  enabled?: boolean;
  secretSealed?: string;
}

/** An event announced on the Redis stream, waiting to be moved into the Postgres outbox. */
export interface StreamEvent {
  /** The stream entry, acknowledged (deleted) once the event is in Postgres. */
  entryId: string;
  /** Derived from the stream and the entry: the same entry always gives the same event. */
  id: string;
  type: string;
  organizationId: string | null;
  userId: string | null;
  data: Record<string, unknown>;
  /** When the change happened (the entry's time, ms). */
  at: number;
}

export interface WebhookRepository {
  createEndpoint(input: {
    id: string;
    organizationId: string | null;
    url: string;
    description: string | null;
    eventTypes: string[];
    secretSealed: string;
    createdBy: string | null;
    now: number;
    claim: DurableClaim | null;
  }): Promise<Claimed<WebhookEndpointRecord>>;
  listEndpoints(organizationId: string | null): Promise<WebhookEndpointRecord[]>;
  /** The endpoint when it belongs to that scope (an organization, or null for platform-wide). */
  getEndpoint(
    organizationId: string | null,
    id: string,
  ): Promise<(WebhookEndpointRecord & { secret_sealed: string }) | null>;
  updateEndpoint(
    organizationId: string | null,
    id: string,
    change: EndpointChange,
    now: number,
  ): Promise<WebhookEndpointRecord | null>;
  deleteEndpoint(organizationId: string | null, id: string): Promise<boolean>;
  listDeliveries(organizationId: string | null, endpointId: string, limit: number): Promise<DeliveryRecord[] | null>;
  /** Sends an event again to an endpoint it was addressed to; false when it never was (or not yours). */
  replay(organizationId: string | null, endpointId: string, eventId: string, now: number): Promise<boolean>;
  /** Claims up to `limit` due deliveries for one attempt (oldest first, one at a time per subject). */
  claimDue(now: number, leaseMs: number, limit: number): Promise<DueDelivery[]>;
  /**
   * Records an attempt. When the schedule is spent without a success since the endpoint began to
   * fail, the endpoint is disabled: the answer lists whom to tell (empty when nothing was disabled).
   */
  settle(outcome: DeliveryOutcome): Promise<{ disabled: boolean; notify: string[]; url: string }>;
  /** Writes events from the Redis stream (each once, whatever the retries) with their deliveries. */
  importEvents(events: StreamEvent[]): Promise<void>;
  /** Whether any endpoint is enabled (the consumer leaves Postgres alone when none is). */
  anyEnabled(): Promise<boolean>;
  /** Deletes events (and their deliveries) older than `before`; returns how many. */
  prune(before: number, limit: number): Promise<number>;
}

export interface EventStream {
  /** The oldest entries, up to `limit`. */
  take(limit: number): Promise<StreamEvent[]>;
  /** Removes entries once their events are in Postgres. */
  ack(entryIds: string[]): Promise<void>;
  /** Drops entries older than `before` (ms): used only while no endpoint exists to receive them. */
  trimBefore(before: number): Promise<void>;
  /** Whether any enabled endpoint exists, as last noted (null: not known, ask Postgres). */
  subscribers(): Promise<boolean | null>;
  noteSubscribers(any: boolean): Promise<void>;
}
