import type { Config } from "../config";
import { constantTimeEqual, sha256Hex } from "../crypto/hash";
import { generateId, generateToken } from "../crypto/random";
import { AuthError, rateLimited } from "../errors";
import type { ApiKeyAuthRecord, ApiKeyRecord, SessionUser } from "../ports";
import { keyShape } from "./api-key-shape";
import { logAuthEvent } from "./audit";
import type { ServiceContext } from "./context";
import { durableClaim, type IdempotencyScope, settleClaim } from "./idempotent";
import type { Identity } from "./identity";
import { API_KEY_FAILURES } from "./limits";
import { authorize, isSuperuser, PLATFORM_SCOPE, type Principal, scopesForRole } from "./policy";
import { confirmRecentAuth } from "./reauth";

export interface ApiKeyIdentity {
  identity: Identity;
  /** The member who minted the key; keys this key creates are attributed to them too. */
  createdBy: string | null;
  creator: SessionUser | null;
  organization: ApiKeyAuthRecord["organization"];
}

/**
 * Scopes a key really has now: what it was given, never more than its creator holds today (their
 * role's scopes, and `platform` only while they are still a platform administrator).
 */
function effectiveScopes(config: Config, record: ApiKeyAuthRecord): string[] {
  if (record.creator_role === null) return [];
  const allowed = new Set(scopesForRole(record.creator_role, config.apiKeys.scopes));
  if (isSuperuser(config, record.creator)) allowed.add(PLATFORM_SCOPE);
  return record.scopes.filter((s) => allowed.has(s));
}

/**
 * The key's record: from the one-minute cache, except a platform key's, read from Postgres on every
 * use (and never cached): its standing is its creator's platform right, which an operator takes away
 * with one statement, and must end at once, not a minute later.
 */
async function keyRecord(
  ctx: ServiceContext,
  keyId: string,
  cached: ApiKeyAuthRecord | null | undefined,
): Promise<ApiKeyAuthRecord | null> {
  if (cached !== undefined && !cached?.scopes.includes(PLATFORM_SCOPE)) return cached;
  const record = await ctx.deps.apiKeys.findForAuth(keyId);
  if (!record?.scopes.includes(PLATFORM_SCOPE))
    ctx.defer("api_key_cache", () => ctx.deps.apiKeyCache.put(keyId, record));
  return record;
}

function usable(record: ApiKeyAuthRecord | null, secretHash: string, now: number): record is ApiKeyAuthRecord {
  if (!record || record.revoked || record.creator_role === null) return false;
  if (record.expires_at !== null && now >= record.expires_at) return false;
  if (constantTimeEqual(secretHash, record.secret_hash)) return true;
  // The secret replaced by a rotation keeps working until its grace period ends.
  return (
    record.previous_secret_hash !== null &&
    record.previous_expires_at !== null &&
    now < record.previous_expires_at &&
    constantTimeEqual(secretHash, record.previous_secret_hash)
  );
}

/**
 * Authenticates `Authorization: Bearer sk_…`. Revoked, expired, unknown, malformed and orphaned keys
 * all end in the same null (one 401 for all). Warm: one Redis round trip; cold: plus one SQL statement.
 */
export async function verifyApiKey(ctx: ServiceContext, raw: string): Promise<ApiKeyIdentity | null> {
  const { deps, config } = ctx;
  const failureKey = `apikey_fail:ip:${ctx.ip}`;
  const fail = (): null => {
    ctx.defer("api_key_failure", () => deps.rateLimiter.hit([{ key: failureKey, ...API_KEY_FAILURES }]));
    return null;
  };
  const match = keyShape(config).exec(raw);
  const keyId = match?.[2] ?? "key_malformed";
  const { entry, failures } = await deps.apiKeyCache.lookup(keyId, failureKey);
  if (failures >= API_KEY_FAILURES.limit) throw rateLimited(API_KEY_FAILURES.windowSeconds);
  if (!match) return fail();
  const record = await keyRecord(ctx, keyId, entry);
  const now = deps.clock.now();
  if (!usable(record, await sha256Hex(match[3] ?? ""), now)) return fail();
  ctx.defer("api_key_last_used", async () => {
    if (await deps.apiKeyCache.shouldStampUse(keyId)) await deps.apiKeys.touchLastUsed(keyId, now);
  });
  return {
    organization: record.organization,
    createdBy: record.created_by,
    creator: record.creator ?? null,
    identity: {
      kind: "api_key",
      user_id: null,
      organization_id: record.organization.id,
      plan_tier: record.organization.plan_tier,
      scopes: effectiveScopes(config, record),
      credential_id: record.id,
    },
  };
}

