import { AuthError } from "../errors";
import type { SessionOrganization, SessionUser, UserSnapshot } from "../ports";
import type { ServiceContext } from "./context";
import { authenticatePassword, recordPasswordLogin, signedInSnapshot } from "./password-auth";
import { createSession, type NewSession } from "./session";
import { type Completion, type MfaChallenge, stepUpIfEnrolled } from "./step-up";
import { issueTokens, type TokenResponse } from "./tokens";

// Password sign-ins, in the three forms apps use: a browser session, a token pair, or a bare check
// for management apps that mint their own tokens. Magic links, invitations and storefront codes sign
// in through their own services with the same sessions (services/session.ts) and tokens (services/tokens.ts).
// A user with a second factor gets an MFA challenge instead (services/step-up.ts) from each of them.

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
  input: { email: string; password: string; remember: boolean; redirectTo?: string | null },
): Promise<BrowserSignIn | MfaChallenge> {
  const auth = await authenticatePassword(ctx, input);
  const now = ctx.now();
  const snapshot = signedInSnapshot(auth, now);
  const organization = firstOrganization(snapshot);
  const completion: Completion = {
    kind: "session",
    organizationId: organization.id,
    remember: input.remember,
    redirectTo: input.redirectTo ?? null,
  };
  const stepUp = await stepUpIfEnrolled(ctx, snapshot, completion, "password");
  if (stepUp) {
    await recordPasswordLogin(ctx, auth, now);
    return stepUp;
  }
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
): Promise<TokenResponse | MfaChallenge> {
  const auth = await authenticatePassword(ctx, input);
  const now = ctx.now();
  const snapshot = signedInSnapshot(auth, now);
  const organization = firstOrganization(snapshot);
  const stepUp = await stepUpIfEnrolled(ctx, snapshot, { kind: "tokens", organizationId: organization.id }, "password");
  if (stepUp) {
    await recordPasswordLogin(ctx, auth, now);
    return stepUp;
  }
  const [tokens] = await Promise.all([issueTokens(ctx, snapshot, organization), recordPasswordLogin(ctx, auth, now)]);
  return tokens;
}

/**
 * Email + password checked, nothing issued (throttled and counted like a login). Answers the user with
 * their organizations and roles, so a management app that mints its own tokens needs one call.
 */
export async function checkCredentials(
  ctx: ServiceContext,
  input: { email: string; password: string },
): Promise<
  { user: SessionUser; organization: SessionOrganization; organizations: SessionOrganization[] } | MfaChallenge
> {
  const auth = await authenticatePassword(ctx, input);
  const now = ctx.now();
  await recordPasswordLogin(ctx, auth, now);
  const snapshot = signedInSnapshot(auth, now);
  // A password alone does not vouch for a user with a second factor, even to an app minting its own tokens.
  const stepUp = await stepUpIfEnrolled(ctx, snapshot, { kind: "check" }, "password");
  if (stepUp) return stepUp;
  return { user: snapshot.user, organization: firstOrganization(snapshot), organizations: snapshot.organizations };
}
