import type { Config } from "./config";
import { deriveHmacKey } from "./crypto/keys";
import { loadSigningKeys, type SigningKeySet } from "./crypto/jwt";
import { createOutboxProvider } from "./email/outbox";
import type { EmailProvider } from "./email/provider";
import { createResendProvider } from "./email/resend";
import type {
  Clock,
  HealthProbe,
  IdempotencyStore,
  OneTimeTokenStore,
  OutboxStore,
  RateLimiter,
  SessionStore,
  UserRepository,
} from "./storage/ports";
import { createRedisClient, redisKeys, type RedisClient } from "./storage/upstash/client";
import {
  createIdempotencyStore,
  createOneTimeTokenStore,
  createOutboxStore,
  createRateLimiter,
  createRedisHealthProbe,
  createSessionStore,
} from "./storage/upstash/stores";
import { createDatabase } from "./storage/neon/db";
import { createUserRepository } from "./storage/neon/user-repository";

export interface Keys {
  csrf: CryptoKey;
  idempotency: CryptoKey;
  signing: SigningKeySet;
}

/** Everything the app talks to. Production and tests differ only in what is passed here. */
export interface Deps {
  clock: Clock;
  keys: Keys;
  tokens: OneTimeTokenStore;
  rateLimiter: RateLimiter;
  sessions: SessionStore;
  idempotency: IdempotencyStore;
  outbox: OutboxStore;
  users: UserRepository;
  email: EmailProvider;
  health: { redis: HealthProbe; postgres: HealthProbe };
}

export async function loadKeys(config: Config): Promise<Keys> {
  const [csrf, idempotency, signing] = await Promise.all([
    deriveHmacKey(config.authSecret, "csrf"),
    deriveHmacKey(config.authSecret, "idempotency"),
    loadSigningKeys(config.jwt.signingKeys),
  ]);
  return { csrf, idempotency, signing };
}

export interface DepsOverrides {
  clock?: Clock;
  redis?: RedisClient;
  redisKeyPrefix?: string;
  email?: (outbox: OutboxStore, clock: Clock) => EmailProvider;
}

export async function createDeps(config: Config, overrides: DepsOverrides = {}): Promise<Deps> {
  const clock = overrides.clock ?? { now: () => Date.now() };
  const client = overrides.redis ?? createRedisClient(config.redis);
  const keys = redisKeys(overrides.redisKeyPrefix ?? config.redis.keyPrefix);
  const users = createUserRepository(createDatabase(config.database));
  const outbox = createOutboxStore(client, keys);
  const email =
    overrides.email?.(outbox, clock) ??
    (config.email.provider === "resend" && config.email.resendApiKey
      ? createResendProvider({ apiKey: config.email.resendApiKey, from: config.email.from, apiUrl: config.email.resendApiUrl })
      : createOutboxProvider(outbox, clock));
  return {
    clock,
    keys: await loadKeys(config),
    tokens: createOneTimeTokenStore(client, keys, clock),
    rateLimiter: createRateLimiter(client, keys),
    sessions: createSessionStore(client, keys),
    idempotency: createIdempotencyStore(client, keys),
    outbox,
    users,
    email,
    health: { redis: createRedisHealthProbe(client), postgres: users },
  };
}
