// Rate-limit policies, declared in one place. Every limit counts in Redis (shared by all isolates)
// and fails closed: if Redis cannot answer, the request gets 503, never a free pass.
export const MAGIC_LINK_REQUEST = {
  perEmail: { limit: 5, windowSeconds: 15 * 60 },
  perIp: { limit: 30, windowSeconds: 60 * 60 },
};

/** Failed magic-link verifications per client IP before verification is refused for the window. */
export const MAGIC_LINK_VERIFY_FAILURES = { limit: 30, windowSeconds: 10 * 60 };
