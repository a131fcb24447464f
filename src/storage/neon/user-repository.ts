import { type SQL, sql } from "drizzle-orm";
import type { HealthProbe, MfaMethod, SessionOrganization, UserRepository, UserSnapshot } from "../../ports";
import type { Database } from "./db";
import { memberships, organizations, passkeys, pendingUpgrades, totpFactors, users } from "./schema";
import { ConstraintViolation, iso, queryRunner } from "./sql";

// Every method is one SQL statement: one round trip, atomic, no interactive transaction needed.

/** Columns of a snapshot for a user row aliased `u`; organizations come from `orgs` (or live memberships). */
export function snapshotColumns(
  orgsSource: SQL = sql`(select o.id, o.name, o.is_personal, o.plan_tier, o.require_mfa, m.role, m.created_at from ${memberships} m join ${organizations} o on o.id = m.organization_id where m.user_id = u.id)`,
) {
  return sql`u.id, u.email, u.name, ${iso(sql`u.email_verified_at`)} as email_verified_at, ${iso(sql`u.created_at`)} as created_at,
    ${iso(sql`u.last_login_at`)} as last_login_at, u.is_superuser,
    (extract(epoch from u.tokens_not_before) * 1000)::bigint::text as tokens_not_before,
    array_remove(array[
      (select 'totp' from ${totpFactors} t where t.user_id = u.id and t.confirmed_at is not null),
      (select 'passkey' from ${passkeys} p where p.user_id = u.id limit 1)
    ], null) as mfa,
    (select coalesce(json_agg(json_build_object('id', x.id, 'name', x.name, 'is_personal_account', x.is_personal,
        'plan_tier', x.plan_tier, 'role', x.role, 'require_mfa', x.require_mfa) order by x.is_personal desc, x.created_at asc, x.id asc), '[]'::json)
     from ${orgsSource} x) as organizations`;
}

export interface SnapshotRow {
  id: string;
  email: string;
  name: string | null;
  email_verified_at: string | null;
  created_at: string;
  last_login_at: string | null;
  is_superuser: boolean;
  tokens_not_before: string | null;
  mfa: MfaMethod[] | null;
  organizations: SessionOrganization[];
}

/**
 * CTEs `new_org` and `new_membership`: a first organization (personal, or named) owned by each row of
 * `source` (a CTE with an `id` column). Shared by magic-link sign-in and password signup.
 */
export function firstOrganization(
  source: SQL,
  input: {
    email: string;
    name: string | null;
    organizationName: string | null;
    ids: { organization: string; membership: string };
  },
  now: string,
  pending?: SQL,
): SQL {
  const personal = input.organizationName === null;
  const name = input.organizationName ?? `${input.name ?? input.email.split("@")[0]}'s workspace`;
  const plan = pending ? sql`coalesce((select plan_tier from ${pending}), 'sandbox')` : sql`'sandbox'`;
  const customer = pending ? sql`(select stripe_customer_id from ${pending})` : sql`null`;
  const subscription = pending ? sql`(select stripe_subscription_id from ${pending})` : sql`null`;
  // A personal organization names its owner in a unique column: a second one for the same user (two
  // first sign-ins racing) is skipped by the database, and the caller reads the winner's back.
  const owner = personal ? sql`s.id` : sql`null`;
  const conflict = personal ? sql`on conflict (personal_owner_id) do nothing` : sql``;
  return sql`new_org as (
      insert into ${organizations} (id, name, is_personal, personal_owner_id, plan_tier, stripe_customer_id, stripe_subscription_id, created_at, updated_at)
      select ${input.ids.organization}, ${name}, ${personal}, ${owner}, ${plan}, ${customer}, ${subscription}, ${now}, ${now} from ${source} s
      ${conflict}
      returning id, name, is_personal, plan_tier
    ),
    new_membership as (
      insert into ${memberships} (id, user_id, organization_id, role, created_at)
      select ${input.ids.membership}, s.id, o.id, 'owner', ${now} from ${source} s, new_org o
      returning organization_id, role, created_at
    )`;
}

/** The statement that reads one user's snapshot. */
export function snapshotSelect(userId: string): SQL {
  return sql`select ${snapshotColumns()} from ${users} u where u.id = ${userId} and u.disabled_at is null`;
}

export function toSnapshot(row: SnapshotRow): UserSnapshot {
  return {
    user: {
      id: row.id,
      email: row.email,
      name: row.name,
      email_verified: row.email_verified_at !== null,
      email_verified_at: row.email_verified_at,
      created_at: row.created_at,
      last_login_at: row.last_login_at,
      is_superuser: row.is_superuser === true,
    },
    organizations: row.organizations,
    tokens_not_before: row.tokens_not_before === null ? 0 : Number(row.tokens_not_before),
    mfa: row.mfa ?? [],
  };
}

