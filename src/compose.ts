import { createStripeApi } from "./billing/stripe-api";
import type { Config } from "./config";
import { loadSigningKeys } from "./crypto/jwt";
import { deriveHmacKey } from "./crypto/keys";
import { burnPasswordCheck, hashPassword, importPepper, type PasswordParams, verifyPassword } from "./crypto/password";
import { createWorkGate, GateFull, type WorkGate } from "./crypto/work-gate";
import { createOutboxProvider } from "./email/outbox";
import type { EmailProvider } from "./email/provider";
import { createResendProvider } from "./email/resend";
import { rateLimited } from "./errors";
import type { OAuthConfig } from "./oauth/config";
import type { OAuthClient } from "./oauth/types";
import { onFirstUse } from "./on-first-use";
import type { Clock, Deps, Keys, OutboxStore, PasswordHasher } from "./ports";
import { createDisabledSms, createSmsOutbox, createTwilioProvider, type SmsProvider } from "./sms/provider";
import { withDeadline } from "./storage/deadline";
import { withDurableEnds } from "./storage/durable-ends";
import { createAdminRepository } from "./storage/neon/admin-repository";
import { createApiKeyRepository } from "./storage/neon/api-key-repository";
import { createBillingRepository } from "./storage/neon/billing-repository";
import { createDatabase } from "./storage/neon/db";
import { createDeviceRepository } from "./storage/neon/device-repository";
import { createFactorRepository } from "./storage/neon/factor-repository";
import { createIdentityRepository } from "./storage/neon/identity-repository";
import { createInvitationRepository } from "./storage/neon/invitation-repository";
import { createOrganizationRepository } from "./storage/neon/organization-repository";
import { createStorefrontRepository } from "./storage/neon/storefront-repository";
import { createEndedFamilyLedger } from "./storage/neon/token-family-repository";
import { createUserRepository } from "./storage/neon/user-repository";
import { withOrganizationSnapshotCache, withSnapshotCache } from "./storage/snapshot-cache";
import { createApiKeyCache } from "./storage/upstash/api-key-cache";
import { createRedisClient, type RedisClient, redisKeys } from "./storage/upstash/client";
import { createDeviceStateStore } from "./storage/upstash/device-store";
import { createEventStream } from "./storage/upstash/event-stream";
import { createRefreshTokenStore } from "./storage/upstash/refresh-token-store";
import { createSessionStore, createUserStateStore } from "./storage/upstash/session-store";
import { createStorefrontStore } from "./storage/upstash/storefront-store";
import {
  createEventLock,
  createIdempotencyStore,
  createOneTimeTokenStore,
  createOutboxStore,
  createRateLimiter,
  createRedisHealthProbe,
  setScriptTimeout,
} from "./storage/upstash/stores";

/** One per isolate (module scope): every request in it shares the CPU. See crypto/work-gate.ts. */
const hashingGate = createWorkGate({ running: 2, waiting: 24 });

export function createPasswordHasher(params: PasswordParams, gate: WorkGate = hashingGate): PasswordHasher {
  const gated = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await gate.run(work);
    } catch (error) {
      if (error instanceof GateFull) throw rateLimited(1);
      throw error;
    }
  };
  return {
    hash: (password) => gated(() => hashPassword(password, params)),
    verify: (stored, password) =>
      gated(async () => {
        if (stored === null) {
          await burnPasswordCheck(password, params);
          return { valid: false, needsRehash: false };
        }
        return verifyPassword(stored, password, params);
      }),
  };
}

export async function loadKeys(config: Config): Promise<Keys> {
  const [csrf, idempotency, signing, pepper, otp, providerTokens, mfa, webhooks] = await Promise.all([
    deriveHmacKey(config.authSecret, "csrf"),
    deriveHmacKey(config.authSecret, "idempotency"),
    loadSigningKeys(config.jwt.signingKeys),
    importPepper(config.passwords.pepper),
    deriveHmacKey(config.authSecret, "otp"),
    deriveHmacKey(config.authSecret, "provider-tokens"),
    deriveHmacKey(config.authSecret, "mfa"),
    deriveHmacKey(config.authSecret, "webhooks"),
  ]);
  return { csrf, idempotency, signing, pepper, otp, providerTokens, mfa, webhooks };
}

export interface DepsOverrides {
  clock?: Clock;
  redis?: RedisClient;
  redisKeyPrefix?: string;
  email?: (outbox: OutboxStore, clock: Clock) => EmailProvider;
  sms?: (outbox: OutboxStore, clock: Clock) => SmsProvider;
  passwords?: (hasher: PasswordHasher) => PasswordHasher;
}

