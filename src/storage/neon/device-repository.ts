import { sql } from "drizzle-orm";
import type { Device, DeviceRepository } from "../../ports";
import type { Database } from "./db";
import { devices } from "./schema";
import { iso, queryRunner } from "./sql";

const columns = sql`d.id, d.user_id, d.organization_id, d.platform, d.name, d.peer_id, ${iso(sql`d.created_at`)} as created_at,
  ${iso(sql`d.last_seen_at`)} as last_seen_at, ${iso(sql`d.revoked_at`)} as revoked_at`;

export function createDeviceRepository(db: Database): DeviceRepository {
  const query = queryRunner(db);
  return {
    async create(input) {
      const now = new Date(input.now).toISOString();
      const [row] = await query<Device>(sql`
        with ins as (
          insert into ${devices} (id, user_id, organization_id, platform, name, push_token, peer_id, api_key_id, scopes, last_seen_at, created_at)
          values (${input.id}, ${input.userId}, ${input.organizationId}, ${input.platform}, ${input.name}, ${input.pushToken}, ${input.peerId},
            ${input.apiKeyId}, ${input.scopes === null ? null : JSON.stringify(input.scopes)}::jsonb, ${now}, ${now})
          on conflict (id) do nothing
          returning *
        ),
        -- The id comes with the pairing code: a second pairing with it (a retry) is the same device.
        d as (
          select * from ins
          union all
          select * from ${devices} e where e.id = ${input.id} and e.user_id = ${input.userId}
        )
        select ${columns} from d where d.revoked_at is null
      `);
      return row ?? null;
    },
    async list(organizationId, userId) {
      return query<Device>(sql`
        select ${columns} from ${devices} d
        where d.organization_id = ${organizationId} and (${userId}::text is null or d.user_id = ${userId})
        order by d.created_at desc, d.id desc
      `);
    },
    async revoke(organizationId, deviceId, userId, now) {
      const [row] = await query<Device>(sql`
        with d as (
          update ${devices} set revoked_at = coalesce(revoked_at, ${new Date(now).toISOString()})
          where id = ${deviceId} and organization_id = ${organizationId} and (${userId}::text is null or user_id = ${userId})
          returning *
        )
        select ${columns} from d
      `);
      return row ?? null;
    },
    async isActive(deviceId) {
      const [row] = await query<{ active: boolean }>(
        sql`select revoked_at is null as active from ${devices} where id = ${deviceId}`,
      );
      return row?.active === true;
    },
    async touch(deviceId, now) {
      await query(sql`update ${devices} set last_seen_at = ${new Date(now).toISOString()} where id = ${deviceId}`);
    },
  };
}
