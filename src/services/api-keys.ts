import type { Config } from "../config";
import type { Deps } from "../deps";
import { AuthError, rateLimited } from "../errors";
import { constantTimeEqual, sha256Hex } from "../crypto/hash";
import { generateId, generateToken } from "../crypto/random";
import type { ApiKeyAuthRecord, ApiKeyRecord } from "../storage/ports";
import { logAuthEvent } from "./audit";
import { scopesForRole, type Identity } from "./identity";

// `sk_live_<id>.<secret>` / `sk_test_…`: the prefix makes leaked keys easy to scan for, the id finds
// the record, and only the 256-bit secret's SHA-256 is stored.
const KEY_SHAPE = /^(sk_live_|sk_test_)(key_[0-9a-z]{26})\.([A-Za-z0-9_-]{43})$/;

/** Bad keys per client IP before 429 (checked in the same round trip as the key). */
export const API_KEY_FAILURES = { limit: 100, windowSeconds: 10 * 60 };

export interface ApiKeyIdentity {
  identity: Identity;
  /** The member who minted the key; keys this key creates are attributed to them too. */
  createdBy: string | null;
  organization: ApiKeyAuthRecord["organization"];
}

/** Scopes a key really has now: what it was given, never more than its creator holds today. */
function effectiveScopes(record: ApiKeyAuthRecord): string[] {
  if (record.creator_role === null) return [];
  const allowed = new Set(scopesForRole(record.creator_role));
  return record.scopes.filter((s) => allowed.has(s));
}

function usable(record: ApiKeyAuthRecord | null, secretHash: string, now: number): record is ApiKeyAuthRecord {
  if (!record || record.revoked || record.creator_role === null) return false;
  if (record.expires_at !== null && now >= record.expires_at) return false;
  if (constantTimeEqual(secretHash, record.secret_hash)) return true;
  // The secret replaced by a rotation keeps working until its grace period ends.
  return record.previous_secret_hash !== null && record.previous_expires_at !== null && now < record.previous_expires_at && constantTimeEqual(secretHash, record.previous_secret_hash);
}

/**
 * Authenticates `Authorization: Bearer sk_…`. Revoked, expired, unknown, malformed and orphaned keys
 * all end in the same null (one 401 for all). Warm: one Redis round trip; cold: plus one SQL statement.
 */
export async function verifyApiKey(deps: Deps, raw: string, ip: string, defer: (label: string, task: () => Promise<unknown>) => void): Promise<ApiKeyIdentity | null> {
  const failureKey = `apikey_fail:ip:${ip}`;
  const fail = (): null => {
    defer("api_key_failure", () => deps.rateLimiter.hit([{ key: failureKey, ...API_KEY_FAILURES }]));
    return null;
  };
  const match = KEY_SHAPE.exec(raw);
  const keyId = match?.[2] ?? "key_malformed";
  const { entry, failures } = await deps.apiKeyCache.lookup(keyId, failureKey);
  if (failures >= API_KEY_FAILURES.limit) throw rateLimited(API_KEY_FAILURES.windowSeconds);
  if (!match) return fail();
  let record = entry;
  if (record === undefined) {
    record = await deps.apiKeys.findForAuth(keyId);
    const cached = record;
    defer("api_key_cache", () => deps.apiKeyCache.put(keyId, cached));
  }
  const now = deps.clock.now();
  if (!usable(record, await sha256Hex(match[3]!), now)) return fail();
  defer("api_key_last_used", async () => {
    if (await deps.apiKeyCache.shouldStampUse(keyId)) await deps.apiKeys.touchLastUsed(keyId, now);
  });
  return {
    organization: record.organization,
    createdBy: record.created_by,
    identity: {
      kind: "api_key",
      user_id: null,
      organization_id: record.organization.id,
      plan_tier: record.organization.plan_tier,
      scopes: effectiveScopes(record),
      credential_id: record.id,
    },
  };
}

export interface CreatedApiKey extends ApiKeyRecord {
  api_key: string;
}

function newSecret(config: Config, keyId: string): { apiKey: string; secret: string } {
  const secret = generateToken(32);
  return { apiKey: `${config.apiKeys.prefix}${keyId}.${secret}`, secret };
}

/**
 * Scopes requested must come from the configured vocabulary (`*` = all of it) and never exceed the
 * creator's own; the organization and creator come from the credential, never from the body.
 */
export async function createApiKey(
  deps: Deps,
  config: Config,
  input: { creator: Identity; createdBy: string | null; name: string; scopes: string[] | null; expiresAt: string | null },
): Promise<CreatedApiKey> {
  const requested = input.scopes === null ? ["read"] : input.scopes.includes("*") ? [...config.apiKeys.scopes] : [...new Set(input.scopes)];
  const unknown = requested.filter((s) => !config.apiKeys.scopes.includes(s));
  if (unknown.length > 0) throw new AuthError("validation_error", { details: [{ field: "scopes", message: `unknown scope(s): ${unknown.join(", ")}; allowed: ${config.apiKeys.scopes.join(", ")}, or *` }] });
  const granted = input.scopes?.includes("*") ? requested.filter((s) => input.creator.scopes.includes(s)) : requested;
  const exceeding = granted.filter((s) => !input.creator.scopes.includes(s));
  if (exceeding.length > 0) throw new AuthError("insufficient_scope", { message: `You cannot grant scopes you do not hold: ${exceeding.join(", ")}.` });
  if (granted.length === 0) throw new AuthError("validation_error", { details: [{ field: "scopes", message: "the key would have no scope" }] });
  if (input.expiresAt !== null && Date.parse(input.expiresAt) <= deps.clock.now()) {
    throw new AuthError("validation_error", { details: [{ field: "expires_at", message: "must be in the future" }] });
  }
  const now = deps.clock.now();
  const id = generateId("key", now);
  const { apiKey, secret } = newSecret(config, id);
  const record = await deps.apiKeys.createKey({
    id,
    organizationId: input.creator.organization_id,
    createdBy: input.createdBy,
    name: input.name,
    prefix: config.apiKeys.prefix,
    secretHash: await sha256Hex(secret),
    scopes: granted,
    expiresAt: input.expiresAt === null ? null : new Date(input.expiresAt).toISOString(),
    now,
  });
  logAuthEvent("api_key.created", { organization_id: record.organization_id, user_id: input.createdBy ?? undefined, session_id: id }, now);
  return { ...record, api_key: apiKey };
}

export async function revokeApiKey(deps: Deps, organizationId: string, keyId: string): Promise<ApiKeyRecord> {
  const now = deps.clock.now();
  const record = await deps.apiKeys.revokeKey(organizationId, keyId, now);
  if (!record) throw new AuthError("not_found");
  await deps.apiKeyCache.forget([keyId]);
  logAuthEvent("api_key.revoked", { organization_id: organizationId, session_id: keyId }, now);
  return record;
}

/** A new secret for the same key id; the old secret keeps working for `graceSeconds` (default 0). */
export async function rotateApiKey(deps: Deps, config: Config, organizationId: string, keyId: string, graceSeconds: number): Promise<CreatedApiKey> {
  const now = deps.clock.now();
  const { apiKey, secret } = newSecret(config, keyId);
  const record = await deps.apiKeys.rotateKey(organizationId, keyId, await sha256Hex(secret), graceSeconds, now);
  if (!record) throw new AuthError("not_found");
  await deps.apiKeyCache.forget([keyId]);
  logAuthEvent("api_key.rotated", { organization_id: organizationId, session_id: keyId, reason: `grace ${graceSeconds}s` }, now);
  return { ...record, api_key: apiKey };
}
