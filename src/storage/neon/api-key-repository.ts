import { sql } from "drizzle-orm";
import type { ApiKeyAuthRecord, ApiKeyRecord, ApiKeyRepository, SessionUser } from "../../ports";
import type { Database } from "./db";
import { claimCte, storedResponse } from "./idempotency";
import { apiKeys, memberships, organizations, users } from "./schema";
import { iso, queryRunner } from "./sql";

const publicColumns = sql`k.id, k.organization_id, k.created_by, k.name, k.prefix, k.scopes,
  ${iso(sql`k.expires_at`)} as expires_at, ${iso(sql`k.revoked_at`)} as revoked_at,
  ${iso(sql`k.last_used_at`)} as last_used_at, ${iso(sql`k.created_at`)} as created_at`;

export function createApiKeyRepository(db: Database): ApiKeyRepository {
  const query = queryRunner(db);

  return {
    async createKey(input) {
      const [row] = await query<ApiKeyRecord>(sql`
        with ${claimCte(input.claim, input.now)},
        k as (
          insert into ${apiKeys} (id, organization_id, created_by, name, prefix, secret_hash, scopes, expires_at, created_at)
          select ${input.id}, ${input.organizationId}, ${input.createdBy}, ${input.name}, ${input.prefix}, ${input.secretHash},
            ${JSON.stringify(input.scopes)}::jsonb, ${input.expiresAt}, ${new Date(input.now).toISOString()}
          where exists (select 1 from idem)
          returning *
        )
        select ${publicColumns} from k
      `);
      if (row) return { status: "created", value: row };
      const [stored] = input.claim ? await query<{ response: string }>(storedResponse(input.claim.recordKey)) : [];
      if (!stored) throw new Error("api key insert returned no row");
      return { status: "replay", response: stored.response };
    },

    async listKeys(organizationId) {
      return query<ApiKeyRecord>(
        sql`select ${publicColumns} from ${apiKeys} k where k.organization_id = ${organizationId} order by k.created_at desc, k.id desc`,
      );
    },

    async findForAuth(keyId) {
      const [row] = await query<{
        id: string;
        created_by: string | null;
        secret_hash: string;
        previous_secret_hash: string | null;
        previous_expires_at: string | null;
        expires_at: string | null;
        revoked: boolean;
        scopes: string[];
        creator_role: ApiKeyAuthRecord["creator_role"];
        org_id: string;
        org_name: string;
        is_personal: boolean;
        plan_tier: string;
        creator: SessionUser | null;
      }>(sql`
        select k.id, k.created_by, k.secret_hash, k.previous_secret_hash,
          (extract(epoch from k.previous_expires_at) * 1000)::bigint::text as previous_expires_at,
          (extract(epoch from k.expires_at) * 1000)::bigint::text as expires_at,
          k.revoked_at is not null as revoked, k.scopes,
          (select m.role from ${memberships} m join ${users} u on u.id = m.user_id
            where m.user_id = k.created_by and m.organization_id = k.organization_id and u.disabled_at is null) as creator_role,
          o.id as org_id, o.name as org_name, o.is_personal, o.plan_tier,
          (select json_build_object('id', c.id, 'email', c.email, 'name', c.name, 'email_verified', c.email_verified_at is not null, 'email_verified_at', ${iso(sql`c.email_verified_at`)},
              'created_at', ${iso(sql`c.created_at`)}, 'last_login_at', ${iso(sql`c.last_login_at`)}, 'is_superuser', c.is_superuser)
            from ${users} c where c.id = k.created_by and c.disabled_at is null) as creator
        from ${apiKeys} k join ${organizations} o on o.id = k.organization_id
        where k.id = ${keyId}
      `);
      if (!row) return null;
      return {
        id: row.id,
        created_by: row.created_by,
        secret_hash: row.secret_hash,
        previous_secret_hash: row.previous_secret_hash,
        previous_expires_at: row.previous_expires_at === null ? null : Number(row.previous_expires_at),
        expires_at: row.expires_at === null ? null : Number(row.expires_at),
        revoked: row.revoked,
        scopes: row.scopes,
        creator_role: row.creator_role,
        creator: row.creator,
        organization: {
          id: row.org_id,
          name: row.org_name,
          is_personal_account: row.is_personal,
          plan_tier: row.plan_tier,
        },
      };
    },

    async revokeKey(organizationId, keyId, now) {
      const [row] = await query<ApiKeyRecord>(sql`
        with k as (
          update ${apiKeys} set revoked_at = coalesce(revoked_at, ${new Date(now).toISOString()})
          where id = ${keyId} and organization_id = ${organizationId} returning *
        )
        select ${publicColumns} from k
      `);
      return row ?? null;
    },

    async rotateKey(organizationId, keyId, secretHash, graceSeconds, now) {
      const graceUntil = new Date(now + graceSeconds * 1000).toISOString();
      const [row] = await query<ApiKeyRecord>(sql`
        with k as (
          update ${apiKeys} set previous_secret_hash = secret_hash, previous_expires_at = ${graceUntil}, secret_hash = ${secretHash}
          where id = ${keyId} and organization_id = ${organizationId} and revoked_at is null returning *
        )
        select ${publicColumns} from k
      `);
      return row ?? null;
    },

    async touchLastUsed(keyId, now) {
      await query(sql`update ${apiKeys} set last_used_at = ${new Date(now).toISOString()} where id = ${keyId}`);
    },
  };
}
