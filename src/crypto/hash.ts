import { encodeBase64Url, encodeHex, utf8 } from "./encoding";

export async function sha256(data: string | Uint8Array): Promise<Uint8Array> {
  const bytes = typeof data === "string" ? utf8.encode(data) : data;
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

/** Hex SHA-256: how every secret (tokens, keys) is stored and looked up. */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  return encodeHex(await sha256(data));
}

export async function hmacSha256(key: CryptoKey, data: string): Promise<string> {
  return encodeBase64Url(new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8.encode(data))));
}

/**
 * Constant-time string comparison. The loop always runs over the longer input so the time taken
 * reveals neither where the strings differ nor (beyond the max) how long the expected one is.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  const length = Math.max(x.length, y.length);
  let diff = x.length ^ y.length;
  for (let i = 0; i < length; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
