import { sha256Hex } from "../crypto/hash";
import { generateId, generateToken, isOpaqueToken } from "../crypto/random";
import { invitationEmail } from "../email/templates";
import { AuthError, rateLimited } from "../errors";
import type { Invitation, Role, SessionOrganization, SessionUser } from "../ports";
import { emailDomain, logAuthEvent } from "./audit";
import type { ServiceContext } from "./context";
import { INVITATIONS, TOKEN_FAILURES } from "./limits";
import { tokenLink } from "./one-time-tokens";
import { requireEmail } from "./password-auth";
import { authorize, type Principal } from "./policy";
import { revokeAllCredentials } from "./revocation";
import { createSession, loadSnapshot, type NewSession } from "./session";
import { type MfaChallenge, stepUpIfEnrolled } from "./step-up";

// Membership only by consent. An organization's owner or admin invites an address; the answer is
// the same whether or not an account uses it, and nobody becomes a member until the owner of that
// address accepts: signed in with that address proven, or through the emailed link (which proves it).
// An invitation never grants more than the inviter holds, and dies when the inviter loses the right.

export const INVITATION_TTL_MS = 7 * 86_400_000;

export async function inviteMember(
  ctx: ServiceContext,
  principal: Principal,
  input: { organizationId: string; email: string; role: Role; inviterEmail: string | null },
): Promise<Invitation> {
  const { deps, config } = ctx;
  authorize(principal, "invitations.manage", { organizationId: input.organizationId, newRole: input.role });
  if (principal.userId === null)
    throw new AuthError("forbidden", { message: "This API key has no member behind it to invite on behalf of." });
  const email = requireEmail(input.email);
  const address = await sha256Hex(email);
  const limit = await deps.rateLimiter.hit([
    { key: `invite:org:${input.organizationId}`, ...INVITATIONS.perOrganization },
    { key: `invite:by:${principal.userId}`, ...INVITATIONS.perInviter },
    { key: `invite:org-to:${input.organizationId}:${address}`, ...INVITATIONS.perAddress },
    { key: `invite:by-to:${principal.userId}:${address}`, ...INVITATIONS.perAddress },
  ]);
  if (!limit.allowed) throw rateLimited(limit.retryAfterSeconds);
  const now = deps.clock.now();
  const token = generateToken(32);
  const invitation = await deps.invitations.create({
    id: generateId("inv", now),
    organizationId: input.organizationId,
    email,
    role: input.role,
    invitedBy: principal.userId,
    invitedByKey: principal.keyId,
    tokenHash: await sha256Hex(token),
    now,
    expiresAt: now + INVITATION_TTL_MS,
  });
  // The same work and answer for every address; the email goes out after the response.
  const message = invitationEmail({
    to: email,
    organizationName: invitation.organization_name,
    inviterEmail: input.inviterEmail,
    role: input.role,
    link: tokenLink(config, "invitation", token),
  });
  ctx.defer("invitation_email", () => deps.email.send(message));
  logAuthEvent(
    "invitation.created",
    {
      organization_id: input.organizationId,
      user_id: principal.userId,
      email_domain: emailDomain(email),
      reason: input.role,
    },
    now,
  );
  return invitation;
}

export async function listOrganizationInvitations(
  ctx: ServiceContext,
  principal: Principal,
  organizationId: string,
): Promise<Invitation[]> {
  const { deps } = ctx;
  authorize(principal, "invitations.manage", { organizationId });
  return deps.invitations.listForOrganization(organizationId, deps.clock.now());
}

export async function revokeInvitation(
  ctx: ServiceContext,
  principal: Principal,
  organizationId: string,
  invitationId: string,
): Promise<void> {
  const { deps } = ctx;
  authorize(principal, "invitations.manage", { organizationId });
  const now = deps.clock.now();
  if (!(await deps.invitations.revoke(organizationId, invitationId, now))) throw new AuthError("not_found");
  logAuthEvent(
    "invitation.revoked",
    { organization_id: organizationId, user_id: principal.userId ?? undefined, session_id: invitationId },
    now,
  );
}

/** Invitations are for the owner of the address: an account that has not proven it sees none (ORG-04). */
function provenUser(user: SessionUser | null): SessionUser {
  if (!user) throw new AuthError("forbidden", { message: "Invitations are answered by a signed-in user." });
  if (!user.email_verified)
    throw new AuthError("email_not_verified", {
      message: "Verify your email address before answering invitations to it.",
    });
  return user;
}

export async function listMyInvitations(ctx: ServiceContext, user: SessionUser | null): Promise<Invitation[]> {
  const { deps } = ctx;
  return deps.invitations.listForEmail(provenUser(user).email, deps.clock.now());
}

