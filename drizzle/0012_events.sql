-- Outbound events (webhooks). Every change an integrator cares about writes its event in the same
-- transaction as the change, by the triggers below: a change that rolls back announces nothing, one
-- that commits is never lost, and no code path can forget to announce. Deliveries (one row per event
-- and subscribed endpoint) are fanned out in that same transaction; the consumer
-- (src/features/webhooks/deliver.ts) only sends and records.
CREATE TABLE "webhook_endpoints" (
	"id" text PRIMARY KEY NOT NULL,
	-- null: a platform-wide endpoint (platform administrators), which receives every event
	"organization_id" text CONSTRAINT "webhook_endpoints_organization_id_fk" REFERENCES "organizations"("id") ON DELETE cascade,
	"url" text NOT NULL,
	"description" text,
	-- empty: every event type
	"event_types" text[] DEFAULT '{}' NOT NULL,
	-- AES-256-GCM under a key derived from AUTH_SECRET and the endpoint id (signing needs the secret itself)
	"secret_sealed" text NOT NULL,
	"created_by" text CONSTRAINT "webhook_endpoints_created_by_fk" REFERENCES "users"("id") ON DELETE set null,
	"disabled_at" timestamp with time zone,
	"disabled_reason" text,
	-- the first failed attempt since the last success
	"failing_since" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);--> statement-breakpoint
CREATE INDEX "webhook_endpoints_org_idx" ON "webhook_endpoints" USING btree ("organization_id");--> statement-breakpoint
CREATE TABLE "events" (
	"id" text PRIMARY KEY NOT NULL,
	"seq" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
	"type" text NOT NULL,
	"organization_id" text,
	"user_id" text,
	-- what the event is about (a user, an organization, a key): deliveries keep this order per endpoint
	"subject" text NOT NULL,
	"data" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);--> statement-breakpoint
CREATE INDEX "events_created_idx" ON "events" USING btree ("created_at");--> statement-breakpoint
CREATE TABLE "webhook_deliveries" (
	"endpoint_id" text NOT NULL CONSTRAINT "webhook_deliveries_endpoint_id_fk" REFERENCES "webhook_endpoints"("id") ON DELETE cascade,
	"event_id" text NOT NULL CONSTRAINT "webhook_deliveries_event_id_fk" REFERENCES "events"("id") ON DELETE cascade,
	"seq" bigint NOT NULL,
	"subject" text NOT NULL,
	-- pending | delivered | failed (gave up after the retry schedule)
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	-- a consumer holds it while sending; a consumer that died lets it go when this passes
	"locked_until" timestamp with time zone,
	"last_attempt_at" timestamp with time zone,
	"last_status" integer,
	"last_error" text,
	"delivered_at" timestamp with time zone,
	CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("endpoint_id", "event_id"),
	CONSTRAINT "webhook_deliveries_status_valid" CHECK ("status" in ('pending', 'delivered', 'failed'))
);--> statement-breakpoint
CREATE INDEX "webhook_deliveries_due_idx" ON "webhook_deliveries" USING btree ("next_attempt_at") WHERE "status" = 'pending';--> statement-breakpoint
CREATE INDEX "webhook_deliveries_order_idx" ON "webhook_deliveries" USING btree ("endpoint_id", "subject", "seq") WHERE "status" = 'pending';--> statement-breakpoint
CREATE INDEX "webhook_deliveries_event_idx" ON "webhook_deliveries" USING btree ("event_id");--> statement-breakpoint
-- Whether an endpoint receives an event: enabled, registered before the change happened, subscribed
-- to the type, and platform-wide, or of the event's organization, or (for an event about a person
-- and no organization) of an organization the person belongs to.
CREATE FUNCTION "endpoint_wants"("ep" webhook_endpoints, "p_type" text, "p_org" text, "p_user" text, "p_at" timestamp with time zone)
RETURNS boolean LANGUAGE sql STABLE AS $$
	SELECT ep.disabled_at IS NULL
		AND ep.created_at <= p_at
		AND (cardinality(ep.event_types) = 0 OR p_type = ANY (ep.event_types))
		AND (
			ep.organization_id IS NULL
			OR ep.organization_id = p_org
			OR (p_org IS NULL AND p_user IS NOT NULL AND EXISTS (
				SELECT 1 FROM memberships m WHERE m.user_id = p_user AND m.organization_id = ep.organization_id
			))
		)
