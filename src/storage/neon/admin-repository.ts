import { type SQL, sql } from "drizzle-orm";
import { generateId } from "../../crypto/random";
import type { AdminRepository, PlatformUser } from "../../ports";
import type { Database } from "./db";
import { apiKeys, auditLog, memberships, organizations, users } from "./schema";
import { iso, queryRunner } from "./sql";

// The platform API's statements: accounts across every organization, for platform administrators.

function userColumns(alias: SQL): SQL {
  return sql`${alias}.id, ${alias}.email, ${alias}.name, ${alias}.email_verified_at is not null as email_verified,
    ${alias}.disabled_at is not null as disabled, ${alias}.is_superuser,
    ${iso(sql`${alias}.created_at`)} as created_at, ${iso(sql`${alias}.last_login_at`)} as last_login_at,
    (select coalesce(json_agg(json_build_object('id', o.id, 'name', o.name, 'is_personal_account', o.is_personal, 'role', m.role)
        order by o.is_personal desc, m.created_at asc), '[]'::json)
      from ${memberships} m join ${organizations} o on o.id = m.organization_id where m.user_id = ${alias}.id) as organizations`;
}

export function createAdminRepository(db: Database): AdminRepository {
  const query = queryRunner(db);

  return {
    async findUser(by) {
      const match = "email" in by ? sql`u.email = ${by.email}` : sql`u.id = ${by.id}`;
      const [row] = await query<PlatformUser>(sql`select ${userColumns(sql`u`)} from ${users} u where ${match}`);
      return row ?? null;
    },

    async createUser(input) {
      const now = new Date(input.now).toISOString();
      // An account whose address is not yet proven; its first sign-in proves it and makes its first
      // organization. An existing address is returned as it is (this is the platform's own API).
      const [row] = await query<PlatformUser & { created: boolean }>(sql`
        with u as (
          insert into ${users} (id, email, name, created_at, updated_at)
          values (${input.id}, ${input.email}, ${input.name}, ${now}, ${now})
          on conflict (email) do update set updated_at = ${users.updated_at}
          returning *, (xmax = 0) as created
        )
        select ${userColumns(sql`u`)}, u.created from u
      `);
      if (!row) throw new Error("createUser returned no row");
      const { created, ...user } = row;
      return { user, created };
    },

    async setDisabled(userId, disabled, now) {
      const at = new Date(now).toISOString();
      const [row] = await query<PlatformUser & { keys: string[] }>(sql`
        with u as (
          update ${users} set disabled_at = case when ${disabled} then coalesce(disabled_at, ${at}) else null end, updated_at = ${at}
          where id = ${userId} returning *
        )
        select ${userColumns(sql`u`)},
          coalesce((select json_agg(k.id) from ${apiKeys} k where k.created_by = ${userId}), '[]'::json) as keys
        from u
      `);
      if (!row) return null;
      const { keys, ...user } = row;
      return { user, keyIds: keys };
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
