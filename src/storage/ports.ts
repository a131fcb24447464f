// Small verb interfaces between services and stores. Single use is a port verb (`consume`), never
// get-then-delete; implementations live in upstash/ and neon/.

export interface Clock {
  now(): number;
}

export type TokenPurpose = "magic_link" | "email_verification" | "password_reset";

export interface OneTimeTokenRecord {
  purpose: TokenPurpose;
  /** SHA-256 (hex) of the token; the token itself is never stored. */
  token_hash: string;
  /** Who the token is for (a canonical email); at most one live token per purpose and subject. */
  subject: string;
  data: Record<string, string | boolean | null>;
  created_at: number;
  expires_at: number;
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
  /** Stores the record until its expiry and revokes the subject's previous token of the same purpose. */
  issue(record: OneTimeTokenRecord): Promise<void>;
  /** Reads without spending (confirm pages). */
  peek(purpose: TokenPurpose, tokenHash: string): Promise<OneTimeTokenRecord | null>;
  /** Atomically takes the record out; misses count against the throttle, which refuses once full. */
  consume(purpose: TokenPurpose, tokenHash: string, throttle: Throttle): Promise<ConsumeResult>;
  revoke(purpose: TokenPurpose, tokenHash: string): Promise<void>;
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
  clear(keys: string[]): Promise<void>;
}

export interface SessionUser {
  id: string;
  email: string;
  name: string | null;
  email_verified: boolean;
  created_at: string;
  last_login_at: string | null;
}

export interface SessionOrganization {
  id: string;
  name: string;
  is_personal_account: boolean;
  plan_tier: string;
  role: "owner" | "admin" | "member";
}

export interface SessionRecord {
  id: string;
  user_id: string;
  organization_id: string;
  created_at: number;
  absolute_expires_at: number;
  idle_seconds: number;
  ip: string;
  user_agent: string;
}

/**
 * What `/me` shows, cached in Redis per user (`user_snap:<id>`), so sessions and access tokens resolve
 * without SQL; rewritten whenever the user or a membership changes.
 */
export interface UserSnapshot {
  user: SessionUser;
  organizations: SessionOrganization[];
}

export interface SessionStore {
  /** Writes the session, indexes it under its user, and refreshes the user's snapshot, in one transaction. */
  create(tokenHash: string, record: SessionRecord, snapshot: UserSnapshot): Promise<void>;
  /** Reads the session with its user's snapshot and slides its idle expiry, in one round trip. */
  touch(tokenHash: string): Promise<{ record: SessionRecord; snapshot: UserSnapshot | null } | null>;
  revoke(tokenHash: string): Promise<SessionRecord | null>;
  list(userId: string): Promise<Array<{ tokenHash: string; record: SessionRecord }>>;
  /** Rewrites a session's record in place (same expiry), e.g. to switch its active organization. */
  update(tokenHash: string, record: SessionRecord): Promise<void>;
  /** Revokes every session of the user except the one given; returns how many ended. */
  revokeAll(userId: string, exceptTokenHash: string | null): Promise<number>;
}

export interface UserStateStore {
  putSnapshot(userId: string, snapshot: UserSnapshot): Promise<void>;
  /** Access tokens issued before `at` (ms) and refresh families started before it stop working. */
  revokeTokensIssuedBefore(userId: string, at: number): Promise<void>;
  /** One round trip: the user's not-before, whether the token family is revoked, and the snapshot. */
  accessState(userId: string, familyId: string): Promise<{ notBefore: number; familyRevoked: boolean; snapshot: UserSnapshot | null }>;
}

export interface RefreshTokenRecord {
  family: string;
  user_id: string;
  org_id: string;
  scope: string;
  family_created: number;
  absolute_exp: number;
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
  rotate(tokenHash: string, successorHash: string, successorBox: string, now: number, graceMs: number): Promise<RotateResult>;
  /** Revokes the token's whole family; unknown tokens are ignored (RFC 7009). */
  revoke(tokenHash: string): Promise<void>;
  revokeFamily(family: string): Promise<void>;
}

