import { sql } from "drizzle-orm";
import type { Customer, PublishableKeyRecord, StorefrontRepository, StoreKey } from "../../ports";
import type { Database } from "./db";
import { claimCte, storedResponse } from "./idempotency";
import { customers, publishableKeys } from "./schema";
import { iso, queryRunner } from "./sql";

const keyColumns = sql`k.id, k.organization_id, k.name, k.allowed_origins, k.sms_countries, k.require_turnstile, k.created_by, ${iso(sql`k.revoked_at`)} as revoked_at, ${iso(sql`k.created_at`)} as created_at`;
const customerColumns = sql`c.id, c.name, c.email, c.phone, c.email_verified_at is not null as email_verified, c.phone_verified_at is not null as phone_verified,
  ${iso(sql`c.created_at`)} as created_at, ${iso(sql`c.last_login_at`)} as last_login_at`;

export function createStorefrontRepository(db: Database): StorefrontRepository {
  const query = queryRunner(db);

  return {
    async createKey(input) {
      const [row] = await query<PublishableKeyRecord>(sql`
        with ${claimCte(input.claim, input.now)},
        k as (
          insert into ${publishableKeys} (id, organization_id, name, allowed_origins, sms_countries, require_turnstile, created_by, created_at)
          select ${input.id}, ${input.organizationId}, ${input.name}, ${JSON.stringify(input.allowedOrigins)}::jsonb,
            (select coalesce(array_agg(c), '{}') from jsonb_array_elements_text(${JSON.stringify(input.smsCountries)}::jsonb) c),
            ${input.requireTurnstile}, ${input.createdBy},
            ${new Date(input.now).toISOString()}
          where exists (select 1 from idem)
          returning *
        )
        select ${keyColumns} from k
      `);
      if (row) return { status: "created", value: row };
      const [stored] = input.claim ? await query<{ response: string }>(storedResponse(input.claim.recordKey)) : [];
      if (!stored) throw new Error("publishable key insert returned no row");
      return { status: "replay", response: stored.response };
    },
    async listKeys(organizationId) {
      return query<PublishableKeyRecord>(
        sql`select ${keyColumns} from ${publishableKeys} k where k.organization_id = ${organizationId} order by k.created_at desc, k.id desc`,
      );
    },
    async revokeKey(organizationId, keyId, now) {
      const [row] = await query<PublishableKeyRecord>(sql`
        with k as (
          update ${publishableKeys} set revoked_at = coalesce(revoked_at, ${new Date(now).toISOString()})
          where id = ${keyId} and organization_id = ${organizationId} returning *
        )
        select ${keyColumns} from k
      `);
      return row ?? null;
    },
    async findKey(keyId) {
      const [row] = await query<StoreKey>(sql`
        select id, organization_id, allowed_origins, revoked_at is not null as revoked, sms_countries, require_turnstile
        from ${publishableKeys} where id = ${keyId}
      `);
      return row ?? null;
    },
    async originAllowed(origin) {
      const [row] = await query<{ allowed: boolean }>(sql`
        select exists (select 1 from ${publishableKeys} where revoked_at is null and allowed_origins ? ${origin}) as allowed
      `);
      return row?.allowed ?? false;
    },
    async signInCustomer(input) {
      const now = new Date(input.now).toISOString();
      const column = input.channel === "email" ? sql`email` : sql`phone`;
      const verified = input.channel === "email" ? sql`email_verified_at` : sql`phone_verified_at`;
      const target = input.channel === "email" ? sql`(organization_id, email)` : sql`(organization_id, phone)`;
      const [row] = await query<Customer>(sql`
        with c as (
          insert into ${customers} (id, organization_id, ${column}, ${verified}, last_login_at, created_at, updated_at)
          values (${input.id}, ${input.organizationId}, ${input.contact}, ${now}, ${now}, ${now}, ${now})
          on conflict ${target} do update set last_login_at = excluded.last_login_at,
            ${verified} = coalesce(${customers}.${verified}, excluded.${verified}), updated_at = excluded.updated_at
          returning *
        )
        select ${customerColumns} from c
      `);
      if (!row) throw new Error("customer sign-in returned no row");
      return row;
    },
    async findCustomer(organizationId, customerId) {
      const [row] = await query<Customer>(
        sql`select ${customerColumns} from ${customers} c where c.id = ${customerId} and c.organization_id = ${organizationId}`,
      );
      return row ?? null;
    },
    async updateCustomer(organizationId, customerId, changes, now) {
      const at = new Date(now).toISOString();
      try {
        const [row] = await query<Customer>(sql`
          with c as (
            update ${customers} set
              name = case when ${"name" in changes} then ${changes.name ?? null} else name end,
              email = coalesce(${changes.email ?? null}, email),
              email_verified_at = case when ${changes.email ?? null}::text is not null then ${at}::timestamptz else email_verified_at end,
              phone = coalesce(${changes.phone ?? null}, phone),
              phone_verified_at = case when ${changes.phone ?? null}::text is not null then ${at}::timestamptz else phone_verified_at end,
              updated_at = ${at}
            where id = ${customerId} and organization_id = ${organizationId}
            returning *
          )
          select ${customerColumns} from c
        `);
        return row ?? null;
      } catch (error) {
        if (/customers_org_(email|phone)_key/.test(String((error as { cause?: unknown }).cause ?? error)))
          return "taken";
        throw error;
      }
    },
  };
}
