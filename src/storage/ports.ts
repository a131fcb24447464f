// Small verb interfaces between services and stores. Single use is a port verb (`consume`), never
// get-then-delete; implementations live in upstash/ and neon/.

export interface Clock {
  now(): number;
}

export type TokenPurpose = "magic_link";

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
  /** Snapshot for zero-SQL `/me`; rewritten when the user or organization changes. */
  user: SessionUser;
  organization: SessionOrganization;
}

export interface SessionStore {
  create(tokenHash: string, record: SessionRecord): Promise<void>;
  /** Reads the session and slides its idle expiry (the record's own window) in one round trip. */
  touch(tokenHash: string): Promise<SessionRecord | null>;
  revoke(tokenHash: string): Promise<SessionRecord | null>;
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
  user: SessionUser;
  organization: SessionOrganization;
  created: boolean;
}

export interface UserRepository {
  /** Finds or creates the user behind a proven email (with a first organization), stamps last_login_at. */
  recordEmailSignIn(input: EmailSignIn): Promise<EmailSignInResult>;
}

export interface HealthProbe {
  ping(): Promise<void>;
}