export function createUserRepository(db: Database): UserRepository & HealthProbe {
  const query = queryRunner(db);
  const one = async (statement: SQL): Promise<UserSnapshot | null> => {
    const [row] = await query<SnapshotRow>(statement);
    return row ? toSnapshot(row) : null;
  };

  return {
    async recordEmailSignIn(input) {
      const now = new Date(input.now).toISOString();
      // Upsert the user (the email is now proven); an account whose email was never proven loses any
      // password set on it (pre-account takeover, CVE-2026-53516 class); a user without memberships gets
      // a first organization; then read the snapshot back.
      const [row] = await query<SnapshotRow & { created: boolean; was_unverified: boolean }>(sql`
        with before as (
          select id, email_verified_at from ${users} where email = ${input.email}
        ),
        upserted as (
          insert into ${users} (id, email, name, email_verified_at, last_login_at, created_at, updated_at)
          values (${input.ids.user}, ${input.email}, ${input.name}, ${now}, ${now}, ${now}, ${now})
          on conflict (email) do update set
            last_login_at = excluded.last_login_at,
            password_hash = case when ${users.email_verified_at} is null then null else ${users.password_hash} end,
            email_verified_at = coalesce(${users.email_verified_at}, excluded.email_verified_at),
            updated_at = excluded.updated_at
          where ${users.disabled_at} is null
          returning *, (xmax = 0) as created
        ),
        needs_org as (
          select u.id from upserted u where not exists (select 1 from ${memberships} m where m.user_id = u.id)
        ),
        -- A paid checkout made before the account existed is claimed by this first proof of the email.
        pending as (
          delete from ${pendingUpgrades} where email = ${input.email} and exists (select 1 from upserted)
          returning plan_tier, stripe_customer_id, stripe_subscription_id
        ),
        ${firstOrganization(sql`needs_org`, input, now, sql`pending`)}
        select ${snapshotColumns(sql`(
            select o.id, o.name, o.is_personal, o.plan_tier, o.require_mfa, m.role, m.created_at
            from ${memberships} m join ${organizations} o on o.id = m.organization_id where m.user_id = u.id
            union all
            select n.id, n.name, n.is_personal, n.plan_tier, false as require_mfa, nm.role, nm.created_at from new_org n, new_membership nm
          )`)}, u.created, exists (select 1 from before b where b.email_verified_at is null) as was_unverified
        from upserted u
      `);
      // No row: the conflict target exists but is disabled (the guarded update did nothing).
      if (!row) return null;
      let snapshot = toSnapshot(row);
      // Lost a race for the first organization to a concurrent first sign-in: read the winner's.
      if (snapshot.organizations.length === 0) snapshot = (await one(snapshotSelect(row.id))) ?? snapshot;
      return { snapshot, created: row.created, wasUnverified: row.was_unverified };
    },

    async createPasswordUser(input) {
      const now = new Date(input.now).toISOString();
      return one(sql`
        with u as (
          insert into ${users} (id, email, name, password_hash, password_changed_at, created_at, updated_at)
          values (${input.ids.user}, ${input.email}, ${input.name}, ${input.passwordHash}, ${now}, ${now}, ${now})
          on conflict (email) do nothing
          returning *
        ),
        ${firstOrganization(sql`u`, input, now)}
        select ${snapshotColumns(sql`(select n.id, n.name, n.is_personal, n.plan_tier, false as require_mfa, nm.role, nm.created_at from new_org n, new_membership nm)`)}
        from u
      `);
    },

    async findLogin(email) {
      const [row] = await query<SnapshotRow & { password_hash: string | null }>(sql`
        select ${snapshotColumns()}, u.password_hash from ${users} u where u.email = ${email} and u.disabled_at is null
      `);
      return row ? { snapshot: toSnapshot(row), passwordHash: row.password_hash } : null;
    },

    async revokeTokensBefore(userId, at) {
      const when = new Date(at).toISOString();
      return one(sql`
        with u as (
          update ${users} set tokens_not_before = greatest(coalesce(tokens_not_before, ${when}), ${when}), updated_at = ${when}
          where id = ${userId}
          returning *
        )
        select ${snapshotColumns()} from u where u.disabled_at is null
      `);
    },

    async findSnapshot(userId) {
      return one(snapshotSelect(userId));
    },

    async recordLogin(userId, now, rehash) {
      await query(sql`
        update ${users} set last_login_at = ${new Date(now).toISOString()},
          password_hash = coalesce(${rehash}, password_hash)
        where id = ${userId}
      `);
    },

    async markEmailVerified(userId, email, now) {
      return one(sql`
        with u as (
          update ${users} set email_verified_at = coalesce(email_verified_at, ${new Date(now).toISOString()}), updated_at = ${new Date(now).toISOString()}
          where id = ${userId} and email = ${email}
          returning *
        )
        select ${snapshotColumns()} from u
      `);
    },

    async changeEmail(userId, from, to, now) {
      const at = new Date(now).toISOString();
      try {
        return await one(sql`
          with u as (
            update ${users} set email = ${to}, email_verified_at = ${at}, updated_at = ${at}
            where id = ${userId} and email = ${from}
              and not exists (select 1 from ${users} other where other.email = ${to})
            returning *
          )
          select ${snapshotColumns()} from u
        `);
      } catch (error) {
        // Lost a race for the address to another account: same outcome as "taken".
        if (error instanceof ConstraintViolation && error.constraint === "users_email_key") return null;
        throw error;
      }
    },

    async setPassword(userId, email, passwordHash, now, verifyEmail) {
      const at = new Date(now).toISOString();
      return one(sql`
        with u as (
          update ${users} set password_hash = ${passwordHash}, password_changed_at = ${at}, updated_at = ${at},
            email_verified_at = case when ${verifyEmail} then coalesce(email_verified_at, ${at}) else email_verified_at end
          where id = ${userId} and (${email}::text is null or email = ${email})
          returning *
        )
        select ${snapshotColumns()} from u
      `);
    },

    async updateProfile(userId, changes, now) {
      const at = new Date(now).toISOString();
      return one(sql`
        with u as (
          update ${users} set
            name = case when ${"name" in changes} then ${changes.name ?? null} else name end,
            phone = case when ${"phone" in changes} then ${changes.phone ?? null} else phone end,
            updated_at = ${at}
          where id = ${userId}
          returning *
        )
        select ${snapshotColumns()} from u
      `);
    },

    async ping() {
      await query(sql`select 1`);
    },
  };
}
