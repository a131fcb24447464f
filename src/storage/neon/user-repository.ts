import { sql } from "drizzle-orm";
import { guardStore } from "../guard";
import type { EmailSignIn, EmailSignInResult, HealthProbe, SessionOrganization, UserRepository } from "../ports";
import type { Database } from "./db";
import { memberships, organizations, users } from "./schema";

const iso = (column: unknown) => sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

interface SignInRow {
  id: string;
  email: string;
  name: string | null;
  email_verified_at: string | null;
  created_at: string;
  last_login_at: string | null;
  created: boolean;
  org_id: string | null;
  org_name: string | null;
  org_is_personal: boolean;
  org_plan_tier: string | null;
  org_role: SessionOrganization["role"] | null;
}

export function createUserRepository(db: Database): UserRepository & HealthProbe {
  return {
    async recordEmailSignIn(input: EmailSignIn): Promise<EmailSignInResult> {
      const now = new Date(input.now).toISOString();
      const personal = input.organizationName === null;
      const orgName = input.organizationName ?? `${input.name ?? input.email.split("@")[0]}'s workspace`;
      // One statement, so one round trip and one atomic unit: upsert the user (the email is now proven),
      // give a user without any membership a first organization, and read back the primary one.
      const result = await guardStore("postgres", () =>
        db.execute(sql`
          with upserted as (
            insert into ${users} (id, email, name, email_verified_at, last_login_at, created_at, updated_at)
            values (${input.ids.user}, ${input.email}, ${input.name}, ${now}, ${now}, ${now}, ${now})
            on conflict (email) do update set
              last_login_at = excluded.last_login_at,
              email_verified_at = coalesce(${users.email_verified_at}, excluded.email_verified_at),
              updated_at = excluded.updated_at
            returning id, email, name, email_verified_at, last_login_at, created_at, (xmax = 0) as created
          ),
          needs_org as (
            select u.id from upserted u
            where not exists (select 1 from ${memberships} m where m.user_id = u.id)
          ),
          new_org as (
            insert into ${organizations} (id, name, is_personal, plan_tier, created_at, updated_at)
            select ${input.ids.organization}, ${orgName}, ${personal}, 'sandbox', ${now}, ${now} from needs_org
            returning id, name, is_personal, plan_tier
          ),
          new_membership as (
            insert into ${memberships} (id, user_id, organization_id, role, created_at)
            select ${input.ids.membership}, n.id, o.id, 'owner', ${now} from needs_org n, new_org o
            returning organization_id, role
          ),
          existing_org as (
            select o.id, o.name, o.is_personal, o.plan_tier, m.role
            from ${memberships} m join ${organizations} o on o.id = m.organization_id
            where m.user_id = (select id from upserted)
            order by o.is_personal desc, m.created_at asc, o.id asc
            limit 1
          )
          select u.id, u.email, u.name, ${iso(sql`u.email_verified_at`)} as email_verified_at,
                 ${iso(sql`u.created_at`)} as created_at, ${iso(sql`u.last_login_at`)} as last_login_at, u.created,
                 coalesce(n.id, e.id) as org_id, coalesce(n.name, e.name) as org_name,
                 coalesce(n.is_personal, e.is_personal) as org_is_personal,
                 coalesce(n.plan_tier, e.plan_tier) as org_plan_tier, coalesce(nm.role, e.role) as org_role
          from upserted u
          left join new_org n on true
          left join new_membership nm on true
          left join existing_org e on true
        `),
      );
      const row = result.rows[0] as SignInRow | undefined;
      if (!row || row.org_id === null) throw new Error("sign-in statement returned no organization");
      return {
        created: row.created,
        user: {
          id: row.id,
          email: row.email,
          name: row.name,
          email_verified: row.email_verified_at !== null,
          created_at: row.created_at,
          last_login_at: row.last_login_at,
        },
        organization: {
          id: row.org_id,
          name: row.org_name ?? "",
          is_personal_account: row.org_is_personal,
          plan_tier: row.org_plan_tier ?? "sandbox",
          role: row.org_role ?? "member",
        },
      };
    },
    async ping() {
      await db.execute(sql`select 1`);
    },
  };
}