$$;--> statement-breakpoint
-- Writes one event and its deliveries, when some endpoint wants it (nothing is stored for nobody: a
-- deployment without endpoints pays one empty index lookup per change). p_at is when the change
-- happened (the transaction's time, or a Redis entry's). A known id is a no-op (events drained from
-- Redis may be offered twice). Returns 1 when written, 0 otherwise.
CREATE FUNCTION "emit_event"("p_id" text, "p_type" text, "p_org" text, "p_user" text, "p_subject" text, "p_data" jsonb,
	"p_at" timestamp with time zone DEFAULT now())
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
	v_id text := coalesce(p_id, 'evt_' || replace(gen_random_uuid()::text, '-', ''));
	v_seq bigint;
	v_subject text := coalesce(p_subject, p_user, p_org, '');
BEGIN
	IF NOT EXISTS (SELECT 1 FROM webhook_endpoints ep WHERE endpoint_wants(ep, p_type, p_org, p_user, p_at)) THEN
		RETURN 0;
	END IF;
	INSERT INTO events (id, type, organization_id, user_id, subject, data, created_at)
	VALUES (v_id, p_type, p_org, p_user, v_subject, p_data, p_at)
	ON CONFLICT (id) DO NOTHING
	RETURNING seq INTO v_seq;
	IF v_seq IS NULL THEN
		RETURN 0;
	END IF;
	INSERT INTO webhook_deliveries (endpoint_id, event_id, seq, subject, next_attempt_at)
	SELECT ep.id, v_id, v_seq, v_subject, '-infinity'
	FROM webhook_endpoints ep
	WHERE endpoint_wants(ep, p_type, p_org, p_user, p_at);
	RETURN 1;
END
$$;--> statement-breakpoint
CREATE FUNCTION "user_event_data"("u" users) RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object(
		'id', u.id, 'email', u.email, 'name', u.name, 'phone', u.phone,
		'email_verified', u.email_verified_at IS NOT NULL, 'disabled', u.disabled_at IS NOT NULL,
		'created_at', to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
	)
$$;--> statement-breakpoint
CREATE FUNCTION "users_events"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM emit_event(NULL, 'user.created', NULL, NEW.id, NEW.id, user_event_data(NEW));
	ELSIF TG_OP = 'DELETE' THEN
		-- BEFORE DELETE: the person's memberships (which route the event) still exist.
		PERFORM emit_event(NULL, 'user.deleted', NULL, OLD.id, OLD.id, jsonb_build_object('id', OLD.id));
		RETURN OLD;
	ELSE
		IF NEW.email IS DISTINCT FROM OLD.email THEN
			PERFORM emit_event(NULL, 'email.changed', NULL, NEW.id, NEW.id,
				jsonb_build_object('id', NEW.id, 'email', NEW.email, 'previous_email', OLD.email));
		END IF;
		IF (NEW.email, NEW.name, NEW.phone, NEW.email_verified_at IS NULL, NEW.is_superuser)
			IS DISTINCT FROM (OLD.email, OLD.name, OLD.phone, OLD.email_verified_at IS NULL, OLD.is_superuser) THEN
			PERFORM emit_event(NULL, 'user.updated', NULL, NEW.id, NEW.id, user_event_data(NEW));
		END IF;
		IF NEW.disabled_at IS NOT NULL AND OLD.disabled_at IS NULL THEN
			PERFORM emit_event(NULL, 'user.disabled', NULL, NEW.id, NEW.id, user_event_data(NEW));
		ELSIF NEW.disabled_at IS NULL AND OLD.disabled_at IS NOT NULL THEN
			PERFORM emit_event(NULL, 'user.enabled', NULL, NEW.id, NEW.id, user_event_data(NEW));
		END IF;
	END IF;
	RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "users_events" AFTER INSERT OR UPDATE ON "users" FOR EACH ROW EXECUTE FUNCTION "users_events"();--> statement-breakpoint
CREATE TRIGGER "users_events_delete" BEFORE DELETE ON "users" FOR EACH ROW EXECUTE FUNCTION "users_events"();--> statement-breakpoint
CREATE FUNCTION "organizations_events"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM emit_event(NULL, 'organization.created', NEW.id, NEW.personal_owner_id, NEW.id,
		jsonb_build_object('id', NEW.id, 'name', NEW.name, 'is_personal', NEW.is_personal));
	RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "organizations_events" AFTER INSERT ON "organizations" FOR EACH ROW EXECUTE FUNCTION "organizations_events"();--> statement-breakpoint
