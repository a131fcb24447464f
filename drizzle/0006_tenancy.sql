-- Platform administrators are a property of the person (granted by the operator), never of a tenant.
ALTER TABLE "users" ADD COLUMN "is_superuser" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- Membership only by consent: an invitation names an address, and nobody becomes a member until
-- the owner of that address accepts. The emailed token is stored only as its SHA-256.
CREATE TABLE "invitations" (
	"id" text PRIMARY KEY NOT NULL,
	"organization_id" text NOT NULL CONSTRAINT "invitations_organization_id_organizations_id_fk" REFERENCES "organizations"("id") ON DELETE cascade,
	"email" text NOT NULL,
	"role" text NOT NULL,
	"invited_by" text CONSTRAINT "invitations_invited_by_users_id_fk" REFERENCES "users"("id") ON DELETE cascade,
	"invited_by_key" text CONSTRAINT "invitations_invited_by_key_api_keys_id_fk" REFERENCES "api_keys"("id") ON DELETE cascade,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"accepted_at" timestamp with time zone,
	"accepted_by" text CONSTRAINT "invitations_accepted_by_users_id_fk" REFERENCES "users"("id") ON DELETE set null,
	"declined_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "invitations_role_valid" CHECK ("invitations"."role" in ('owner', 'admin', 'member')),
	CONSTRAINT "invitations_email_lower" CHECK ("invitations"."email" = lower("invitations"."email"))
);--> statement-breakpoint
CREATE UNIQUE INDEX "invitations_token_key" ON "invitations" USING btree ("token_hash");--> statement-breakpoint
-- One open invitation per organization and address: inviting again refreshes it (new token, old one dead).
CREATE UNIQUE INDEX "invitations_open_key" ON "invitations" USING btree ("organization_id","email") WHERE "accepted_at" IS NULL AND "declined_at" IS NULL AND "revoked_at" IS NULL;--> statement-breakpoint
CREATE INDEX "invitations_email_idx" ON "invitations" USING btree ("email");--> statement-breakpoint
-- A device paired through an API key holds at most that key's scopes and dies with the key.
ALTER TABLE "devices" ADD COLUMN "api_key_id" text CONSTRAINT "devices_api_key_id_api_keys_id_fk" REFERENCES "api_keys"("id") ON DELETE cascade;--> statement-breakpoint
ALTER TABLE "devices" ADD COLUMN "scopes" jsonb;--> statement-breakpoint
-- "Every organization has at least one owner at every moment, under any concurrency", held by the
-- database: removing or demoting an owner locks the organization row first, then counts the other
-- owners with a fresh snapshot (READ COMMITTED takes one per statement inside the function), so two
-- owners removing each other at once serialize and the second is refused. Deleting the organization
-- itself (cascade) is not blocked.
CREATE FUNCTION "memberships_keep_owner"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF OLD.role <> 'owner' OR (TG_OP = 'UPDATE' AND NEW.role = 'owner') THEN
		RETURN COALESCE(NEW, OLD);
	END IF;
	PERFORM 1 FROM organizations WHERE id = OLD.organization_id FOR UPDATE;
	IF NOT FOUND THEN
		RETURN COALESCE(NEW, OLD);
	END IF;
	IF NOT EXISTS (
		SELECT 1 FROM memberships
		WHERE organization_id = OLD.organization_id AND role = 'owner' AND id <> OLD.id
	) THEN
		RAISE EXCEPTION 'an organization keeps at least one owner'
			USING ERRCODE = 'check_violation', CONSTRAINT = 'memberships_last_owner';
	END IF;
	RETURN COALESCE(NEW, OLD);
END
$$;--> statement-breakpoint
CREATE TRIGGER "memberships_keep_owner" BEFORE UPDATE OF "role" OR DELETE ON "memberships"
	FOR EACH ROW EXECUTE FUNCTION "memberships_keep_owner"();
