-- Provider tokens, kept only for providers configured with OAUTH_<NAME>_KEEP_TOKENS=true: sealed with
-- AES-256-GCM under a key derived from AUTH_SECRET and the identity (provider, subject), never plain.
ALTER TABLE "identities" ADD COLUMN "tokens_sealed" text;
