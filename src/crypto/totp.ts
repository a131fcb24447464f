import { encodeBase32NoPadding } from "@oslojs/encoding";
import { createTOTPKeyURI, generateHOTP } from "@oslojs/otp";
import { constantTimeEqual } from "./hash";
import { randomBytes } from "./random";

// RFC 6238 as authenticator apps implement it: HMAC-SHA-1, 30-second steps, 6 digits. The HOTP
// arithmetic is @oslojs/otp's; what is ours is which steps count: one step either side of now (clock
// drift), and only steps after the last one accepted, so a code works once (RFC 6238 §5.2).

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;

/** A 160-bit secret, the HMAC-SHA-1 block-size recommendation of RFC 4226 §4. */
export function newTotpSecret(): Uint8Array {
  return randomBytes(20);
}

export function totpStep(nowMs: number): number {
  return Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS);
}

export function totpCode(secret: Uint8Array, step: number, digits = TOTP_DIGITS): string {
  return generateHOTP(secret, BigInt(step), digits);
}

/**
 * The step `code` belongs to, among now-1, now and now+1 and after `lastStep`; null when none.
 * Every candidate is computed and compared in constant time, whatever matches first.
 */
export function matchTotp(secret: Uint8Array, code: string, nowMs: number, lastStep: number | null): number | null {
  const now = totpStep(nowMs);
  let matched: number | null = null;
  for (const step of [now - 1, now, now + 1]) {
    const equal = constantTimeEqual(totpCode(secret, step), code);
    if (equal && matched === null && (lastStep === null || step > lastStep)) matched = step;
  }
  return matched;
}

export interface TotpEnrolment {
  secret: string;
  uri: string;
  qrSvg: string;
}

/** What an authenticator app scans or the person types: the base32 secret, otpauth:// URI and its QR code. */
export async function totpEnrolment(secret: Uint8Array, issuer: string, account: string): Promise<TotpEnrolment> {
  const uri = createTOTPKeyURI(issuer, account, secret, TOTP_PERIOD_SECONDS, TOTP_DIGITS);
  // The QR encoder is loaded only by enrolment, not by every cold start that checks a code.
  const { renderSVG } = await import("uqr");
  return { secret: encodeBase32NoPadding(secret), uri, qrSvg: renderSVG(uri, { border: 2 }) };
}

const RECOVERY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"; // Crockford base32: no I, L, O, U

/** A 100-bit recovery code, shown as four groups of five (NIST 63B: saved codes >= 64 bits). */
export function newRecoveryCode(): string {
  const bytes = randomBytes(20);
  let out = "";
  // 32 symbols divide 256 evenly, so taking the low five bits of each byte has no bias.
  for (let i = 0; i < 20; i++) out += RECOVERY_ALPHABET[(bytes[i] as number) & 31];
  return out.match(/.{5}/g)?.join("-") as string;
}

/** The canonical form a typed code is hashed in: upper case, no separators, O/I/L read as 0/1/1. */
export function normalizeRecoveryCode(input: string): string | null {
  const code = input.toUpperCase().replace(/[\s-]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");
  return /^[0-9A-HJKMNP-TV-Z]{20}$/.test(code) ? code : null;
}
