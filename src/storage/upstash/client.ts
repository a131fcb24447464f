import { Redis } from "@upstash/redis/cloudflare";

/** The slice of the Upstash client the stores use; tests and benchmarks can wrap exactly this. */
export type RedisClient = Pick<
  Redis,
  | "eval"
  | "get"
  | "set"
  | "mget"
  | "getdel"
  | "del"
  | "hdel"
  | "lrange"
  | "xrange"
  | "xdel"
  | "xtrim"
  | "multi"
  | "pipeline"
  | "ping"
  | "createScript"
>;

export function createRedisClient(options: { url: string; token: string; timeoutMs?: number }): Redis {
  const timeoutMs = options.timeoutMs;
  return new Redis({
    url: options.url,
    token: options.token,
    // The deadline rides on each request (a stalled Redis ends in 503 store_unavailable, never a hang):
    // a native timer that also cancels the fetch, instead of a JS timer racing it.
    ...(timeoutMs ? { signal: () => AbortSignal.timeout(timeoutMs) } : {}),
    // Values are our own JSON strings; parse them ourselves rather than let the SDK guess types.
    automaticDeserialization: false,
    // Our values are JSON text, safe in a JSON reply as they are: skip base64 (a decode per value).
    responseEncoding: false,
    enableTelemetry: false,
    // Round trips are planned explicitly (Lua scripts, MULTI); implicit batching would hide them.
    enableAutoPipelining: false,
    // No client-wide read-your-writes: on a global database the SDK would send the sync token of this
    // isolate's latest write (any user's) with every later read, and each replica read would wait for
    // replication. Reads that must see a write from elsewhere ask the primary themselves (a script, or
    // READ_AT_PRIMARY after a replica miss); revocation markers are read near, within the replica's lag.
    readYourWrites: false,
    // One quick retry for a dropped connection; auth must fail fast (503), not hang for seconds.
    retry: { retries: 1, backoff: () => 50 },
  });
}

/** Key names in one place, under one prefix (tests get a fresh prefix per file). */
export function redisKeys(prefix: string) {
  // Lua scripts build some of these names themselves from `prefix`; keep the two in step.
  return {
    prefix,
    session: (tokenHash: string) => `${prefix}ses:${tokenHash}`,
    userSnapshot: (userId: string) => `${prefix}user_snap:${userId}`,
    userNotBefore: (userId: string) => `${prefix}user_nbf:${userId}`,
    refreshToken: (tokenHash: string) => `${prefix}rt:${tokenHash}`,
    familyRevoked: (familyId: string) => `${prefix}rt_fam_revoked:${familyId}`,
    userSessions: (userId: string) => `${prefix}user_ses:${userId}`,
    oneTimeToken: (purpose: string, tokenHash: string) => `${prefix}ott:${purpose}:${tokenHash}`,
    latestToken: (purpose: string, subjectHash: string) => `${prefix}ott_latest:${purpose}:${subjectHash}`,
    rateLimit: (name: string) => `${prefix}rl:${name}`,
    idempotency: (keyHash: string) => `${prefix}idem:${keyHash}`,
    outbox: () => `${prefix}outbox`,
    /** A stream of events that Redis changes announce (sessions), drained into Postgres's outbox. */
    events: () => `${prefix}events`,
    webhookSubscribers: () => `${prefix}webhooks_any`,
    apiKey: (keyId: string) => `${prefix}apikey:${keyId}`,
    apiKeyUsed: (keyId: string) => `${prefix}apikey_used:${keyId}`,
    storeKey: (keyId: string) => `${prefix}pk:${keyId}`,
    corsOrigin: (origin: string) => `${prefix}cors_origin:${origin}`,
    otp: (scope: string) => `${prefix}otp:${scope}`,
    otpCooldown: (scope: string) => `${prefix}otp_cooldown:${scope}`,
    customerSession: (tokenHash: string) => `${prefix}cses:${tokenHash}`,
    deviceActive: (deviceId: string) => `${prefix}device_active:${deviceId}`,
    deviceUsed: (deviceId: string) => `${prefix}device_used:${deviceId}`,
    stripeEventLock: (eventId: string) => `${prefix}stripe_evt:${eventId}`,
    smsBreaker: (numberPrefix: string) => `${prefix}sms_paused:${numberPrefix}`,
    smsSent: (numberPrefix: string) => `${prefix}sms_sent:${numberPrefix}`,
    smsUsed: (numberPrefix: string) => `${prefix}sms_used:${numberPrefix}`,
    smsSentAll: () => `${prefix}sms_sent_all`,
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;
