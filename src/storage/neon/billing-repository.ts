import { sql } from "drizzle-orm";
import type { BillingRepository } from "../../ports";
import type { Database } from "./db";
import { memberships, organizations, pendingUpgrades, stripeEvents, users } from "./schema";
import { queryRunner } from "./sql";

export function createBillingRepository(db: Database): BillingRepository {
  const query = queryRunner(db);
  return {
    async isProcessed(eventId) {
      const [row] = await query<{ done: boolean }>(
        sql`select exists (select 1 from ${stripeEvents} where id = ${eventId}) as done`,
      );
      return row?.done ?? false;
    },
    async recordEvent(eventId, type, now) {
      await query(
        sql`insert into ${stripeEvents} (id, type, processed_at) values (${eventId}, ${type}, ${new Date(now).toISOString()}) on conflict (id) do nothing`,
      );
    },
    async upgradeForEmail(email, change, now, eventId) {
      const at = new Date(now).toISOString();
      const [row] = await query<{ user_id: string | null; members: string[] }>(sql`
        with u as (select id from ${users} where email = ${email} and disabled_at is null),
        target as (
          select m.organization_id as id from ${memberships} m join ${organizations} o on o.id = m.organization_id
          where m.user_id = (select id from u)
          order by (m.role = 'owner') desc, o.is_personal desc, m.created_at asc limit 1
        ),
        upgraded as (
          update ${organizations} set plan_tier = ${change.plan}, stripe_customer_id = coalesce(${change.customerId}, stripe_customer_id),
            stripe_subscription_id = coalesce(${change.subscriptionId}, stripe_subscription_id), updated_at = ${at}
          where id = (select id from target)
          returning id
        ),
        pending as (
          insert into ${pendingUpgrades} (email, plan_tier, stripe_customer_id, stripe_subscription_id, created_at)
          select ${email}, ${change.plan}, ${change.customerId}, ${change.subscriptionId}, ${at} where not exists (select 1 from u)
          on conflict (email) do update set plan_tier = excluded.plan_tier, stripe_customer_id = excluded.stripe_customer_id,
            stripe_subscription_id = excluded.stripe_subscription_id
          returning email
        ),
        -- checkout.completed, in the transaction of the upgrade; the id comes from Stripe's event, so
        -- Stripe delivering it again after a crash announces nothing twice.
        announced as (
          select emit_event(${eventId}, 'checkout.completed', (select id from upgraded), (select id from u), null,
            jsonb_build_object('organization_id', (select id from upgraded), 'user_id', (select id from u), 'email', ${email}::text,
              'plan_tier', ${change.plan}::text, 'stripe_customer_id', ${change.customerId}::text,
              'stripe_subscription_id', ${change.subscriptionId}::text)) as written
        )
        select (select id from u) as user_id, (select written from announced) as announced,
          coalesce((select json_agg(m.user_id) from ${memberships} m where m.organization_id = (select id from upgraded)), '[]'::json) as members
      `);
      return { userId: row?.user_id ?? null, memberIds: row?.members ?? [] };
    },
    async setPlanForSubscription(subscriptionId, plan, now) {
      const at = new Date(now).toISOString();
      const [row] = await query<{ members: string[] }>(sql`
        with changed as (
          update ${organizations} set plan_tier = ${plan}, updated_at = ${at} where stripe_subscription_id = ${subscriptionId} returning id
        ),
        pending as (
          update ${pendingUpgrades} set plan_tier = ${plan} where stripe_subscription_id = ${subscriptionId} returning email
        )
        select coalesce((select json_agg(m.user_id) from ${memberships} m where m.organization_id in (select id from changed)), '[]'::json) as members
      `);
      return row?.members ?? [];
    },
  };
}
