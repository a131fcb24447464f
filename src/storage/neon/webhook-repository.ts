import { type SQL, sql } from "drizzle-orm";
import type { DeliveryRecord, DueDelivery, WebhookEndpointRecord, WebhookRepository } from "../../ports";
import type { Database } from "./db";
import { claimCte, storedResponse } from "./idempotency";
import { events, memberships, users, webhookDeliveries, webhookEndpoints } from "./schema";
import { iso, queryRunner } from "./sql";

// Endpoints (created_at is the database's clock: events compare their time with it), and the consumer's side of the outbox (drizzle/0012_events.sql writes events and their
// deliveries from triggers). Every method is one statement: a claim, an outcome and a disable are
// each atomic, and two consumers never send the same attempt (FOR UPDATE SKIP LOCKED + a lease).

const endpointColumns = sql`w.id, w.organization_id, w.url, w.description, w.event_types, w.created_by,
  ${iso(sql`w.disabled_at`)} as disabled_at, w.disabled_reason,
  ${iso(sql`w.created_at`)} as created_at, ${iso(sql`w.updated_at`)} as updated_at`;

/** An endpoint of this scope: an organization's, or (null) the platform's. */
const inScope = (organizationId: string | null): SQL =>
  organizationId === null ? sql`w.organization_id is null` : sql`w.organization_id = ${organizationId}`;

const at = (ms: number): string => new Date(ms).toISOString();

/** An endpoint is disabled when a delivery gave up and nothing reached it for this long. */
const DEAD_AFTER = sql`interval '24 hours'`;

