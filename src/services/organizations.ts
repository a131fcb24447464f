import { generateId } from "../crypto/random";
import { AuthError } from "../errors";
import type { Member, Role, SessionOrganization } from "../ports";
import { logAuthEvent } from "./audit";
import type { ServiceContext } from "./context";
import { durableClaim, type IdempotencyScope, settleClaim } from "./idempotent";
import { authorize, type Principal } from "./policy";
import { loadSnapshot } from "./session";

// Organizations and their members. Nobody is added here: membership comes only from an accepted
// invitation (services/invitations.ts). Who may do what is the access policy's (services/policy.ts).

/** Creates an organization owned by the caller; under an Idempotency-Key, a retry never makes a second. */
export async function createOrganization(
  ctx: ServiceContext,
  principal: Principal,
  name: string,
  idempotency: IdempotencyScope | null = null,
): Promise<SessionOrganization> {
  const { deps } = ctx;
  if (principal.kind !== "session" && principal.kind !== "access_token")
    throw new AuthError("forbidden", { message: "Organizations are created by users, not API keys." });
  const userId = principal.userId;
  if (userId === null) throw new AuthError("unauthorized");
  const now = deps.clock.now();
  const ids = { organization: generateId("org", now), membership: generateId("mem", now) };
  const answer: SessionOrganization = {
    id: ids.organization,
    name,
    is_personal_account: false,
    plan_tier: "sandbox",
    role: "owner",
  };
  const claim = await durableClaim(idempotency, answer, now);
  const result = await deps.organizations.createOrganization({ userId, name, now, ids, claim });
  return settleClaim(idempotency, result, async (snapshot) => {
    if (!snapshot) throw new AuthError("unauthorized");
    const created = snapshot.organizations.find((o) => o.id === ids.organization);
    if (!created) throw new Error("created organization not in snapshot");
    logAuthEvent("organization.created", { user_id: userId, organization_id: created.id }, now);
    return created;
  });
}

export async function listMembers(
  ctx: ServiceContext,
  principal: Principal,
  organizationId: string,
): Promise<Member[]> {
  const { deps } = ctx;
  authorize(principal, "organization.read", { organizationId });
  return deps.organizations.listMembers(organizationId);
}

async function memberOrNotFound(ctx: ServiceContext, organizationId: string, userId: string): Promise<Member> {
  const { deps } = ctx;
  const member = await deps.organizations.findMember(organizationId, userId);
  if (!member) throw new AuthError("not_found");
  return member;
}

/**
 * Changes a member's role. Owners change anyone (the last owner is kept by the database); admins and
 * admin keys change admins and members, never owners, and never grant owner. Nobody raises their own role.
 * The member's sessions, tokens and keys see the new role at once.
 */
export async function changeMemberRole(
  ctx: ServiceContext,
  principal: Principal,
  organizationId: string,
  userId: string,
  role: Role,
): Promise<Member> {
  const { deps } = ctx;
  // Outsiders learn nothing about the target: the policy answers 404 before any lookup.
  authorize(principal, "members.update_role", { organizationId });
  const target = await memberOrNotFound(ctx, organizationId, userId);
  authorize(principal, "members.update_role", {
    organizationId,
    targetUserId: userId,
    targetRole: target.role,
    newRole: role,
  });
  const now = deps.clock.now();
  const result = await deps.organizations.changeRole(organizationId, userId, role);
  if (result.status === "not_member") throw new AuthError("not_found");
  if (result.status === "last_owner")
    throw new AuthError("conflict", {
      message: "An organization keeps at least one owner; make someone else an owner first.",
    });
  await Promise.all([loadSnapshot(ctx, userId), deps.apiKeyCache.forget(result.keyIds)]);
  logAuthEvent(
    "member.role_changed",
    {
      organization_id: organizationId,
      user_id: userId,
      reason: `${target.role} -> ${role} by ${principal.userId ?? "key"}`,
    },
    now,
  );
  return result.member;
}

/**
 * Owners and admins remove members (an admin cannot remove an owner); anyone may leave. The last
 * owner can do neither (409, held by the database). The removed member's sessions and tokens lose
 * this organization at once (their snapshot is rewritten), and the API keys they created here are
 * revoked: a key never outlives its creator's membership.
 */
export async function removeMember(
  ctx: ServiceContext,
  principal: Principal,
  organizationId: string,
  userId: string,
): Promise<void> {
  const { deps } = ctx;
  authorize(principal, "members.remove", { organizationId, targetUserId: userId });
  if (principal.userId !== userId || principal.kind === "api_key") {
    const target = await memberOrNotFound(ctx, organizationId, userId);
    authorize(principal, "members.remove", { organizationId, targetUserId: userId, targetRole: target.role });
  }
  const now = deps.clock.now();
  const result = await deps.organizations.removeMember(organizationId, userId, now);
  if (result.status === "not_member") throw new AuthError("not_found");
  if (result.status === "last_owner")
    throw new AuthError("conflict", {
      message: "The last owner cannot leave or be removed; make someone else an owner first.",
    });
  await Promise.all([loadSnapshot(ctx, userId), deps.apiKeyCache.forget(result.revokedKeyIds)]);
  logAuthEvent(
    "member.removed",
    { organization_id: organizationId, user_id: userId, reason: `${result.revokedKeyIds.length} keys revoked` },
    now,
  );
}

/**
 * A user's organizations as the caller may see them: only those the caller shares with them (all of
 * one's own; an organization key shares its one organization). Platform administrators see all.
 * Invisible -> null (404), so enrolling nobody and listing reveals nothing.
 */
export async function visibleOrganizations(
  ctx: ServiceContext,
  principal: Principal,
  targetUserId: string,
): Promise<SessionOrganization[] | null> {
  const { deps } = ctx;
  if (principal.kind === "device") throw new AuthError("forbidden", { message: "Device tokens cannot do this." });
  if (principal.superuser || (principal.kind !== "api_key" && principal.userId === targetUserId)) {
    const all = await deps.organizations.organizationsOf(targetUserId, null);
    return all && all.length > 0 ? all : null;
  }
  if (principal.kind === "api_key") {
    authorize(principal, "organization.read", { organizationId: principal.organizationId });
    const all = await deps.organizations.organizationsOf(targetUserId, null);
    const shared = (all ?? []).filter((o) => o.id === principal.organizationId);
    return shared.length > 0 ? shared : null;
  }
  const shared = await deps.organizations.organizationsOf(targetUserId, principal.userId);
  return shared && shared.length > 0 ? shared : null;
}
