import { sql } from "drizzle-orm";
import type { Member, OrganizationRepository, RemoveMemberResult, SessionOrganization } from "../ports";
import type { Database } from "./db";
import { iso, queryRunner } from "./sql";
import { apiKeys, memberships, organizations, users } from "./schema";
import { snapshotSelect, toSnapshot, type SnapshotRow } from "./user-repository";

export function createOrganizationRepository(db: Database): OrganizationRepository {
  const query = queryRunner(db);

  return {
    async createOrganization(input) {
      const now = new Date(input.now).toISOString();
      const [row] = await query<{ user_id: string }>(sql`
        with o as (
          insert into ${organizations} (id, name, is_personal, plan_tier, created_at, updated_at)
          values (${input.ids.organization}, ${input.name}, false, 'sandbox', ${now}, ${now}) returning id
        )
        insert into ${memberships} (id, user_id, organization_id, role, created_at)
        select ${input.ids.membership}, ${input.userId}, o.id, 'owner', ${now} from o
        returning user_id
      `);
      if (!row) return null;
      const [snapshot] = await query<SnapshotRow>(snapshotSelect(input.userId));
      return snapshot ? toSnapshot(snapshot) : null;
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

    async addMember(input) {
      const now = new Date(input.now).toISOString();
      const [row] = await query<{ user_id: string | null; inserted: boolean }>(sql`
        with target as (select id from ${users} where email = ${input.email} and disabled_at is null),
        ins as (
          insert into ${memberships} (id, user_id, organization_id, role, created_at)
          select ${input.membershipId}, t.id, ${input.organizationId}, ${input.role}, ${now} from target t
          on conflict (user_id, organization_id) do nothing
          returning user_id
        )
        select (select id from target) as user_id, exists (select 1 from ins) as inserted
      `);
      if (!row?.user_id) return null;
      return row.inserted ? { userId: row.user_id } : "exists";
    },

    async removeMember(organizationId, userId, now): Promise<RemoveMemberResult> {
      const at = new Date(now).toISOString();
      // One statement: the last-owner rule is checked against the same snapshot the delete sees.
      const [row] = await query<{ member: boolean; removed: boolean; revoked: string[] }>(sql`
        with target as (
          select role from ${memberships} where organization_id = ${organizationId} and user_id = ${userId}
        ),
        owners as (
          select count(*)::int as n from ${memberships} where organization_id = ${organizationId} and role = 'owner'
        ),
        del as (
          delete from ${memberships}
          where organization_id = ${organizationId} and user_id = ${userId}
            and not (role = 'owner' and (select n from owners) <= 1)
          returning user_id
        ),
        keys as (
          update ${apiKeys} set revoked_at = ${at}
          where organization_id = ${organizationId} and created_by = ${userId} and revoked_at is null
            and exists (select 1 from del)
          returning id
        )
        select exists (select 1 from target) as member, exists (select 1 from del) as removed,
          coalesce((select json_agg(id) from keys), '[]'::json) as revoked
      `);
      if (!row?.member) return { status: "not_member" };
      if (!row.removed) return { status: "last_owner" };
      return { status: "removed", revokedKeyIds: row.revoked };
    },

    async organizationsOf(targetUserId, viewerUserId) {
      return query<SessionOrganization>(sql`
        select o.id, o.name, o.is_personal as is_personal_account, o.plan_tier, m.role
        from ${memberships} m join ${organizations} o on o.id = m.organization_id
        where m.user_id = ${targetUserId}
          and (${viewerUserId}::text is null or exists (
            select 1 from ${memberships} v where v.user_id = ${viewerUserId} and v.organization_id = m.organization_id))
        order by o.is_personal desc, m.created_at asc, o.id asc
      `);
    },
  };
}

