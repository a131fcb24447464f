import type { Config } from "../config";
import { AuthError } from "../errors";
import type { Role, SessionUser } from "../ports";

// The one access policy: "may this principal do this to that target". Guards and services ask it;
// nothing else decides. Two kinds of administrator exist and never mix:
// - organization owners/admins (and admin-scoped keys of that organization) manage the
//   organization's members, invitations, keys and devices, and nothing about a person's account;
// - platform administrators (superusers, or keys with the reserved `platform` scope) alone use
//   /v1/admin/*: accounts, disable/enable, sign-in links.
// An organization never reaches an account it does not own: membership comes only from the invited
// person's consent (services/invitations.ts).

export const PLATFORM_SCOPE = "platform";
/** How long a sign-in counts as "recent" for sensitive changes (email change, admin/platform keys). */
export const RECENT_AUTH_MS = 10 * 60 * 1000;

export type OrgAction =
  | "organization.read"
  | "members.update_role"
  | "members.remove"
  | "invitations.manage"
  | "api_keys.manage"
  | "devices.read_all"
  | "devices.revoke_any"
  | "publishable_keys.manage"
  | "pairing.create"
  | "tokens.introspect"
  | "settings.update"
  | "webhooks.manage";

export interface Principal {
  kind: "session" | "access_token" | "api_key" | "device";
  /** The person acting: the signed-in user, or the member who minted the key. */
  userId: string | null;
  /** The organization the credential acts in. */
  organizationId: string;
  /** The person's role in each of their organizations (a key knows only its own organization). */
  roles: Record<string, Role>;
  /** The credential's current scopes in its organization. */
  scopes: string[];
  /** Platform administrator standing of this credential. */
  superuser: boolean;
  /** When the person last proved who they are (ms); null for keys and devices. */
  authenticatedAt: number | null;
  /** The API key acting, if any. */
  keyId: string | null;
  /** Organizations that require a second factor the person has not set up (none for keys and devices). */
  mfaMissingFor?: string[];
}

export interface OrgTarget {
  organizationId: string;
  /** For member changes: whose membership, and their current role. */
  targetUserId?: string;
  targetRole?: Role;
  /** For role changes and invitations: the role to hand out. */
  newRole?: Role;
}

/** Key scope each organization action needs when the caller is an API key. */
const KEY_SCOPE: Record<OrgAction, string[]> = {
  "organization.read": ["read"],
  "members.update_role": ["admin"],
  "members.remove": ["admin"],
  "invitations.manage": ["admin"],
  "api_keys.manage": ["admin"],
  "devices.read_all": ["read", "admin"],
  "devices.revoke_any": ["admin"],
  "publishable_keys.manage": ["admin"],
  "pairing.create": ["write"],
  "tokens.introspect": ["read"],
  "settings.update": ["admin"],
  "webhooks.manage": ["admin"],
};

/** Actions that hand out something long-lived: never with an access token. */
const LONG_LIVED = new Set<OrgAction>(["api_keys.manage", "publishable_keys.manage", "webhooks.manage"]);

/** Actions any member may take; the rest need owner or admin. */
const ANY_MEMBER = new Set<OrgAction>(["organization.read", "pairing.create"]);

const RANK: Record<Role, number> = { member: 1, admin: 2, owner: 3 };
export const roleRank = (role: Role): number => RANK[role];

/** Owners and admins hold the whole scope vocabulary; members all of it but `admin`. */
export function scopesForRole(role: Role, vocabulary: readonly string[]): string[] {
  return role === "member" ? vocabulary.filter((s) => s !== "admin") : [...vocabulary];
}

/** A superuser by the database flag, or by SUPERUSER_EMAILS for an address its owner has proven. */
export function isSuperuser(config: Config, user: SessionUser | null | undefined): boolean {
  if (!user) return false;
  if (user.is_superuser === true) return true;
  return user.email_verified && config.superuserEmails.includes(user.email);
}

/** The standing an allowed caller acts with: its role, or "key" for an organization key (acts as admin). */
export type Standing = Role | "key";

