import { generateId } from "../crypto/random";
import { AuthError } from "../errors";
import type { PublishableKeyRecord } from "../ports";
import type { ServiceContext } from "./context";
import { durableClaim, type IdempotencyScope, settleClaim } from "./idempotent";
import { authorize, type Principal } from "./policy";

// Publishable keys name a store (an organization) to the storefront routes. They are public
// identifiers, not secrets; `allowed_origins` decides which pages may use them (CORS).

export async function createPublishableKey(
  ctx: ServiceContext,
  principal: Principal,
  input: { name: string; allowedOrigins: string[]; smsCountries: string[]; requireTurnstile: boolean },
  idempotency: IdempotencyScope | null = null,
): Promise<PublishableKeyRecord> {
  const { deps, config } = ctx;
  authorize(principal, "publishable_keys.manage", { organizationId: principal.organizationId });
  if (input.requireTurnstile && !config.abuse.turnstile.secretKey)
    throw new AuthError("validation_error", {
      details: [{ field: "require_turnstile", message: "needs TURNSTILE_SECRET_KEY on this deployment" }],
    });
  const now = deps.clock.now();
  const id = `${config.storefront.publishablePrefix}${generateId("x", now).slice(2)}`;
  const allowedOrigins = [...new Set(input.allowedOrigins)];
  const smsCountries = [...new Set(input.smsCountries)];
  const answer: PublishableKeyRecord = {
    id,
    organization_id: principal.organizationId,
    name: input.name,
    allowed_origins: allowedOrigins,
    sms_countries: smsCountries,
    require_turnstile: input.requireTurnstile,
    created_by: principal.userId,
    revoked_at: null,
    created_at: new Date(now).toISOString(),
  };
  const result = await deps.storefront.createKey({
    id,
    organizationId: principal.organizationId,
    name: input.name,
    allowedOrigins,
    smsCountries,
    requireTurnstile: input.requireTurnstile,
    createdBy: principal.userId,
    now,
    claim: await durableClaim(idempotency, answer, now),
  });
  const key = await settleClaim(idempotency, result, (record) => record);
  // Origins are cached for CORS preflights (which carry no key): a new one is allowed at once.
  await Promise.all(allowedOrigins.map((o) => deps.storefrontStore.putOrigin(o, true)));
  return key;
}

export async function listPublishableKeys(ctx: ServiceContext, principal: Principal): Promise<PublishableKeyRecord[]> {
  const { deps } = ctx;
  authorize(principal, "publishable_keys.manage", { organizationId: principal.organizationId });
  return deps.storefront.listKeys(principal.organizationId);
}

/** Revokes a key: storefront calls with it fail at once (its cached record is dropped). */
export async function revokePublishableKey(
  ctx: ServiceContext,
  principal: Principal,
  keyId: string,
): Promise<PublishableKeyRecord> {
  const { deps } = ctx;
  authorize(principal, "publishable_keys.manage", { organizationId: principal.organizationId });
  const key = await deps.storefront.revokeKey(principal.organizationId, keyId, deps.clock.now());
  if (!key) throw new AuthError("not_found");
  await deps.storefrontStore.forgetKey(key.id);
  return key;
}
