import { constantTimeEqual, hmacSha256 } from "../crypto/hash";
import { generateToken } from "../crypto/random";

// Signed double-submit (OWASP CSRF cheat sheet): `nonce.mac` where mac = HMAC(k_csrf, session id, nonce).
// A cookie an attacker tosses in from a sibling subdomain cannot carry a valid MAC for the victim's session.

export async function createCsrfToken(key: CryptoKey, sessionId: string): Promise<string> {
  const nonce = generateToken(16);
  return `${nonce}.${await hmacSha256(key, `${sessionId}!${nonce}`)}`;
}

export async function verifyCsrfToken(key: CryptoKey, sessionId: string, token: string): Promise<boolean> {
  const [nonce, mac, extra] = token.split(".");
  if (!nonce || !mac || extra !== undefined || nonce.length > 64) return false;
  return constantTimeEqual(mac, await hmacSha256(key, `${sessionId}!${nonce}`));
}
