/**
 * A decimal code from the CSPRNG without modulo bias: 32-bit draws at or above the largest multiple
 * of 10^digits are rejected and redrawn, so every code is equally likely.
 */
export function generateNumericCode(digits: number): string {
  if (!Number.isInteger(digits) || digits < 6 || digits > 8) throw new RangeError("codes have 6 to 8 digits");
  const modulus = 10 ** digits;
  const limit = Math.floor(2 ** 32 / modulus) * modulus;
  const draw = new Uint32Array(1);
  for (;;) {
    crypto.getRandomValues(draw);
    const value = draw[0] ?? limit;
    if (value < limit) return String(value % modulus).padStart(digits, "0");
  }
}
