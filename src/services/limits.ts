// Every rate limit and lockout, declared in one place. Every limit counts in Redis (shared by all isolates)
// and fails closed: if Redis cannot answer, the request gets 503, never a free pass.
export const MAGIC_LINK_REQUEST = {
  perEmail: { limit: 5, windowSeconds: 15 * 60 },
  perIp: { limit: 30, windowSeconds: 60 * 60 },
};

/** Failed magic-link verifications per client IP before verification is refused for the window. */
export const MAGIC_LINK_VERIFY_FAILURES = { limit: 30, windowSeconds: 10 * 60 };

/** Failed password checks (login, token, verify-credentials, change-password) before 429. */
export const PASSWORD_FAILURES = {
  perAccount: { limit: 10, windowSeconds: 15 * 60 },
  perIp: { limit: 50, windowSeconds: 15 * 60 },
};

export const SIGNUP = {
  perEmail: { limit: 5, windowSeconds: 60 * 60 },
  perIp: { limit: 20, windowSeconds: 60 * 60 },
};

/** Emails sent on request (verification resends, password resets): per address and per client IP. */
export const ACCOUNT_EMAILS = {
  perEmail: { limit: 5, windowSeconds: 60 * 60 },
  perIp: { limit: 30, windowSeconds: 60 * 60 },
};

/** Failed one-time token redemptions (email verification, password reset) per client IP. */
export const TOKEN_FAILURES = { limit: 30, windowSeconds: 10 * 60 };

/**
 * Invitations sent: per organization and per inviting member (spam from a tenant or an account, whatever
 * the number of organizations it creates), and to one address per organization and per inviter (spam to
 * a person). No bucket is the address's alone: one anybody could spend would let a stranger's
 * organization stop the victim's real team from inviting them (targeted lockout).
 */
export const INVITATIONS = {
  perOrganization: { limit: 100, windowSeconds: 60 * 60 },
  perInviter: { limit: 100, windowSeconds: 60 * 60 },
  perAddress: { limit: 10, windowSeconds: 60 * 60 },
};

/** Bad API keys per client IP before 429 (checked in the same round trip as the key). */
export const API_KEY_FAILURES = { limit: 100, windowSeconds: 10 * 60 };

/** Failed pairing-code exchanges per client IP before 429 (codes are 256-bit; this stops hammering). */
export const PAIRING_FAILURES = { limit: 20, windowSeconds: 10 * 60 };

/** Storefront one-time codes: lifetime, resend cooldown, tries and lockouts, sends per hour. */
export const OTP = {
  ttlSeconds: 300,
  resendCooldownSeconds: 30,
  maxTriesPerCode: 5,
  contactLockThreshold: 10,
  ipLockThreshold: 50,
  lockSeconds: 15 * 60,
  sendsPerContactPerHour: 5,
  sendsPerIpPerHour: 30,
};

/** Social sign-in: starts per client IP (each writes a state), and failed callbacks or app-code exchanges. */
export const OAUTH_STARTS = { limit: 30, windowSeconds: 60 };
export const OAUTH_FAILURES = { limit: 20, windowSeconds: 10 * 60 };

/** Wrong second-factor codes (TOTP, recovery) per account and per client IP, counted like passwords. */
export const MFA_FAILURES = {
  perAccount: { limit: 10, windowSeconds: 15 * 60 },
  perIp: { limit: 50, windowSeconds: 15 * 60 },
};

/** The step-up owed after a first factor: its lifetime, and wrong codes before the mfa_token is burned. */
export const MFA_STEP_UP = { ttlMs: 5 * 60 * 1000, maxAttempts: 5 };

/** A WebAuthn challenge's lifetime; passkey sign-in options handed out per client IP. */
export const WEBAUTHN = { challengeTtlMs: 5 * 60 * 1000, optionsPerIp: { limit: 60, windowSeconds: 60 } };
