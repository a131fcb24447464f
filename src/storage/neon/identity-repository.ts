import { sql } from "drizzle-orm";
import type { IdentityRepository, LinkedIdentity } from "../../ports";
import type { Database } from "./db";
import { identities, memberships, organizations, passkeys, users } from "./schema";
import { iso, queryRunner } from "./sql";
import { firstOrganization, type SnapshotRow, snapshotColumns, toSnapshot } from "./user-repository";

type SignInRow = SnapshotRow & { created: boolean; linked: boolean };
type OutcomeRow = { account_exists: boolean; disabled: boolean };

// Each method is one SQL statement: the decision (existing link, link by proven address, new account)
// and its effect happen together, so no read-then-write window lets two callbacks diverge.
export function createIdentityRepository(db: Database): IdentityRepository {
  const query = queryRunner(db);

  return {
    async signIn(input) {
      const now = new Date(input.now).toISOString();
      const verified = input.emailVerified && input.email !== null;
      const email = input.email ?? "";
      const [row] = await query<SignInRow & OutcomeRow>(sql`
        with known as (
          select i.user_id as id, u.disabled_at from ${identities} i join ${users} u on u.id = i.user_id
          where i.provider = ${input.provider} and i.subject = ${input.subject}
        ),
        by_email as (
          select u.id, u.email_verified_at, u.disabled_at from ${users} u
          where u.email = ${email} and not exists (select 1 from known)
        ),
        -- Linked automatically only when both sides have proven the address (no pre-account takeover).
        adopt as (
          select b.id from by_email b where ${verified} and b.email_verified_at is not null and b.disabled_at is null
        ),
        created as (
          insert into ${users} (id, email, name, email_verified_at, last_login_at, created_at, updated_at)
          select ${input.ids.user}, ${email}, ${input.name}, ${now}, ${now}, ${now}, ${now}
          where ${verified} and not exists (select 1 from known) and not exists (select 1 from by_email)
          on conflict (email) do nothing
          returning *
        ),
        target as (
          select id, false as created, false as linked from known where disabled_at is null
          union all select id, false, true from adopt
          union all select id, true, true from created
        ),
        link as (
          insert into ${identities} (id, user_id, provider, subject, email, tokens_sealed, created_at, last_used_at)
          select ${input.ids.identity}, t.id, ${input.provider}, ${input.subject}, ${input.email},
            ${input.sealedTokens ?? null}, ${now}, ${now}
          from target t
          on conflict (provider, subject) do update set last_used_at = excluded.last_used_at, email = excluded.email,
            tokens_sealed = excluded.tokens_sealed
          returning user_id
        ),
        stamped as (
          update ${users} set last_login_at = ${now}, updated_at = ${now}
          where id in (select id from target) and id not in (select id from created)
          returning id
        ),
        ${firstOrganization(sql`created`, { email, name: input.name, organizationName: null, ids: input.ids }, now)}
        select o.account_exists, o.disabled, s.*
        from (select exists (select 1 from by_email) as account_exists,
                     exists (select 1 from known where disabled_at is not null)
                       or exists (select 1 from by_email where disabled_at is not null) as disabled) o
        left join (
          select ${snapshotColumns(sql`(
              select o.id, o.name, o.is_personal, o.plan_tier, o.require_mfa, m.role, m.created_at
              from ${memberships} m join ${organizations} o on o.id = m.organization_id where m.user_id = u.id
              union all
              select n.id, n.name, n.is_personal, n.plan_tier, false as require_mfa, nm.role, nm.created_at from new_org n, new_membership nm
            )`)}, t.created, t.linked
          from target t
          -- A new account row exists only in "created" within this statement.
          join (select * from ${users} union all select * from created) u on u.id = t.id
          where exists (select 1 from link)
        ) s on true
      `);
      if (!row) return null;
      if (row.id) return { status: "signed_in", snapshot: toSnapshot(row), created: row.created, linked: row.linked };
      if (row.disabled) return { status: "refused" };
      if (row.account_exists) return verified ? { status: "account_exists" } : { status: "email_unverified" };
      // Nothing known, no account, and the provider does not vouch for the address.
      if (!verified) return { status: "email_unverified" };
      // A concurrent first sign-in created the account between our reads: the caller tries again.
      return null;
    },

    async link(input) {
      const now = new Date(input.now).toISOString();
      const [row] = await query<{ user_id: string; inserted: boolean }>(sql`
        with added as (
          insert into ${identities} (id, user_id, provider, subject, email, tokens_sealed, created_at, last_used_at)
          values (${input.id}, ${input.userId}, ${input.provider}, ${input.subject}, ${input.email},
            ${input.sealedTokens ?? null}, ${now}, ${now})
          on conflict (provider, subject) do nothing
          returning user_id
        )
        select user_id, true as inserted from added
        union all
        select user_id, false from ${identities}
        where provider = ${input.provider} and subject = ${input.subject} and not exists (select 1 from added)
      `);
      if (!row) return "taken";
      if (row.inserted) return "linked";
      return row.user_id === input.userId ? "already" : "taken";
    },

    async list(userId) {
      return query<LinkedIdentity>(sql`
        select id, provider, email, ${iso(sql`created_at`)} as created_at, ${iso(sql`last_used_at`)} as last_used_at
        from ${identities} where user_id = ${userId} order by created_at, id
      `);
    },

    async sealedTokens(userId, identityId) {
      const [row] = await query<{ provider: string; subject: string; sealed: string }>(sql`
        select provider, subject, tokens_sealed as sealed from ${identities}
        where id = ${identityId} and user_id = ${userId} and tokens_sealed is not null
      `);
      return row ?? null;
    },

    async unlink(userId, identityId) {
      // Another way in must remain: a password, another identity, a proven address (magic links) or a passkey.
      const [row] = await query<{ status: "unlinked" | "not_found" | "last_method"; provider: string | null }>(sql`
        with target as (select id, provider from ${identities} where id = ${identityId} and user_id = ${userId}),
        allowed as (
          select 1 from ${users} u where u.id = ${userId} and (
            u.password_hash is not null or u.email_verified_at is not null
            or exists (select 1 from ${identities} i where i.user_id = u.id and i.id <> ${identityId})
            or exists (select 1 from ${passkeys} p where p.user_id = u.id))
        ),
        removed as (
          delete from ${identities} where id in (select id from target) and exists (select 1 from allowed)
          returning id
        )
        select case when exists (select 1 from removed) then 'unlinked'
                    when not exists (select 1 from target) then 'not_found'
                    else 'last_method' end as status,
               (select provider from target) as provider
      `);
      return { status: row?.status ?? "not_found", provider: row?.provider ?? null };
    },
  };
}
