// One table maps every error code to its HTTP status and default message (docs/api.md lists them).
// Clients and tests key on `code`; messages are for humans and may change.
export const ERROR_CODES = {
  validation_error: { status: 400, message: "The request is invalid." },
  password_too_short: { status: 400, message: "The password is too short." },
  password_too_long: { status: 400, message: "The password is too long." },
  password_too_common: { status: 400, message: "This password is too easy to guess." },
  unauthorized: { status: 401, message: "Authentication is required." },
  signature_invalid: { status: 400, message: "The Stripe-Signature header is missing, wrong or too old." },
  invalid_credentials: { status: 401, message: "The email or password is incorrect." },
  magic_link_invalid: { status: 401, message: "This sign-in link is invalid, expired or already used." },
  otp_invalid: { status: 401, message: "The code is invalid, expired or already used." },
  mfa_invalid: { status: 401, message: "The second-factor code is wrong, expired or already used." },
  passkey_invalid: { status: 401, message: "The passkey could not be verified. Try again." },
  token_invalid: { status: 401, message: "The token is invalid." },
  token_expired: { status: 401, message: "The token has expired." },
  publishable_key_invalid: { status: 401, message: "Send a valid publishable key in X-Public-Key." },
  forbidden: { status: 403, message: "You are not allowed to do this." },
  insufficient_scope: { status: 403, message: "The credential lacks the required scope." },
  reauth_required: { status: 403, message: "This change needs a recent sign-in." },
  email_not_verified: { status: 403, message: "Verify your email address first." },
  mfa_enrollment_required: {
    status: 403,
    message: "This organization requires a second factor: set up an authenticator app or a passkey first.",
  },
  origin_not_allowed: { status: 403, message: "This origin is not allowed for the publishable key." },
  csrf_failed: {
    status: 403,
    message: "Cross-site request refused: send the X-CSRF-Token header from a same-site page.",
  },
  oauth_failed: {
    status: 401,
    message: "The sign-in with the provider failed, was cancelled or expired. Start again.",
  },
  challenge_required: {
    status: 403,
    message: "Complete the human check (Turnstile) and retry with its token in X-Turnstile-Token.",
  },
  challenge_failed: { status: 403, message: "The human check's token is invalid, expired or already used." },
  not_found: { status: 404, message: "Not found." },
  method_not_allowed: { status: 405, message: "Method not allowed." },
  conflict: { status: 409, message: "The request conflicts with the current state." },
  account_exists: {
    status: 409,
    message: "An account with this email already exists: sign in to it, then link this provider from there.",
  },
  idempotency_conflict: { status: 409, message: "A request with this Idempotency-Key is still being processed." },
  payload_too_large: { status: 413, message: "The request body is larger than 64 KiB." },
  unsupported_media_type: {
    status: 415,
    message: "Send the body as application/json (a few routes also take a form post: see /openapi.json).",
  },
  idempotency_key_reused: { status: 422, message: "This Idempotency-Key was used with a different request." },
  rate_limited: { status: 429, message: "Too many requests. Retry later." },
  internal_error: { status: 500, message: "Something went wrong on our side." },
  config_invalid: { status: 500, message: "The server is misconfigured." },
  email_delivery_failed: { status: 503, message: "The email could not be sent. Retry in a moment." },
  sms_delivery_failed: { status: 503, message: "The SMS could not be sent. Retry in a moment." },
  provider_unavailable: { status: 503, message: "The sign-in provider did not answer. Retry in a moment." },
  challenge_unavailable: { status: 503, message: "The human check could not be verified. Retry in a moment." },
  store_unavailable: { status: 503, message: "A backing store is unavailable. Retry in a moment." },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
export type ErrorStatus = (typeof ERROR_CODES)[ErrorCode]["status"];

export interface ErrorDetail {
  field: string;
  message: string;
}

export interface AuthErrorOptions {
  message?: string;
  details?: ErrorDetail[];
  headers?: Record<string, string>;
  /** Set for 5xx errors a client may report: logged next to the cause, returned as meta.correlation_id. */
  correlationId?: string;
  cause?: unknown;
}

/** A broken rule with a stable code; the boundary turns it into the contract's error envelope. */
export class AuthError extends Error {
  readonly code: ErrorCode;
  readonly status: ErrorStatus;
  readonly details?: ErrorDetail[];
  readonly headers: Record<string, string>;
  readonly correlationId?: string;

  constructor(code: ErrorCode, options: AuthErrorOptions = {}) {
    // A broken rule is an answer, not a bug: skip the stack trace, whose capture costs more CPU than
    // the rest of a 401 (bare workerd: 14% of an unauthenticated request). Causes keep their own stacks.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(options.message ?? ERROR_CODES[code].message, { cause: options.cause });
    Error.stackTraceLimit = limit;
    this.name = "AuthError";
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.details = options.details;
    this.headers = options.headers ?? {};
    this.correlationId = options.correlationId;
  }
}

export interface ErrorBody {
  success: false;
  error: { code: ErrorCode; message: string; details?: ErrorDetail[] };
  meta: { request_id: string; correlation_id?: string };
}

export function errorBody(error: AuthError, requestId: string): ErrorBody {
  const body: ErrorBody = {
    success: false,
    error: { code: error.code, message: error.message },
    meta: { request_id: requestId },
  };
  if (error.details) body.error.details = error.details;
  if (error.correlationId) body.meta.correlation_id = error.correlationId;
  return body;
}

/** 429 with Retry-After in whole seconds (at least 1). */
export function rateLimited(retryAfterSeconds: number): AuthError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return new AuthError("rate_limited", { headers: { "Retry-After": String(seconds) } });
}
