// Small verb interfaces between services and stores (single use is a port verb, `consume`, never
// get-then-delete); adapters live in storage/upstash and storage/neon. Types only.
import type { StripeApi } from "./billing/stripe-api";
import type { SigningKeySet } from "./crypto/jwt";
import type { PasswordCheck } from "./crypto/password";
import type {
  ApiKeyRecord,
  ContactChannel,
  Customer,
  CustomerSessionRecord,
  Device,
  Invitation,
  LinkedIdentity,
  Member,
  OneTimeTokenRecord,
  OutboxMessage,
  PlatformUser,
  PublishableKeyRecord,
  RefreshTokenRecord,
  Role,
  SessionOrganization,
  SessionRecord,
  SessionUser,
  StoreKey,
  TokenPurpose,
  UserSnapshot,
} from "./domain";
import type { FactorRepository } from "./factor-ports";
import type { OAuthClient } from "./oauth/client";

export type * from "./domain";
export type * from "./factor-ports";

export interface Clock {
  now(): number;
}

export interface Throttle {
  key: string;
  limit: number;
  windowSeconds: number;
}

export type ConsumeResult =
  | { status: "consumed"; record: OneTimeTokenRecord }
  | { status: "missing" }
  | { status: "throttled"; retryAfterSeconds: number };

export interface OneTimeTokenStore {
  /**
   * Stores the record until its expiry and revokes the subject's previous token of the same purpose;
   * with `limits`, first counts the request against them and issues only if none is over, atomically.
   */
  issue(record: OneTimeTokenRecord, limits?: RateLimitRule[]): Promise<RateLimitResult>;
  /** Reads without spending (confirm pages). */
  peek(purpose: TokenPurpose, tokenHash: string): Promise<OneTimeTokenRecord | null>;
  /** Atomically takes the record out; misses count against the throttle, which refuses once full. */
  consume(purpose: TokenPurpose, tokenHash: string, throttle: Throttle): Promise<ConsumeResult>;
  revoke(purpose: TokenPurpose, tokenHash: string): Promise<void>;
  /** Puts a consumed record back when its effect failed (unless a newer token replaced it meanwhile). */
  release(record: OneTimeTokenRecord): Promise<void>;
}

export interface RateLimitRule {
  key: string;
  limit: number;
  windowSeconds: number;
}

export interface RateLimitResult {
  allowed: boolean;
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Counts one hit against every rule at once (fixed windows, atomic); refused if any rule is over. */
  hit(rules: RateLimitRule[]): Promise<RateLimitResult>;
  /** Reports whether any rule is already full, without counting (failure counters are checked this way). */
  peek(rules: RateLimitRule[]): Promise<RateLimitResult>;
  /** One step: deletes the `clear` counters and takes one hit back from each `giveBack` rule's counter. */
  settle(clear: string[], giveBack: RateLimitRule[]): Promise<void>;
  clear(keys: string[]): Promise<void>;
}

export interface SessionStore {
  /** Writes the session, indexes it under its user, and refreshes the user's snapshot, in one transaction. */
  create(tokenHash: string, record: SessionRecord, snapshot: UserSnapshot): Promise<void>;
  /**
   * Reads the session with its user's snapshot and slides its idle expiry, in one round trip.
   * `cookieDue`: half the idle window has passed since the cookie was last sent (re-send it now).
   */
  touch(
    tokenHash: string,
    now: number,
  ): Promise<{ record: SessionRecord; snapshot: UserSnapshot | null; cookieDue: boolean } | null>;
  revoke(tokenHash: string): Promise<SessionRecord | null>;
  /**
   * Sign-out in one round trip: deletes the session only if `csrfToken` equals its stored token.
   * "legacy": the session has no stored token (an older session); nothing was deleted.
   */
  end(
    tokenHash: string,
    csrfToken: string | null,
  ): Promise<{ status: "ended"; record: SessionRecord } | { status: "csrf_failed" | "legacy" | "none" }>;
  list(userId: string): Promise<Array<{ tokenHash: string; record: SessionRecord }>>;
  /** Rewrites a session's record in place (same expiry), e.g. to switch its active organization. */
  update(tokenHash: string, record: SessionRecord): Promise<void>;
  /** Revokes every session of the user except the one given; returns how many ended. */
  revokeAll(userId: string, exceptTokenHash: string | null): Promise<number>;
}

