import { decodeBase64Url, encodeBase64Url, utf8 } from "./encoding";
import { randomBytes } from "./random";

/** AES-256-GCM with a fresh 96-bit nonce; output is `nonce.ciphertext`, both base64url. */
export async function seal(keyBytes: Uint8Array, plaintext: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", keyBytes, "AES-GCM", false, ["encrypt"]);
  const iv = randomBytes(12);
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, utf8.encode(plaintext)));
  return `${encodeBase64Url(iv)}.${encodeBase64Url(ct)}`;
}

/** Returns null when the box is malformed or fails authentication. */
export async function open(keyBytes: Uint8Array, box: string): Promise<string | null> {
  const [ivText, ctText] = box.split(".");
  const iv = decodeBase64Url(ivText ?? "");
  const ct = decodeBase64Url(ctText ?? "");
  if (!iv || !ct || iv.length !== 12) return null;
  const key = await crypto.subtle.importKey("raw", keyBytes, "AES-GCM", false, ["decrypt"]);
  try {
    return new TextDecoder().decode(await crypto.subtle.decrypt({ name: "AES-GCM", iv }, key, ct));
  } catch {
    return null;
  }
}