CREATE FUNCTION "memberships_events"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM emit_event(NULL, 'member.joined', NEW.organization_id, NEW.user_id, NEW.user_id,
			jsonb_build_object('organization_id', NEW.organization_id, 'user_id', NEW.user_id, 'role', NEW.role));
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM emit_event(NULL, 'member.removed', OLD.organization_id, OLD.user_id, OLD.user_id,
			jsonb_build_object('organization_id', OLD.organization_id, 'user_id', OLD.user_id, 'role', OLD.role));
	ELSIF NEW.role IS DISTINCT FROM OLD.role THEN
		PERFORM emit_event(NULL, 'member.role_changed', NEW.organization_id, NEW.user_id, NEW.user_id,
			jsonb_build_object('organization_id', NEW.organization_id, 'user_id', NEW.user_id,
				'role', NEW.role, 'previous_role', OLD.role));
	END IF;
	RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "memberships_events" AFTER INSERT OR UPDATE OR DELETE ON "memberships" FOR EACH ROW EXECUTE FUNCTION "memberships_events"();--> statement-breakpoint
CREATE FUNCTION "invitations_events"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM emit_event(NULL, 'member.invited', NEW.organization_id, NULL, NEW.organization_id,
		jsonb_build_object('invitation_id', NEW.id, 'organization_id', NEW.organization_id, 'email', NEW.email,
			'role', NEW.role, 'invited_by', NEW.invited_by,
			'expires_at', to_char(NEW.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')));
	RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "invitations_events" AFTER INSERT ON "invitations" FOR EACH ROW EXECUTE FUNCTION "invitations_events"();--> statement-breakpoint
CREATE FUNCTION "api_keys_events"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	k jsonb := jsonb_build_object('id', NEW.id, 'organization_id', NEW.organization_id, 'name', NEW.name,
		'prefix', NEW.prefix, 'scopes', NEW.scopes, 'created_by', NEW.created_by);
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM emit_event(NULL, 'api_key.created', NEW.organization_id, NULL, NEW.id, k);
	ELSIF NEW.revoked_at IS NOT NULL AND OLD.revoked_at IS NULL THEN
		PERFORM emit_event(NULL, 'api_key.revoked', NEW.organization_id, NULL, NEW.id, k);
	END IF;
	RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "api_keys_events" AFTER INSERT OR UPDATE OF "revoked_at" ON "api_keys" FOR EACH ROW EXECUTE FUNCTION "api_keys_events"();--> statement-breakpoint
CREATE FUNCTION "totp_factors_events"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		IF OLD.confirmed_at IS NOT NULL THEN
			PERFORM emit_event(NULL, 'mfa.disabled', NULL, OLD.user_id, OLD.user_id,
				jsonb_build_object('user_id', OLD.user_id, 'method', 'totp'));
		END IF;
	ELSIF NEW.confirmed_at IS NOT NULL AND (TG_OP = 'INSERT' OR OLD.confirmed_at IS NULL) THEN
		PERFORM emit_event(NULL, 'mfa.enabled', NULL, NEW.user_id, NEW.user_id,
			jsonb_build_object('user_id', NEW.user_id, 'method', 'totp'));
	END IF;
	RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "totp_factors_events" AFTER INSERT OR UPDATE OF "confirmed_at" OR DELETE ON "totp_factors" FOR EACH ROW EXECUTE FUNCTION "totp_factors_events"();--> statement-breakpoint
CREATE FUNCTION "passkeys_events"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM emit_event(NULL, 'passkey.added', NULL, NEW.user_id, NEW.user_id,
			jsonb_build_object('id', NEW.id, 'user_id', NEW.user_id, 'name', NEW.name,
				'device_type', NEW.device_type, 'backed_up', NEW.backed_up));
	ELSE
		PERFORM emit_event(NULL, 'passkey.removed', NULL, OLD.user_id, OLD.user_id,
			jsonb_build_object('id', OLD.id, 'user_id', OLD.user_id, 'name', OLD.name));
	END IF;
	RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "passkeys_events" AFTER INSERT OR DELETE ON "passkeys" FOR EACH ROW EXECUTE FUNCTION "passkeys_events"();--> statement-breakpoint
CREATE FUNCTION "identities_events"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM emit_event(NULL, 'identity.linked', NULL, NEW.user_id, NEW.user_id,
			jsonb_build_object('id', NEW.id, 'user_id', NEW.user_id, 'provider', NEW.provider));
	ELSE
		PERFORM emit_event(NULL, 'identity.unlinked', NULL, OLD.user_id, OLD.user_id,
			jsonb_build_object('id', OLD.id, 'user_id', OLD.user_id, 'provider', OLD.provider));
	END IF;
	RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "identities_events" AFTER INSERT OR DELETE ON "identities" FOR EACH ROW EXECUTE FUNCTION "identities_events"();