export async function createDeps(config: Config, overrides: DepsOverrides = {}): Promise<Deps> {
  const clock = overrides.clock ?? { now: () => Date.now() };
  // Every Redis call gets the configured deadline (statements get theirs in the query runner): the
  // production client on each fetch, a client handed in by a test through the wrapper.
  const client = overrides.redis
    ? withDeadline(overrides.redis, config.redis.timeoutMs, "redis")
    : createRedisClient(config.redis);
  setScriptTimeout(client, config.redis.timeoutMs);
  const keys = redisKeys(overrides.redisKeyPrefix ?? config.redis.keyPrefix);
  const db = createDatabase(config.database);
  const users = createUserRepository(db);
  const userState = createUserStateStore(client, keys);
  const outbox = createOutboxStore(client, keys);
  const email =
    overrides.email?.(outbox, clock) ??
    (config.email.provider === "resend" && config.email.resendApiKey
      ? createResendProvider({
          apiKey: config.email.resendApiKey,
          from: config.email.from,
          apiUrl: config.email.resendApiUrl,
        })
      : createOutboxProvider(outbox, clock));
  const loaded = await loadKeys(config);
  const hasher = createPasswordHasher({ iterations: config.passwords.iterations, pepper: loaded.pepper, pepperId: 1 });
  return {
    clock,
    keys: loaded,
    tokens: createOneTimeTokenStore(client, keys, clock),
    rateLimiter: createRateLimiter(client, keys),
    sessions: createSessionStore(client, keys),
    userState,
    refreshTokens: withDurableEnds(
      createRefreshTokenStore(client, keys, config.tokens.refreshTtlSeconds),
      createEndedFamilyLedger(db),
      config.tokens.refreshTtlSeconds * 1000,
      clock,
    ),
    passwords: overrides.passwords?.(hasher) ?? hasher,
    idempotency: createIdempotencyStore(client, keys),
    outbox,
    users: withSnapshotCache(users, userState),
    identities: createIdentityRepository(db),
    factors: createFactorRepository(db),
    oauth: lazyOAuthClient(config.oauth),
    organizations: withOrganizationSnapshotCache(createOrganizationRepository(db), userState),
    invitations: createInvitationRepository(db),
    apiKeys: createApiKeyRepository(db),
    apiKeyCache: createApiKeyCache(client, keys),
    admin: createAdminRepository(db),
    storefront: createStorefrontRepository(db),
    storefrontStore: createStorefrontStore(client, keys),
    devices: createDeviceRepository(db),
    deviceState: createDeviceStateStore(client, keys),
    billing: createBillingRepository(db),
    eventLock: createEventLock(client, keys),
    // Only webhook management and the Cron consumer use it: loaded on first use, out of the entry.
    webhooks: lazyPort(() => import("./storage/neon/webhook-repository").then((m) => m.createWebhookRepository(db))),
    eventStream: createEventStream(client, keys),
    email,
    sms:
      overrides.sms?.(outbox, clock) ??
      (config.sms.provider === "twilio" &&
      config.sms.twilioAccountSid &&
      config.sms.twilioAuthToken &&
      config.sms.twilioFrom
        ? createTwilioProvider({
            accountSid: config.sms.twilioAccountSid,
            authToken: config.sms.twilioAuthToken,
            from: config.sms.twilioFrom,
            apiUrl: config.sms.twilioApiUrl,
          })
        : config.sms.provider === "none"
          ? createDisabledSms()
          : createSmsOutbox(outbox, clock)),
    stripeApi: config.stripe.secretKey
      ? createStripeApi({ secretKey: config.stripe.secretKey, apiUrl: config.stripe.apiUrl })
      : null,
    health: { redis: createRedisHealthProbe(client), postgres: users },
  };
}

/** A port whose adapter module is loaded by its first call (every method is async). */
function lazyPort<T extends object>(load: () => Promise<T>): T {
  const loaded = onFirstUse(load);
  return new Proxy({} as T, {
    get:
      (_target, name) =>
      async (...args: unknown[]) => {
        const port = (await loaded()) as Record<string | symbol, (...a: unknown[]) => unknown>;
        return port[name]?.(...args);
      },
  });
}

/**
 * The providers' side of social sign-in, loaded with oauth4webapi on its first use: social sign-in is
 * a lazy route group, so a cold start does not evaluate an OAuth library most requests never need.
 */
function lazyOAuthClient(config: OAuthConfig): OAuthClient {
  const load = onFirstUse(() => import("./oauth/client").then((m) => m.createOAuthClient(config)));
  return {
    authorizationUrl: async (provider, request) => (await load()).authorizationUrl(provider, request),
    finish: async (provider, input) => (await load()).finish(provider, input),
  };
}
