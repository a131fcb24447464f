import { hmacSha256, sha256Hex } from "../crypto/hash";
import { generateNumericCode } from "../crypto/otp";
import { generateId, generateToken, isOpaqueToken } from "../crypto/random";
import { DeliveryError } from "../email/provider";
import { AuthError, rateLimited } from "../errors";
import type { ContactChannel, Customer, CustomerSessionRecord, StoreKey } from "../ports";
import { logAuthEvent } from "./audit";
import type { ServiceContext } from "./context";
import { canonicalEmail } from "./email-address";
import { OTP } from "./limits";
import { releaseOnFailure } from "./one-time-tokens";
import { guardSend, knownClientProof } from "./send-guard";
import { admitSms, noteSmsUsed } from "./sms-guard";

// Storefront customers sign in with a one-time code sent by SMS or email. Codes are 6+ digits from
// the CSPRNG, valid 5 minutes, stored only as an HMAC (keyed, so a Redis dump cannot be brute-forced),
// bound to the store, the contact and the purpose. NIST SP 800-63B: a resend never resets the failure
// count; 5 wrong tries burn a code; 10 failures lock the contact for 15 minutes.
const SESSION_DAYS = 30;

const E164 = /^\+[1-9]\d{6,14}$/;

export interface Contact {
  channel: ContactChannel;
  value: string;
}

/** E.164 phone -> sms, email -> email; a given contact_type must match what the contact is. */
export function parseContact(raw: string, type: "phone" | "email" | "sms" | undefined): Contact {
  const trimmed = raw.trim();
  const phone = E164.test(trimmed);
  const email = phone ? null : canonicalEmail(trimmed);
  const fail = (message: string): never => {
    throw new AuthError("validation_error", {
      details: [{ field: type && !(phone || email) ? "contact" : type ? "contact_type" : "contact", message }],
    });
  };
  if (!phone && email === null) fail("must be an E.164 phone number (+14155550123) or an email address");
  const channel: ContactChannel = phone ? "sms" : "email";
  if (type !== undefined && (type === "email") !== (channel === "email"))
    fail(`contact_type ${type} does not match the contact`);
  return { channel, value: phone ? trimmed : (email as string) };
}

async function scope(store: StoreKey, purpose: string, contact: Contact): Promise<string> {
  return `${store.organization_id}:${purpose}:${await sha256Hex(contact.value)}`;
}

async function codeHash(ctx: ServiceContext, scopeKey: string, code: string): Promise<string> {
  const { deps } = ctx;
  return hmacSha256(deps.keys.otp, `${scopeKey}\n${code}`);
}

/**
 * Sends a code. Same answer for contacts never seen before (no lookup at all). Caps first (per contact
 * and per IP, hourly), then the resend cooldown, then the provider; a failed send removes the code.
 */
export async function requestOtp(
  ctx: ServiceContext,
  input: {
    store: StoreKey;
    contact: Contact;
    purpose: "login" | `change:${string}`;
    /** The X-Turnstile-Token header. */
    challenge?: string | null;
    /** The browser's proof that it signed in to this store with this contact before (a cookie). */
    knownProof?: string | null;
  },
): Promise<{ delivery_channel: ContactChannel; expires_in_seconds: number; next_resend_in_seconds: number }> {
  const { deps, config } = ctx;
  const key = await scope(input.store, input.purpose, input.contact);
  const guard = await guardSend(ctx, {
    scope: "otp_send",
    subject: key,
    shared: "contact",
    perSubject: { limit: OTP.sendsPerContactPerHour, windowSeconds: 3600 },
    ipRule: { key: `otp_send:ip:${ctx.ip}`, limit: OTP.sendsPerIpPerHour, windowSeconds: 3600 },
    knownProof: input.purpose === "login" ? (input.knownProof ?? null) : null,
    challenge: input.challenge ?? null,
    mode: input.store.require_turnstile ? "always" : undefined,
  });
  const caps = await deps.rateLimiter.hit(guard.rules);
  if (!caps.allowed) await guard.refuse(rateLimited(caps.retryAfterSeconds));
  if (input.contact.channel === "sms") await admitSms(ctx, input.store, input.contact.value);
  const now = deps.clock.now();
  const code = generateNumericCode(config.storefront.otpDigits);
  const issued = await deps.storefrontStore.issueOtp({
    otpKey: key,
    cooldownKey: key,
    codeHash: await codeHash(ctx, key, code),
    expiresAt: now + OTP.ttlSeconds * 1000,
    ttlSeconds: OTP.ttlSeconds,
    cooldownSeconds: OTP.resendCooldownSeconds,
  });
  if (!issued.issued) throw rateLimited(issued.retryAfterSeconds);
  const text = `Your sign-in code is ${code}. It expires in 5 minutes. Never share it: we will never ask for it.`;
  try {
    if (input.contact.channel === "sms") await deps.sms.send({ to: input.contact.value, text });
    else await deps.email.send({ to: input.contact.value, subject: "Your sign-in code", text, html: `<p>${text}</p>` });
  } catch (cause) {
    if (!(cause instanceof DeliveryError)) throw cause;
    await deps.storefrontStore.discardOtp(key, key);
    const correlationId = generateId("corr", now);
    console.error(
      JSON.stringify({ event: "otp_delivery_failed", channel: input.contact.channel, correlation_id: correlationId }),
    );
    throw new AuthError(input.contact.channel === "sms" ? "sms_delivery_failed" : "email_delivery_failed", {
      correlationId,
      cause,
    });
  }
  return {
    delivery_channel: input.contact.channel,
    expires_in_seconds: OTP.ttlSeconds,
    next_resend_in_seconds: OTP.resendCooldownSeconds,
  };
}

