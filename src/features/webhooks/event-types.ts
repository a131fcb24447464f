// Every event type the worker sends, with what it means. Postgres changes write theirs from triggers
// (drizzle/0012_events.sql), session changes from the Redis scripts that make them.
export const EVENT_TYPES = {
  "user.created": "An account was created (sign-up, first sign-in by link or provider, platform API).",
  "user.updated": "An account's email, name, phone, verification or platform standing changed.",
  "user.deleted": "An account was deleted.",
  "user.disabled": "A platform administrator disabled an account: every credential of it stopped.",
  "user.enabled": "A platform administrator enabled an account again.",
  "email.changed": "An account's email address changed (data: email, previous_email).",
  "session.created": "A browser session began (data: id, user_id, organization_id, ip, user_agent).",
  "session.revoked": "A session ended: signed out, revoked, or every session revoked (data.reason).",
  "mfa.enabled": "An authenticator app was confirmed as a second factor.",
  "mfa.disabled": "The authenticator app was removed.",
  "passkey.added": "A passkey was registered.",
  "passkey.removed": "A passkey was removed.",
  "identity.linked": "A social sign-in identity was linked to an account.",
  "identity.unlinked": "A social sign-in identity was unlinked.",
  "organization.created": "An organization was created (a personal one at sign-up too).",
  "member.invited": "An invitation was sent (data: invitation_id, email, role).",
  "member.joined": "Someone became a member (accepted an invitation, or created the organization).",
  "member.role_changed": "A member's role changed (data: role, previous_role).",
  "member.removed": "A member left or was removed.",
  "api_key.created": "An API key was created.",
  "api_key.revoked": "An API key was revoked.",
  "checkout.completed": "A Stripe checkout upgraded an organization's plan (or waits for the buyer's first sign-in).",
} as const;

export type EventType = keyof typeof EVENT_TYPES;
export const EVENT_TYPE_NAMES = Object.keys(EVENT_TYPES) as EventType[];
