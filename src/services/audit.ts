// Security events as one JSON line each (Workers Logs / Logpush pick them up). Fields are chosen
// here, never copied from requests: no tokens, cookies, codes or full emails ever reach a log line.
export type AuthEvent =
  | "magic_link.requested"
  | "magic_link.rate_limited"
  | "magic_link.delivery_failed"
  | "magic_link.verified"
  | "magic_link.rejected"
  | "session.ended"
  | "sessions.revoked"
  | "password.failed"
  | "password.locked"
  | "password.succeeded"
  | "password.changed"
  | "password.reset"
  | "password.reset_requested"
  | "signup.created"
  | "signup.existing"
  | "email.verified"
  | "email.changed"
  | "refresh.rotated"
  | "refresh.reuse_detected"
  | "token.issued"
  | "api_key.created"
  | "api_key.revoked"
  | "api_key.rotated"
  | "organization.created"
  | "member.added"
  | "member.removed"
  | "member.role_changed"
  | "invitation.created"
  | "invitation.revoked"
  | "invitation.accepted"
  | "invitation.declined"
  | "platform.action"
  | "customer.signed_in"
  | "device.paired"
  | "device.revoked"
  | "billing.checkout_completed"
  | "oauth.signed_in"
  | "oauth.linked"
  | "oauth.unlinked"
  | "oauth.rejected"
  | "organization.mfa_rule_changed"
  | "mfa.enabled"
  | "mfa.disabled"
  | "mfa.challenged"
  | "mfa.verified"
  | "mfa.failed"
  | "mfa.recovery_code_used"
  | "mfa.recovery_codes_replaced"
  | "passkey.added"
  | "passkey.removed"
  | "passkey.signed_in"
  | "passkey.rejected"
  | "webhook.delivery_failed"
  | "webhook.endpoint_disabled"
  | "webhook.notice_failed";

export interface AuthEventFields {
  user_id?: string;
  session_id?: string;
  organization_id?: string;
  /** The address's domain only, enough to spot abuse patterns without storing who. */
  email_domain?: string;
  ip?: string;
  reason?: string;
  correlation_id?: string;
  created?: boolean;
}

export function logAuthEvent(event: AuthEvent, fields: AuthEventFields, now: number): void {
  console.log(JSON.stringify({ event, at: new Date(now).toISOString(), ...fields }));
}

export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf("@") + 1);
}
