// Abuse defence on public send endpoints: SMS budgets and circuit breaker (toll fraud), countries
// texts may go to, and Cloudflare Turnstile (bots). docs/abuse-defence.md explains each default.
import type { Reader } from "./read";

export type TurnstileMode = "off" | "escalate" | "always";

export interface AbuseConfig {
  sms: {
    /** SMS_PREFIX_HOURLY: texts per number prefix (country code + next digits, 5 digits) per hour. */
    prefixHourly: number;
    /** SMS_GLOBAL_HOURLY: texts per hour for the whole deployment. */
    globalHourly: number;
    /** SMS_BREAKER_MIN_SENDS / SMS_BREAKER_MIN_SUCCESS_PERCENT: a prefix with at least this many texts this hour of which fewer than this share were used to sign in is paused for an hour. */
    breakerMinSends: number;
    breakerMinSuccessPercent: number;
    /** SMS_ALLOWED_COUNTRIES: ISO 3166 alpha-2 codes texts may go to (empty: any); a publishable key may narrow it. */
    allowedCountries: string[];
  };
  turnstile: {
    /** TURNSTILE_MODE: off, escalate (a token instead of a refusal once an address's limit is spent), always. */
    mode: TurnstileMode;
    secretKey: string | null;
    /** TURNSTILE_SITE_KEY: for the hosted pages' widget. */
    siteKey: string | null;
    /** TURNSTILE_VERIFY_URL: siteverify (the local stand-in in tests). */
    verifyUrl: string;
    timeoutMs: number;
  };
}

export function readAbuse({ str, int, url, problems }: Reader): AbuseConfig {
  const countries = (str("SMS_ALLOWED_COUNTRIES") ?? "")
    .split(",")
    .map((c) => c.trim().toUpperCase())
    .filter(Boolean);
  for (const c of countries)
    if (!/^[A-Z]{2}$/.test(c))
      problems.push(`SMS_ALLOWED_COUNTRIES must be ISO 3166 alpha-2 codes such as US,GB,FR (got "${c}").`);
  const secretKey = str("TURNSTILE_SECRET_KEY");
  const modeRaw = str("TURNSTILE_MODE") ?? (secretKey ? "escalate" : "off");
  if (!["off", "escalate", "always"].includes(modeRaw))
    problems.push(`TURNSTILE_MODE must be off, escalate or always (got "${modeRaw}").`);
  if (modeRaw !== "off" && !secretKey)
    problems.push(
      `TURNSTILE_MODE=${modeRaw} needs TURNSTILE_SECRET_KEY (the widget's secret key from the Cloudflare dashboard).`,
    );
  const verify = url(
    "TURNSTILE_VERIFY_URL",
    str("TURNSTILE_VERIFY_URL"),
    "Cloudflare's siteverify URL (the default) or a local stand-in",
  );
  return {
    sms: {
      prefixHourly: int("SMS_PREFIX_HOURLY", 30, 1, 1_000_000),
      globalHourly: int("SMS_GLOBAL_HOURLY", 1000, 1, 10_000_000),
      breakerMinSends: int("SMS_BREAKER_MIN_SENDS", 20, 1, 1_000_000),
      breakerMinSuccessPercent: int("SMS_BREAKER_MIN_SUCCESS_PERCENT", 10, 0, 100),
      allowedCountries: countries,
    },
    turnstile: {
      mode: secretKey && (modeRaw === "always" || modeRaw === "escalate") ? modeRaw : "off",
      secretKey,
      siteKey: str("TURNSTILE_SITE_KEY"),
      verifyUrl: verify?.toString() ?? "https://challenges.cloudflare.com/turnstile/v0/siteverify",
      timeoutMs: int("TURNSTILE_TIMEOUT_MS", 3000, 200, 10_000),
    },
  };
}
