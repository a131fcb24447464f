// 004 cimplify: the storefront customer routes under /api/v1/auth/*, upper-case error codes. Every
// call names the store with X-Public-Key, which /v1's storefront middleware checks (and, for browsers,
// the key's allowed origins; the custom header is also what keeps the customer cookie safe from CSRF).
import { type Call, type Profile, pick } from "./adapter";

const CODES: Record<string, string> = {
  validation_error: "VALIDATION_ERROR",
  otp_invalid: "UNAUTHORIZED",
  unauthorized: "UNAUTHORIZED",
  publishable_key_invalid: "UNAUTHORIZED",
  forbidden: "FORBIDDEN",
  origin_not_allowed: "FORBIDDEN",
  rate_limited: "RATE_LIMITED",
  not_found: "NOT_FOUND",
};

const V1_PATH: Record<string, string> = {
  "/api/v1/auth/status": "/v1/storefront/auth/status",
  "/api/v1/auth/request-otp": "/v1/storefront/auth/request-otp",
  "/api/v1/auth/verify-otp": "/v1/storefront/auth/verify-otp",
  "/api/v1/auth/logout": "/v1/storefront/auth/logout",
  "/api/v1/auth/profile": "/v1/storefront/auth/profile",
};

/** Same body, same answer as /v1 (the storefront envelope is cimplify's own). */
async function same(call: Call, fields?: Record<string, string>) {
  const path = V1_PATH[call.c.req.path] as string;
  const json = fields ? pick(await call.body(), fields) : undefined;
  const out = await call.v1({ path, json });
  return out.error ? out.fail() : out.response;
}

export const cimplify: Profile<"cimplify"> = {
  error: (error, status, meta) => ({
    status,
    body: {
      success: false,
      error: { code: CODES[error.code] ?? error.code.toUpperCase(), message: error.message, details: error.details },
      meta,
    },
  }),
  preflight: (path) => V1_PATH[path] ?? null,
  routes: {
    "GET /api/v1/auth/status": (call) => same(call),
    "POST /api/v1/auth/request-otp": (call) => same(call, { contact: "contact", contact_type: "contact_type" }),
    "POST /api/v1/auth/verify-otp": async (call) => {
      const body = await call.body();
      const code = typeof body === "string" ? null : body.otp_code;
      if (typeof body !== "string" && (typeof code !== "string" || code.length < 4 || code.length > 6))
        return call.reject(400, {
          code: "validation_error",
          message: "otp_code must be 4 to 6 digits",
          details: [{ field: "otp_code", message: "must be 4 to 6 digits" }],
        });
      return same(call, { contact: "contact", otp_code: "otp_code" });
    },
    "POST /api/v1/auth/logout": (call) => same(call),
    "POST /api/v1/auth/profile": async (call) => {
      const json = pick(await call.body(), { name: "name", email: "email", phone: "phone", otp_code: "otp_code" });
      const out = await call.v1({ path: "/v1/storefront/auth/profile", json });
      if (out.error) return out.fail();
      const { customer, verification_required } = out.data;
      const data = verification_required ? { ...customer, verification_required } : customer;
      return out.reply(200, { success: true, data });
    },
  },
};
