// Ports: Users, sign-in records, linked identities, the platform administrators' view, passwords. Types only.

import type { PasswordCheck } from "../crypto/password";
import type { LinkedIdentity, PlatformUser, UserSnapshot } from "../domain";
import type { ProviderProfile } from "../oauth/types";

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

/** Password hashing as a port, so tests can count derivations (the enumeration checks compare them). */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** `stored` null (no such account, or no password) still spends one derivation. */
  verify(stored: string | null, password: string): Promise<PasswordCheck>;
}
