// Linking a provider to the signed-in account (the API's POST /v1/auth/oauth/{provider}/link and the
// hosted account page both start here).
import type { SessionUser } from "../../ports";
import type { ServiceContext } from "../../services/context";
import type { Principal } from "../../services/policy";
import { confirmRecentAuth } from "../../services/reauth";
import { startSocialSignIn } from "./service";

/**
 * Linking a provider to the signed-in account: adding a way in is sensitive, so it needs a recent
 * sign-in (or the current password or a code); then the same start as a sign-in, whose callback links.
 */
export async function startProviderLink(
  ctx: ServiceContext,
  principal: Principal,
  input: {
    user: SessionUser;
    provider: string;
    redirectTo: string | null;
    binding: string | null;
    currentPassword: string | null;
    mfaCode: string | null;
  },
): Promise<{ url: string; binding: string }> {
  await confirmRecentAuth(ctx, principal, {
    email: input.user.email,
    currentPassword: input.currentPassword,
    mfaCode: input.mfaCode,
    what: "Linking a sign-in provider",
  });
  return startSocialSignIn(ctx, {
    provider: input.provider,
    redirectTo: input.redirectTo,
    codeChallenge: null,
    binding: input.binding,
    linkUserId: input.user.id,
  });
}