/** Accepts as the signed-in user; exactly one membership whatever the concurrency (one statement). */
export async function acceptInvitation(
  ctx: ServiceContext,
  user: SessionUser | null,
  invitationId: string,
): Promise<SessionOrganization> {
  const { deps } = ctx;
  const me = provenUser(user);
  const now = deps.clock.now();
  const accepted = await deps.invitations.acceptById({
    invitationId,
    userId: me.id,
    email: me.email,
    now,
    membershipId: generateId("mem", now),
  });
  if (!accepted) throw new AuthError("not_found", { message: "No open invitation with that id for your address." });
  const snapshot = await loadSnapshot(ctx, me.id);
  const organization = snapshot?.organizations.find((o) => o.id === accepted.organization_id);
  if (!organization) throw new AuthError("not_found");
  logAuthEvent(
    "invitation.accepted",
    { organization_id: organization.id, user_id: me.id, session_id: invitationId },
    now,
  );
  return organization;
}

export async function declineInvitation(
  ctx: ServiceContext,
  user: SessionUser | null,
  invitationId: string,
): Promise<void> {
  const { deps } = ctx;
  const me = provenUser(user);
  const now = deps.clock.now();
  if (!(await deps.invitations.decline(invitationId, me.email, now)))
    throw new AuthError("not_found", { message: "No open invitation with that id for your address." });
  logAuthEvent("invitation.declined", { user_id: me.id, session_id: invitationId }, now);
}

/** For the emailed link's confirm page: who is invited where, without spending anything. */
export async function peekInvitation(ctx: ServiceContext, token: string): Promise<Invitation | null> {
  const { deps } = ctx;
  if (!isOpaqueToken(token)) return null;
  return deps.invitations.peekByToken(await sha256Hex(token), deps.clock.now());
}

export interface InvitationSignIn {
  user: SessionUser;
  /** The organization joined. */
  organization: SessionOrganization;
  /** The new browser session, or null when the signed-in user's own session was kept as it is. */
  session: NewSession | null;
  /** The organization the session acts in: joining does not move anyone (switch to change it). */
  activeOrganizationId: string;
}

/**
 * The emailed link, POSTed from its confirm page (or by an app): proves the address like a magic
 * link, accepts, and signs in to the organization, in one statement for the database part. A used,
 * expired, revoked or withdrawn invitation is 401 token_invalid.
 */
export async function acceptInvitationByToken(
  ctx: ServiceContext,
  input: { token: string; remember: boolean; current: { userId: string; organizationId: string } | null },
): Promise<InvitationSignIn | MfaChallenge> {
  const { deps } = ctx;
  // Tokens are 256-bit, so this only stops hammering the database with made-up ones.
  const failures = { key: `inv_fail:ip:${ctx.ip}`, ...TOKEN_FAILURES };
  const gate = await deps.rateLimiter.peek([failures]);
  if (!gate.allowed) throw rateLimited(gate.retryAfterSeconds);
  const now = deps.clock.now();
  const accepted = isOpaqueToken(input.token)
    ? await deps.invitations.acceptByToken({
        tokenHash: await sha256Hex(input.token),
        now,
        userId: generateId("usr", now),
        membershipId: generateId("mem", now),
      })
    : null;
  if (!accepted) {
    await deps.rateLimiter.hit([failures]);
    throw new AuthError("token_invalid");
  }
  // The first proof of this address ends whatever an earlier, unproven holder of the account had.
  if (accepted.wasUnverified) await revokeAllCredentials(ctx, accepted.userId, null);
  const snapshot = await loadSnapshot(ctx, accepted.userId);
  const organization = snapshot?.organizations.find((o) => o.id === accepted.organizationId);
  if (!snapshot || !organization) throw new AuthError("token_invalid");
  // Joining moves no one: the invitee's own session (already signed in, proven) stays as it is, in
  // its organization; otherwise the new session starts where any sign-in does (the first
  // organization), which for a new account is the one joined. POST .../switch moves it.
  const current = input.current;
  if (current && current.userId === accepted.userId && !accepted.wasUnverified) {
    logAuthEvent(
      "invitation.accepted",
      { organization_id: organization.id, user_id: accepted.userId, ip: ctx.ip },
      now,
    );
    return { user: snapshot.user, organization, session: null, activeOrganizationId: current.organizationId };
  }
  const home = snapshot.organizations[0] ?? organization;
  // Accepted either way (the link proved the address); the session waits for the second factor.
  const completion = { kind: "session" as const, organizationId: home.id, remember: input.remember };
  const stepUp = await stepUpIfEnrolled(ctx, snapshot, { ...completion, redirectTo: null }, "invitation");
  if (stepUp) {
    logAuthEvent(
      "invitation.accepted",
      { organization_id: organization.id, user_id: accepted.userId, ip: ctx.ip },
      now,
    );
    return stepUp;
  }
  const session = await createSession(ctx, { snapshot, organizationId: home.id, remember: input.remember });
  logAuthEvent(
    "invitation.accepted",
    {
      organization_id: organization.id,
      user_id: accepted.userId,
      session_id: session.record.id,
      ip: ctx.ip,
      created: accepted.created,
    },
    now,
  );
  return { user: snapshot.user, organization, session, activeOrganizationId: home.id };
}