export interface UserStateStore {
  putSnapshot(userId: string, snapshot: UserSnapshot): Promise<void>;
  /** Forgets cached snapshots, so the next request reads each user from Postgres. */
  dropSnapshots(userIds: string[]): Promise<void>;
  /** Access tokens issued before `at` (ms) and refresh families started before it stop working. */
  revokeTokensIssuedBefore(userId: string, at: number): Promise<void>;
  /** One round trip: the user's not-before, whether the token family is revoked, and the snapshot. */
  accessState(
    userId: string,
    familyId: string,
  ): Promise<{ notBefore: number; familyRevoked: boolean; snapshot: UserSnapshot | null }>;
}

export type RotateResult =
  | { status: "rotated"; record: RefreshTokenRecord; snapshot: UserSnapshot | null }
  /** The same token again within the grace window: hand back the successor already minted. */
  | { status: "replayed"; record: RefreshTokenRecord; snapshot: UserSnapshot | null; successorBox: string }
  /** A rotated token used after the grace window: the family has just been revoked. */
  | { status: "reused"; family: string; userId: string }
  | { status: "invalid" };

export interface RefreshTokenStore {
  issue(tokenHash: string, record: RefreshTokenRecord): Promise<void>;
  rotate(
    tokenHash: string,
    successorHash: string,
    successorBox: string,
    now: number,
    graceMs: number,
  ): Promise<RotateResult>;
  /** Undoes a rotation whose answer never left, while the successor is unused (see UNROTATE_REFRESH). */
  unrotate(tokenHash: string, successorHash: string): Promise<void>;
  /** Revokes the token's whole family and returns it; unknown tokens are ignored (RFC 7009): null. */
  revoke(tokenHash: string): Promise<string | null>;
  revokeFamily(family: string): Promise<void>;
}

/** Refresh families ended one by one, in Postgres: what a Redis restore cannot undo. */
export interface EndedFamilyLedger {
  /** Idempotent. `expiresAt`: when the family would have ended anyway (the row may go then). */
  end(family: string, expiresAt: number, now: number): Promise<void>;
  isEnded(family: string): Promise<boolean>;
}

/** An Idempotency-Key claim that commits with the effect it guards; `response` is already sealed. */
export interface DurableClaim {
  recordKey: string;
  response: string;
  expiresAt: number;
}

/** What a create verb answers under a claim: its result, or the sealed response of the earlier run. */
export type Claimed<T> = { status: "created"; value: T } | { status: "replay"; response: string };

export interface IdempotencyStore {
  /** Claims the key with `pending`; returns the record already there instead, if any. */
  claim(key: string, pending: string, lockSeconds: number): Promise<string | null>;
  complete(key: string, record: string, ttlSeconds: number): Promise<void>;
  release(key: string): Promise<void>;
}

export interface OutboxStore {
  add(message: OutboxMessage): Promise<void>;
  list(): Promise<OutboxMessage[]>;
}

export interface EmailSignIn {
  email: string;
  name: string | null;
  organizationName: string | null;
  now: number;
  ids: { user: string; organization: string; membership: string };
}

export interface EmailSignInResult {
  snapshot: UserSnapshot;
  created: boolean;
  /** The account had an unproven email before this sign-in; any password set on it was cleared. */
  wasUnverified: boolean;
}

export interface PasswordSignup {
  email: string;
  name: string | null;
  organizationName: string | null;
  passwordHash: string;
  now: number;
  ids: { user: string; organization: string; membership: string };
}

export interface LoginRecord {
  snapshot: UserSnapshot;
  passwordHash: string | null;
}

