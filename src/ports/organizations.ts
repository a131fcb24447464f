// Ports: Organizations, members and invitations. Types only.
import type { Invitation, Member, Role, SessionOrganization, UserSnapshot } from "../domain";
import type { Claimed, DurableClaim } from "./basics";

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