/** Spends a code atomically: exactly one of any number of parallel correct verifications succeeds. */
/** Spends a right code; answers how to put it back if what it pays for then fails (a store outage). */
export async function checkOtp(
  ctx: ServiceContext,
  input: { store: StoreKey; contact: Contact; purpose: "login" | `change:${string}`; code: string },
): Promise<() => Promise<void>> {
  const { deps } = ctx;
  const key = await scope(input.store, input.purpose, input.contact);
  const hash = await codeHash(ctx, key, input.code);
  const result = await deps.storefrontStore.verifyOtp({
    otpKey: key,
    failureKey: `otp_fail:contact:${key}`,
    ipFailureKey: `otp_fail:ip:${ctx.ip}`,
    codeHash: hash,
    now: deps.clock.now(),
    maxAttempts: OTP.maxTriesPerCode,
    lockThreshold: OTP.contactLockThreshold,
    ipLockThreshold: OTP.ipLockThreshold,
    lockSeconds: OTP.lockSeconds,
  });
  if (result.status === "locked") throw rateLimited(result.retryAfterSeconds);
  if (result.status === "invalid") throw new AuthError("otp_invalid");
  const expiresAt = result.expiresAt;
  return () => deps.storefrontStore.releaseOtp(key, hash, expiresAt, deps.clock.now());
}

export interface CustomerSignIn {
  customer: Customer;
  token: string;
  record: CustomerSessionRecord;
  /**
   * This browser proved the contact at this store: its later code requests for it count apart from the
   * per-contact limit an attacker can spend (services/send-guard.ts). Not a credential.
   */
  knownProof: string;
}

/** A right code signs the customer in to this store; the browser's previous customer session (if any) ends. */
export async function verifyOtpAndSignIn(
  ctx: ServiceContext,
  input: { store: StoreKey; contact: Contact; code: string; replacing: string | null },
): Promise<CustomerSignIn> {
  const release = await checkOtp(ctx, { ...input, purpose: "login" });
  const signedIn = await releaseOnFailure(() => signInCustomer(ctx, input), release);
  if (input.contact.channel === "sms") noteSmsUsed(ctx, input.contact.value);
  if (input.replacing) await ctx.deps.storefrontStore.revokeSession(input.replacing);
  const knownProof = await knownClientProof(ctx, await scope(input.store, "login", input.contact));
  return { ...signedIn, knownProof };
}

async function signInCustomer(
  ctx: ServiceContext,
  input: { store: StoreKey; contact: Contact },
): Promise<Omit<CustomerSignIn, "knownProof">> {
  const { deps } = ctx;
  const now = deps.clock.now();
  const customer = await deps.storefront.signInCustomer({
    organizationId: input.store.organization_id,
    channel: input.contact.channel,
    contact: input.contact.value,
    id: generateId("cus", now),
    now,
  });
  const token = generateToken(32);
  const record: CustomerSessionRecord = {
    id: generateId("cse", now),
    customer_id: customer.id,
    organization_id: input.store.organization_id,
    publishable_key: input.store.id,
    created_at: now,
    expires_at: now + SESSION_DAYS * 86_400_000,
  };
  await deps.storefrontStore.createSession(await sha256Hex(token), record);
  logAuthEvent(
    "customer.signed_in",
    { organization_id: input.store.organization_id, user_id: customer.id, session_id: record.id, ip: ctx.ip },
    now,
  );
  return { customer, token, record };
}