export interface UserRepository {
  /**
   * Finds or creates the user behind a proven email (with a first organization), stamps last_login_at.
   * Null when the account is disabled.
   */
  recordEmailSignIn(input: EmailSignIn): Promise<EmailSignInResult | null>;
  /** Creates a password account with its first organization; null when the email is taken. */
  createPasswordUser(input: PasswordSignup): Promise<UserSnapshot | null>;
  findLogin(email: string): Promise<LoginRecord | null>;
  findSnapshot(userId: string): Promise<UserSnapshot | null>;
  /** Durably ends every token issued before `at` (ms); returns the new snapshot (null when disabled). */
  revokeTokensBefore(userId: string, at: number): Promise<UserSnapshot | null>;
  recordLogin(userId: string, now: number, rehash: string | null): Promise<void>;
  /** Marks `email` verified if it is still the user's address; null otherwise. */
  markEmailVerified(userId: string, email: string, now: number): Promise<UserSnapshot | null>;
  /** Replaces the address if `from` is still current and `to` is free; null otherwise. */
  changeEmail(userId: string, from: string, to: string, now: number): Promise<UserSnapshot | null>;
  /** Sets a new password (and proves the email when `verifyEmail`) if `email` is still the user's address. */
  setPassword(
    userId: string,
    email: string | null,
    passwordHash: string,
    now: number,
    verifyEmail: boolean,
  ): Promise<UserSnapshot | null>;
  updateProfile(
    userId: string,
    changes: { name?: string | null; phone?: string | null },
    now: number,
  ): Promise<UserSnapshot | null>;
}

/** What a provider asserted about the person at the end of a social sign-in. */
export interface ProviderProfile {
  provider: string;
  subject: string;
  /** Canonical address, or null when the provider gave none. */
  email: string | null;
  /** The provider asserts the address is the person's (OIDC email_verified, GitHub's verified flag). */
  emailVerified: boolean;
  name: string | null;
  /** The provider's tokens, sealed, when the provider is configured to keep them (else null: cleared). */
  sealedTokens?: string | null;
}

export type IdentitySignIn =
  | { status: "signed_in"; snapshot: UserSnapshot; created: boolean; linked: boolean }
  /** An account has the address but may not be merged silently: sign in to it, then link. */
  | { status: "account_exists" }
  /** No linked identity and the provider does not vouch for the address: nothing is created. */
  | { status: "email_unverified" }
  /** The account is disabled (answered like any failed sign-in). */
  | { status: "refused" };

export interface IdentityRepository {
  /**
   * One statement: the linked identity's user; else, for a provider-verified address, a link to the
   * account with that verified address or a new account with a first organization. Safe under races
   * (unique provider+subject and email); `null` when a concurrent first sign-in won: read again.
   */
  signIn(
    input: ProviderProfile & {
      now: number;
      ids: { user: string; organization: string; membership: string; identity: string };
    },
  ): Promise<IdentitySignIn | null>;
  /** Links to `userId`; "taken" when the identity belongs to someone else. */
  link(input: ProviderProfile & { userId: string; id: string; now: number }): Promise<"linked" | "already" | "taken">;
  list(userId: string): Promise<LinkedIdentity[]>;
  /** The sealed provider tokens of one of the user's identities (null: none kept, or not theirs). */
  sealedTokens(
    userId: string,
    identityId: string,
  ): Promise<{ provider: string; subject: string; sealed: string } | null>;
  /** Unlinks unless it is the account's last way in (no password, other identity, proven address or passkey). */
  unlink(
    userId: string,
    identityId: string,
  ): Promise<{ status: "unlinked" | "not_found" | "last_method"; provider: string | null }>;
}

export interface HealthProbe {
  ping(): Promise<void>;
}

export type ChangeRoleResult =
  | { status: "changed"; member: Member; keyIds: string[] }
  | { status: "last_owner" }
  | { status: "not_member" };

export type RemoveMemberResult =
  | { status: "removed"; revokedKeyIds: string[] }
  | { status: "last_owner" }
  | { status: "not_member" };

