import { type SQL, sql } from "drizzle-orm";
import type { Invitation, InvitationRepository } from "../../ports";
import type { Database } from "./db";
import { apiKeys, invitations, memberships, organizations, users } from "./schema";
import { iso, queryRunner } from "./sql";

// Every verb is one statement, so spending an invitation and creating the membership it grants
// commit together or not at all.

const OPEN = sql`i.accepted_at is null and i.declined_at is null and i.revoked_at is null`;

/**
 * An invitation is honoured only while whoever sent it could still send it: the inviter is still an
 * owner or admin there (an owner for owner invitations) and not disabled, and the key it came
 * through (if any) is still live. Removing or demoting the inviter withdraws what they offered.
 */
function inviterStillEntitled(now: string): SQL {
  return sql`exists (
      select 1 from ${memberships} im join ${users} iu on iu.id = im.user_id
      where im.organization_id = i.organization_id and im.user_id = i.invited_by and iu.disabled_at is null
        and (im.role = 'owner' or (im.role = 'admin' and i.role <> 'owner'))
    )
    and (i.invited_by_key is null or exists (
      select 1 from ${apiKeys} k where k.id = i.invited_by_key and k.revoked_at is null and (k.expires_at is null or k.expires_at > ${now})
    ))`;
}

const columns = sql`i.id, i.organization_id, o.name as organization_name, i.email, i.role, i.invited_by,
  ${iso(sql`i.created_at`)} as created_at, ${iso(sql`i.expires_at`)} as expires_at`;

export function createInvitationRepository(db: Database): InvitationRepository {
  const query = queryRunner(db);
  const at = (ms: number) => new Date(ms).toISOString();

  return {
    async create(input) {
      const [row] = await query<Invitation>(sql`
        with i as (
          insert into ${invitations} as x (id, organization_id, email, role, invited_by, invited_by_key, token_hash, created_at, expires_at)
          values (${input.id}, ${input.organizationId}, ${input.email}, ${input.role}, ${input.invitedBy}, ${input.invitedByKey},
            ${input.tokenHash}, ${at(input.now)}, ${at(input.expiresAt)})
          on conflict (organization_id, email) where accepted_at is null and declined_at is null and revoked_at is null
          do update set role = excluded.role, invited_by = excluded.invited_by, invited_by_key = excluded.invited_by_key,
            token_hash = excluded.token_hash, created_at = excluded.created_at, expires_at = excluded.expires_at
          returning *
        )
        select ${columns} from i join ${organizations} o on o.id = i.organization_id
      `);
      if (!row) throw new Error("invitation insert returned no row");
      return row;
    },

    async listForOrganization(organizationId, now) {
      return query<Invitation>(sql`
        select ${columns} from ${invitations} i join ${organizations} o on o.id = i.organization_id
        where i.organization_id = ${organizationId} and ${OPEN} and i.expires_at > ${at(now)}
        order by i.created_at desc, i.id desc
      `);
    },

    async revoke(organizationId, invitationId, now) {
      const rows = await query<{ id: string }>(sql`
        update ${invitations} i set revoked_at = ${at(now)}
        where i.id = ${invitationId} and i.organization_id = ${organizationId} and ${OPEN}
        returning i.id
      `);
      return rows.length > 0;
    },

    async listForEmail(email, now) {
      return query<Invitation>(sql`
        select ${columns} from ${invitations} i join ${organizations} o on o.id = i.organization_id
        where i.email = ${email} and ${OPEN} and i.expires_at > ${at(now)} and ${inviterStillEntitled(at(now))}
        order by i.created_at desc, i.id desc
      `);
    },

    async peekByToken(tokenHash, now) {
      const [row] = await query<Invitation>(sql`
        select ${columns} from ${invitations} i join ${organizations} o on o.id = i.organization_id
        where i.token_hash = ${tokenHash} and ${OPEN} and i.expires_at > ${at(now)} and ${inviterStillEntitled(at(now))}
      `);
      return row ?? null;
    },

    async acceptById(input) {
      const now = at(input.now);
      const [row] = await query<{ organization_id: string; role: Invitation["role"] }>(sql`
        with acc as (
          update ${invitations} i set accepted_at = ${now}, accepted_by = ${input.userId}
          where i.id = ${input.invitationId} and i.email = ${input.email} and ${OPEN} and i.expires_at > ${now}
            and ${inviterStillEntitled(now)}
          returning i.organization_id, i.role
        ),
        m as (
          insert into ${memberships} (id, user_id, organization_id, role, created_at)
          select ${input.membershipId}, ${input.userId}, acc.organization_id, acc.role, ${now} from acc
          on conflict (user_id, organization_id) do nothing
          returning 1
        )
        select acc.organization_id, acc.role from acc
      `);
      return row ?? null;
    },

    async decline(invitationId, email, now) {
      const rows = await query<{ id: string }>(sql`
        update ${invitations} i set declined_at = ${at(now)}
        where i.id = ${invitationId} and i.email = ${email} and ${OPEN}
        returning i.id
      `);
      return rows.length > 0;
    },

    async acceptByToken(input) {
      const now = at(input.now);
      // The emailed link proves the address, as a magic link does: the account is created if new
      // (verified), an unproven one loses any password set on it (pre-account takeover), and the
      // membership is created, all in this one statement. A disabled account cannot accept.
      const [row] = await query<{
        user_id: string;
        organization_id: string;
        created: boolean;
        was_unverified: boolean;
      }>(sql`
        with acc as (
          update ${invitations} i set accepted_at = ${now},
            accepted_by = coalesce((select u.id from ${users} u where u.email = i.email), ${input.userId})
          where i.token_hash = ${input.tokenHash} and ${OPEN} and i.expires_at > ${now} and ${inviterStillEntitled(now)}
            and not exists (select 1 from ${users} d where d.email = i.email and d.disabled_at is not null)
          returning i.id, i.organization_id, i.email, i.role
        ),
        before as (select u.id, u.email_verified_at from ${users} u join acc on acc.email = u.email),
        upserted as (
          insert into ${users} (id, email, email_verified_at, last_login_at, created_at, updated_at)
          select ${input.userId}, acc.email, ${now}, ${now}, ${now}, ${now} from acc
          on conflict (email) do update set
            last_login_at = excluded.last_login_at,
            password_hash = case when ${users.email_verified_at} is null then null else ${users.password_hash} end,
            email_verified_at = coalesce(${users.email_verified_at}, excluded.email_verified_at),
            updated_at = excluded.updated_at
          returning id, (xmax = 0) as created
        ),
        m as (
          insert into ${memberships} (id, user_id, organization_id, role, created_at)
          select ${input.membershipId}, u.id, acc.organization_id, acc.role, ${now} from upserted u, acc
          on conflict (user_id, organization_id) do nothing
          returning 1
        )
        select u.id as user_id, acc.organization_id, u.created,
          exists (select 1 from before b where b.email_verified_at is null) as was_unverified
        from upserted u, acc
      `);
      if (!row) return null;
      return {
        userId: row.user_id,
        organizationId: row.organization_id,
        created: row.created,
        wasUnverified: row.was_unverified,
      };
    },
  };
}