/**
 * What a key may still do, whoever holds its secret: its current scopes, or null once it is revoked,
 * expired or orphaned. Devices paired through a key ask this on every use, so they die with the key.
 */
export async function apiKeyScopes(ctx: ServiceContext, keyId: string): Promise<string[] | null> {
  const { deps, config } = ctx;
  const { entry } = await deps.apiKeyCache.lookup(keyId, "apikey_fail:none");
  const record = await keyRecord(ctx, keyId, entry);
  if (!record || record.revoked || record.creator_role === null) return null;
  if (record.expires_at !== null && deps.clock.now() >= record.expires_at) return null;
  return effectiveScopes(config, record);
}

export interface CreatedApiKey extends ApiKeyRecord {
  api_key: string;
}

function newSecret(config: Config, keyId: string): { apiKey: string; secret: string } {
  const secret = generateToken(32);
  return { apiKey: `${config.apiKeys.prefix}${keyId}.${secret}`, secret };
}

export interface CreateApiKeyInput {
  principal: Principal;
  /** The signed-in user's address, for the current_password alternative to a recent sign-in. */
  email: string | null;
  name: string;
  scopes: string[] | null;
  expiresAt: string | null;
  currentPassword: string | null;
  mfaCode?: string | null;
  idempotency?: IdempotencyScope | null;
}

/**
 * Scopes requested must come from the configured vocabulary (`*` = all of it the creator holds) and
 * never exceed the creator's own; `platform` only for a platform administrator. Keys that can
 * administer (admin, platform) need a recent sign-in. The organization and creator come from the
 * credential, never from the body.
 */
export async function createApiKey(ctx: ServiceContext, input: CreateApiKeyInput): Promise<CreatedApiKey> {
  const { deps, config } = ctx;
  const { principal } = input;
  authorize(principal, "api_keys.manage", { organizationId: principal.organizationId });
  const vocabulary = config.apiKeys.scopes;
  const held = new Set(principal.scopes);
  const requested =
    input.scopes === null
      ? ["read"]
      : input.scopes.includes("*")
        ? vocabulary.filter((s) => held.has(s))
        : [...new Set(input.scopes)];
  const unknown = requested.filter((s) => !vocabulary.includes(s) && s !== PLATFORM_SCOPE);
  if (unknown.length > 0)
    throw new AuthError("validation_error", {
      details: [
        {
          field: "scopes",
          message: `unknown scope(s): ${unknown.join(", ")}; allowed: ${vocabulary.join(", ")}, or *`,
        },
      ],
    });
  if (requested.includes(PLATFORM_SCOPE) && !(principal.superuser && principal.kind !== "api_key")) {
    throw new AuthError("insufficient_scope", {
      message: "Only a platform administrator, signed in, can create platform keys.",
    });
  }
  const exceeding = requested.filter((s) => s !== PLATFORM_SCOPE && !held.has(s));
  if (exceeding.length > 0)
    throw new AuthError("insufficient_scope", {
      message: `You cannot grant scopes you do not hold: ${exceeding.join(", ")}.`,
    });
  const granted = requested;
  if (granted.length === 0)
    throw new AuthError("validation_error", { details: [{ field: "scopes", message: "the key would have no scope" }] });
  if (granted.includes("admin") || granted.includes(PLATFORM_SCOPE)) {
    await confirmRecentAuth(ctx, principal, {
      email: input.email,
      currentPassword: input.currentPassword,
      mfaCode: input.mfaCode ?? null,
      what: "Creating an admin or platform key",
    });
  }
  if (input.expiresAt !== null && Date.parse(input.expiresAt) <= deps.clock.now()) {
    throw new AuthError("validation_error", { details: [{ field: "expires_at", message: "must be in the future" }] });
  }
  const now = deps.clock.now();
  const id = generateId("key", now);
  const { apiKey, secret } = newSecret(config, id);
  const expiresAt = input.expiresAt === null ? null : new Date(input.expiresAt).toISOString();
  const createdAt = new Date(now).toISOString();
  // The exact answer, known before the statement: sealed and stored with the key under an Idempotency-Key.
  const answer: CreatedApiKey = {
    id,
    organization_id: principal.organizationId,
    created_by: principal.userId,
    name: input.name,
    prefix: config.apiKeys.prefix,
    scopes: granted,
    expires_at: expiresAt,
    revoked_at: null,
    last_used_at: null,
    created_at: createdAt,
    api_key: apiKey,
  };
  const result = await deps.apiKeys.createKey({
    id,
    organizationId: principal.organizationId,
    createdBy: principal.userId,
    name: input.name,
    prefix: config.apiKeys.prefix,
    secretHash: await sha256Hex(secret),
    scopes: granted,
    expiresAt,
    now,
    claim: await durableClaim(input.idempotency ?? null, answer, now),
  });
  return settleClaim(input.idempotency ?? null, result, (record) => {
    logAuthEvent(
      "api_key.created",
      {
        organization_id: record.organization_id,
        user_id: principal.userId ?? undefined,
        session_id: id,
        reason: granted.join(" "),
      },
      now,
    );
    return { ...record, api_key: apiKey };
  });
}

