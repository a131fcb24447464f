import { sql } from "drizzle-orm";
import type { FactorRepository, FactorStatus, Passkey, StoredPasskey } from "../../ports";
import type { Database } from "./db";
import { identities, passkeys, recoveryCodes, totpFactors, users } from "./schema";
import { ConstraintViolation, iso, queryRunner } from "./sql";

// Each verb is one statement: the condition and the write happen together, so two requests racing
// with the same code, recovery code or assertion cannot both pass.

const passkeyColumns = sql`p.id, p.name, p.credential_id, p.device_type, p.backed_up, p.transports,
  ${iso(sql`p.created_at`)} as created_at, ${iso(sql`p.last_used_at`)} as last_used_at`;

/** Rows of fresh recovery codes for `userId`, as a VALUES list (never empty: callers pass ten). */
const codeRows = (userId: string, hashes: string[], now: string) =>
  sql.join(
    hashes.map((h) => sql`(${userId}, ${h}, ${now}::timestamptz)`),
    sql`, `,
  );

export function createFactorRepository(db: Database): FactorRepository {
  const query = queryRunner(db);

  return {
    async startTotp(userId, sealed, now) {
      const at = new Date(now).toISOString();
      const rows = await query<{ ok: boolean }>(sql`
        insert into ${totpFactors} (user_id, secret_sealed, created_at) values (${userId}, ${sealed}, ${at})
        on conflict (user_id) do update set secret_sealed = excluded.secret_sealed, created_at = excluded.created_at,
          last_step = null
        where ${totpFactors.confirmed_at} is null
        returning true as ok`);
      return rows.length === 1;
    },

    async findTotp(userId) {
      const [row] = await query<{ secret_sealed: string; confirmed: boolean; last_step: string | null }>(sql`
        select secret_sealed, confirmed_at is not null as confirmed, last_step::text as last_step
        from ${totpFactors} where user_id = ${userId}`);
      return row
        ? {
            sealed: row.secret_sealed,
            confirmed: row.confirmed,
            lastStep: row.last_step === null ? null : Number(row.last_step),
          }
        : null;
    },

    async confirmTotp(userId, step, hashes, now) {
      const at = new Date(now).toISOString();
      const [row] = await query<{ confirmed: number }>(sql`
        with confirmed as (
          update ${totpFactors} set confirmed_at = ${at}, last_step = ${step}, last_used_at = ${at}
          where user_id = ${userId} and confirmed_at is null
          returning user_id
        ),
        cleared as (
          delete from ${recoveryCodes} where user_id in (select user_id from confirmed)
        ),
        added as (
          insert into ${recoveryCodes} (user_id, code_hash, created_at)
          select v.* from (values ${codeRows(userId, hashes, at)}) v(user_id, code_hash, created_at)
          where exists (select 1 from confirmed)
          on conflict (user_id, code_hash) do update set used_at = null, created_at = excluded.created_at
        )
        select count(*)::int as confirmed from confirmed`);
      return (row?.confirmed ?? 0) === 1;
    },

    async useTotpStep(userId, step, now) {
      const at = new Date(now).toISOString();
      const rows = await query<{ ok: boolean }>(sql`
        update ${totpFactors} set last_step = ${step}, last_used_at = ${at}
        where user_id = ${userId} and confirmed_at is not null and coalesce(last_step, -1) < ${step}
        returning true as ok`);
      return rows.length === 1;
    },

    async removeTotp(userId) {
      const [row] = await query<{ removed: number }>(sql`
        with removed as (delete from ${totpFactors} where user_id = ${userId} returning confirmed_at),
        codes as (
          delete from ${recoveryCodes} where user_id = ${userId}
            and exists (select 1 from removed)
            and not exists (select 1 from ${passkeys} where user_id = ${userId})
        )
        select count(*)::int as removed from removed`);
      return (row?.removed ?? 0) === 1;
    },

    async useRecoveryCode(userId, hash, now) {
      const at = new Date(now).toISOString();
      const [row] = await query<{ remaining: number }>(sql`
        with spent as (
          update ${recoveryCodes} set used_at = ${at}
          where user_id = ${userId} and code_hash = ${hash} and used_at is null
          returning code_hash
        )
        select (select count(*)::int from ${recoveryCodes} where user_id = ${userId} and used_at is null) - 1
          as remaining
        from spent`);
      return row ? row.remaining : null;
    },

    async restoreRecoveryCode(userId, hash, now) {
      await query(sql`
        update ${recoveryCodes} set used_at = null
        where user_id = ${userId} and code_hash = ${hash} and used_at >= ${new Date(now).toISOString()}`);
    },

    async replaceRecoveryCodes(userId, hashes, now) {
      const at = new Date(now).toISOString();
      const [row] = await query<{ replaced: boolean }>(sql`
        with enrolled as (
          select 1 from ${totpFactors} where user_id = ${userId} and confirmed_at is not null
          union all select 1 from ${passkeys} where user_id = ${userId}
        ),
        cleared as (
          delete from ${recoveryCodes} where user_id = ${userId} and exists (select 1 from enrolled)
        ),
        added as (
          insert into ${recoveryCodes} (user_id, code_hash, created_at)
          select v.* from (values ${codeRows(userId, hashes, at)}) v(user_id, code_hash, created_at)
          where exists (select 1 from enrolled)
          on conflict (user_id, code_hash) do update set used_at = null, created_at = excluded.created_at
        )
        select exists (select 1 from enrolled) as replaced`);
      return row?.replaced === true;
    },

    async status(userId): Promise<FactorStatus> {
      const [row] = await query<FactorStatus>(sql`
        select (select ${iso(sql`confirmed_at`)} from ${totpFactors} where user_id = ${userId}) as totp_confirmed_at,
          (select count(*)::int from ${recoveryCodes} where user_id = ${userId} and used_at is null)
            as recovery_codes_remaining,
          (select count(*)::int from ${passkeys} where user_id = ${userId}) as passkeys`);
      return row ?? { totp_confirmed_at: null, recovery_codes_remaining: 0, passkeys: 0 };
    },

    async addPasskey(input, hashes) {
      const at = new Date(input.now).toISOString();
      try {
        // Recovery codes come only with an account's first second factor (none given otherwise).
        const codes =
          hashes.length === 0
            ? sql``
            : sql`, codes as (
            insert into ${recoveryCodes} (user_id, code_hash, created_at)
            select v.* from (values ${codeRows(input.userId, hashes, at)}) v(user_id, code_hash, created_at)
            where exists (select 1 from added)
              and not exists (select 1 from ${recoveryCodes} where user_id = ${input.userId} and used_at is null)
            on conflict (user_id, code_hash) do nothing
          )`;
        const [row] = await query<Passkey>(sql`
          with added as (
            insert into ${passkeys} as p (id, user_id, credential_id, public_key, counter, transports, device_type,
              backed_up, name, created_at)
            values (${input.id}, ${input.userId}, ${input.credentialId}, ${input.publicKey}, ${input.counter},
              ${sql`array[${sql.join(
                input.transports.map((t) => sql`${t}`),
                sql`, `,
              )}]::text[]`}, ${input.deviceType}, ${input.backedUp}, ${input.name}, ${at})
            returning ${passkeyColumns}
          )${codes}
          select * from added`);
        return row ?? null;
      } catch (error) {
        if (error instanceof ConstraintViolation && error.constraint === "passkeys_credential_id_key") return null;
        throw error;
      }
    },

    async listPasskeys(userId) {
      return query<Passkey>(sql`
        select ${passkeyColumns} from ${passkeys} p where p.user_id = ${userId} order by p.created_at, p.id`);
    },

    async findPasskey(credentialId) {
      const [row] = await query<StoredPasskey & { counter: string }>(sql`
        select ${passkeyColumns}, p.user_id, p.public_key, p.counter::text as counter
        from ${passkeys} p join ${users} u on u.id = p.user_id
        where p.credential_id = ${credentialId} and u.disabled_at is null`);
      return row ? { ...row, counter: Number(row.counter) } : null;
    },

    async usePasskey(credentialId, counter, backedUp, now) {
      const at = new Date(now).toISOString();
      const rows = await query<{ ok: boolean }>(sql`
        update ${passkeys} set counter = ${counter}, backed_up = ${backedUp}, last_used_at = ${at}
        where credential_id = ${credentialId} and (counter < ${counter} or (counter = 0 and ${counter} = 0))
        returning true as ok`);
      return rows.length === 1;
    },

    async renamePasskey(userId, id, name) {
      const [row] = await query<Passkey>(sql`
        update ${passkeys} p set name = ${name} where p.id = ${id} and p.user_id = ${userId}
        returning ${passkeyColumns}`);
      return row ?? null;
    },

    async removePasskey(userId, id) {
      // Another way in: a password, a linked identity, a proven address (magic link) or another passkey.
      const [row] = await query<{ status: "removed" | "not_found" | "last_method"; name: string | null }>(sql`
        with target as (select id, name from ${passkeys} where id = ${id} and user_id = ${userId}),
        other_way as (
          select 1 from ${users} u where u.id = ${userId}
            and (u.password_hash is not null or u.email_verified_at is not null)
          union all select 1 from ${identities} where user_id = ${userId}
          union all select 1 from ${passkeys} where user_id = ${userId} and id <> ${id}
        ),
        removed as (
          delete from ${passkeys} where id in (select id from target) and exists (select 1 from other_way)
          returning id
        ),
        codes as (
          delete from ${recoveryCodes} where user_id = ${userId} and exists (select 1 from removed)
            and not exists (select 1 from ${passkeys} where user_id = ${userId} and id <> ${id})
            and not exists (select 1 from ${totpFactors} where user_id = ${userId} and confirmed_at is not null)
        )
        select case when exists (select 1 from removed) then 'removed'
          when exists (select 1 from target) then 'last_method' else 'not_found' end as status,
          (select name from target) as name`);
      return row ?? { status: "not_found", name: null };
    },
  };
}
