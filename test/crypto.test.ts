import { base64url, exportJWK, generateKeyPair, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config";
import { open, seal } from "../src/crypto/aead";
import { decodeBase64Url, encodeBase64Url } from "../src/crypto/encoding";
import { constantTimeEqual, sha256Hex } from "../src/crypto/hash";
import { loadSigningKeys, signJwt, verifyJwt } from "../src/crypto/jwt";
import { deriveHmacKey } from "../src/crypto/keys";
import { generateId, generateToken, ID_PATTERN, randomBytes } from "../src/crypto/random";
import { idToUuid, uuidToId } from "../src/crypto/uuid-ids";
import { createCsrfToken, verifyCsrfToken } from "../src/services/csrf";
import { resolveRedirect } from "../src/services/redirects";
import { bindings } from "./support/harness";

const KEYS = bindings.JWT_SIGNING_KEYS!;
const claims = { typ: "at+jwt", issuer: "https://auth.example.com", audience: "https://api.example.com" };

describe("random", () => {
  it("tokens are 256-bit base64url and never repeat", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) seen.add(generateToken());
    expect(seen.size).toBe(2000);
    for (const t of seen) expect(decodeBase64Url(t)?.length).toBe(32);
    expect(() => generateToken(8)).toThrow(RangeError);
  });

  it("ids are prefixed, fixed-length and sort by creation time", () => {
    const a = generateId("usr", 1_700_000_000_000);
    const b = generateId("usr", 1_700_000_000_001);
    expect(a).toMatch(ID_PATTERN("usr"));
    expect(a < b).toBe(true);
    expect(generateId("org")).toMatch(ID_PATTERN("org"));
  });
});

describe("UUID forms of ids", () => {
  it("each id has one RFC 9562 version-8 UUID and maps back; ordering by time is kept", () => {
    const rfc = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    let previous = "";
    for (let i = 0; i < 2000; i++) {
      const id = generateId("usr", 1_700_000_000_000 + i * 1000);
      const uuid = idToUuid(id);
      expect(uuid).toMatch(rfc);
      expect(uuidToId("usr", uuid ?? "")).toBe(id);
      expect(uuidToId("usr", (uuid ?? "").toUpperCase())).toBe(id);
      expect((uuid ?? "") > previous).toBe(true);
      previous = uuid ?? "";
    }
  });

  it("refuses what is not one: other versions, bad variants, malformed ids, ids past 2109", () => {
    expect(uuidToId("usr", "f47ac10b-58cc-4372-a567-0e02b2c3d479")).toBeNull();
    expect(uuidToId("usr", "f47ac10b-58cc-8372-c567-0e02b2c3d479")).toBeNull();
    expect(uuidToId("usr", "f47ac10b58cc8372a5670e02b2c3d479")).toBeNull();
    expect(idToUuid("usr_not-an-id")).toBeNull();
    expect(idToUuid(`usr_${"z".repeat(26)}`)).toBeNull();
  });
});

