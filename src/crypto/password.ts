import { decodeBase64Url, encodeBase64Url, utf8 } from "./encoding";
import { constantTimeEqual } from "./hash";
import { randomBytes } from "./random";

/** Production Workers refuse PBKDF2 above this (workerd#1346); local workerd does not, so we check it ourselves. */
export const PBKDF2_MAX_ITERATIONS = 100_000;
export const PASSWORD_SCHEME = "pbkdf2-sha512";

export interface PasswordParams {
  iterations: number;
  /** HMAC key from PASSWORD_PEPPER; it never touches the database, so a dump alone cannot be cracked. */
  pepper: CryptoKey;
  pepperId: number;
}

export interface PasswordCheck {
  valid: boolean;
  /** The stored hash uses older parameters and should be replaced after this successful login. */
  needsRehash: boolean;
}

export async function importPepper(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", utf8.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

/**
 * Self-describing: `$pbkdf2-sha512$i=100000,p=1$<salt>$<hash>` (base64url, 16-byte salt, 64-byte key).
 * The password is NFKC-normalised, then keyed with the pepper (HMAC-SHA-256), then stretched.
 */
export async function hashPassword(password: string, params: PasswordParams): Promise<string> {
  const salt = randomBytes(16);
  const derived = await derive(password, salt, params.iterations, params.pepper);
  return `$${PASSWORD_SCHEME}$i=${params.iterations},p=${params.pepperId}$${encodeBase64Url(salt)}$${encodeBase64Url(derived)}`;
}

/** Parses and checks a stored hash; an absent, malformed or over-cap hash is never valid. */
export async function verifyPassword(stored: string, password: string, params: PasswordParams): Promise<PasswordCheck> {
  const parsed = parseHash(stored);
  if (!parsed || parsed.pepperId !== params.pepperId) {
    // Still spend one derivation so a bad record costs the same time as a good one.
    await derive(password, randomBytes(16), params.iterations, params.pepper);
    return { valid: false, needsRehash: false };
  }
  const derived = await derive(password, parsed.salt, parsed.iterations, params.pepper);
  const valid = constantTimeEqual(encodeBase64Url(derived), encodeBase64Url(parsed.hash));
  return { valid, needsRehash: valid && parsed.iterations !== params.iterations };
}

/** The same work as a real check, for accounts that do not exist (no timing difference to probe). */
export async function burnPasswordCheck(password: string, params: PasswordParams): Promise<void> {
  await derive(password, randomBytes(16), params.iterations, params.pepper);
}

interface ParsedHash {
  iterations: number;
  pepperId: number;
  salt: Uint8Array;
  hash: Uint8Array;
}

function parseHash(stored: string): ParsedHash | null {
  const match = /^\$pbkdf2-sha512\$i=(\d{1,7}),p=(\d{1,3})\$([A-Za-z0-9_-]{22})\$([A-Za-z0-9_-]{86})$/.exec(stored);
  if (!match) return null;
  const iterations = Number(match[1]);
  // Never trust stored parameters above the cap: they would fail in production and are a DoS lever.
  if (iterations < 1 || iterations > PBKDF2_MAX_ITERATIONS) return null;
  const salt = decodeBase64Url(match[3] ?? "");
  const hash = decodeBase64Url(match[4] ?? "");
  if (!salt || !hash || hash.length !== 64) return null;
  return { iterations, pepperId: Number(match[2]), salt, hash };
}

async function derive(password: string, salt: Uint8Array, iterations: number, pepper: CryptoKey): Promise<Uint8Array> {
  if (iterations > PBKDF2_MAX_ITERATIONS)
    throw new RangeError(`PBKDF2 iterations above ${PBKDF2_MAX_ITERATIONS} fail on production Workers`);
  const peppered = new Uint8Array(await crypto.subtle.sign("HMAC", pepper, utf8.encode(password.normalize("NFKC"))));
  const key = await crypto.subtle.importKey("raw", peppered, "PBKDF2", false, ["deriveBits"]);
  return new Uint8Array(
    await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-512", salt, iterations }, key, 512),
  );
}