/** The customer behind a cookie, for this store only: another store's session is simply unknown here. */
export async function customerSession(
  ctx: ServiceContext,
  store: StoreKey,
  token: string | undefined,
): Promise<{ record: CustomerSessionRecord; tokenHash: string } | null> {
  const { deps } = ctx;
  if (token === undefined || !isOpaqueToken(token)) return null;
  const tokenHash = await sha256Hex(token);
  const record = await deps.storefrontStore.getSession(tokenHash);
  if (!record || record.organization_id !== store.organization_id || record.expires_at <= deps.clock.now()) return null;
  return { record, tokenHash };
}

/** What the storefront shows about the customer signed in to this store (null when none). */
export async function customerStatus(
  ctx: ServiceContext,
  session: { record: CustomerSessionRecord } | null,
): Promise<Customer | null> {
  return session ? ctx.deps.storefront.findCustomer(session.record.organization_id, session.record.customer_id) : null;
}

/** Ends the customer's session in this store (idempotent). */
export async function signOutCustomer(ctx: ServiceContext, session: { tokenHash: string } | null): Promise<void> {
  if (session) await ctx.deps.storefrontStore.revokeSession(session.tokenHash);
}

/**
 * Name changes apply at once. A new email or phone applies only with a code sent to it: the first call
 * sends the code (purpose-bound to this customer and address), the second, with otp_code, applies it.
 */
export async function updateCustomerProfile(
  ctx: ServiceContext,
  input: {
    store: StoreKey;
    customerId: string;
    name?: string | null;
    email?: string;
    phone?: string;
    otpCode?: string;
  },
): Promise<{ customer: Customer; verification_required: ContactChannel | null }> {
  const { deps } = ctx;
  const contacts = [
    input.email !== undefined ? parseContact(input.email, "email") : null,
    input.phone !== undefined ? parseContact(input.phone, "phone") : null,
  ].filter((c): c is Contact => c !== null);
  if (contacts.length > 1)
    throw new AuthError("validation_error", {
      details: [{ field: "email", message: "change the email and the phone one at a time" }],
    });
  const now = deps.clock.now();
  const current = await deps.storefront.findCustomer(input.store.organization_id, input.customerId);
  if (!current) throw new AuthError("unauthorized");
  const contact = contacts[0];
  const changing =
    contact && contact.value !== (contact.channel === "email" ? current.email : current.phone) ? contact : null;
  const purpose = `change:${input.customerId}` as const;
  let release: () => Promise<void> = async () => undefined;
  if (changing && input.otpCode === undefined) {
    await requestOtp(ctx, { store: input.store, contact: changing, purpose });
  } else if (changing && input.otpCode !== undefined) {
    release = await checkOtp(ctx, {
      store: input.store,
      contact: changing,
      purpose,
      code: input.otpCode,
    });
  }
  const apply = {
    ...("name" in input && input.name !== undefined ? { name: input.name } : {}),
    ...(changing && input.otpCode !== undefined
      ? { [changing.channel === "email" ? "email" : "phone"]: changing.value }
      : {}),
  };
  const updated =
    Object.keys(apply).length > 0
      ? await releaseOnFailure(
          () => deps.storefront.updateCustomer(input.store.organization_id, input.customerId, apply, now),
          release,
        )
      : current;
  if (updated === "taken")
    throw new AuthError("conflict", { message: "Another customer of this store uses that contact." });
  if (!updated) throw new AuthError("unauthorized");
  return {
    customer: updated,
    verification_required: changing && input.otpCode === undefined ? changing.channel : null,
  };
}

/** The store a publishable key names: one Redis round trip when warm; keys (and unknown ids) cached a minute. */
export async function findStore(ctx: ServiceContext, keyId: string): Promise<StoreKey | null> {
  const { deps, defer } = ctx;
  const cached = await deps.storefrontStore.getKey(keyId);
  if (cached !== undefined) return cached;
  const found = await deps.storefront.findKey(keyId);
  defer("publishable_key_cache", () => deps.storefrontStore.putKey(keyId, found));
  return found;
}

/** For CORS preflights (which carry no key): whether any live key allows this origin. Cached briefly. */
export async function originAllowedAnywhere(ctx: ServiceContext, origin: string): Promise<boolean> {
  const { deps } = ctx;
  if (origin.length > 255) return false;
  const cached = await deps.storefrontStore.getOrigin(origin);
  if (cached !== undefined) return cached;
  const allowed = await deps.storefront.originAllowed(origin);
  await deps.storefrontStore.putOrigin(origin, allowed);
  return allowed;
}
