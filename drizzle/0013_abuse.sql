-- Abuse defence per store (docs/abuse-defence.md): the countries its codes may be texted to (empty:
-- the deployment's SMS_ALLOWED_COUNTRIES), and whether every code request needs a Turnstile token.
ALTER TABLE "publishable_keys" ADD COLUMN "sms_countries" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "publishable_keys" ADD COLUMN "require_turnstile" boolean DEFAULT false NOT NULL;
