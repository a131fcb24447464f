import { AuthError } from "../errors";
import type { SessionOrganization, SessionUser, UserSnapshot } from "../ports";
import type { ServiceContext } from "./context";
import { authenticatePassword, recordPasswordLogin, signedInSnapshot } from "./password-auth";
import { createSession, type NewSession } from "./session";
import { issueTokens, type TokenResponse } from "./tokens";

// Password sign-ins, in the three forms apps use: a browser session, a token pair, or a bare check
// for management apps that mint their own tokens. Magic links, invitations and storefront codes sign
// in through their own services with the same sessions (services/session.ts) and tokens (services/tokens.ts).

export interface BrowserSignIn {
  user: SessionUser;
  organization: SessionOrganization;
  session: NewSession;
}

/** The organization a fresh sign-in acts in: the account's first (personal first). */
function firstOrganization(snapshot: UserSnapshot): SessionOrganization {
  const organization = snapshot.organizations[0];
  if (!organization) throw new AuthError("forbidden", { message: "This account belongs to no organization." });
  return organization;
}

/** Email + password -> a browser session (two sequential round trips plus the hash). */
export async function signInWithPassword(
  ctx: ServiceContext,
  input: { email: string; password: string; remember: boolean },
): Promise<BrowserSignIn> {
  const auth = await authenticatePassword(ctx, input);
  const now = ctx.now();
  const snapshot = signedInSnapshot(auth, now);
  const organization = firstOrganization(snapshot);
  const [session] = await Promise.all([
    createSession(ctx, { snapshot, organizationId: organization.id, remember: input.remember }),
    recordPasswordLogin(ctx, auth, now),
  ]);
  return { user: snapshot.user, organization, session };
}

/** Email + password -> an access token and a rotating refresh token. */
export async function grantTokensWithPassword(
  ctx: ServiceContext,
  input: { email: string; password: string },
): Promise<TokenResponse> {
  const auth = await authenticatePassword(ctx, input);
  const now = ctx.now();
  const snapshot = signedInSnapshot(auth, now);
  const [tokens] = await Promise.all([
    issueTokens(ctx, snapshot, firstOrganization(snapshot)),
    recordPasswordLogin(ctx, auth, now),
  ]);
  return tokens;
}

/**
 * Email + password checked, nothing issued (throttled and counted like a login). Answers the user with
 * their organizations and roles, so a management app that mints its own tokens needs one call.
 */
export async function checkCredentials(
  ctx: ServiceContext,
  input: { email: string; password: string },
): Promise<{ user: SessionUser; organization: SessionOrganization; organizations: SessionOrganization[] }> {
  const auth = await authenticatePassword(ctx, input);
  const now = ctx.now();
  await recordPasswordLogin(ctx, auth, now);
  const snapshot = signedInSnapshot(auth, now);
  return { user: snapshot.user, organization: firstOrganization(snapshot), organizations: snapshot.organizations };
}
