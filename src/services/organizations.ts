import type { AppVariables } from "../context";
import type { Deps } from "../deps";
import { AuthError } from "../errors";
import { generateId } from "../crypto/random";
import type { Member, Role, SessionOrganization } from "../storage/ports";
import { logAuthEvent } from "./audit";
import { canonicalEmail } from "./email-address";
import { loadSnapshot } from "./session";

type Auth = NonNullable<AppVariables["auth"]>;

/**
 * What the caller may do in an organization: a member acts by role; an API key acts only in its own
 * organization, by scope (`admin` manages, `read` lists). Anyone else gets 404, never a hint.
 */
function standing(auth: Auth, organizationId: string): { role: Role | null; key: boolean } {
  if (auth.via === "api_key") {
    if (auth.identity.organization_id !== organizationId) throw new AuthError("not_found");
    return { role: null, key: true };
  }
  const membership = auth.snapshot?.organizations.find((o) => o.id === organizationId);
  if (!membership) throw new AuthError("not_found");
  return { role: membership.role, key: false };
}

function canManage(auth: Auth, organizationId: string): Role | "key" {
  const { role, key } = standing(auth, organizationId);
  if (key) {
    if (!auth.identity.scopes.includes("admin")) throw new AuthError("insufficient_scope", { message: "This needs the admin scope." });
    return "key";
  }
  if (role !== "owner" && role !== "admin") throw new AuthError("forbidden", { message: "Only owners and admins manage members." });
  return role;
}

export async function createOrganization(deps: Deps, auth: Auth, name: string): Promise<SessionOrganization> {
  const user = auth.snapshot;
  if (!user) throw new AuthError("forbidden", { message: "Organizations are created by users, not API keys." });
  const now = deps.clock.now();
  const ids = { organization: generateId("org", now), membership: generateId("mem", now) };
  const snapshot = await deps.organizations.createOrganization({ userId: user.user.id, name, now, ids });
  if (!snapshot) throw new AuthError("unauthorized");
  await deps.userState.putSnapshot(snapshot.user.id, snapshot);
  const created = snapshot.organizations.find((o) => o.id === ids.organization);
  if (!created) throw new Error("created organization not in snapshot");
  logAuthEvent("organization.created", { user_id: user.user.id, organization_id: created.id }, now);
  return created;
}

export async function listMembers(deps: Deps, auth: Auth, organizationId: string): Promise<Member[]> {
  const { key } = standing(auth, organizationId);
  if (key && !auth.identity.scopes.includes("read")) throw new AuthError("insufficient_scope", { message: "This needs the read scope." });
  return deps.organizations.listMembers(organizationId);
}

export async function addMember(deps: Deps, auth: Auth, organizationId: string, input: { email: string; role: Role }): Promise<Member> {
  const actor = canManage(auth, organizationId);
  // Owners make owners; an admin (or a key) cannot hand out more than admin.
  if (input.role === "owner" && actor !== "owner") throw new AuthError("forbidden", { message: "Only an owner can add another owner." });
  const email = canonicalEmail(input.email);
  if (email === null) throw new AuthError("validation_error", { details: [{ field: "email", message: "must be a single plain email address" }] });
  const now = deps.clock.now();
  const added = await deps.organizations.addMember({ organizationId, email, role: input.role, now, membershipId: generateId("mem", now) });
  if (added === null) throw new AuthError("not_found", { message: "No account uses that email address; ask them to sign up first." });
  if (added === "exists") throw new AuthError("conflict", { message: "That user is already a member." });
  await loadSnapshot(deps, added.userId);
  logAuthEvent("member.added", { organization_id: organizationId, user_id: added.userId, reason: input.role }, now);
  const member = (await deps.organizations.listMembers(organizationId)).find((m) => m.user_id === added.userId);
  if (!member) throw new Error("added member not listed");
  return member;
}

/**
 * Owners and admins remove members (an admin cannot remove an owner); anyone may leave. The last
 * owner can do neither (409). The removed member's sessions and tokens lose this organization at once
 * (their snapshot is rewritten), and the API keys they created here are revoked: a key never outlives
 * its creator's membership.
 */
export async function removeMember(deps: Deps, auth: Auth, organizationId: string, userId: string): Promise<void> {
  const self = auth.snapshot?.user.id === userId;
  if (!self) {
    const actor = canManage(auth, organizationId);
    const target = (await deps.organizations.listMembers(organizationId)).find((m) => m.user_id === userId);
    if (!target) throw new AuthError("not_found");
    if (target.role === "owner" && actor !== "owner") throw new AuthError("forbidden", { message: "Only an owner can remove an owner." });
  } else {
    standing(auth, organizationId);
  }
  const now = deps.clock.now();
  const result = await deps.organizations.removeMember(organizationId, userId, now);
  if (result.status === "not_member") throw new AuthError("not_found");
  if (result.status === "last_owner") throw new AuthError("conflict", { message: "The last owner cannot leave or be removed; make someone else an owner first." });
  await Promise.all([loadSnapshot(deps, userId), deps.apiKeyCache.forget(result.revokedKeyIds)]);
  logAuthEvent("member.removed", { organization_id: organizationId, user_id: userId, reason: `${result.revokedKeyIds.length} keys revoked` }, now);
}

/**
 * A user's organizations as the caller may see them: the ones they share (all of a user's own);
 * an admin-scoped key sees all of them, but only for users in its own organization. Invisible -> null.
 */
export async function visibleOrganizations(deps: Deps, auth: Auth, targetUserId: string): Promise<SessionOrganization[] | null> {
  if (auth.via === "api_key") {
    if (!auth.identity.scopes.includes("admin")) throw new AuthError("insufficient_scope", { message: "This needs the admin scope." });
    const all = await deps.organizations.organizationsOf(targetUserId, null);
    return all && all.some((o) => o.id === auth.identity.organization_id) ? all : null;
  }
  const viewer = auth.snapshot!.user.id;
  const shared = await deps.organizations.organizationsOf(targetUserId, viewer === targetUserId ? null : viewer);
  return shared && shared.length > 0 ? shared : null;
}
