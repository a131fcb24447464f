import { generateId } from "../crypto/random";
import { AuthError } from "../errors";
import type { Member, Role, SessionOrganization } from "../ports";
import { logAuthEvent } from "./audit";
import type { ServiceContext } from "./context";
import { durableClaim, type IdempotencyScope, settleClaim } from "./idempotent";
import type { Reauth } from "./mfa";
import { authorize, type OrgAction, type Principal } from "./policy";
import { confirmRecentAuth } from "./reauth";
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
    require_mfa: false,
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
  // Shared, and readable by the viewer there: the access policy's word (an organization that asks the
  // viewer for a second factor they lack shows them nothing of itself, this listing included).
  const shared = (await deps.organizations.organizationsOf(targetUserId, principal.userId))?.filter((o) =>
    permits(principal, "organization.read", o.id),
  );
  return shared && shared.length > 0 ? shared : null;
}

function permits(principal: Principal, action: OrgAction, organizationId: string): boolean {
  try {
    authorize(principal, action, { organizationId });
    return true;
  } catch (error) {
    if (error instanceof AuthError) return false;
    throw error;
  }
}

/**
 * An owner's setting: members need a second factor to act in the organization. Sensitive both ways
 * (turning it off is what an attacker holding an owner's session would want), so it needs recent
 * authentication; turning it on needs the owner's own second factor, so no owner locks themselves out.
 * Members' cached snapshots are dropped, so the rule applies from their next request.
 */
export async function setRequireMfa(
  ctx: ServiceContext,
  principal: Principal,
  input: { organizationId: string; required: boolean; email: string | null; reauth: Reauth },
): Promise<SessionOrganization> {
  const { deps } = ctx;
  authorize(principal, "settings.update", { organizationId: input.organizationId });
  await confirmRecentAuth(ctx, principal, { ...input.reauth, email: input.email, what: "Changing MFA rules" });
  const userId = principal.userId as string;
  if (input.required && ((await loadSnapshot(ctx, userId))?.mfa ?? []).length === 0)
    throw new AuthError("mfa_enrollment_required", {
      message: "Set up your own second factor before requiring one of your members.",
    });
  const members = await deps.organizations.setRequireMfa(input.organizationId, input.required, deps.clock.now());
  if (members === null) throw new AuthError("not_found");
  await deps.userState.dropSnapshots(members);
  logAuthEvent(
    "organization.mfa_rule_changed",
    { user_id: userId, organization_id: input.organizationId, ip: ctx.ip, reason: input.required ? "on" : "off" },
    deps.clock.now(),
  );
  const organization = (await loadSnapshot(ctx, userId))?.organizations.find((o) => o.id === input.organizationId);
  if (!organization) throw new AuthError("not_found");
  return organization;
}
