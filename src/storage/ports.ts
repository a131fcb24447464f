// Small verb interfaces between services and stores. Single use is a port verb (`consume`), never
// get-then-delete; implementations live in upstash/ and neon/.

export interface Clock {
  now(): number;
}

export type TokenPurpose = "magic_link" | "email_verification" | "password_reset" | "pairing";

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

export interface SessionUser {
  id: string;
  email: string;
  name: string | null;
  email_verified: boolean;
  created_at: string;
  last_login_at: string | null;
  /** Platform administrator by the database flag (SUPERUSER_EMAILS is applied on top: services/policy.ts). */
  is_superuser?: boolean;
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
  /** Access and device tokens issued before this (ms) fail; from users.tokens_not_before (0: none). */
  tokens_not_before?: number;
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
  accessState(
    userId: string,
    familyId: string,
  ): Promise<{ notBefore: number; familyRevoked: boolean; snapshot: UserSnapshot | null }>;
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
  rotate(
    tokenHash: string,
    successorHash: string,
    successorBox: string,
    now: number,
    graceMs: number,
  ): Promise<RotateResult>;
  /** Revokes the token's whole family; unknown tokens are ignored (RFC 7009). */
  revoke(tokenHash: string): Promise<void>;
  revokeFamily(family: string): Promise<void>;
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

export interface HealthProbe {
  ping(): Promise<void>;
}

export * from "./billing-ports";
export * from "./device-ports";
export * from "./organization-ports";
export * from "./storefront-ports";
