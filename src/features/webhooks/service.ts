import type { Config } from "../../config";
import { open, seal } from "../../crypto/aead";
import { decodeBase64Url } from "../../crypto/encoding";
import { hmacSha256 } from "../../crypto/hash";
import { generateId, randomBytes } from "../../crypto/random";
import { AuthError } from "../../errors";
import type { DeliveryRecord, WebhookEndpointRecord } from "../../ports";
import type { ServiceContext } from "../../services/context";
import { durableClaim, type IdempotencyScope, settleClaim } from "../../services/idempotent";
import { authorize, authorizePlatform, type Principal } from "../../services/policy";

// Webhook endpoints: an organization's (its owners, admins and admin-scoped keys) or the platform's
// (platform administrators). The signing secret is shown once, at creation or rotation; it is kept
// sealed because signing needs it (it cannot be a hash, unlike our own secrets).

/** Whose endpoints: the caller's organization, or the platform's. */
export type Scope = "organization" | "platform";

export interface EndpointInput {
  url: string;
  description: string | null;
  eventTypes: string[];
}

export type CreatedEndpoint = WebhookEndpointRecord & { secret: string };

/** The organization id the caller acts on (null: platform-wide), after the access policy agreed. */
function scopeOf(principal: Principal, scope: Scope): string | null {
  if (scope === "platform") {
    authorizePlatform(principal);
    return null;
  }
  authorize(principal, "webhooks.manage", { organizationId: principal.organizationId });
  return principal.organizationId;
}

async function sealKey(ctx: ServiceContext, endpointId: string): Promise<Uint8Array> {
  return decodeBase64Url(await hmacSha256(ctx.deps.keys.webhooks, `webhook-secret\n${endpointId}`)) as Uint8Array;
}

/** The endpoint's signing secret, for the consumer; null when the box does not open (another id's, say). */
export async function openSecret(ctx: ServiceContext, endpointId: string, sealed: string): Promise<string | null> {
  return open(await sealKey(ctx, endpointId), sealed);
}

/** A Standard Webhooks secret: `whsec_` + base64 of 32 random bytes (256 bits). */
function newSecret(): string {
  return `whsec_${btoa(String.fromCharCode(...randomBytes(32)))}`;
}

const PRIVATE_V4 = [
  /^10\./,
  /^127\./,
  /^0\./,
  /^169\.254\./,
  /^192\.168\./,
  /^172\.(1[6-9]|2\d|3[01])\./,
  /^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./,
];

/**
 * Why a receiver URL is refused, or null. https only; plain http to loopback outside production (local
 * receivers). No credentials in the URL (they would show in listings), no internal addresses.
 */
export function urlProblem(config: Config, raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "must be an absolute URL such as https://example.com/webhooks";
  }
  if (url.username || url.password) return "must not contain credentials: authenticate by the signature";
  if (url.hash) return "must not contain a fragment";
  const host = url.hostname.toLowerCase();
  const loopback = host === "localhost" || host === "[::1]" || /^127\./.test(host);
  if (loopback && config.webhooks.allowLoopback && (url.protocol === "http:" || url.protocol === "https:")) return null;
  if (url.protocol !== "https:") return "must be https://";
  const internal =
    loopback ||
    PRIVATE_V4.some((re) => re.test(host)) ||
    /^\[(f[cd]|fe[89ab])/.test(host) ||
    /(^|\.)(local|internal|localhost)$/.test(host);
  return internal ? "must be a public address" : null;
}

function checkUrl(config: Config, url: string): void {
  const problem = urlProblem(config, url);
  if (problem) throw new AuthError("validation_error", { details: [{ field: "url", message: problem }] });
}

