// The UUID form of a record id, for clients (phy.engineering, CorePlexML) whose documents type ids as
// UUIDs. An id `usr_<26 Crockford characters>` holds 128 bits of information: 48 bits of milliseconds
// (the top 6 of them zero until 2109) then 80 random bits. The 122 that matter fit an RFC 9562 version 8
// ("custom") UUID exactly, so each id has one UUID and each such UUID one id: no table, no lookup,
// nothing to keep in step. The kind (user, organization...) is not in it; the path it is used in says.
import { CROCKFORD, ID_BODY } from "./random";

const BODY = new RegExp(`^${ID_BODY}$`);
const UUID_V8 = /^([0-9a-f]{8})-([0-9a-f]{4})-8([0-9a-f]{3})-([89ab][0-9a-f]{3})-([0-9a-f]{12})$/i;
const TIME_BITS = 42n;
const RANDOM_BITS = 80n;

/** `usr_01j…` -> `0006a1b2-…-8…-…`; null for a string that is not an id, or one minted after 2109. */
export function idToUuid(id: string): string | null {
  const body = id.slice(id.indexOf("_") + 1);
  if (!BODY.test(body)) return null;
  let value = 0n;
  for (const char of body) value = (value << 5n) | BigInt(CROCKFORD.indexOf(char));
  // 130 bits decoded: 50 of time, 80 random. Only 42 bits of time fit beside version and variant.
  if (value >> (TIME_BITS + RANDOM_BITS) !== 0n) return null;
  const a = value >> 74n; // 48 bits
  const b = (value >> 62n) & 0xfffn; // 12 bits
  const c = value & ((1n << 62n) - 1n); // 62 bits
  const hex = (v: bigint, width: number) => v.toString(16).padStart(width, "0");
  const tail = hex((2n << 62n) | c, 16);
  return `${hex(a >> 16n, 8)}-${hex(a & 0xffffn, 4)}-8${hex(b, 3)}-${tail.slice(0, 4)}-${tail.slice(4)}`;
}

/** The id of that kind whose UUID form this is; null for anything else (another version included). */
export function uuidToId(prefix: string, uuid: string): string | null {
  const parts = UUID_V8.exec(uuid);
  if (!parts) return null;
  const [, p1, p2, p3, p4, p5] = parts as unknown as [string, string, string, string, string, string];
  const a = BigInt(`0x${p1}${p2}`);
  const b = BigInt(`0x${p3}`);
  const c = BigInt(`0x${p4}${p5}`) & ((1n << 62n) - 1n);
  let value = (a << 74n) | (b << 62n) | c;
  let body = "";
  for (let i = 0; i < 26; i++) {
    body = CROCKFORD[Number(value & 31n)] + body;
    value >>= 5n;
  }
  return `${prefix}_${body}`;
}

/** Whether a string has the shape of a UUID at all (any version), so a caller can tell "not ours" apart. */
export function looksLikeUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