export interface OrganizationRepository {
  /** Creates an organization owned by the user; returns the user's new snapshot. */
  createOrganization(input: {
    userId: string;
    name: string;
    now: number;
    ids: { organization: string; membership: string };
    claim: DurableClaim | null;
  }): Promise<Claimed<UserSnapshot | null>>;
  listMembers(organizationId: string): Promise<Member[]>;
  findMember(organizationId: string, userId: string): Promise<Member | null>;
  /**
   * Sets a member's role; refused when it would leave no owner (held by the database under any
   * concurrency). Returns the ids of the keys the member created there (their cached rights change).
   */
  changeRole(organizationId: string, userId: string, role: Role): Promise<ChangeRoleResult>;
  /** Removes a member unless it is the last owner; revokes the keys that member created there. */
  removeMember(organizationId: string, userId: string, now: number): Promise<RemoveMemberResult>;
  /** Sets whether members need a second factor; the members' ids (their cached snapshots change), or null. */
  setRequireMfa(organizationId: string, required: boolean, now: number): Promise<string[] | null>;
  /** Organizations of `targetUserId` that `viewerUserId` also belongs to (all of them when viewer is null). */
  organizationsOf(targetUserId: string, viewerUserId: string | null): Promise<SessionOrganization[] | null>;
}

/** What authenticating a key needs, cached in Redis briefly; times in ms. */
export interface ApiKeyAuthRecord {
  id: string;
  created_by: string | null;
  secret_hash: string;
  previous_secret_hash: string | null;
  previous_expires_at: number | null;
  expires_at: number | null;
  revoked: boolean;
  scopes: string[];
  /** The creator's current role in the key's organization (null: no longer a member, or disabled). */
  creator_role: Role | null;
  /** The creator's account (null when gone or disabled): /me answers it, platform scope needs it. */
  creator?: SessionUser | null;
  organization: Omit<SessionOrganization, "role">;
}

export interface ApiKeyRepository {
  createKey(input: {
    id: string;
    organizationId: string;
    createdBy: string | null;
    name: string;
    prefix: string;
    secretHash: string;
    scopes: string[];
    expiresAt: string | null;
    now: number;
    claim: DurableClaim | null;
  }): Promise<Claimed<ApiKeyRecord>>;
  listKeys(organizationId: string): Promise<ApiKeyRecord[]>;
  findForAuth(keyId: string): Promise<ApiKeyAuthRecord | null>;
  revokeKey(organizationId: string, keyId: string, now: number): Promise<ApiKeyRecord | null>;
  rotateKey(
    organizationId: string,
    keyId: string,
    secretHash: string,
    graceSeconds: number,
    now: number,
  ): Promise<ApiKeyRecord | null>;
  touchLastUsed(keyId: string, now: number): Promise<void>;
}

export interface ApiKeyCache {
  /**
   * One round trip: the cached auth record (undefined when not cached, null when cached as unknown)
   * and the current count of the given failure counter (a rate-limit key).
   */
  lookup(keyId: string, failureKey: string): Promise<{ entry: ApiKeyAuthRecord | null | undefined; failures: number }>;
  put(keyId: string, record: ApiKeyAuthRecord | null): Promise<void>;
  forget(keyIds: string[]): Promise<void>;
  /** True at most once a minute per key: whether to write last_used_at now. */
  shouldStampUse(keyId: string): Promise<boolean>;
}

export interface AuditEntry {
  actorKind: string;
  actorId: string;
  organizationId: string | null;
  action: string;
  target: string | null;
  requestId: string;
  details?: Record<string, unknown>;
  now: number;
}

export interface AdminRepository {
  findUser(by: { email: string } | { id: string }): Promise<PlatformUser | null>;
  /** Creates an account (address not yet proven) or returns the existing one. */
  createUser(input: {
    id: string;
    email: string;
    name: string | null;
    now: number;
  }): Promise<{ user: PlatformUser; created: boolean }>;
  /** Disables or re-enables; returns the ids of the API keys the user created (to drop from the cache). */
  setDisabled(userId: string, disabled: boolean, now: number): Promise<{ user: PlatformUser; keyIds: string[] } | null>;
  audit(entry: AuditEntry): Promise<void>;
}

