import { encodeBase64Url } from "./encoding";

export function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  return bytes;
}

/** An opaque secret: 32 bytes (256 bits) from the CSPRNG, base64url, 43 characters. */
export function generateToken(byteLength = 32): string {
  if (byteLength < 16) throw new RangeError("tokens carry at least 128 bits");
  return encodeBase64Url(randomBytes(byteLength));
}

/** Whether a presented value could be one of our 32-byte tokens: anything else is refused before any I/O. */
export function isOpaqueToken(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}

/** Crockford base32, lower case: the alphabet of every id's body. */
export const CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz";
/** An id's body (after `prefix_`): 26 Crockford characters. */
export const ID_BODY = "[0-9a-hjkmnp-tv-z]{26}";

/**
 * A prefixed, sortable id (`usr_01j…`): 48 bits of milliseconds then 80 random bits, Crockford base32.
 * Ids are identifiers, not secrets; the random part only keeps them unique.
 */
export function generateId(prefix: string, now: number = Date.now()): string {
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const random = randomBytes(10);
  let bits = 0;
  let value = 0;
  let tail = "";
  for (const byte of random) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      tail += CROCKFORD[(value >> bits) & 31];
    }
  }
  return `${prefix}_${time}${tail}`;
}

export const ID_PATTERN = (prefix: string): RegExp => new RegExp(`^${prefix}_${ID_BODY}$`);
