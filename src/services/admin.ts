import type { Config } from "../config";
import type { AppVariables } from "../context";
import type { Deps } from "../deps";
import { AuthError } from "../errors";
import { generateId } from "../crypto/random";
import type { AdminUser, Role } from "../storage/ports";
import { canonicalEmail } from "./email-address";
import { issueMagicLink, requestMagicLink } from "./magic-link";
import { resolveRedirect } from "./redirects";
import { revokeAllCredentials } from "./revocation";
import { loadSnapshot } from "./session";

// The admin API belongs to admin-scoped API keys, and an organization's key administers that
// organization's members only: another tenant's users are 404 to it. Every call is written to the
// audit table (who, what, when, request id).

type Auth = NonNullable<AppVariables["auth"]>;

export interface AdminContext {
  deps: Deps;
  config: Config;
  auth: Auth;
  requestId: string;
  ip: string;
}

async function audit(ctx: AdminContext, action: string, target: string | null, details?: Record<string, unknown>): Promise<void> {
  await ctx.deps.admin.audit({
    actorKind: "api_key",
    actorId: ctx.auth.identity.credential_id,
    organizationId: ctx.auth.identity.organization_id,
    action,
    target,
    requestId: ctx.requestId,
    details,
    now: ctx.deps.clock.now(),
  });
}

function email(input: string): string {
  const canonical = canonicalEmail(input);
  if (canonical === null) throw new AuthError("validation_error", { details: [{ field: "email", message: "must be a single plain email address" }] });
  return canonical;
}

export async function findUsersByEmail(ctx: AdminContext, address: string): Promise<AdminUser[]> {
  const user = await ctx.deps.admin.findMember(ctx.auth.identity.organization_id, { email: email(address) });
  await audit(ctx, "users.search", user?.id ?? null, { found: user !== null });
  return user ? [user] : [];
}

export async function getUser(ctx: AdminContext, userId: string): Promise<AdminUser> {
  const user = await ctx.deps.admin.findMember(ctx.auth.identity.organization_id, { id: userId });
  await audit(ctx, "users.get", userId, { found: user !== null });
  if (!user) throw new AuthError("not_found");
  return user;
}

/** Creates the account if the address is new and makes it a member; optionally emails a sign-in link. */
export async function createUser(ctx: AdminContext, input: { email: string; name: string | null; role: Role; sendMagicLink: boolean }): Promise<{ user: AdminUser; created: boolean }> {
  if (input.role === "owner") throw new AuthError("forbidden", { message: "API keys cannot make owners; an owner can, from a signed-in session." });
  const now = ctx.deps.clock.now();
  const address = email(input.email);
  const result = await ctx.deps.admin.ensureMember({
    organizationId: ctx.auth.identity.organization_id,
    email: address,
    name: input.name,
    role: input.role,
    now,
    ids: { user: generateId("usr", now), membership: generateId("mem", now) },
  });
  await Promise.all([audit(ctx, "users.create", result.user.id, { created: result.created, role: input.role }), loadSnapshot(ctx.deps, result.user.id)]);
  // An admin key is an authenticated server caller: no per-IP budget (the per-address limit stays).
  if (input.sendMagicLink) await requestMagicLink(ctx.deps, ctx.config, { email: address, name: input.name, organizationName: null, redirectTo: null, ip: null });
  return result;
}

/**
 * Disables a member: every session, refresh token, access token and API key of theirs stops at once,
 * and no sign-in works afterwards. Refused (409) for someone who also belongs to organizations other
 * than this one: one tenant must not lock a person out of another tenant; remove them instead.
 */
export async function disableUser(ctx: AdminContext, userId: string): Promise<AdminUser> {
  const user = await ctx.deps.admin.findMember(ctx.auth.identity.organization_id, { id: userId });
  if (!user) throw new AuthError("not_found");
  if (user.other_organizations > 0) {
    throw new AuthError("conflict", { message: "This user also belongs to other organizations; remove them from yours instead of disabling the account." });
  }
  const keyIds = await ctx.deps.admin.disableUser(userId, ctx.deps.clock.now());
  await Promise.all([revokeAllCredentials(ctx.deps, userId, null), ctx.deps.apiKeyCache.forget(keyIds), audit(ctx, "users.disable", userId, { keys: keyIds.length })]);
  return { ...user, disabled: true };
}

/**
 * A sign-in link for a member (as Stripe checkout does): emailed by default, or returned to the caller
 * with `delivery: "return"` for apps that send their own email.
 */
export async function mintMagicLink(ctx: AdminContext, input: { email: string; redirectTo: string | null; delivery: "email" | "return" }): Promise<{ sent: boolean; magic_link?: string; expires_in: number }> {
  const address = email(input.email);
  const member = await ctx.deps.admin.findMember(ctx.auth.identity.organization_id, { email: address });
  if (!member || member.disabled) throw new AuthError("not_found");
  if (input.redirectTo !== null && resolveRedirect(ctx.config, input.redirectTo) === null) {
    throw new AuthError("validation_error", { details: [{ field: "redirect_to", message: "must be a path on this site or a URL on a trusted origin" }] });
  }
  await audit(ctx, "magic_links.create", member.id, { delivery: input.delivery });
  const expires_in = ctx.config.magicLink.ttlSeconds;
  if (input.delivery === "return") {
    const { link } = await issueMagicLink(ctx.deps, ctx.config, { email: address, name: null, organizationName: null, redirectTo: input.redirectTo });
    return { sent: false, magic_link: link, expires_in };
  }
  await requestMagicLink(ctx.deps, ctx.config, { email: address, name: null, organizationName: null, redirectTo: input.redirectTo, ip: null });
  return { sent: true, expires_in };
}