export interface InvitationRepository {
  /** Creates the open invitation for (organization, email), or refreshes it (new token, role, expiry). */
  create(input: {
    id: string;
    organizationId: string;
    email: string;
    role: Role;
    invitedBy: string;
    invitedByKey: string | null;
    tokenHash: string;
    now: number;
    expiresAt: number;
  }): Promise<Invitation>;
  listForOrganization(organizationId: string, now: number): Promise<Invitation[]>;
  revoke(organizationId: string, invitationId: string, now: number): Promise<boolean>;
  /** Open, unexpired invitations to an address whose inviter may still invite. */
  listForEmail(email: string, now: number): Promise<Invitation[]>;
  peekByToken(tokenHash: string, now: number): Promise<Invitation | null>;
  /** Accepts for a signed-in user whose proven address is the invited one; the membership in the same statement. */
  acceptById(input: {
    invitationId: string;
    userId: string;
    email: string;
    now: number;
    membershipId: string;
  }): Promise<{ organization_id: string; role: Role } | null>;
  decline(invitationId: string, email: string, now: number): Promise<boolean>;
  /** The emailed link: proves the address, creates the account if new, accepts; one statement. */
  acceptByToken(input: { tokenHash: string; now: number; userId: string; membershipId: string }): Promise<{
    userId: string;
    organizationId: string;
    created: boolean;
    wasUnverified: boolean;
  } | null>;
}

export interface DeviceRepository {
  /** Creates the device, or returns the same id's device again (a retried pairing); null if revoked since. */
  create(input: {
    id: string;
    userId: string | null;
    organizationId: string;
    platform: "ios" | "android";
    name: string;
    pushToken: string;
    peerId: string | null;
    apiKeyId: string | null;
    scopes: string[] | null;
    now: number;
  }): Promise<Device | null>;
  /** Devices of an organization, or only one user's there. */
  list(organizationId: string, userId: string | null): Promise<Device[]>;
  revoke(organizationId: string, deviceId: string, userId: string | null, now: number): Promise<Device | null>;
  touch(deviceId: string, now: number): Promise<void>;
  /** The source of truth for revocation: true only for a device that exists and is not revoked. */
  isActive(deviceId: string): Promise<boolean>;
}

export interface DeviceStateStore {
  /**
   * One round trip: whether the device is known active (true) or unknown to the cache (null; ask
   * Postgres, never assume), its user's not-before, and the user's snapshot.
   */
  state(
    deviceId: string,
    userId: string,
  ): Promise<{ active: boolean | null; notBefore: number; snapshot: UserSnapshot | null }>;
  /** Caches "active" for a short while after Postgres said so. */
  markActive(deviceId: string): Promise<void>;
  /** Drops the cached "active" (after the revocation is written to Postgres). */
  forget(deviceId: string): Promise<void>;
  shouldStampUse(deviceId: string): Promise<boolean>;
}

export interface PlanChange {
  plan: string;
  customerId: string | null;
  subscriptionId: string | null;
}

export interface BillingRepository {
  isProcessed(eventId: string): Promise<boolean>;
  recordEvent(eventId: string, type: string, now: number): Promise<void>;
  /**
   * Upgrades the primary organization of the account with this email now, or, without an account,
   * stores the upgrade for its first sign-in. Returns the member ids whose snapshots must be refreshed.
   */
  upgradeForEmail(
    email: string,
    change: PlanChange,
    now: number,
  ): Promise<{ userId: string | null; memberIds: string[] }>;
  /** Sets the plan of whatever organization (or pending upgrade) holds this subscription. */
  setPlanForSubscription(subscriptionId: string, plan: string, now: number): Promise<string[]>;
}

export interface EventLock {
  /** False when another delivery of the same event is being processed right now. */
  acquire(eventId: string): Promise<boolean>;
  release(eventId: string): Promise<void>;
}