export function createWebhookRepository(db: Database): WebhookRepository {
  const query = queryRunner(db);
  return {
    async createEndpoint(input) {
      const [row] = await query<WebhookEndpointRecord>(sql`
        with ${claimCte(input.claim, input.now)},
        w as (
          insert into ${webhookEndpoints} (id, organization_id, url, description, event_types, secret_sealed, created_by, created_at, updated_at)
          select ${input.id}, ${input.organizationId}, ${input.url}, ${input.description},
            (select coalesce(array_agg(t), '{}') from jsonb_array_elements_text(${JSON.stringify(input.eventTypes)}::jsonb) t),
            ${input.secretSealed}, ${input.createdBy}, now(), now()
          where exists (select 1 from idem)
          returning *
        )
        select ${endpointColumns} from w
      `);
      if (row) return { status: "created", value: row };
      const [stored] = input.claim ? await query<{ response: string }>(storedResponse(input.claim.recordKey)) : [];
      if (!stored) throw new Error("webhook endpoint insert returned no row");
      return { status: "replay", response: stored.response };
    },
    async listEndpoints(organizationId) {
      return query<WebhookEndpointRecord>(
        sql`select ${endpointColumns} from ${webhookEndpoints} w where ${inScope(organizationId)} order by w.created_at, w.id`,
      );
    },
    async getEndpoint(organizationId, id) {
      const [row] = await query<WebhookEndpointRecord & { secret_sealed: string }>(
        sql`select ${endpointColumns}, w.secret_sealed from ${webhookEndpoints} w where w.id = ${id} and ${inScope(organizationId)}`,
      );
      return row ?? null;
    },
    async updateEndpoint(organizationId, id, change, now) {
      const sets: SQL[] = [sql`updated_at = ${at(now)}`];
      if (change.url !== undefined) sets.push(sql`url = ${change.url}`);
      if (change.description !== undefined) sets.push(sql`description = ${change.description}`);
      if (change.eventTypes !== undefined)
        sets.push(
          sql`event_types = (select coalesce(array_agg(t), '{}') from jsonb_array_elements_text(${JSON.stringify(change.eventTypes)}::jsonb) t)`,
        );
      if (change.secretSealed !== undefined) sets.push(sql`secret_sealed = ${change.secretSealed}`);
      if (change.enabled === true) sets.push(sql`disabled_at = null, disabled_reason = null, failing_since = null`);
      if (change.enabled === false)
        sets.push(
          sql`disabled_at = coalesce(disabled_at, ${at(now)}), disabled_reason = coalesce(disabled_reason, 'disabled by its owner')`,
        );
      const [row] = await query<WebhookEndpointRecord>(sql`
        with w as (
          update ${webhookEndpoints} w set ${sql.join(sets, sql`, `)} where w.id = ${id} and ${inScope(organizationId)} returning *
        )
        select ${endpointColumns} from w`);
      return row ?? null;
    },
    async deleteEndpoint(organizationId, id) {
      const rows = await query(
        sql`delete from ${webhookEndpoints} w where w.id = ${id} and ${inScope(organizationId)} returning 1`,
      );
      return rows.length === 1;
    },
    async listDeliveries(organizationId, endpointId, limit) {
      const rows = await query<DeliveryRecord & { found: boolean }>(sql`
        with w as (select w.id from ${webhookEndpoints} w where w.id = ${endpointId} and ${inScope(organizationId)})
        select true as found, d.event_id, e.type as event_type, ${iso(sql`e.created_at`)} as event_created_at, d.status,
          d.attempts, case when d.status = 'pending' then ${iso(sql`greatest(d.next_attempt_at, e.created_at)`)} end as next_attempt_at,
          ${iso(sql`d.last_attempt_at`)} as last_attempt_at, d.last_status, d.last_error, ${iso(sql`d.delivered_at`)} as delivered_at
        from w left join ${webhookDeliveries} d on d.endpoint_id = w.id left join ${events} e on e.id = d.event_id
        order by d.seq desc nulls last limit ${limit}`);
      if (rows.length === 0) return null;
      return rows.filter((r) => r.event_id !== null).map(({ found: _found, ...r }) => r);
    },
    async replay(organizationId, endpointId, eventId, now) {
      const rows = await query(sql`
        update ${webhookDeliveries} d set status = 'pending', attempts = 0, next_attempt_at = ${at(now)},
          locked_until = null, last_error = null
        from ${webhookEndpoints} w
        where w.id = d.endpoint_id and d.endpoint_id = ${endpointId} and d.event_id = ${eventId} and ${inScope(organizationId)}
        returning 1`);
      return rows.length === 1;
    },
    async claimDue(now, leaseMs, limit) {
      const rows = await query<DueDelivery & { data: Record<string, unknown> }>(sql`
        with due as (
          select d.endpoint_id, d.event_id from ${webhookDeliveries} d
          join ${webhookEndpoints} w on w.id = d.endpoint_id and w.disabled_at is null
          where d.status = 'pending' and d.next_attempt_at <= ${at(now)}
            and (d.locked_until is null or d.locked_until <= ${at(now)})
            and not exists (
              select 1 from ${webhookDeliveries} p
              where p.endpoint_id = d.endpoint_id and p.subject = d.subject and p.status = 'pending' and p.seq < d.seq
            )
          order by d.seq limit ${limit}
          for update of d skip locked
        ),
        claimed as (
          update ${webhookDeliveries} d set attempts = d.attempts + 1, locked_until = ${at(now + leaseMs)}, last_attempt_at = ${at(now)}
          from due where d.endpoint_id = due.endpoint_id and d.event_id = due.event_id
          returning d.endpoint_id, d.event_id, d.attempts, d.seq
        )
        select c.endpoint_id as "endpointId", c.event_id as "eventId", c.attempts as attempt, w.url,
          w.secret_sealed as "secretSealed", e.type, ${iso(sql`e.created_at`)} as "createdAt", e.data
        from claimed c join ${webhookEndpoints} w on w.id = c.endpoint_id join ${events} e on e.id = c.event_id
        order by c.seq`);
      return rows.map((r) => ({ ...r, attempt: Number(r.attempt) }));
    },
    async settle(o) {
      const ok = o.ok;
      const gaveUp = !ok && o.retryAt === null;
      const [row] = await query<{ disabled: boolean; notify: string[] | null; url: string }>(sql`
        with d as (
          update ${webhookDeliveries} set
            status = ${ok ? "delivered" : gaveUp ? "failed" : "pending"},
            next_attempt_at = ${o.retryAt === null ? sql`next_attempt_at` : at(o.retryAt)},
            locked_until = null, last_status = ${o.status}, last_error = ${o.error},
            delivered_at = ${ok ? at(o.now) : null}
          where endpoint_id = ${o.endpointId} and event_id = ${o.eventId} and status = 'pending'
          returning 1
        ),
        prior as (select failing_since, disabled_at from ${webhookEndpoints} where id = ${o.endpointId} for update),
        dies as (
          select ${gaveUp} and exists (select 1 from d) and p.disabled_at is null
            and p.failing_since is not null and p.failing_since <= ${at(o.now)}::timestamptz - ${DEAD_AFTER} as yes
          from prior p
        ),
        w as (
          update ${webhookEndpoints} set
            failing_since = ${ok ? null : sql`coalesce(failing_since, ${at(o.now)})`},
            disabled_at = case when (select yes from dies) then ${at(o.now)}::timestamptz else disabled_at end,
            disabled_reason = case when (select yes from dies) then 'failing for 24 hours' else disabled_reason end
          where id = ${o.endpointId} and exists (select 1 from d)
          returning id, organization_id, created_by, url
        )
        select coalesce((select yes from dies), false) as disabled, (select url from w) as url,
          array(
            select u.email from ${users} u, w where u.disabled_at is null and (
              u.id = w.created_by or exists (
                select 1 from ${memberships} m where m.user_id = u.id and m.organization_id = w.organization_id and m.role = 'owner'
              ))
          ) as notify`);
      const disabled = row?.disabled === true;
      return { disabled, notify: disabled ? (row?.notify ?? []) : [], url: row?.url ?? "" };
    },
    async importEvents(list) {
      if (list.length === 0) return;
      const rows = list.map((e) => ({
        id: e.id,
        type: e.type,
        org: e.organizationId,
        usr: e.userId,
        data: e.data,
        at: at(e.at),
      }));
      await query(sql`
        select coalesce(sum(emit_event(t.id, t.type, t.org, t.usr, null, t.data, t.at)), 0) as written
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          as t(id text, type text, org text, usr text, data jsonb, at timestamptz)`);
    },
    async anyEnabled() {
      const [row] = await query<{ any: boolean }>(
        sql`select exists (select 1 from ${webhookEndpoints} where disabled_at is null) as any`,
      );
      return row?.any === true;
    },
    async prune(before, limit) {
      const rows = await query(sql`
        delete from ${events} where id in (select id from ${events} where created_at < ${at(before)} order by created_at limit ${limit})
        returning 1`);
      return rows.length;
    },
  };
}
