// Ports of organizations, API keys and the admin API.
import type { SessionOrganization, UserSnapshot } from "./ports";

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