export async function createEndpoint(
  ctx: ServiceContext,
  principal: Principal,
  scope: Scope,
  input: EndpointInput,
  idempotency: IdempotencyScope | null = null,
): Promise<CreatedEndpoint> {
  const { deps, config } = ctx;
  const organizationId = scopeOf(principal, scope);
  checkUrl(config, input.url);
  const now = deps.clock.now();
  const id = generateId("whe", now);
  const secret = newSecret();
  const eventTypes = [...new Set(input.eventTypes)];
  const at = new Date(now).toISOString();
  const record: WebhookEndpointRecord = {
    id,
    organization_id: organizationId,
    url: input.url,
    description: input.description,
    event_types: eventTypes,
    created_by: principal.userId,
    disabled_at: null,
    disabled_reason: null,
    created_at: at,
    updated_at: at,
  };
  const answer: CreatedEndpoint = { ...record, secret };
  const result = await deps.webhooks.createEndpoint({
    id,
    organizationId,
    url: input.url,
    description: input.description,
    eventTypes,
    secretSealed: await seal(await sealKey(ctx, id), secret),
    createdBy: principal.userId,
    now,
    claim: await durableClaim(idempotency, answer, now),
  });
  const created = await settleClaim(idempotency, result, (value) => ({ ...value, secret }));
  // The consumer skips Postgres while it believes no endpoint exists: tell it at once.
  await deps.eventStream.noteSubscribers(true);
  return created;
}

export async function listEndpoints(
  ctx: ServiceContext,
  principal: Principal,
  scope: Scope,
): Promise<WebhookEndpointRecord[]> {
  return ctx.deps.webhooks.listEndpoints(scopeOf(principal, scope));
}

export async function getEndpoint(
  ctx: ServiceContext,
  principal: Principal,
  scope: Scope,
  id: string,
): Promise<WebhookEndpointRecord> {
  const found = await ctx.deps.webhooks.getEndpoint(scopeOf(principal, scope), id);
  if (!found) throw new AuthError("not_found");
  const { secret_sealed: _sealed, ...endpoint } = found;
  return endpoint;
}

export async function updateEndpoint(
  ctx: ServiceContext,
  principal: Principal,
  scope: Scope,
  id: string,
  change: Partial<EndpointInput> & { enabled?: boolean },
): Promise<WebhookEndpointRecord> {
  const organizationId = scopeOf(principal, scope);
  if (change.url !== undefined) checkUrl(ctx.config, change.url);
  const eventTypes = change.eventTypes && [...new Set(change.eventTypes)];
  const updated = await ctx.deps.webhooks.updateEndpoint(
    organizationId,
    id,
    { url: change.url, description: change.description, eventTypes, enabled: change.enabled },
    ctx.deps.clock.now(),
  );
  if (!updated) throw new AuthError("not_found");
  if (change.enabled === true) await ctx.deps.eventStream.noteSubscribers(true);
  return updated;
}

/** A new signing secret, shown once; the old one stops signing at once (receivers accept both while they switch). */
export async function rotateSecret(
  ctx: ServiceContext,
  principal: Principal,
  scope: Scope,
  id: string,
): Promise<CreatedEndpoint> {
  const organizationId = scopeOf(principal, scope);
  const secret = newSecret();
  const secretSealed = await seal(await sealKey(ctx, id), secret);
  const updated = await ctx.deps.webhooks.updateEndpoint(organizationId, id, { secretSealed }, ctx.deps.clock.now());
  if (!updated) throw new AuthError("not_found");
  return { ...updated, secret };
}

export async function deleteEndpoint(
  ctx: ServiceContext,
  principal: Principal,
  scope: Scope,
  id: string,
): Promise<void> {
  if (!(await ctx.deps.webhooks.deleteEndpoint(scopeOf(principal, scope), id))) throw new AuthError("not_found");
}

export async function listDeliveries(
  ctx: ServiceContext,
  principal: Principal,
  scope: Scope,
  id: string,
): Promise<DeliveryRecord[]> {
  const list = await ctx.deps.webhooks.listDeliveries(scopeOf(principal, scope), id, 100);
  if (!list) throw new AuthError("not_found");
  return list;
}

/** Sends a past event to the endpoint again (it must have been addressed to it); due at once. */
export async function replayEvent(
  ctx: ServiceContext,
  principal: Principal,
  scope: Scope,
  id: string,
  eventId: string,
): Promise<void> {
  const organizationId = scopeOf(principal, scope);
  const endpoint = await ctx.deps.webhooks.getEndpoint(organizationId, id);
  if (!endpoint) throw new AuthError("not_found");
  if (endpoint.disabled_at !== null)
    throw new AuthError("conflict", { message: "The endpoint is disabled: enable it first, then replay." });
  const replayed = await ctx.deps.webhooks.replay(organizationId, id, eventId, ctx.deps.clock.now());
  if (!replayed) throw new AuthError("not_found", { message: "This event was never addressed to this endpoint." });
}
