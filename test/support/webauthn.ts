// A software authenticator for server tests: real P-256 keys and signatures, "none" attestation, in
// the wire format browsers send (the Chromium suite drives a real virtual authenticator instead).
// Knobs let a test lie about the origin, relying party, challenge, counter or user verification.
import { decodeBase64Url, encodeBase64Url, utf8 } from "../../src/crypto/encoding";

type Cbor = number | string | Uint8Array | Cbor[] | Map<Cbor, Cbor> | { [key: string]: Cbor };

function head(major: number, length: number): number[] {
  if (length < 24) return [(major << 5) | length];
  if (length < 256) return [(major << 5) | 24, length];
  if (length < 65536) return [(major << 5) | 25, length >> 8, length & 255];
  return [(major << 5) | 26, (length >>> 24) & 255, (length >> 16) & 255, (length >> 8) & 255, length & 255];
}

function cbor(value: Cbor): number[] {
  if (typeof value === "number") return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === "string") {
    const bytes = utf8.encode(value);
    return [...head(3, bytes.length), ...bytes];
  }
  if (value instanceof Uint8Array) return [...head(2, value.length), ...value];
  if (Array.isArray(value)) return [...head(4, value.length), ...value.flatMap(cbor)];
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  return [...head(5, entries.length), ...entries.flatMap(([k, v]) => [...cbor(k), ...cbor(v)])];
}

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const sha256 = async (data: Uint8Array) => new Uint8Array(await crypto.subtle.digest("SHA-256", data));
const u32 = (n: number) => new Uint8Array([(n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255]);

/** ECDSA raw r||s to the DER SEQUENCE WebAuthn carries. */
function der(raw: Uint8Array): Uint8Array {
  const int = (bytes: Uint8Array) => {
    let b = bytes;
    while (b.length > 1 && b[0] === 0 && (b[1] as number) < 0x80) b = b.slice(1);
    if ((b[0] as number) >= 0x80) b = concat(new Uint8Array([0]), b);
    return concat(new Uint8Array([0x02, b.length]), b);
  };
  const body = concat(int(raw.slice(0, 32)), int(raw.slice(32)));
  return concat(new Uint8Array([0x30, body.length]), body);
}

const UP = 0x01;
const UV = 0x04;
const BE = 0x08;
const BS = 0x10;
const AT = 0x40;

export interface SoftCredential {
  id: string;
  keys: CryptoKeyPair;
  userHandle: string;
  counter: number;
}

export interface Lies {
  origin?: string;
  rpId?: string;
  challenge?: string;
  counter?: number;
  userVerified?: boolean;
  type?: string;
  /** Backup eligible and backed up (a synced passkey). */
  backedUp?: boolean;
}

const clientData = (type: string, challenge: string, origin: string) =>
  utf8.encode(JSON.stringify({ type, challenge, origin, crossOrigin: false }));

/** navigator.credentials.create() answered, as RegistrationResponseJSON. */
export async function createCredential(
  options: { challenge: string; rp: { id: string }; user: { id: string } },
  origin: string,
  lies: Lies = {},
): Promise<{ credential: SoftCredential; response: Record<string, unknown> }> {
  const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const jwk = (await crypto.subtle.exportKey("jwk", keys.publicKey)) as JsonWebKey;
  const cose = new Map<Cbor, Cbor>([
    [1, 2],
    [3, -7],
    [-1, 1],
    [-2, decodeBase64Url(jwk.x as string) as Uint8Array],
    [-3, decodeBase64Url(jwk.y as string) as Uint8Array],
  ]);
  const credentialId = crypto.getRandomValues(new Uint8Array(32));
  const flags = UP | AT | (lies.userVerified === false ? 0 : UV) | (lies.backedUp ? BE | BS : 0);
  const authData = concat(
    await sha256(utf8.encode(lies.rpId ?? options.rp.id)),
    new Uint8Array([flags]),
    u32(0),
    new Uint8Array(16),
    new Uint8Array([0, credentialId.length]),
    credentialId,
    new Uint8Array(cbor(cose)),
  );
  const attestation = new Uint8Array(cbor({ fmt: "none", attStmt: {}, authData }));
  const id = encodeBase64Url(credentialId);
  return {
    credential: { id, keys, userHandle: options.user.id, counter: 0 },
    response: {
      id,
      rawId: id,
      type: "public-key",
      response: {
        clientDataJSON: encodeBase64Url(
          clientData(lies.type ?? "webauthn.create", lies.challenge ?? options.challenge, lies.origin ?? origin),
        ),
        attestationObject: encodeBase64Url(attestation),
        transports: ["internal"],
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    },
  };
}

/** navigator.credentials.get() answered, as AuthenticationResponseJSON; the counter moves by one. */
export async function assertCredential(
  credential: SoftCredential,
  options: { challenge: string; rpId: string },
  origin: string,
  lies: Lies = {},
): Promise<Record<string, unknown>> {
  credential.counter = lies.counter ?? credential.counter + 1;
  const flags = UP | (lies.userVerified === false ? 0 : UV) | (lies.backedUp ? BE | BS : 0);
  const authData = concat(
    await sha256(utf8.encode(lies.rpId ?? options.rpId)),
    new Uint8Array([flags]),
    u32(credential.counter),
  );
  const data = clientData(lies.type ?? "webauthn.get", lies.challenge ?? options.challenge, lies.origin ?? origin);
  const signed = concat(authData, await sha256(data));
  const raw = new Uint8Array(
    await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, credential.keys.privateKey, signed),
  );
  return {
    id: credential.id,
    rawId: credential.id,
    type: "public-key",
    response: {
      clientDataJSON: encodeBase64Url(data),
      authenticatorData: encodeBase64Url(authData),
      signature: encodeBase64Url(der(raw)),
      userHandle: credential.userHandle,
    },
    clientExtensionResults: {},
  };
}
