import { type JWK, type JWTHeaderParameters, type JWTPayload, jwtVerify, SignJWT } from "jose";
import { decodeBase64Url } from "./encoding";
import { generateToken } from "./random";

// The only algorithm we sign or accept. Pinning it is what defeats `alg: none` and HS256-with-public-key.
export const JWT_ALGORITHM = "EdDSA";

export interface SigningKeySet {
  activeKid: string;
  privateKey: CryptoKey;
  publicKeys: Map<string, CryptoKey>;
  /** Every key, newest first, as published at /.well-known/jwks.json (old keys stay until tokens age out). */
  jwks: JWK[];
}

// PKCS#8 wrapper for a raw 32-byte Ed25519 seed (RFC 8410).
const PKCS8_ED25519_PREFIX = [
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/** Parses JWT_SIGNING_KEYS (`kid:seed[,kid:seed]`, newest first) into Web Crypto keys. */
export async function loadSigningKeys(spec: string): Promise<SigningKeySet> {
  const entries = spec.split(",").map((pair) => pair.split(":") as [string, string]);
  const publicKeys = new Map<string, CryptoKey>();
  const jwks: JWK[] = [];
  let privateKey: CryptoKey | null = null;
  for (const [kid, seedText] of entries) {
    const seed = decodeBase64Url(seedText);
    if (seed?.length !== 32) throw new Error(`JWT_SIGNING_KEYS: key ${kid} is not a 32-byte base64url seed`);
    const pkcs8 = new Uint8Array([...PKCS8_ED25519_PREFIX, ...seed]);
    const priv = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, true, ["sign"]);
    const { x } = (await crypto.subtle.exportKey("jwk", priv)) as JsonWebKey;
    const publicJwk: JWK = { kty: "OKP", crv: "Ed25519", x, kid, alg: JWT_ALGORITHM, use: "sig" };
    publicKeys.set(
      kid,
      await crypto.subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", x }, { name: "Ed25519" }, false, ["verify"]),
    );
    jwks.push(publicJwk);
    privateKey ??= priv;
  }
  if (!privateKey || !entries[0]) throw new Error("JWT_SIGNING_KEYS is empty");
  return { activeKid: entries[0][0], privateKey, publicKeys, jwks };
}

export interface SignOptions {
  typ: string;
  issuer: string;
  audience: string;
  subject: string;
  expiresInSeconds: number;
  now: number;
}

export async function signJwt(keys: SigningKeySet, claims: JWTPayload, options: SignOptions): Promise<string> {
  const iat = Math.floor(options.now / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: JWT_ALGORITHM, kid: keys.activeKid, typ: options.typ })
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setSubject(options.subject)
    .setIssuedAt(iat)
    .setExpirationTime(iat + options.expiresInSeconds)
    .setJti(generateToken(16))
    .sign(keys.privateKey);
}

export interface VerifyOptions {
  typ: string;
  issuer: string;
  audience: string;
  now: number;
}

/**
 * Verifies signature, algorithm, `typ`, `iss`, `aud`, `exp`/`nbf` (60 s skew). The key is picked only
 * by `kid` from our own set: `jwk`, `jku`, `x5u` and `x5c` headers are never consulted.
 * Returns null for every kind of invalid token, so callers cannot leak why.
 */
export async function verifyJwt(
  keys: SigningKeySet,
  token: string,
  options: VerifyOptions,
): Promise<JWTPayload | null> {
  if (token.length > 8192) return null;
  try {
    const { payload } = await jwtVerify(
      token,
      (header: JWTHeaderParameters) => {
        const key = typeof header.kid === "string" ? keys.publicKeys.get(header.kid) : undefined;
        if (!key) throw new Error("unknown kid");
        return key;
      },
      {
        algorithms: [JWT_ALGORITHM],
        typ: options.typ,
        issuer: options.issuer,
        audience: options.audience,
        currentDate: new Date(options.now),
        clockTolerance: 60,
        requiredClaims: ["exp", "iat", "sub", "jti"],
      },
    );
    return payload;
  } catch {
    return null;
  }
}
