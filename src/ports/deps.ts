// Ports: Everything the app talks to, as one object: production and tests differ only in it. Types only.
import type { StripeApi } from "../billing/stripe-api";
import type { SigningKeySet } from "../crypto/jwt";
import type { FactorRepository } from "../factor-ports";
import type { OAuthClient } from "../oauth/types";
import type { AdminRepository, IdentityRepository, PasswordHasher, UserRepository } from "./accounts";
import type {
  Clock,
  EventLock,
  HealthProbe,
  IdempotencyStore,
  OneTimeTokenStore,
  OutboxStore,
  RateLimiter,
} from "./basics";
import type { DeviceRepository, DeviceStateStore } from "./devices";
import type { ApiKeyCache, ApiKeyRepository } from "./keys";
import type { EmailProvider, SmsProvider } from "./messages";
import type { InvitationRepository, OrganizationRepository } from "./organizations";
import type { RefreshTokenStore, SessionStore, UserStateStore } from "./sessions";
import type { BillingRepository, StorefrontRepository, StorefrontStore } from "./storefront";
import type { EventStream, WebhookRepository } from "./webhooks";

export interface Keys {
  csrf: CryptoKey;
  idempotency: CryptoKey;
  signing: SigningKeySet;
  pepper: CryptoKey;
  /** Keys OTP hashes, so a Redis dump cannot be brute-forced over the million 6-digit codes. */
  otp: CryptoKey;
  /** Derives the per-identity key that seals kept provider tokens. */
  providerTokens: CryptoKey;
  /** Derives the per-user key that seals TOTP secrets, and keys recovery-code hashes. */
  mfa: CryptoKey;
  /** Derives the per-endpoint key that seals webhook signing secrets. */
  webhooks: CryptoKey;
}

/** Everything the app talks to. Production and tests differ only in what is passed here. */
export interface Deps {
  clock: Clock;
  keys: Keys;
  tokens: OneTimeTokenStore;
  rateLimiter: RateLimiter;
  sessions: SessionStore;
  userState: UserStateStore;
  refreshTokens: RefreshTokenStore;
  passwords: PasswordHasher;
  idempotency: IdempotencyStore;
  outbox: OutboxStore;
  users: UserRepository;
  identities: IdentityRepository;
  /** Second factors: TOTP, recovery codes, passkeys (storage/neon/factor-repository.ts). */
  factors: FactorRepository;
  /** The providers' side of social sign-in (oauth4webapi; src/oauth/client.ts). */
  oauth: OAuthClient;
  organizations: OrganizationRepository;
  invitations: InvitationRepository;
  apiKeys: ApiKeyRepository;
  apiKeyCache: ApiKeyCache;
  admin: AdminRepository;
  storefront: StorefrontRepository;
  storefrontStore: StorefrontStore;
  devices: DeviceRepository;
  deviceState: DeviceStateStore;
  billing: BillingRepository;
  eventLock: EventLock;
  /** Webhook endpoints and the event outbox's deliveries (storage/neon/webhook-repository.ts). */
  webhooks: WebhookRepository;
  /** Events announced by Redis changes (sessions), waiting to move into the outbox. */
  eventStream: EventStream;
  email: EmailProvider;
  sms: SmsProvider;
  /** Stripe's API, when STRIPE_SECRET_KEY is set (null otherwise). */
  stripeApi: StripeApi | null;
  health: { redis: HealthProbe; postgres: HealthProbe };
}