/**
 * Decides an organization action; throws the answer the caller gets when refused. Outsiders get
 * 404 (an organization that is not yours does not exist for you), members without the role 403.
 */
export function authorize(p: Principal, action: OrgAction, target: OrgTarget): Standing {
  if (p.kind === "device") throw new AuthError("forbidden", { message: "Device tokens cannot do this." });
  if (LONG_LIVED.has(action) && p.kind === "access_token") {
    // A leaked app token must not be able to mint long-lived keys, nor point the organization's
    // events (members' addresses, sign-ins) at a receiver of its choosing.
    throw new AuthError("forbidden", {
      message: "This is managed from a signed-in browser session or with an admin-scoped API key.",
    });
  }
  if (action === "tokens.introspect") {
    // Introspection serves resource servers, which hold keys; people and apps already have /me.
    if (p.kind !== "api_key")
      throw new AuthError("forbidden", { message: "Introspection is for servers: authenticate with an API key." });
    // A platform key may ask about any organization's tokens.
    if (p.superuser) return "key";
  }
  if (action === "settings.update" && p.kind === "api_key")
    throw new AuthError("forbidden", { message: "Organization settings are an owner's, signed in." });
  if (p.kind === "api_key") {
    if (p.organizationId !== target.organizationId) throw new AuthError("not_found");
    const needed = KEY_SCOPE[action];
    if (!needed.some((s) => p.scopes.includes(s)))
      throw new AuthError("insufficient_scope", { message: `This needs the ${needed.join(" or ")} scope.` });
    // An organization key acts as an admin at most: it never touches owners or makes them.
    checkRoleRules("admin", action, target);
    return "key";
  }
  const role = p.roles[target.organizationId];
  if (!role) throw new AuthError("not_found");
  const self = target.targetUserId !== undefined && target.targetUserId === p.userId;
  // Anyone may leave, a member the organization asks for a second factor too (the last owner is
  // kept by the database).
  if (action === "members.remove" && self) return role;
  // The organization asks its members for a second factor: nothing there until they set one up.
  if (p.mfaMissingFor?.includes(target.organizationId)) throw new AuthError("mfa_enrollment_required");
  if (action === "settings.update" && role !== "owner")
    throw new AuthError("forbidden", { message: "Only an owner can change the organization's settings." });
  if (!ANY_MEMBER.has(action) && role === "member")
    throw new AuthError("forbidden", { message: "Only owners and admins can do this." });
  checkRoleRules(role, action, target);
  return role;
}

/** Admins (and keys) never touch owners and never hand out more than they hold; that also stops self-raising. */
function checkRoleRules(actor: Role, action: OrgAction, target: OrgTarget): void {
  if (actor === "owner") return;
  if (target.targetRole === "owner" && (action === "members.update_role" || action === "members.remove")) {
    throw new AuthError("forbidden", { message: "Only an owner can change or remove an owner." });
  }
  if (target.newRole !== undefined && roleRank(target.newRole) > roleRank(actor)) {
    throw new AuthError("forbidden", { message: `You cannot grant a role above your own (${actor}).` });
  }
}

/** The platform API: superusers' own credentials, or keys holding the reserved `platform` scope. */
export function authorizePlatform(p: Principal): void {
  if (p.kind === "device") throw new AuthError("forbidden", { message: "Device tokens cannot do this." });
  if (p.superuser) return;
  throw new AuthError("forbidden", {
    message:
      p.kind === "api_key"
        ? "Organization API keys cannot use the platform API; it takes a platform-scoped key."
        : "The platform API is for platform administrators.",
  });
}

/** Sensitive changes need a sign-in younger than ten minutes (or the current password, checked by the caller). */
export function isRecentlyAuthenticated(p: Principal, now: number): boolean {
  return p.authenticatedAt !== null && now - p.authenticatedAt <= RECENT_AUTH_MS;
}

export function reauthRequired(what: string): AuthError {
  return new AuthError("reauth_required", {
    message: `${what} needs a recent sign-in: sign in again (or send current_password) and retry within 10 minutes.`,
  });
}
