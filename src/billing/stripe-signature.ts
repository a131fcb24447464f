import { encodeHex, utf8 } from "../crypto/encoding";
import { constantTimeEqual } from "../crypto/hash";

// Stripe-Signature, verified with Web Crypto (https://docs.stripe.com/webhooks#verify-manually):
// `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>[,v1=...]`; only v1 counts (v0 is
// a test scheme). This replaces the `stripe` SDK in the bundle (most of its size) for one HMAC; the
// tests sign with the SDK's own helper, so both must agree.

/** True when some v1 signature in the header matches one of the secrets and `t` is within the tolerance (both ways). */
export async function verifyStripeSignature(
  payload: string,
  header: string,
  secrets: string[],
  toleranceSeconds: number,
  nowMs: number,
): Promise<boolean> {
  let timestamp: string | null = null;
  const signatures: string[] = [];
  for (const part of header.split(",")) {
    const [name, value] = part
      .trim()
      .split("=", 2)
      .map((x) => x?.trim() ?? "");
    if (name === "t" && value && /^\d{1,12}$/.test(value)) timestamp = value;
    else if (name === "v1" && value && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (timestamp === null || signatures.length === 0) return false;
  if (Math.abs(nowMs - Number(timestamp) * 1000) > toleranceSeconds * 1000) return false;
  const signed = utf8.encode(`${timestamp}.${payload}`);
  for (const secret of secrets) {
    const key = await crypto.subtle.importKey("raw", utf8.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
    ]);
    const expected = encodeHex(new Uint8Array(await crypto.subtle.sign("HMAC", key, signed)));
    // Every candidate is compared in full: no early exit on the first match either.
    let match = false;
    for (const candidate of signatures) match = constantTimeEqual(candidate, expected) || match;
    if (match) return true;
  }
  return false;
}