export interface IdempotencyStore {
  /** Claims the key with `pending`; returns the record already there instead, if any. */
  claim(key: string, pending: string, lockSeconds: number): Promise<string | null>;
  complete(key: string, record: string, ttlSeconds: number): Promise<void>;
  release(key: string): Promise<void>;
}

export interface OutboxMessage {
  channel: "email" | "sms";
  to: string;
  subject: string | null;
  text: string;
  links: string[];
  codes: string[];
  created_at: string;
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
  recordLogin(userId: string, now: number, rehash: string | null): Promise<void>;
  /** Marks `email` verified if it is still the user's address; null otherwise. */
  markEmailVerified(userId: string, email: string, now: number): Promise<UserSnapshot | null>;
  /** Replaces the address if `from` is still current and `to` is free; null otherwise. */
  changeEmail(userId: string, from: string, to: string, now: number): Promise<UserSnapshot | null>;
  /** Sets a new password (and proves the email when `verifyEmail`) if `email` is still the user's address. */
  setPassword(userId: string, email: string | null, passwordHash: string, now: number, verifyEmail: boolean): Promise<UserSnapshot | null>;
  updateProfile(userId: string, changes: { name?: string | null; phone?: string | null }, now: number): Promise<UserSnapshot | null>;
}

export interface HealthProbe {
  ping(): Promise<void>;
}

export type Role = SessionOrganization["role"];

export interface Member {
  user_id: string;
  email: string;
  name: string | null;
  role: Role;
  joined_at: string;
}

export type RemoveMemberResult = { status: "removed"; revokedKeyIds: string[] } | { status: "last_owner" } | { status: "not_member" };

export interface OrganizationRepository {
  /** Creates an organization owned by the user; returns the user's new snapshot. */
  createOrganization(input: { userId: string; name: string; now: number; ids: { organization: string; membership: string } }): Promise<UserSnapshot | null>;
  listMembers(organizationId: string): Promise<Member[]>;
  /** Adds an existing user by email; null when no account has that address, "exists" when already a member. */
  addMember(input: { organizationId: string; email: string; role: Role; now: number; membershipId: string }): Promise<{ userId: string } | "exists" | null>;
  /** Removes a member unless it is the last owner; revokes the keys that member created there. */
  removeMember(organizationId: string, userId: string, now: number): Promise<RemoveMemberResult>;
  /** Organizations of `targetUserId` that `viewerUserId` also belongs to (all of them when viewer is null). */
  organizationsOf(targetUserId: string, viewerUserId: string | null): Promise<SessionOrganization[] | null>;
}

export interface ApiKeyRecord {
  id: string;
  organization_id: string;
  created_by: string | null;
  name: string;
  prefix: string;
  scopes: string[];
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  created_at: string;
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
  organization: Omit<SessionOrganization, "role">;
}

