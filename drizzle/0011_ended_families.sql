-- Refresh-token families ended one by one (logout, RFC 7009 revocation, reuse detection), kept where
-- a Redis restore from an older backup cannot bring them back: every refresh checks here. Rows past
-- expires_at (the family's own absolute end) can be deleted.
CREATE TABLE "ended_token_families" (
	"family" text PRIMARY KEY NOT NULL,
	"ended_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
