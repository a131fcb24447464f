import { sql } from "drizzle-orm";
import type { Member, OrganizationRepository, RemoveMemberResult, SessionOrganization } from "../../ports";
import type { Database } from "./db";
import { claimCte, storedResponse } from "./idempotency";
import { ConstraintViolation, iso, queryRunner } from "./sql";

/** The trigger that keeps at least one owner per organization (drizzle/0006_tenancy.sql). */
const LAST_OWNER = "memberships_last_owner";

import { apiKeys, memberships, organizations, users } from "./schema";
import { type SnapshotRow, snapshotSelect, toSnapshot } from "./user-repository";

export function createOrganizationRepository(db: Database): OrganizationRepository {
  const query = queryRunner(db);

  return {
    async createOrganization(input) {
      const now = new Date(input.now).toISOString();
      const [row] = await query<{ user_id: string | null }>(sql`
        with ${claimCte(input.claim, input.now)},
        o as (
          insert into ${organizations} (id, name, is_personal, plan_tier, created_at, updated_at)
          select ${input.ids.organization}, ${input.name}, false, 'sandbox', ${now}, ${now} where exists (select 1 from idem) returning id
        ),
        m as (
          insert into ${memberships} (id, user_id, organization_id, role, created_at)
          select ${input.ids.membership}, ${input.userId}, o.id, 'owner', ${now} from o
          returning user_id
        )
        select (select user_id from m) as user_id
      `);
      if (!row?.user_id) {
        if (input.claim === null) return { status: "created", value: null };
        const [stored] = await query<{ response: string }>(storedResponse(input.claim.recordKey));
        return stored ? { status: "replay", response: stored.response } : { status: "created", value: null };
      }
      const [snapshot] = await query<SnapshotRow>(snapshotSelect(input.userId));
      return { status: "created", value: snapshot ? toSnapshot(snapshot) : null };
    },

    async listMembers(organizationId) {
      return query<Member>(sql`
        select u.id as user_id, u.email, u.name, m.role,
          ${iso(sql`m.created_at`)} as joined_at
        from ${memberships} m join ${users} u on u.id = m.user_id
        where m.organization_id = ${organizationId}
        order by m.created_at asc, u.id asc
      `);
    },

    async findMember(organizationId, userId) {
      const [row] = await query<Member>(sql`
        select u.id as user_id, u.email, u.name, m.role, ${iso(sql`m.created_at`)} as joined_at
        from ${memberships} m join ${users} u on u.id = m.user_id
        where m.organization_id = ${organizationId} and m.user_id = ${userId}
      `);
      return row ?? null;
    },

    async changeRole(organizationId, userId, role) {
      // The last-owner rule is the memberships_keep_owner trigger: it locks the organization row and
      // counts the other owners, so concurrent demotions and removals can never leave none.
      try {
        const [row] = await query<Member & { keys: string[] }>(sql`
          with m as (
            update ${memberships} set role = ${role}
            where organization_id = ${organizationId} and user_id = ${userId}
            returning user_id, role, created_at
          )
          select u.id as user_id, u.email, u.name, m.role, ${iso(sql`m.created_at`)} as joined_at,
            coalesce((select json_agg(k.id) from ${apiKeys} k where k.organization_id = ${organizationId} and k.created_by = ${userId}), '[]'::json) as keys
          from m join ${users} u on u.id = m.user_id
        `);
        if (!row) return { status: "not_member" };
        const { keys, ...member } = row;
        return { status: "changed", member, keyIds: keys };
      } catch (error) {
        if (error instanceof ConstraintViolation && error.constraint === LAST_OWNER) return { status: "last_owner" };
        throw error;
      }
    },

    async removeMember(organizationId, userId, now): Promise<RemoveMemberResult> {
      const at = new Date(now).toISOString();
      try {
        const [row] = await query<{ removed: boolean; revoked: string[] }>(sql`
          with del as (
            delete from ${memberships} where organization_id = ${organizationId} and user_id = ${userId}
            returning user_id
          ),
          keys as (
            update ${apiKeys} set revoked_at = ${at}
            where organization_id = ${organizationId} and created_by = ${userId} and revoked_at is null
              and exists (select 1 from del)
            returning id
          )
          select exists (select 1 from del) as removed, coalesce((select json_agg(id) from keys), '[]'::json) as revoked
        `);
        if (!row?.removed) return { status: "not_member" };
        return { status: "removed", revokedKeyIds: row.revoked };
      } catch (error) {
        if (error instanceof ConstraintViolation && error.constraint === LAST_OWNER) return { status: "last_owner" };
        throw error;
      }
    },

    async setRequireMfa(organizationId, required, now) {
      const at = new Date(now).toISOString();
      const rows = await query<{ user_id: string | null }>(sql`
        with changed as (
          update ${organizations} set require_mfa = ${required}, updated_at = ${at} where id = ${organizationId}
          returning id
        )
        select m.user_id from changed c left join ${memberships} m on m.organization_id = c.id`);
      return rows.length === 0 ? null : rows.flatMap((r) => (r.user_id ? [r.user_id] : []));
    },
    async organizationsOf(targetUserId, viewerUserId) {
      return query<SessionOrganization>(sql`
        select o.id, o.name, o.is_personal as is_personal_account, o.plan_tier, m.role, o.require_mfa
        from ${memberships} m join ${organizations} o on o.id = m.organization_id
        where m.user_id = ${targetUserId}
          and (${viewerUserId}::text is null or exists (
            select 1 from ${memberships} v where v.user_id = ${viewerUserId} and v.organization_id = m.organization_id))
        order by o.is_personal desc, m.created_at asc, o.id asc
      `);
    },
  };
}