export async function listApiKeys(ctx: ServiceContext, principal: Principal): Promise<ApiKeyRecord[]> {
  const { deps } = ctx;
  authorize(principal, "api_keys.manage", { organizationId: principal.organizationId });
  return deps.apiKeys.listKeys(principal.organizationId);
}

export async function revokeApiKey(ctx: ServiceContext, principal: Principal, keyId: string): Promise<ApiKeyRecord> {
  const { deps } = ctx;
  authorize(principal, "api_keys.manage", { organizationId: principal.organizationId });
  const organizationId = principal.organizationId;
  const now = deps.clock.now();
  const record = await deps.apiKeys.revokeKey(organizationId, keyId, now);
  if (!record) throw new AuthError("not_found");
  await deps.apiKeyCache.forget([keyId]);
  logAuthEvent(
    "api_key.revoked",
    { organization_id: organizationId, user_id: principal.userId ?? undefined, session_id: keyId },
    now,
  );
  return record;
}

/**
 * A new secret for the same key id; the old secret keeps working for `graceSeconds` (default 0).
 * Rotating hands out a working secret, so it is held to the rules of creating that key: a key that
 * can administer needs a recent sign-in, and a platform key only its kind of person.
 */
export async function rotateApiKey(
  ctx: ServiceContext,
  input: {
    principal: Principal;
    email: string | null;
    keyId: string;
    graceSeconds: number;
    currentPassword: string | null;
    mfaCode?: string | null;
  },
): Promise<CreatedApiKey> {
  const { deps, config } = ctx;
  const { principal, keyId, graceSeconds } = input;
  authorize(principal, "api_keys.manage", { organizationId: principal.organizationId });
  const organizationId = principal.organizationId;
  const existing = (await deps.apiKeys.listKeys(organizationId)).find((k) => k.id === keyId && k.revoked_at === null);
  if (!existing) throw new AuthError("not_found");
  if (existing.scopes.includes(PLATFORM_SCOPE) && !(principal.superuser && principal.kind !== "api_key")) {
    throw new AuthError("insufficient_scope", {
      message: "Only a platform administrator, signed in, can rotate a platform key.",
    });
  }
  if (existing.scopes.includes("admin") || existing.scopes.includes(PLATFORM_SCOPE)) {
    await confirmRecentAuth(ctx, principal, {
      email: input.email,
      currentPassword: input.currentPassword,
      mfaCode: input.mfaCode ?? null,
      what: "Rotating an admin or platform key",
    });
  }
  const now = deps.clock.now();
  const { apiKey, secret } = newSecret(config, keyId);
  const record = await deps.apiKeys.rotateKey(organizationId, keyId, await sha256Hex(secret), graceSeconds, now);
  if (!record) throw new AuthError("not_found");
  await deps.apiKeyCache.forget([keyId]);
  logAuthEvent(
    "api_key.rotated",
    {
      organization_id: organizationId,
      user_id: principal.userId ?? undefined,
      session_id: keyId,
      reason: `grace ${graceSeconds}s`,
    },
    now,
  );
  return { ...record, api_key: apiKey };
}
