import { sql, type SQL } from "drizzle-orm";
import { generateId } from "../../crypto/random";
import type { AdminRepository, AdminUser } from "../ports";
import type { Database } from "./db";
import { iso, queryRunner } from "./sql";
import { apiKeys, auditLog, memberships, organizations, users } from "./schema";


function memberColumns(organizationId: string): SQL {
  return sql`u.id, u.email, u.name, u.email_verified_at is not null as email_verified, u.disabled_at is not null as disabled,
    ${iso(sql`u.created_at`)} as created_at, ${iso(sql`u.last_login_at`)} as last_login_at, m.role,
    (select count(*)::int from ${memberships} x join ${organizations} o on o.id = x.organization_id
      where x.user_id = u.id and x.organization_id <> ${organizationId} and not o.is_personal) as other_organizations`;
}

export function createAdminRepository(db: Database): AdminRepository {
  const query = queryRunner(db);

  return {
    async findMember(organizationId, by) {
      const match = "email" in by ? sql`u.email = ${by.email}` : sql`u.id = ${by.id}`;
      const [row] = await query<AdminUser>(sql`
        select ${memberColumns(organizationId)}
        from ${users} u join ${memberships} m on m.user_id = u.id and m.organization_id = ${organizationId}
        where ${match}
      `);
      return row ?? null;
    },

    async ensureMember(input) {
      const now = new Date(input.now).toISOString();
      // One statement: create the account if the address is new (unverified until its owner signs in),
      // then the membership if missing.
      // Rows written by a CTE are invisible to the rest of the statement, so everything is read from
      // the RETURNING clauses (and the pre-statement snapshot for an existing membership).
      const [row] = await query<AdminUser & { created: boolean }>(sql`
        with u0 as (
          insert into ${users} (id, email, name, created_at, updated_at)
          values (${input.ids.user}, ${input.email}, ${input.name}, ${now}, ${now})
          on conflict (email) do update set updated_at = ${users.updated_at}
          returning id, email, name, email_verified_at, disabled_at, created_at, last_login_at, (xmax = 0) as created
        ),
        m0 as (
          insert into ${memberships} (id, user_id, organization_id, role, created_at)
          select ${input.ids.membership}, u0.id, ${input.organizationId}, ${input.role}, ${now} from u0
          on conflict (user_id, organization_id) do nothing
          returning role
        )
        select u0.created, u0.id, u0.email, u0.name, u0.email_verified_at is not null as email_verified, u0.disabled_at is not null as disabled,
          ${iso(sql`u0.created_at`)} as created_at, ${iso(sql`u0.last_login_at`)} as last_login_at,
          coalesce((select role from m0), (select m.role from ${memberships} m where m.user_id = u0.id and m.organization_id = ${input.organizationId})) as role,
          (select count(*)::int from ${memberships} x join ${organizations} o on o.id = x.organization_id
            where x.user_id = u0.id and x.organization_id <> ${input.organizationId} and not o.is_personal) as other_organizations
        from u0
      `);
      if (!row) throw new Error("ensureMember returned no row");
      const { created, ...user } = row;
      return { user, created };
    },

    async disableUser(userId, now) {
      const [row] = await query<{ keys: string[] }>(sql`
        with d as (update ${users} set disabled_at = coalesce(disabled_at, ${new Date(now).toISOString()}) where id = ${userId} returning id)
        select coalesce((select json_agg(k.id) from ${apiKeys} k where k.created_by = ${userId}), '[]'::json) as keys from d
      `);
      return row?.keys ?? [];
    },

    async audit(entry) {
      await query(sql`
        insert into ${auditLog} (id, actor_kind, actor_id, organization_id, action, target, request_id, details, created_at)
        values (${generateId("aud", entry.now)}, ${entry.actorKind}, ${entry.actorId}, ${entry.organizationId}, ${entry.action}, ${entry.target},
          ${entry.requestId}, ${entry.details === undefined ? null : JSON.stringify(entry.details)}::jsonb, ${new Date(entry.now).toISOString()})
      `);
    },
  };
}
