import { AuthError, rateLimited } from "../errors";
import type { StoreKey } from "../ports";
import type { ServiceContext } from "./context";

// Toll fraud (SMS pumping): bots request codes for premium-rate numbers, often one number range, from
// many IPs, so per-contact and per-IP windows never trip. Three defences before any text is sent:
// the countries a store allows, hourly budgets per number prefix and for the deployment, and a
// breaker that pauses a prefix whose codes are almost never used to sign in (real people type them).

/** Digits after the '+' that make a prefix: the country code and the start of the national range. */
const PREFIX_DIGITS = 5;
const HOUR = 3600;

export const numberPrefix = (phone: string): string => phone.slice(0, 1 + PREFIX_DIGITS);

/** Refuses a text to a country the store (or the deployment) does not allow. */
async function checkCountry(ctx: ServiceContext, store: StoreKey, phone: string): Promise<void> {
  const allowed = store.sms_countries?.length ? store.sms_countries : ctx.config.abuse.sms.allowedCountries;
  if (allowed.length === 0) return;
  // libphonenumber's metadata is loaded only where a country list is set.
  const { parsePhoneNumberFromString } = await import("libphonenumber-js/min");
  const country = parsePhoneNumberFromString(phone)?.country;
  if (country && allowed.includes(country)) return;
  throw new AuthError("validation_error", {
    details: [{ field: "contact", message: "codes cannot be texted to this country for this store; use email" }],
  });
}

export async function admitSms(ctx: ServiceContext, store: StoreKey, phone: string): Promise<void> {
  await checkCountry(ctx, store, phone);
  const { deps, config } = ctx;
  const sms = config.abuse.sms;
  const prefix = numberPrefix(phone);
  const verdict = await deps.storefrontStore.admitSms({
    prefix,
    prefixLimit: sms.prefixHourly,
    globalLimit: sms.globalHourly,
    breakerMinSends: sms.breakerMinSends,
    breakerMinSuccessPercent: sms.breakerMinSuccessPercent,
    pauseSeconds: HOUR,
    windowSeconds: HOUR,
  });
  const alert = (event: string, extra: Record<string, unknown> = {}) =>
    console.error(JSON.stringify({ event, at: new Date(deps.clock.now()).toISOString(), prefix, ...extra }));
  if (verdict.allowed) {
    // Alerts once per window, when the budget is reached (the requests after it are refused quietly).
    if (verdict.prefixCount === sms.prefixHourly) alert("sms.prefix_budget_exhausted", { limit: sms.prefixHourly });
    if (verdict.globalCount === sms.globalHourly) alert("sms.global_budget_exhausted", { limit: sms.globalHourly });
    return;
  }
  if (verdict.reason === "opened") alert("sms.circuit_opened", { pause_seconds: verdict.retryAfterSeconds });
  throw rateLimited(verdict.retryAfterSeconds);
}

/** A texted code signed someone in: counts toward the prefix's success ratio (after the answer). */
export function noteSmsUsed(ctx: ServiceContext, phone: string): void {
  ctx.defer("sms_used", () => ctx.deps.storefrontStore.smsUsed(numberPrefix(phone), HOUR));
}