describe("hash and compare", () => {
  it("sha256Hex matches the known vector", async () => {
    expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("constantTimeEqual is exact", () => {
    expect(constantTimeEqual("abc", "abc")).toBe(true);
    expect(constantTimeEqual("abc", "abd")).toBe(false);
    expect(constantTimeEqual("abc", "abcd")).toBe(false);
    expect(constantTimeEqual("", "")).toBe(true);
  });

  it("base64url decoding rejects non-canonical input instead of throwing", () => {
    const bytes = randomBytes(32);
    expect(decodeBase64Url(encodeBase64Url(bytes))).toEqual(bytes);
    for (const bad of ["a+b/", "abc=", "a", "!!!!", "AB"]) expect(decodeBase64Url(bad)).toBeNull();
  });
});

describe("sealed boxes and CSRF tokens", () => {
  it("open() returns the plaintext only for the right key and an untampered box", async () => {
    const key = randomBytes(32);
    const box = await seal(key, "secret response");
    expect(await open(key, box)).toBe("secret response");
    expect(await open(randomBytes(32), box)).toBeNull();
    const i = box.length - 5; // a character whose 6 bits all belong to the ciphertext/tag
    const tampered = box.slice(0, i) + (box[i] === "A" ? "B" : "A") + box.slice(i + 1);
    expect(tampered).not.toBe(box);
    expect(await open(key, tampered)).toBeNull();
    expect(await open(key, "garbage")).toBeNull();
  });

  it("a CSRF token verifies only for the session it was minted for", async () => {
    const key = await deriveHmacKey("x".repeat(32), "csrf");
    const token = await createCsrfToken(key, "ses_a");
    expect(await verifyCsrfToken(key, "ses_a", token)).toBe(true);
    expect(await verifyCsrfToken(key, "ses_b", token)).toBe(false);
    expect(await verifyCsrfToken(await deriveHmacKey("y".repeat(32), "csrf"), "ses_a", token)).toBe(false);
    expect(await verifyCsrfToken(key, "ses_a", "abc.def")).toBe(false);
    expect(await verifyCsrfToken(key, "ses_a", `${token}.extra`)).toBe(false);
  });
});

describe("JWT (jose, EdDSA pinned)", () => {
  async function valid(now = Date.now()) {
    const keys = await loadSigningKeys(KEYS);
    return {
      keys,
      token: await signJwt(keys, { scope: "read" }, { ...claims, subject: "usr_1", expiresInSeconds: 900, now }),
    };
  }
  const check = async (token: string, now = Date.now()) =>
    verifyJwt(await loadSigningKeys(KEYS), token, { ...claims, now });

  it("round-trips with kid, typ, iss, aud, sub, jti", async () => {
    const { token } = await valid();
    const [header] = token.split(".");
    expect(JSON.parse(new TextDecoder().decode(base64url.decode(header!)))).toEqual({
      alg: "EdDSA",
      kid: "k2026",
      typ: "at+jwt",
    });
    const payload = await check(token);
    expect(payload).toMatchObject({ sub: "usr_1", iss: claims.issuer, aud: claims.audience, scope: "read" });
    expect(typeof payload?.jti).toBe("string");
  });

  it("tokens signed with an older listed key still verify (rotation)", async () => {
    const [, older] = KEYS.split(",");
    const oldKeys = await loadSigningKeys(older!);
    const token = await signJwt(oldKeys, {}, { ...claims, subject: "usr_1", expiresInSeconds: 900, now: Date.now() });
    expect(await check(token)).not.toBeNull();
  });

  it("rejects alg none, HS256 keyed with the public key, embedded jwk, unknown kid, wrong typ/iss/aud, expiry and tampering", async () => {
    const { keys, token } = await valid();
    const [h, p, s] = token.split(".") as [string, string, string];
    const enc = (o: object) => base64url.encode(JSON.stringify(o));
    const payload = JSON.parse(new TextDecoder().decode(base64url.decode(p)));
    const publicJwk = keys.jwks[0]!;

    const hsKey = new TextEncoder().encode(JSON.stringify(publicJwk));
    const hs256 = await new SignJWT(payload)
      .setProtectedHeader({ alg: "HS256", kid: "k2026", typ: "at+jwt" })
      .sign(hsKey);
    const attacker = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
    const embedded = await new SignJWT(payload)
      .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", jwk: await exportJWK(attacker.publicKey) })
      .sign(attacker.privateKey);
    const foreignKid = await new SignJWT(payload)
      .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid: "k2026" })
      .sign(attacker.privateKey);
    const unknownKid = await new SignJWT(payload)
      .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid: "../../etc/passwd" })
      .sign(attacker.privateKey);
    const wrongTyp = await signJwt(
      keys,
      {},
      { ...claims, typ: "device+jwt", subject: "usr_1", expiresInSeconds: 900, now: Date.now() },
    );
    const wrongIss = await signJwt(
      keys,
      {},
      { ...claims, issuer: "https://evil.example", subject: "usr_1", expiresInSeconds: 900, now: Date.now() },
    );
    const wrongAud = await signJwt(
      keys,
      {},
      { ...claims, audience: "https://other.example", subject: "usr_1", expiresInSeconds: 900, now: Date.now() },
    );
    const tampered = `${h}.${enc({ ...payload, sub: "usr_admin" })}.${s}`;

    const forged = [
      `${enc({ alg: "none", typ: "at+jwt" })}.${p}.`,
      `${enc({ alg: "NONE", typ: "at+jwt", kid: "k2026" })}.${p}.`,
      hs256,
      embedded,
      foreignKid,
      unknownKid,
      wrongTyp,
      wrongIss,
      wrongAud,
      tampered,
      `${enc({ alg: "EdDSA", kid: "k2026", typ: "at+jwt", crit: ["x"], x: 1 })}.${p}.${s}`,
      "a.b",
      "a.b.c.d",
      "x".repeat(9000),
      "",
    ];
    for (const t of forged) expect(await check(t), t.slice(0, 60)).toBeNull();
    expect(await check(token, Date.now() + 900_000 + 61_000)).toBeNull();
  });
});

describe("redirect targets", () => {
  const config = parseConfig({
    ...bindings,
    AUTH_DEBUG: "0",
    PUBLIC_URL: "https://auth.example.com",
    TRUSTED_ORIGINS: "https://app.example.com",
  });
  it("allows only our own paths and exact trusted origins", () => {
    expect(resolveRedirect(config, "/account")).toBe("https://auth.example.com/account");
    expect(resolveRedirect(config, "https://app.example.com/home")).toBe("https://app.example.com/home");
    for (const bad of [
      "//evil.com",
      "/\\evil.com",
      "\\\\evil.com",
      "/%2F%2Fevil.com/..",
      "/\tevil",
      "https:evil.com",
      "https://app.example.com.evil.com",
      "https://app.example.com@evil.com",
      "https://evil.com#@app.example.com",
      "https://evil.com\\@app.example.com",
      "javascript:alert(1)",
      "data:text/html,x",
      "HTTPS://EVIL.COM",
      "evil。com",
      "http://app.example.com/",
      "ftp://app.example.com",
    ]) {
      const resolved = resolveRedirect(config, bad);
      if (resolved !== null)
        expect(["https://auth.example.com", "https://app.example.com"]).toContain(new URL(resolved).origin);
    }
    expect(resolveRedirect(config, "//evil.com")).toBeNull();
    expect(resolveRedirect(config, "https://app.example.com.evil.com")).toBeNull();
  });
});