export interface StorefrontRepository {
  createKey(input: {
    id: string;
    organizationId: string;
    name: string;
    allowedOrigins: string[];
    createdBy: string | null;
    now: number;
    claim: DurableClaim | null;
  }): Promise<Claimed<PublishableKeyRecord>>;
  listKeys(organizationId: string): Promise<PublishableKeyRecord[]>;
  revokeKey(organizationId: string, keyId: string, now: number): Promise<PublishableKeyRecord | null>;
  findKey(keyId: string): Promise<StoreKey | null>;
  /** Whether any live key allows this origin (CORS preflights carry no key). */
  originAllowed(origin: string): Promise<boolean>;
  /** Finds or creates the store's customer for a proven contact; marks it verified; stamps last_login_at. */
  signInCustomer(input: {
    organizationId: string;
    channel: ContactChannel;
    contact: string;
    id: string;
    now: number;
  }): Promise<Customer>;
  findCustomer(organizationId: string, customerId: string): Promise<Customer | null>;
  /** Applies a profile change; a new email or phone is set only with `verified` (proven by a code). "taken" if another customer of the store has it. */
  updateCustomer(
    organizationId: string,
    customerId: string,
    changes: { name?: string | null; email?: string; phone?: string },
    now: number,
  ): Promise<Customer | "taken" | null>;
}

/** `ok` carries the spent code's expiry, so a failed sign-in can put the code back (releaseOtp). */
export type OtpVerifyResult =
  | { status: "ok"; expiresAt: number }
  | { status: "invalid" }
  | { status: "locked"; retryAfterSeconds: number };

export interface StorefrontStore {
  getKey(keyId: string): Promise<StoreKey | null | undefined>;
  putKey(keyId: string, key: StoreKey | null): Promise<void>;
  forgetKey(keyId: string): Promise<void>;
  getOrigin(origin: string): Promise<boolean | undefined>;
  putOrigin(origin: string, allowed: boolean): Promise<void>;
  /** Stores a new code (replacing the previous one) unless the resend cooldown is running. */
  issueOtp(input: {
    otpKey: string;
    cooldownKey: string;
    codeHash: string;
    expiresAt: number;
    ttlSeconds: number;
    cooldownSeconds: number;
  }): Promise<{ issued: true } | { issued: false; retryAfterSeconds: number }>;
  /** Atomic check: contact lock, expiry, tries per code (burned at the limit), failure count per contact. */
  verifyOtp(input: {
    otpKey: string;
    failureKey: string;
    ipFailureKey: string;
    codeHash: string;
    now: number;
    maxAttempts: number;
    lockThreshold: number;
    ipLockThreshold: number;
    lockSeconds: number;
  }): Promise<OtpVerifyResult>;
  discardOtp(otpKey: string, cooldownKey: string): Promise<void>;
  /** Puts a spent code back (its effect failed), unless a newer code was sent meanwhile. */
  releaseOtp(otpKey: string, codeHash: string, expiresAt: number, now: number): Promise<void>;
  createSession(tokenHash: string, record: CustomerSessionRecord): Promise<void>;
  getSession(tokenHash: string): Promise<CustomerSessionRecord | null>;
  revokeSession(tokenHash: string): Promise<void>;
}

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
}

/** Password hashing as a port, so tests can count derivations (the enumeration checks compare them). */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** `stored` null (no such account, or no password) still spends one derivation. */
  verify(stored: string | null, password: string): Promise<PasswordCheck>;
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
  email: EmailProvider;
  sms: SmsProvider;
  /** Stripe's API, when STRIPE_SECRET_KEY is set (null otherwise). */
  stripeApi: StripeApi | null;
  health: { redis: HealthProbe; postgres: HealthProbe };
}

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Delivery is the one outside dependency of a sign-in; failures surface as DeliveryError. */
export interface EmailProvider {
  send(message: EmailMessage): Promise<void>;
}

export interface SmsMessage {
  to: string;
  text: string;
}

export interface SmsProvider {
  send(message: SmsMessage): Promise<void>;
}
