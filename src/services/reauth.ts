import { AuthError } from "../errors";
import type { ServiceContext } from "./context";
import { authenticatePassword, settlePasswordAttempt } from "./password-auth";
import { isRecentlyAuthenticated, type Principal, reauthRequired } from "./policy";
import { checkSecondFactor } from "./second-factor";

/**
 * Sensitive changes (email change, second factors, admin or platform keys) need recent
 * authentication: a sign-in younger than ten minutes, or proof sent with the request. For a user with
 * a second factor that proof is `mfa_code` (a current authenticator code or a recovery code): the
 * password alone is the factor they chose to back up, so it is not enough. For everyone else it is
 * the current password (a wrong one counts as a failed login, so this is no way around the lockout).
 * API keys and devices never qualify: a leaked long-lived credential must not entrench itself.
 */
export async function confirmRecentAuth(
  ctx: ServiceContext,
  principal: Principal,
  input: { email: string | null; currentPassword: string | null; mfaCode?: string | null; what: string },
): Promise<void> {
  const { deps } = ctx;
  if (principal.kind === "api_key" || principal.kind === "device")
    throw reauthRequired(`${input.what} from an API key or device is not possible; it`);
  if (isRecentlyAuthenticated(principal, deps.clock.now())) return;
  const userId = principal.userId;
  if (userId === null) throw reauthRequired(input.what);
  if (input.mfaCode) {
    const code = input.mfaCode.trim();
    await checkSecondFactor(ctx, userId, /^\d{6}$/.test(code) ? { code } : { recoveryCode: code });
    return;
  }
  if (input.currentPassword === null || input.email === null) throw reauthRequired(input.what);
  const snapshot = await deps.users.findSnapshot(userId);
  if ((snapshot?.mfa ?? []).length > 0)
    throw new AuthError("reauth_required", {
      message: `${input.what} needs a recent sign-in: send mfa_code (an authenticator or recovery code), or sign in again.`,
    });
  await settlePasswordAttempt(
    ctx,
    await authenticatePassword(ctx, { email: input.email, password: input.currentPassword }),
  );
}
