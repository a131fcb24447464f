// The domain's data: users, organizations, roles, sessions, keys, devices, customers. Types only,
// importing nothing, so every layer can use them without an arrow running up.

export type TokenPurpose =
  | "magic_link"
  | "email_verification"
  | "password_reset"
  | "pairing"
  /** A social sign-in in flight: the `state` sent to the provider (10 minutes, bound to the browser). */
  | "oauth_state"
  /** A social sign-in finished for a native app: the code its redirect carries (PKCE-bound, 60 s). */
  | "oauth_code"
  /** A first factor passed by a user with a second factor: the step-up still owed (5 minutes). */
  | "mfa"
  /** A WebAuthn challenge (5 minutes): for registering a passkey or signing in with one. */
  | "webauthn";

export interface OneTimeTokenRecord {
  purpose: TokenPurpose;
  /** SHA-256 (hex) of the token; the token itself is never stored. */
  token_hash: string;
  /** Who the token is for (a canonical email); at most one live token per purpose, subject and slot. */
  subject: string;
  data: Record<string, string | boolean | null>;
  /**
   * Whose request minted it, when a proof came with it ("known": a browser that signed in as the
   * address; "human": a Turnstile token). A new token replaces only the one of its own slot, so an
   * attacker's requests (no slot) never revoke the link the owner asked for (services/send-guard.ts).
   */
  slot?: "known" | "human";
  created_at: number;
  expires_at: number;
}

export interface SessionUser {
  id: string;
  email: string;
  name: string | null;
  email_verified: boolean;
  /** When the address was proven (null: not yet). */
  email_verified_at?: string | null;
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
  /** Members must have a second factor to act in this organization (its owners' setting). */
  require_mfa?: boolean;
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
  /**
   * The session's CSRF token (synchronizer token, 256 bits), echoed by the csrf_token cookie and
   * X-CSRF-Token. Absent on sessions from before it was stored: theirs is an HMAC of the session id.
   */
  csrf?: string;
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
  /** The user's second factors; sign-ins decide on a copy read from Postgres, never a cached one. */
  mfa?: MfaMethod[];
}

/** A second factor a user can have enrolled (recovery codes come with either). */
export type MfaMethod = "totp" | "passkey";

export interface RefreshTokenRecord {
  family: string;
  user_id: string;
  org_id: string;
  scope: string;
  family_created: number;
  absolute_exp: number;
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

export type Role = SessionOrganization["role"];

export interface Member {
  user_id: string;
  email: string;
  name: string | null;
  role: Role;
  joined_at: string;
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

/** An account as the platform API shows it: every organization it belongs to. */
export interface PlatformUser {
  id: string;
  email: string;
  name: string | null;
  email_verified: boolean;
  disabled: boolean;
  is_superuser: boolean;
  created_at: string;
  last_login_at: string | null;
  organizations: Array<{ id: string; name: string; is_personal_account: boolean; role: Role }>;
}

export interface Invitation {
  id: string;
  organization_id: string;
  organization_name: string;
  email: string;
  role: Role;
  /** The member who sent it (for a key: the key's creator). */
  invited_by: string | null;
  created_at: string;
  expires_at: string;
}

export interface Device {
  id: string;
  user_id: string | null;
  organization_id: string;
  platform: "ios" | "android";
  name: string;
  peer_id: string | null;
  created_at: string;
  last_seen_at: string | null;
  revoked_at: string | null;
}

export interface PublishableKeyRecord {
  id: string;
  organization_id: string;
  name: string;
  allowed_origins: string[];
  sms_countries: string[];
  require_turnstile: boolean;
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
  /** Countries codes may be texted to (empty: the deployment's SMS_ALLOWED_COUNTRIES). Absent in older cache entries. */
  sms_countries?: string[];
  /** Every code request needs a Turnstile token. */
  require_turnstile?: boolean;
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

export interface CustomerSessionRecord {
  id: string;
  customer_id: string;
  organization_id: string;
  publishable_key: string;
  created_at: number;
  expires_at: number;
}

/** A provider identity linked to a user (social sign-in). */
export interface LinkedIdentity {
  id: string;
  provider: string;
  email: string | null;
  created_at: string;
  last_used_at: string | null;
}
