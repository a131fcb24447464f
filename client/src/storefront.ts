import { type ApiOptions, type AuthApi, createApi, humanCheck } from "./api.js";
import { unwrap } from "./errors.js";

export interface StorefrontClientOptions extends ApiOptions {
  /** The store's publishable key (pk_live_... / pk_test_...): public, sent as X-Public-Key. */
  publishableKey: string;
}

/**
 * Storefront customers (OTP by SMS or email). Runs on the shop's own origin, which must be in the
 * key's allowed_origins; the customer cookie travels with `credentials: "include"`.
 */
export function createStorefrontClient(options: StorefrontClientOptions) {
  const api: AuthApi = createApi(
    { ...options, headers: { ...options.headers, "X-Public-Key": options.publishableKey } },
    { credentials: "include" },
  );
  const key = { header: { "x-public-key": options.publishableKey } };
  return {
    api,
    /** `turnstileToken`: needed when the key has require_turnstile, or after `challenge_required`. */
    async requestOtp(
      body: { contact: string; contact_type?: "phone" | "sms" | "email" },
      init: { turnstileToken?: string } = {},
    ) {
      const header = { ...key.header, ...humanCheck(init).header };
      return unwrap(await api.POST("/v1/storefront/auth/request-otp", { params: { header }, body }));
    },
    async verifyOtp(body: { contact: string; otp_code: string }) {
      return unwrap(await api.POST("/v1/storefront/auth/verify-otp", { params: key, body }));
    },
    async status() {
      return unwrap(await api.GET("/v1/storefront/auth/status", { params: key }));
    },
    async updateProfile(body: { name?: string | null; email?: string; phone?: string; otp_code?: string }) {
      return unwrap(await api.POST("/v1/storefront/auth/profile", { params: key, body }));
    },
    async signOut() {
      unwrap(await api.POST("/v1/storefront/auth/logout", { params: key }));
    },
  };
}

export type StorefrontClient = ReturnType<typeof createStorefrontClient>;
