import type { EmailMessage } from "../ports";
import type { ServiceContext } from "./context";

/**
 * After the response: the account's current address hears of a change to how it signs in (a way in
 * linked or removed, a second factor added or removed, a recovery code used). Read from Postgres at
 * send time, so an address changed meanwhile is the one told.
 */
export function noticeToAccount(
  ctx: ServiceContext,
  userId: string,
  label: string,
  message: (to: string) => EmailMessage,
): void {
  ctx.defer(label, async () => {
    const snapshot = await ctx.deps.users.findSnapshot(userId);
    if (snapshot) await ctx.deps.email.send(message(snapshot.user.email));
  });
}
