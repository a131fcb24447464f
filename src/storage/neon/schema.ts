import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  index,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";

const timestamps = {
  created_at: timestamp("created_at", { withTimezone: true, mode: "string" }).notNull().defaultNow(),
  updated_at: timestamp("updated_at", { withTimezone: true, mode: "string" }).notNull().defaultNow(),
};

export const users = pgTable(
  "users",
  {
    id: text("id").primaryKey(),
    /** Canonical form: trimmed and lower-cased; one account per address. */
    email: text("email").notNull(),
    name: text("name"),
    phone: text("phone"),
    /** Self-describing PBKDF2 hash (see src/crypto/password.ts); null for passwordless accounts. */
    password_hash: text("password_hash"),
    password_changed_at: timestamp("password_changed_at", { withTimezone: true, mode: "string" }),
    email_verified_at: timestamp("email_verified_at", { withTimezone: true, mode: "string" }),
    last_login_at: timestamp("last_login_at", { withTimezone: true, mode: "string" }),
    /** Set by the admin API: every credential of the user stops at once. */
    disabled_at: timestamp("disabled_at", { withTimezone: true, mode: "string" }),
    /** A platform administrator, granted only by the operator (SUPERUSER_EMAILS or `npm run superuser`). */
    is_superuser: boolean("is_superuser").notNull().default(false),
    /** Access and device tokens issued before this fail: the durable half of logout-all, reset, disable. */
    tokens_not_before: timestamp("tokens_not_before", { withTimezone: true, mode: "string" }),
    ...timestamps,
  },
  (t) => [uniqueIndex("users_email_key").on(t.email), check("users_email_lower", sql`${t.email} = lower(${t.email})`)],
);

export const organizations = pgTable(
  "organizations",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    is_personal: boolean("is_personal").notNull().default(false),
    plan_tier: text("plan_tier").notNull().default("sandbox"),
    stripe_customer_id: text("stripe_customer_id"),
    stripe_subscription_id: text("stripe_subscription_id"),
    /** Set for a user's personal organization: unique, so nobody ever gets two. */
    personal_owner_id: text("personal_owner_id").references((): AnyPgColumn => users.id, { onDelete: "cascade" }),
    /** Members must have a second factor to act in this organization (an owner's setting). */
    require_mfa: boolean("require_mfa").notNull().default(false),
    ...timestamps,
  },
  (t) => [uniqueIndex("organizations_personal_owner_key").on(t.personal_owner_id)],
);

export const memberships = pgTable(
  "memberships",
  {
    id: text("id").primaryKey(),
    user_id: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    organization_id: text("organization_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    role: text("role", { enum: ["owner", "admin", "member"] }).notNull(),
    created_at: timestamps.created_at,
  },
  (t) => [
    uniqueIndex("memberships_user_org_key").on(t.user_id, t.organization_id),
    index("memberships_org_idx").on(t.organization_id),
    check("memberships_role_valid", sql`${t.role} in ('owner', 'admin', 'member')`),
  ],
);

export const apiKeys = pgTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    organization_id: text("organization_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    /** Who minted it; the key never carries more than this member currently holds. */
    created_by: text("created_by").references(() => users.id, { onDelete: "set null" }),
    name: text("name").notNull(),
    /** `sk_live_` or `sk_test_`. */
    prefix: text("prefix").notNull(),
    /** SHA-256 (hex) of the secret part; the secret itself is shown once and never stored. */
    secret_hash: text("secret_hash").notNull(),
    /** The secret replaced by the last rotation, accepted until previous_expires_at. */
    previous_secret_hash: text("previous_secret_hash"),
    previous_expires_at: timestamp("previous_expires_at", { withTimezone: true, mode: "string" }),
    scopes: jsonb("scopes").$type<string[]>().notNull(),
    expires_at: timestamp("expires_at", { withTimezone: true, mode: "string" }),
    revoked_at: timestamp("revoked_at", { withTimezone: true, mode: "string" }),
    last_used_at: timestamp("last_used_at", { withTimezone: true, mode: "string" }),
    created_at: timestamps.created_at,
  },
  (t) => [index("api_keys_org_idx").on(t.organization_id), index("api_keys_creator_idx").on(t.created_by)],
);

