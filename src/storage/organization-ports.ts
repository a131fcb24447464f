// Ports of organizations, API keys and the admin API.
import type { Claimed, DurableClaim, SessionOrganization, SessionUser, UserSnapshot } from "./ports";

export type Role = SessionOrganization["role"];

export interface Member {
  user_id: string;
  email: string;
  name: string | null;
  role: Role;
  joined_at: string;
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
