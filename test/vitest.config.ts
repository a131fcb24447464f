import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("..", import.meta.url));

interface StackInfo {
  upstashUrl: string;
  upstashToken: string;
  neonSqlEndpoint: string;
  neonWsProxy: string;
  databaseUrl: string;
  templateDatabase: string;
  workerDatabaseUrl: string;
  faultUpstashUrl: string;
  globalPrimaryUrl?: string;
  globalReplicaUrl?: string;
  globalToken?: string;
  globalLagMs?: number;
  faultUpstashToken: string;
  faultControlUrl: string;
  fakeStripeUrl: string;
  oidcIssuer: string;
  oidcClientId: string;
  oidcClientSecret: string;
  oidcClient2Id: string;
  oidcClient2Secret: string;
  fakeGitHubUrl: string;
  fakeGitHubClientId: string;
  fakeGitHubClientSecret: string;
  microsoftClientId: string;
  microsoftClientSecret: string;
  microsoftOtherClientId: string;
  microsoftOtherClientSecret: string;
  appleClientId: string;
  appleTeamId: string;
  appleKeyId: string;
  applePrivateKey: string;
  webhookReceiverUrl: string;
  webhookControlUrl: string;
  fakeTurnstileUrl: string;
}

// Tests run inside workerd with the production clients, against the local stack's endpoints.
export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => {
      const stack = inject("stack") as unknown as StackInfo;
      return {
        wrangler: { configPath: `${root}wrangler.toml` },
        miniflare: {
          bindings: {
            ENVIRONMENT: "test",
            // wrangler also reads .dev.vars; a profile left there by `COMPAT_PROFILE=x npm run dev`
            // must not leak into the suite (profile tests turn theirs on per file).
            COMPAT_PROFILE: "",
            AUTH_DEBUG: "1",
            EMAIL_PROVIDER: "outbox",
            PUBLIC_URL: "http://127.0.0.1:8787",
            TRUSTED_ORIGINS: "http://127.0.0.1:5173",
            UPSTASH_REDIS_REST_URL: stack.upstashUrl,
            UPSTASH_REDIS_REST_TOKEN: stack.upstashToken,
            DATABASE_URL: stack.workerDatabaseUrl,
            TEST_ADMIN_DATABASE_URL: stack.databaseUrl,
            TEST_TEMPLATE_DATABASE: stack.templateDatabase,
            NEON_HTTP_ENDPOINT: stack.neonSqlEndpoint,
            NEON_WS_PROXY: stack.neonWsProxy,
            FAULT_UPSTASH_URL: stack.faultUpstashUrl,
            GLOBAL_PRIMARY_URL: stack.globalPrimaryUrl ?? "",
            GLOBAL_REPLICA_URL: stack.globalReplicaUrl ?? "",
            GLOBAL_TOKEN: stack.globalToken ?? "",
            GLOBAL_LAG_MS: String(stack.globalLagMs ?? ""),
            FAULT_UPSTASH_TOKEN: stack.faultUpstashToken,
            FAULT_CONTROL_URL: stack.faultControlUrl,
            FAKE_STRIPE_URL: stack.fakeStripeUrl,
            WEBHOOK_RECEIVER_URL: stack.webhookReceiverUrl,
            WEBHOOK_CONTROL_URL: stack.webhookControlUrl,
            FAKE_TURNSTILE_URL: stack.fakeTurnstileUrl,
            // Social sign-in against the local OpenID Provider; dev2 is a second client of it.
            // down: nothing listens there; slow: accepts and never answers (the deadline's test).
            OAUTH_PROVIDERS: "dev,dev2,down,slow,github,apple,microsoft,microsoft-other",
            OAUTH_DEV_ISSUER: stack.oidcIssuer,
            // `npm run dev` writes a label for its provider into .dev.vars, which wrangler reads too.
            OAUTH_DEV_LABEL: "",
            OAUTH_DEV_CLIENT_ID: stack.oidcClientId,
            OAUTH_DEV_CLIENT_SECRET: stack.oidcClientSecret,
            OAUTH_DEV2_ISSUER: stack.oidcIssuer,
            OAUTH_DEV2_CLIENT_ID: stack.oidcClient2Id,
            OAUTH_DEV2_CLIENT_SECRET: stack.oidcClient2Secret,
            OAUTH_DEV2_KEEP_TOKENS: "true",
            OAUTH_DOWN_ISSUER: "http://127.0.0.1:9",
            OAUTH_DOWN_CLIENT_ID: "down",
            OAUTH_DOWN_CLIENT_SECRET: "down",
            OAUTH_SLOW_ISSUER: `${stack.oidcIssuer}/stall`,
            OAUTH_SLOW_CLIENT_ID: "slow",
            OAUTH_SLOW_CLIENT_SECRET: "slow",
            // GitHub's preset, pointed at the local stand-in for its web and API hosts.
            OAUTH_GITHUB_CLIENT_ID: stack.fakeGitHubClientId,
            OAUTH_GITHUB_CLIENT_SECRET: stack.fakeGitHubClientSecret,
            OAUTH_GITHUB_WEB_URL: stack.fakeGitHubUrl,
            OAUTH_GITHUB_API_URL: stack.fakeGitHubUrl,
            // Microsoft's preset (multi-tenant, "common") against Entra-shaped clients of the local provider;
            // microsoft-other only admits another tenant than the one its tokens come from.
            OAUTH_MICROSOFT_AUTHORITY: `${stack.oidcIssuer}/ms`,
            OAUTH_MICROSOFT_CLIENT_ID: stack.microsoftClientId,
            OAUTH_MICROSOFT_CLIENT_SECRET: stack.microsoftClientSecret,
            OAUTH_MICROSOFT_OTHER_TYPE: "microsoft",
            OAUTH_MICROSOFT_OTHER_AUTHORITY: `${stack.oidcIssuer}/ms`,
            OAUTH_MICROSOFT_OTHER_CLIENT_ID: stack.microsoftOtherClientId,
            OAUTH_MICROSOFT_OTHER_CLIENT_SECRET: stack.microsoftOtherClientSecret,
            OAUTH_MICROSOFT_OTHER_ALLOWED_TENANTS: "00000000-0000-4000-8000-000000000001",
            // Apple's preset (form_post, a JWT client secret) against the local provider's "apple" client.
            OAUTH_APPLE_ISSUER: stack.oidcIssuer,
            OAUTH_APPLE_CLIENT_ID: stack.appleClientId,
            OAUTH_APPLE_TEAM_ID: stack.appleTeamId,
            OAUTH_APPLE_KEY_ID: stack.appleKeyId,
            OAUTH_APPLE_PRIVATE_KEY: stack.applePrivateKey,
            REDIS_KEY_PREFIX: `entry${Date.now()}:`,
            AUTH_SECRET: "test-secret-0123456789abcdefghijklmnopqrstuvwxyz",
            PASSWORD_PEPPER: "test-pepper-0123456789abcdefghijklmnopqrstuvwxyz",
            STRIPE_WEBHOOK_SECRET: "whsec_test_0123456789abcdefghijklmnopqrstuv",
            STRIPE_PLANS: "price_pro_monthly=pro,price_team_monthly=team",
            JWT_SIGNING_KEYS:
              "k2026:4Ylq0R5aEHgU9rSqk2uF3bD8nVwXcT1yJ6mZpL0oAeQ,k2025:pN3vQ8sXr1TbK5yW7zJ2mC4hL9dF6gE0uA5iO8kRtYw",
          },
        },
      };
    }),
  ],
  root,
  test: {
    globalSetup: [`${root}test/global-setup.ts`],
    include: ["test/**/*.test.ts"],
    // Browser tests run in Node (npm run test:e2e), not inside workerd.
    exclude: ["test/e2e/**", "**/node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