export const auditLog = pgTable(
  "audit_log",
  {
    id: text("id").primaryKey(),
    actor_kind: text("actor_kind").notNull(),
    actor_id: text("actor_id").notNull(),
    organization_id: text("organization_id"),
    action: text("action").notNull(),
    target: text("target"),
    request_id: text("request_id").notNull(),
    details: jsonb("details").$type<Record<string, unknown>>(),
    created_at: timestamps.created_at,
  },
  (t) => [index("audit_log_org_idx").on(t.organization_id, t.created_at)],
);

export const publishableKeys = pgTable(
  "publishable_keys",
  {
    /** The public identifier itself: `pk_live_…` / `pk_test_…` (not a secret). */
    id: text("id").primaryKey(),
    organization_id: text("organization_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** Exact origins (scheme://host[:port]) allowed to call the storefront routes with this key. */
    allowed_origins: jsonb("allowed_origins").$type<string[]>().notNull(),
    /** ISO 3166 alpha-2 countries its codes may be texted to; empty: the deployment's list. */
    sms_countries: text("sms_countries").array().notNull().default(sql`'{}'`),
    /** Every code request with this key needs a Turnstile token. */
    require_turnstile: boolean("require_turnstile").notNull().default(false),
    created_by: text("created_by").references(() => users.id, { onDelete: "set null" }),
    revoked_at: timestamp("revoked_at", { withTimezone: true, mode: "string" }),
    created_at: timestamps.created_at,
  },
  (t) => [index("publishable_keys_org_idx").on(t.organization_id)],
);

export const customers = pgTable(
  "customers",
  {
    id: text("id").primaryKey(),
    /** A customer exists only within one store (organization); another store never sees them. */
    organization_id: text("organization_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    email: text("email"),
    phone: text("phone"),
    name: text("name"),
    email_verified_at: timestamp("email_verified_at", { withTimezone: true, mode: "string" }),
    phone_verified_at: timestamp("phone_verified_at", { withTimezone: true, mode: "string" }),
    last_login_at: timestamp("last_login_at", { withTimezone: true, mode: "string" }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("customers_org_email_key").on(t.organization_id, t.email),
    uniqueIndex("customers_org_phone_key").on(t.organization_id, t.phone),
  ],
);

export const devices = pgTable(
  "devices",
  {
    id: text("id").primaryKey(),
    /** The member who paired it (null when an API key asked for the code). */
    user_id: text("user_id").references(() => users.id, { onDelete: "cascade" }),
    organization_id: text("organization_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    platform: text("platform", { enum: ["ios", "android"] }).notNull(),
    name: text("name").notNull(),
    push_token: text("push_token").notNull(),
    peer_id: text("peer_id"),
    /** Paired through an API key: the device holds at most that key's scopes and dies with it. */
    api_key_id: text("api_key_id").references(() => apiKeys.id, { onDelete: "cascade" }),
    scopes: jsonb("scopes").$type<string[]>(),
    last_seen_at: timestamp("last_seen_at", { withTimezone: true, mode: "string" }),
    revoked_at: timestamp("revoked_at", { withTimezone: true, mode: "string" }),
    created_at: timestamps.created_at,
  },
  (t) => [index("devices_org_idx").on(t.organization_id), index("devices_user_idx").on(t.user_id)],
);

/** Stripe event ids already handled: each event has its effect once, however often it is delivered. */
export const stripeEvents = pgTable("stripe_events", {
  id: text("id").primaryKey(),
  type: text("type").notNull(),
  processed_at: timestamp("processed_at", { withTimezone: true, mode: "string" }).notNull().defaultNow(),
});

/** A paid checkout for an email with no account yet: applied to the organization its first sign-in creates. */
export const pendingUpgrades = pgTable("pending_upgrades", {
  email: text("email").primaryKey(),
  plan_tier: text("plan_tier").notNull(),
  stripe_customer_id: text("stripe_customer_id"),
  stripe_subscription_id: text("stripe_subscription_id"),
  created_at: timestamps.created_at,
});

/**
 * Membership only by consent: nobody joins until the invited address accepts. One open invitation
 * per (organization, email); the emailed token is stored only as its SHA-256. The last-owner rule is
 * a trigger on memberships (drizzle/0006_tenancy.sql).
 */
export const invitations = pgTable(
  "invitations",
  {
    id: text("id").primaryKey(),
    organization_id: text("organization_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    role: text("role", { enum: ["owner", "admin", "member"] }).notNull(),
    invited_by: text("invited_by").references(() => users.id, { onDelete: "cascade" }),
    invited_by_key: text("invited_by_key").references(() => apiKeys.id, { onDelete: "cascade" }),
    token_hash: text("token_hash").notNull(),
    created_at: timestamps.created_at,
    expires_at: timestamp("expires_at", { withTimezone: true, mode: "string" }).notNull(),
    accepted_at: timestamp("accepted_at", { withTimezone: true, mode: "string" }),
    accepted_by: text("accepted_by").references(() => users.id, { onDelete: "set null" }),
    declined_at: timestamp("declined_at", { withTimezone: true, mode: "string" }),
    revoked_at: timestamp("revoked_at", { withTimezone: true, mode: "string" }),
  },
  (t) => [
    uniqueIndex("invitations_token_key").on(t.token_hash),
    uniqueIndex("invitations_open_key")
      .on(t.organization_id, t.email)
      .where(sql`${t.accepted_at} is null and ${t.declined_at} is null and ${t.revoked_at} is null`),
    index("invitations_email_idx").on(t.email),
    check("invitations_role_valid", sql`${t.role} in ('owner', 'admin', 'member')`),
    check("invitations_email_lower", sql`${t.email} = lower(${t.email})`),
  ],
);

/** Idempotency-Key records committed with the effect they guard (see storage/neon/idempotency.ts). */
export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    record_key: text("record_key").primaryKey(),
    /** The response, sealed with a key derived from the Idempotency-Key. */
    response: text("response").notNull(),
    created_at: timestamps.created_at,
    expires_at: timestamp("expires_at", { withTimezone: true, mode: "string" }).notNull(),
  },
  (t) => [index("idempotency_keys_expires_idx").on(t.expires_at)],
);

/** Social sign-in: a provider's subject, linked to one user (unique per provider). */
export const identities = pgTable(
  "identities",
  {
    id: text("id").primaryKey(),
    user_id: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    provider: text("provider").notNull(),
    /** The provider's stable id for the person (OIDC `sub`, GitHub's numeric id). */
    subject: text("subject").notNull(),
    /** The address the provider asserted when the identity was last used (for display). */
    email: text("email"),
    /** The provider's tokens, only with OAUTH_<NAME>_KEEP_TOKENS: AES-GCM sealed (services/provider-tokens.ts). */
    tokens_sealed: text("tokens_sealed"),
    created_at: timestamps.created_at,
    last_used_at: timestamp("last_used_at", { withTimezone: true, mode: "string" }),
  },
  (t) => [
    uniqueIndex("identities_provider_subject_key").on(t.provider, t.subject),
    index("identities_user_idx").on(t.user_id),
  ],
);

/** One authenticator app per user; counts once confirmed (services/mfa.ts). */
export const totpFactors = pgTable("totp_factors", {
  user_id: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  /** AES-256-GCM under a key derived from AUTH_SECRET and the user id: never readable in the database. */
  secret_sealed: text("secret_sealed").notNull(),
  confirmed_at: timestamp("confirmed_at", { withTimezone: true, mode: "string" }),
  /** The last 30-second step a code was accepted for: a code is never accepted twice. */
  last_step: bigint("last_step", { mode: "number" }),
  last_used_at: timestamp("last_used_at", { withTimezone: true, mode: "string" }),
  created_at: timestamps.created_at,
});

/** Ten single-use codes per user, stored as HMAC-SHA-256 (they are 100-bit random, not passwords). */
export const recoveryCodes = pgTable(
  "recovery_codes",
  {
    user_id: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    code_hash: text("code_hash").notNull(),
    used_at: timestamp("used_at", { withTimezone: true, mode: "string" }),
    created_at: timestamps.created_at,
  },
  (t) => [primaryKey({ name: "recovery_codes_pkey", columns: [t.user_id, t.code_hash] })],
);

/** WebAuthn credentials (services/passkeys.ts); the public key is COSE, base64url. */
export const passkeys = pgTable(
  "passkeys",
  {
    id: text("id").primaryKey(),
    user_id: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    credential_id: text("credential_id").notNull(),
    public_key: text("public_key").notNull(),
    counter: bigint("counter", { mode: "number" }).notNull().default(0),
    transports: text("transports").array().notNull().default(sql`'{}'`),
    device_type: text("device_type").notNull(),
    backed_up: boolean("backed_up").notNull(),
    name: text("name").notNull(),
    created_at: timestamps.created_at,
    last_used_at: timestamp("last_used_at", { withTimezone: true, mode: "string" }),
  },
  (t) => [uniqueIndex("passkeys_credential_id_key").on(t.credential_id), index("passkeys_user_idx").on(t.user_id)],
);

/**
 * Refresh-token families ended one by one (logout, revocation, reuse detection). Redis holds the live
 * families; this is the record a Redis restore cannot undo (checked on every refresh). `expires_at`
 * is when the family would have ended anyway: rows past it may be deleted.
 */
export const endedTokenFamilies = pgTable("ended_token_families", {
  family: text("family").primaryKey(),
  ended_at: timestamp("ended_at", { withTimezone: true, mode: "string" }).notNull().defaultNow(),
  expires_at: timestamp("expires_at", { withTimezone: true, mode: "string" }).notNull(),
});

/** Where events are sent (drizzle/0012_events.sql); organization_id null: platform-wide. */
export const webhookEndpoints = pgTable("webhook_endpoints", {
  id: text("id").primaryKey(),
  organization_id: text("organization_id").references(() => organizations.id, { onDelete: "cascade" }),
  url: text("url").notNull(),
  description: text("description"),
  event_types: text("event_types").array().notNull().default(sql`'{}'`),
  /** AES-256-GCM under a key derived from AUTH_SECRET and the endpoint id (signing needs the secret). */
  secret_sealed: text("secret_sealed").notNull(),
  created_by: text("created_by").references(() => users.id, { onDelete: "set null" }),
  disabled_at: timestamp("disabled_at", { withTimezone: true, mode: "string" }),
  disabled_reason: text("disabled_reason"),
  failing_since: timestamp("failing_since", { withTimezone: true, mode: "string" }),
  ...timestamps,
});

/** The outbox: written by triggers in the transaction of the change they announce. */
export const events = pgTable("events", {
  id: text("id").primaryKey(),
  seq: bigint("seq", { mode: "number" }).notNull(),
  type: text("type").notNull(),
  organization_id: text("organization_id"),
  user_id: text("user_id"),
  subject: text("subject").notNull(),
  data: jsonb("data").$type<Record<string, unknown>>().notNull(),
  created_at: timestamps.created_at,
});

/** One row per event and endpoint: its attempts and where it stands. */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    endpoint_id: text("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    event_id: text("event_id")
      .notNull()
      .references(() => events.id, { onDelete: "cascade" }),
    seq: bigint("seq", { mode: "number" }).notNull(),
    subject: text("subject").notNull(),
    status: text("status", { enum: ["pending", "delivered", "failed"] })
      .notNull()
      .default("pending"),
    attempts: bigint("attempts", { mode: "number" }).notNull().default(0),
    next_attempt_at: timestamp("next_attempt_at", { withTimezone: true, mode: "string" }).notNull(),
    locked_until: timestamp("locked_until", { withTimezone: true, mode: "string" }),
    last_attempt_at: timestamp("last_attempt_at", { withTimezone: true, mode: "string" }),
    last_status: bigint("last_status", { mode: "number" }),
    last_error: text("last_error"),
    delivered_at: timestamp("delivered_at", { withTimezone: true, mode: "string" }),
  },
  (t) => [primaryKey({ name: "webhook_deliveries_pkey", columns: [t.endpoint_id, t.event_id] })],
);
