import { identityChangedEmail } from "../../email/templates";
import { AuthError } from "../../errors";
import type { LinkedIdentity, SessionUser } from "../../ports";
import { logAuthEvent } from "../../services/audit";
import type { ServiceContext } from "../../services/context";
import type { Reauth } from "../../services/mfa";
import { noticeToAccount } from "../../services/notices";
import type { Principal } from "../../services/policy";
import { confirmRecentAuth } from "../../services/reauth";

// The providers linked to an account (social sign-in): list, unlink, and the owner's notices.

export async function listIdentities(ctx: ServiceContext, userId: string): Promise<LinkedIdentity[]> {
  return ctx.deps.identities.list(userId);
}

/**
 * Unlinks one of the caller's identities; never the account's last way to sign in. A way in is
 * removed, so recent authentication is needed, as for a passkey or an authenticator app.
 */
export async function unlinkIdentity(
  ctx: ServiceContext,
  principal: Principal,
  input: Reauth & { user: SessionUser; id: string },
): Promise<void> {
  const userId = input.user.id;
  await confirmRecentAuth(ctx, principal, { ...input, email: input.user.email, what: "Unlinking a provider" });
  const outcome = await ctx.deps.identities.unlink(userId, input.id);
  if (outcome.status === "not_found") throw new AuthError("not_found");
  if (outcome.status === "last_method")
    throw new AuthError("conflict", {
      message: "This is your only way to sign in: set a password or verify your email address first.",
    });
  logAuthEvent("oauth.unlinked", { user_id: userId }, ctx.deps.clock.now());
  const label = ctx.config.oauth.providers.find((p) => p.name === outcome.provider)?.label ?? outcome.provider;
  notifyIdentityChange(ctx, userId, label ?? "A provider", "unlinked");
}

/** After the response: the account's address hears that a way in was added or removed. */
export function notifyIdentityChange(
  ctx: ServiceContext,
  userId: string,
  provider: string,
  change: "linked" | "unlinked",
) {
  noticeToAccount(ctx, userId, "identity_change_notice", (to) => identityChangedEmail(to, provider, change));
}
