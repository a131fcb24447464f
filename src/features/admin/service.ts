import { generateId } from "../../crypto/random";
import { AuthError } from "../../errors";
import type { PlatformUser } from "../../ports";
import { logAuthEvent } from "../../services/audit";
import type { ServiceContext } from "../../services/context";
import { canonicalEmail } from "../../services/email-address";
import { issueMagicLink, requestMagicLink } from "../../services/magic-link";
import { authorizePlatform, type Principal } from "../../services/policy";
import { resolveRedirect } from "../../services/redirects";
import { revokeAllCredentials } from "../../services/revocation";
import { loadSnapshot } from "../../services/session";

// The platform API: for the deployment's own operators and trusted services only (superusers, or
// keys with the reserved `platform` scope). Organizations have no part in it: an organization's
// admins manage memberships, never accounts. Every call is written to the audit table, and the
// policy is asked again here, so no route can reach these verbs without it.

/** A service context that carries the platform caller (every verb here asks the policy about it). */
export interface PlatformContext extends ServiceContext {
  principal: Principal;
}

async function audit(
  ctx: PlatformContext,
  action: string,
  target: string | null,
  details?: Record<string, unknown>,
): Promise<void> {
  const now = ctx.deps.clock.now();
  const { principal } = ctx;
  await ctx.deps.admin.audit({
    actorKind: principal.kind === "api_key" ? "api_key" : "user",
    actorId: principal.kind === "api_key" ? (principal.keyId ?? "unknown") : (principal.userId ?? "unknown"),
    organizationId: null,
    action,
    target,
    requestId: ctx.requestId,
    details: principal.kind === "api_key" ? { ...details, on_behalf_of: principal.userId } : details,
    now,
  });
  logAuthEvent(
    "platform.action",
    { user_id: principal.userId ?? undefined, reason: `${action} ${target ?? ""}`.trim() },
    now,
  );
}

function email(input: string): string {
  const canonical = canonicalEmail(input);
  if (canonical === null)
    throw new AuthError("validation_error", {
      details: [{ field: "email", message: "must be a single plain email address" }],
    });
  return canonical;
}

export async function findUsersByEmail(ctx: PlatformContext, address: string): Promise<PlatformUser[]> {
  authorizePlatform(ctx.principal);
  const user = await ctx.deps.admin.findUser({ email: email(address) });
  await audit(ctx, "users.search", user?.id ?? null, { found: user !== null });
  return user ? [user] : [];
}

export async function getUser(ctx: PlatformContext, userId: string): Promise<PlatformUser> {
  authorizePlatform(ctx.principal);
  const user = await ctx.deps.admin.findUser({ id: userId });
  await audit(ctx, "users.get", userId, { found: user !== null });
  if (!user) throw new AuthError("not_found");
  return user;
}

/** Creates an account (its address proven at its first sign-in); optionally emails a sign-in link. */
export async function createUser(
  ctx: PlatformContext,
  input: { email: string; name: string | null; sendMagicLink: boolean },
): Promise<{ user: PlatformUser; created: boolean }> {
  authorizePlatform(ctx.principal);
  const now = ctx.deps.clock.now();
  const address = email(input.email);
  const result = await ctx.deps.admin.createUser({ id: generateId("usr", now), email: address, name: input.name, now });
  await audit(ctx, "users.create", result.user.id, { created: result.created });
  // A platform caller is an authenticated server: no per-IP budget (the per-address limit stays).
  if (input.sendMagicLink)
    await requestMagicLink(ctx, {
      email: address,
      name: input.name,
      organizationName: null,
      redirectTo: null,
      ip: null,
    });
  return result;
}

/**
 * Disables an account: every session, refresh token, access token, device and API key of theirs
 * stops at once, and no sign-in works afterwards. Re-enabling does not bring old credentials back.
 */
export async function setUserDisabled(ctx: PlatformContext, userId: string, disabled: boolean): Promise<PlatformUser> {
  authorizePlatform(ctx.principal);
  if (disabled && userId === ctx.principal.userId)
    throw new AuthError("conflict", { message: "You cannot disable your own account." });
  const result = await ctx.deps.admin.setDisabled(userId, disabled, ctx.deps.clock.now());
  if (!result) throw new AuthError("not_found");
  if (disabled) await revokeAllCredentials(ctx, userId, null);
  await Promise.all([
    loadSnapshot(ctx, userId),
    ctx.deps.apiKeyCache.forget(result.keyIds),
    audit(ctx, disabled ? "users.disable" : "users.enable", userId, { keys: result.keyIds.length }),
  ]);
  return result.user;
}

/**
 * A sign-in link for an account (as Stripe checkout does): emailed by default, or returned to the
 * caller with `delivery: "return"` for a platform that sends its own email.
 */
export async function mintMagicLink(
  ctx: PlatformContext,
  input: { email: string; redirectTo: string | null; delivery: "email" | "return" },
): Promise<{ sent: boolean; magic_link?: string; expires_in: number }> {
  authorizePlatform(ctx.principal);
  const address = email(input.email);
  const user = await ctx.deps.admin.findUser({ email: address });
  if (!user || user.disabled) throw new AuthError("not_found");
  if (input.redirectTo !== null && resolveRedirect(ctx.config, input.redirectTo) === null) {
    throw new AuthError("validation_error", {
      details: [{ field: "redirect_to", message: "must be a path on this site or a URL on a trusted origin" }],
    });
  }
  await audit(ctx, "magic_links.create", user.id, { delivery: input.delivery });
  const expires_in = ctx.config.magicLink.ttlSeconds;
  if (input.delivery === "return") {
    const { link } = await issueMagicLink(ctx, {
      email: address,
      name: null,
      organizationName: null,
      redirectTo: input.redirectTo,
    });
    return { sent: false, magic_link: link, expires_in };
  }
  await requestMagicLink(ctx, {
    email: address,
    name: null,
    organizationName: null,
    redirectTo: input.redirectTo,
    ip: null,
  });
  return { sent: true, expires_in };
}
