-- Revocation facts live in Postgres; Redis only caches them. Access and device tokens issued before
-- this instant fail (logout-all, password change or reset, disable), even after Redis loses its data.
ALTER TABLE "users" ADD COLUMN "tokens_not_before" timestamp with time zone;--> statement-breakpoint
-- One personal organization per user, held by a unique index: a signup and a first magic-link sign-in
-- of the same new address racing each other can no longer make two.
ALTER TABLE "organizations" ADD COLUMN "personal_owner_id" text CONSTRAINT "organizations_personal_owner_id_users_id_fk" REFERENCES "users"("id") ON DELETE cascade;--> statement-breakpoint
UPDATE "organizations" o SET "personal_owner_id" = first.user_id
FROM (
	SELECT DISTINCT ON (m.user_id) m.user_id, m.organization_id
	FROM "memberships" m JOIN "organizations" x ON x.id = m.organization_id
	WHERE x.is_personal AND m.role = 'owner'
	ORDER BY m.user_id, x.created_at, x.id
) first
WHERE o.id = first.organization_id;--> statement-breakpoint
CREATE UNIQUE INDEX "organizations_personal_owner_key" ON "organizations" USING btree ("personal_owner_id");
--> statement-breakpoint
-- Idempotency-Key records for effects in Postgres, written by the same statement as the effect: a
-- worker that dies after the effect leaves a record a retry replays, never a second effect. The
-- response is sealed with a key derived from the Idempotency-Key (the database cannot read it).
CREATE TABLE "idempotency_keys" (
	"record_key" text PRIMARY KEY NOT NULL,
	"response" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);--> statement-breakpoint
CREATE INDEX "idempotency_keys_expires_idx" ON "idempotency_keys" USING btree ("expires_at");