export interface ApiKeyRepository {
  createKey(input: { id: string; organizationId: string; createdBy: string | null; name: string; prefix: string; secretHash: string; scopes: string[]; expiresAt: string | null; now: number }): Promise<ApiKeyRecord>;
  listKeys(organizationId: string): Promise<ApiKeyRecord[]>;
  findForAuth(keyId: string): Promise<ApiKeyAuthRecord | null>;
  revokeKey(organizationId: string, keyId: string, now: number): Promise<ApiKeyRecord | null>;
  rotateKey(organizationId: string, keyId: string, secretHash: string, graceSeconds: number, now: number): Promise<ApiKeyRecord | null>;
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

export interface AdminUser {
  id: string;
  email: string;
  name: string | null;
  email_verified: boolean;
  disabled: boolean;
  created_at: string;
  last_login_at: string | null;
  role: Role;
  /** Organizations the user shares with others outside this one (personal ones excluded). */
  other_organizations: number;
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
  /** A member of the organization, by email or id; null when not a member. */
  findMember(organizationId: string, by: { email: string } | { id: string }): Promise<AdminUser | null>;
  /** Creates the user if needed (email not yet proven) and makes them a member. */
  ensureMember(input: { organizationId: string; email: string; name: string | null; role: Role; now: number; ids: { user: string; membership: string } }): Promise<{ user: AdminUser; created: boolean }>;
  /** Disables the user; returns the ids of the API keys they created (to drop from the cache). */
  disableUser(userId: string, now: number): Promise<string[]>;
  audit(entry: AuditEntry): Promise<void>;
}

export interface PublishableKeyRecord {
  id: string;
  organization_id: string;
  name: string;
  allowed_origins: string[];
  created_by: string | null;
  revoked_at: string | null;
  created_at: string;
}

/** What a storefront request needs to know about its key (cached briefly in Redis). */
export interface StoreKey {
  id: string;
  organization_id: string;
  allowed_origins: string[];
  revoked: boolean;
}

export interface Customer {
  id: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  email_verified: boolean;
  phone_verified: boolean;
  created_at: string;
  last_login_at: string | null;
}

export type ContactChannel = "email" | "sms";

export interface StorefrontRepository {
  createKey(input: { id: string; organizationId: string; name: string; allowedOrigins: string[]; createdBy: string | null; now: number }): Promise<PublishableKeyRecord>;
  listKeys(organizationId: string): Promise<PublishableKeyRecord[]>;
  revokeKey(organizationId: string, keyId: string, now: number): Promise<PublishableKeyRecord | null>;
  findKey(keyId: string): Promise<StoreKey | null>;
  /** Whether any live key allows this origin (CORS preflights carry no key). */
  originAllowed(origin: string): Promise<boolean>;
  /** Finds or creates the store's customer for a proven contact; marks it verified; stamps last_login_at. */
  signInCustomer(input: { organizationId: string; channel: ContactChannel; contact: string; id: string; now: number }): Promise<Customer>;
  findCustomer(organizationId: string, customerId: string): Promise<Customer | null>;
  /** Applies a profile change; a new email or phone is set only with `verified` (proven by a code). "taken" if another customer of the store has it. */
  updateCustomer(organizationId: string, customerId: string, changes: { name?: string | null; email?: string; phone?: string }, now: number): Promise<Customer | "taken" | null>;
}

export interface CustomerSessionRecord {
  id: string;
  customer_id: string;
  organization_id: string;
  publishable_key: string;
  created_at: number;
  expires_at: number;
}

export type OtpVerifyResult = { status: "ok" } | { status: "invalid" } | { status: "locked"; retryAfterSeconds: number };

export interface StorefrontStore {
  getKey(keyId: string): Promise<StoreKey | null | undefined>;
  putKey(keyId: string, key: StoreKey | null): Promise<void>;
  forgetKey(keyId: string): Promise<void>;
  getOrigin(origin: string): Promise<boolean | undefined>;
  putOrigin(origin: string, allowed: boolean): Promise<void>;
  /** Stores a new code (replacing the previous one) unless the resend cooldown is running. */
  issueOtp(input: { otpKey: string; cooldownKey: string; codeHash: string; expiresAt: number; ttlSeconds: number; cooldownSeconds: number }): Promise<{ issued: true } | { issued: false; retryAfterSeconds: number }>;
  /** Atomic check: contact lock, expiry, tries per code (burned at the limit), failure count per contact. */
  verifyOtp(input: { otpKey: string; failureKey: string; ipFailureKey: string; codeHash: string; now: number; maxAttempts: number; lockThreshold: number; ipLockThreshold: number; lockSeconds: number }): Promise<OtpVerifyResult>;
  discardOtp(otpKey: string, cooldownKey: string): Promise<void>;
  createSession(tokenHash: string, record: CustomerSessionRecord): Promise<void>;
  getSession(tokenHash: string): Promise<CustomerSessionRecord | null>;
  revokeSession(tokenHash: string): Promise<void>;
}
