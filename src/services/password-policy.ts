import { AuthError } from "../errors";

// NIST SP 800-63B: length, no composition rules, and a blocklist of common or context-derived
// passwords with the reason given. Lengths count code points after NFKC normalisation.
export const PASSWORD_MAX_LENGTH = 128;

// Common passwords of eight or more characters (shorter ones already fail the length rule),
// lower-cased; drawn from the usual breach-corpus top lists.
const COMMON = new Set(
  `password password1 password12 password123 password1234 passw0rd p@ssw0rd p@ssword password! 12345678 123456789
1234567890 0987654321 123123123 987654321 11111111 00000000 12341234 11223344 12121212 88888888 99999999 666666666
1q2w3e4r 1q2w3e4r5t 1qaz2wsx qwertyuiop qwerty123 qwerty12 qwertyui qwerty1234 asdfghjkl asdfasdf asdf1234 1234asdf
zxcvbnm1 zxcvbnm123 iloveyou iloveyou1 iloveyou2 iloveu123 sunshine princess football baseball basketball superman
batman123 whatever trustno1 trustno1! starwars welcome1 welcome123 welcome! letmein1 letmein123 letmein! abc12345
abcd1234 abcdefgh aa123456 a1234567 123456aa monkey123 dragon123 charlie1 jennifer michelle jessica1 computer internet
corvette mercedes samantha maverick liverpool chelsea1 arsenal1 master123 shadow12 freedom1 changeme changeme1
secret123 admin123 administrator adminadmin rootroot test1234 testtest qazwsxedc zaq12wsx 1234qwer qwer1234 q1w2e3r4
q1w2e3r4t5 passport pokemon1 naruto123 blink182 michael1 jordan23 hello123 helloworld lovelove loveyou1 babygirl1
butterfly soccer12 123qweasd google123 facebook1 linkedin myspace1 yankees1 cowboys1 steelers dolphins thunder1
chocolate cookie12 banana12 orange12 purple12 silver12 diamond1 midnight mustang1 ferrari1 harley12 hockey12 tigger12
pepper12 cheese12 matrix12 killer12 ranger12 147258369 159753456 741852963 963852741 1029384756 summer2024 summer2025
summer2026 winter2024 winter2025 winter2026 spring2025 spring2026 autumn2025 autumn2026 correcthorse`.split(/\s+/),
);

const SEQUENCES = ["0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm"];

export interface PasswordContext {
  email: string | null;
  minLength: number;
}

/** Throws a 400 with a code saying exactly why; returns the normalised password otherwise. */
export function checkPassword(password: string, context: PasswordContext): string {
  const normalized = password.normalize("NFKC");
  const length = [...normalized].length;
  if (length < context.minLength) {
    throw new AuthError("password_too_short", {
      message: `Use at least ${context.minLength} characters.`,
      details: [{ field: "password", message: `at least ${context.minLength} characters` }],
    });
  }
  if (length > PASSWORD_MAX_LENGTH) {
    throw new AuthError("password_too_long", {
      message: `Use at most ${PASSWORD_MAX_LENGTH} characters.`,
      details: [{ field: "password", message: `at most ${PASSWORD_MAX_LENGTH} characters` }],
    });
  }
  const reason = commonReason(normalized.toLowerCase(), context.email);
  if (reason)
    throw new AuthError("password_too_common", {
      message: `This password is too easy to guess: ${reason}.`,
      details: [{ field: "password", message: reason }],
    });
  return normalized;
}

function commonReason(lower: string, email: string | null): string | null {
  if (COMMON.has(lower)) return "it is on a list of commonly used passwords";
  if (new Set(lower).size === 1) return "it repeats one character";
  if (SEQUENCES.some((seq) => seq.includes(lower) || [...seq].reverse().join("").includes(lower)))
    return "it is a keyboard or alphabet sequence";
  if (email) {
    const local = email.slice(0, email.indexOf("@")).toLowerCase();
    if (lower === email.toLowerCase() || (local.length >= 4 && lower.includes(local)))
      return "it contains your email address";
  }
  return null;
}
