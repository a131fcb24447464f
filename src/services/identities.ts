import { identityChangedEmail } from "../email/templates";
import { AuthError } from "../errors";
import type { LinkedIdentity } from "../ports";
import { logAuthEvent } from "./audit";
import type { ServiceContext } from "./context";
import { noticeToAccount } from "./notices";

// The providers linked to an account (social sign-in): list, unlink, and the owner's notices.

export async function listIdentities(ctx: ServiceContext, userId: string): Promise<LinkedIdentity[]> {
  return ctx.deps.identities.list(userId);
}

/** Unlinks one of the caller's identities; never the account's last way to sign in. */
export async function unlinkIdentity(ctx: ServiceContext, userId: string, identityId: string): Promise<void> {
  const outcome = await ctx.deps.identities.unlink(userId, identityId);
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
