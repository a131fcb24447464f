import { sql } from "drizzle-orm";
import { boolean, check, index, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

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
    ...timestamps,
  },
);

export const memberships = pgTable(
  "memberships",
  {
    id: text("id").primaryKey(),
    user_id: text("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    organization_id: text("organization_id").notNull().references(() => organizations.id, { onDelete: "cascade" }),
    role: text("role", { enum: ["owner", "admin", "member"] }).notNull(),
    created_at: timestamps.created_at,
  },
  (t) => [
    uniqueIndex("memberships_user_org_key").on(t.user_id, t.organization_id),
    index("memberships_org_idx").on(t.organization_id),
    check("memberships_role_valid", sql`${t.role} in ('owner', 'admin', 'member')`),
  ],
);
