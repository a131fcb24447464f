import type { ServiceContext } from "./context";
import { authenticatePassword, settlePasswordAttempt } from "./password-auth";
import { isRecentlyAuthenticated, type Principal, reauthRequired } from "./policy";

/**
 * Sensitive changes (email change, admin or platform keys) need recent authentication: a sign-in
 * younger than ten minutes, or the current password sent with the request (a wrong one counts as a
 * failed login, so this is no way around the lockout). API keys and devices never qualify: a leaked
 * long-lived credential must not be able to entrench itself.
 */
export async function confirmRecentAuth(
  ctx: ServiceContext,
  principal: Principal,
  input: { email: string | null; currentPassword: string | null; what: string },
): Promise<void> {
  const { deps } = ctx;
  if (principal.kind === "api_key" || principal.kind === "device")
    throw reauthRequired(`${input.what} from an API key or device is not possible; it`);
  if (isRecentlyAuthenticated(principal, deps.clock.now())) return;
  if (input.currentPassword === null || input.email === null) throw reauthRequired(input.what);
  await settlePasswordAttempt(
    ctx,
    await authenticatePassword(ctx, { email: input.email, password: input.currentPassword }),
  );
}
