// Ports: Storefront customers and their codes; Stripe checkout plans. Types only.
import type { ContactChannel, Customer, CustomerSessionRecord, PublishableKeyRecord, StoreKey } from "../domain";
import type { Claimed, DurableClaim } from "./basics";

export interface PlanChange {
  plan: string;
  customerId: string | null;
  subscriptionId: string | null;
}

export interface BillingRepository {
  isProcessed(eventId: string): Promise<boolean>;
  recordEvent(eventId: string, type: string, now: number): Promise<void>;
  /**
   * Upgrades the primary organization of the account with this email now, or, without an account,
   * stores the upgrade for its first sign-in, and announces checkout.completed as `eventId` (once per
   * id). Returns the member ids whose snapshots must be refreshed.
   */
  upgradeForEmail(
    email: string,
    change: PlanChange,
    now: number,
    eventId: string,
  ): Promise<{ userId: string | null; memberIds: string[] }>;
  /** Sets the plan of whatever organization (or pending upgrade) holds this subscription. */
  setPlanForSubscription(subscriptionId: string, plan: string, now: number): Promise<string[]>;
}

export interface StorefrontRepository {
  createKey(input: {
    id: string;
    organizationId: string;
    name: string;
    allowedOrigins: string[];
    smsCountries: string[];
    requireTurnstile: boolean;
    createdBy: string | null;
    now: number;
    claim: DurableClaim | null;
  }): Promise<Claimed<PublishableKeyRecord>>;
  listKeys(organizationId: string): Promise<PublishableKeyRecord[]>;
  revokeKey(organizationId: string, keyId: string, now: number): Promise<PublishableKeyRecord | null>;
  findKey(keyId: string): Promise<StoreKey | null>;
  /** Whether any live key allows this origin (CORS preflights carry no key). */
  originAllowed(origin: string): Promise<boolean>;
  /** Finds or creates the store's customer for a proven contact; marks it verified; stamps last_login_at. */
  signInCustomer(input: {
    organizationId: string;
    channel: ContactChannel;
    contact: string;
    id: string;
    now: number;
  }): Promise<Customer>;
  findCustomer(organizationId: string, customerId: string): Promise<Customer | null>;
  /** Applies a profile change; a new email or phone is set only with `verified` (proven by a code). "taken" if another customer of the store has it. */
  updateCustomer(
    organizationId: string,
    customerId: string,
    changes: { name?: string | null; email?: string; phone?: string },
    now: number,
  ): Promise<Customer | "taken" | null>;
}

/** `ok` carries the spent code's expiry, so a failed sign-in can put the code back (releaseOtp). */
export type OtpVerifyResult =
  | { status: "ok"; expiresAt: number }
  | { status: "invalid" }
  | { status: "locked"; retryAfterSeconds: number };

export type SmsVerdict =
  | { allowed: true; prefixCount: number; globalCount: number }
  | { allowed: false; reason: "paused" | "global" | "prefix" | "opened"; retryAfterSeconds: number };

export interface StorefrontStore {
  /** Counts a text against its number prefix's and the deployment's hourly budgets, unless over or paused. */
  admitSms(input: {
    prefix: string;
    prefixLimit: number;
    globalLimit: number;
    breakerMinSends: number;
    breakerMinSuccessPercent: number;
    pauseSeconds: number;
    windowSeconds: number;
  }): Promise<SmsVerdict>;
  /** A texted code was used to sign in: the prefix's success count (the breaker's ratio). */
  smsUsed(prefix: string, windowSeconds: number): Promise<void>;
  getKey(keyId: string): Promise<StoreKey | null | undefined>;
  putKey(keyId: string, key: StoreKey | null): Promise<void>;
  forgetKey(keyId: string): Promise<void>;
  getOrigin(origin: string): Promise<boolean | undefined>;
  putOrigin(origin: string, allowed: boolean): Promise<void>;
  /** Stores a new code (replacing the previous one) unless the resend cooldown is running. */
  issueOtp(input: {
    otpKey: string;
    cooldownKey: string;
    codeHash: string;
    expiresAt: number;
    ttlSeconds: number;
    cooldownSeconds: number;
  }): Promise<{ issued: true } | { issued: false; retryAfterSeconds: number }>;
  /** Atomic check: contact lock, expiry, tries per code (burned at the limit), failure count per contact. */
  verifyOtp(input: {
    otpKey: string;
    failureKey: string;
    ipFailureKey: string;
    codeHash: string;
    now: number;
    maxAttempts: number;
    lockThreshold: number;
    ipLockThreshold: number;
    lockSeconds: number;
  }): Promise<OtpVerifyResult>;
  discardOtp(otpKey: string, cooldownKey: string): Promise<void>;
  /** Puts a spent code back (its effect failed), unless a newer code was sent meanwhile. */
  releaseOtp(otpKey: string, codeHash: string, expiresAt: number, now: number): Promise<void>;
  createSession(tokenHash: string, record: CustomerSessionRecord): Promise<void>;
  getSession(tokenHash: string): Promise<CustomerSessionRecord | null>;
  revokeSession(tokenHash: string): Promise<void>;
}
