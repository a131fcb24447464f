import { utf8 } from "./encoding";

export type KeyPurpose = "csrf" | "idempotency" | "idempotency-seal" | "otp" | "provider-tokens" | "mfa" | "webhooks";

/**
 * Purpose-bound subkeys from AUTH_SECRET via HKDF-SHA-256, so one leaked or misused subkey
 * (say, a CSRF MAC) says nothing about another.
 */
export async function deriveHmacKey(secret: string, purpose: KeyPurpose): Promise<CryptoKey> {
  const master = await crypto.subtle.importKey("raw", utf8.encode(secret), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: utf8.encode("edge-auth-worker/v1"), info: utf8.encode(purpose) },
    master,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign", "verify"],
  );
}
