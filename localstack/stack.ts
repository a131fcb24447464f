// Starts the local stack: Redis + Postgres (real or embedded) behind local Upstash and Neon endpoints.
// `node localstack/stack.ts test` prints one `LOCALSTACK {json}` line and runs until stdin closes or SIGTERM;
// the vitest global setup spawns it that way. `npm run dev` imports startStack() directly.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { applyMigrations } from "../scripts/migrate.ts";
import { type FakeGitHub, startFakeGitHub } from "./fake-github.ts";
import { type FakeStripe, startFakeStripe } from "./fake-stripe.ts";
import { type FakeTurnstile, startFakeTurnstile } from "./fake-turnstile.ts";
import { type FaultRedis, startFaultRedis } from "./fault-redis.ts";
import { type GlobalRedis, startGlobalRedis } from "./global-redis.ts";
import { startNeonShim } from "./neon-shim.ts";
import { type LocalOpenIdProvider, startOpenIdProvider } from "./oidc-provider.ts";
import { adminQuery, ensureDatabase, startPostgres, withDatabase } from "./postgres.ts";
import { freePort, startRedisEngine } from "./redis-engine.ts";
import { startUpstashShim } from "./upstash-shim.ts";
import { startWebhookReceiver, type WebhookReceiver } from "./webhook-receiver.ts";

export interface StackInfo {
  upstashUrl: string;
  upstashToken: string;
  neonSqlEndpoint: string;
  neonWsProxy: string;
  /** URL of the database the worker uses (dev) or the base database tests create their databases from (test). */
  databaseUrl: string;
  /** Test mode: every test file creates its own database from this migrated template. */
  templateDatabase?: string;
  /** Test mode: a migrated database for tests that go through the worker's own entry point. */
  workerDatabaseUrl?: string;
  redis: string;
  postgres: string;
  /** Test mode: the fault tests' own Redis (its Upstash endpoint and fault control endpoint). */
  faultUpstashUrl?: string;
  faultUpstashToken?: string;
  faultControlUrl?: string;
  /**
   * Test mode, with redis-server: a simulated global Upstash database (localstack/global-redis.ts):
   * the primary region's endpoint, another region's (reads at a replica LOCALSTACK_REDIS_REPLICA_LAG_MS
   * behind, 500 by default), their token and the lag.
   */
  globalPrimaryUrl?: string;
  globalReplicaUrl?: string;
  globalToken?: string;
  globalLagMs?: number;
  /** Test mode: a local endpoint speaking Stripe's line-items API. */
  fakeStripeUrl?: string;
  /** A real OpenID Provider on loopback (social sign-in): its issuer and its clients' credentials. */
  oidcIssuer: string;
  oidcClientId: string;
  oidcClientSecret: string;
  /** Test mode: a second client of the same provider (a second configured provider name). */
  oidcClient2Id?: string;
  oidcClient2Secret?: string;
  /** Test mode: a client that authenticates as Sign in with Apple does (a JWT secret we sign). */
  /** Test mode: Entra-shaped clients (multi-tenant issuer template, tid, xms_edov) of the same provider. */
  microsoftClientId?: string;
  microsoftClientSecret?: string;
  microsoftOtherClientId?: string;
  microsoftOtherClientSecret?: string;
  appleClientId?: string;
  appleTeamId?: string;
  appleKeyId?: string;
  applePrivateKey?: string;
  /** Test mode: a local endpoint speaking GitHub's OAuth and user APIs, and its client's credentials. */
  fakeGitHubUrl?: string;
  fakeGitHubClientId?: string;
  fakeGitHubClientSecret?: string;
  /** Test mode: a webhook receiver verifying with `standardwebhooks` (localstack/webhook-receiver.ts). */
  webhookReceiverUrl?: string;
  webhookControlUrl?: string;
  /** Test mode: Turnstile's siteverify (localstack/fake-turnstile.ts). */
  fakeTurnstileUrl?: string;
}

export interface Stack extends StackInfo {
  /** Upstream requests served so far (Redis REST calls, SQL-over-HTTP calls). */
  counters(): { redis: number; sql: number };
  close(): Promise<void>;
}

export interface StackOptions {
  mode: "dev" | "test";
  redisUrl?: string;
  databaseUrl?: string;
  rootDir: string;
  ports?: { upstash: number; neon: number; redis: number; postgres: number; oidc?: number };
  /** The worker's public origin (its OAuth callback URLs are registered at the local provider). */
  workerOrigin?: string;
  log?: (line: string) => void;
}

export const TEMPLATE_DATABASE = "auth_test_template";
export const TEST_DATABASE_PREFIX = "auth_t_";

export async function startStack(options: StackOptions): Promise<Stack> {
  const log = options.log ?? ((line: string) => console.log(line));
  const closers: Array<() => Promise<void>> = [];
  const close = async (): Promise<void> => {
    // Newest first; a piece that hangs gets 5 s, so Ctrl-C always finishes.
    for (const c of closers.reverse()) {
      await Promise.race([c().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 5000))]);
    }
  };
  try {
    const engine = await startRedisEngine({ redisUrl: options.redisUrl, port: options.ports?.redis, log });
    closers.push(() => engine.close());
    const upstash = await startUpstashShim({
      engine,
      token: randomBytes(24).toString("base64url"),
      port: options.ports?.upstash,
    });
    closers.push(() => upstash.close());

    const postgres = await startPostgres({
      databaseUrl: options.databaseUrl,
      dataDir: join(options.rootDir, ".localstack", `postgres-${options.mode}`),
      port: options.ports?.postgres ?? (await freePort()),
      log,
    });
    closers.push(() => postgres.close());
    const pgAddress = new URL(postgres.adminUrl);
    const neon = await startNeonShim({
      allowedAddresses: [`${pgAddress.hostname}:${pgAddress.port || "5432"}`],
      port: options.ports?.neon,
    });
    closers.push(() => neon.close());

    const worker = options.workerOrigin ?? "http://127.0.0.1:8787";
    const callback = (name: string) => `${worker}/v1/auth/oauth/${name}/callback`;
    const op: LocalOpenIdProvider = await startOpenIdProvider({
      port: options.ports?.oidc,
      clients:
        options.mode === "test"
          ? {
              dev: [callback("dev")],
              dev2: [callback("dev2")],
              apple: [callback("apple")],
              microsoft: [callback("microsoft")],
              "microsoft-other": [callback("microsoft-other")],
            }
          : { dev: [callback("dev")] },
    });
    closers.push(() => op.close());

    let fault: FaultRedis | undefined;
    let global: GlobalRedis | null = null;
    let stripe: FakeStripe | undefined;
    let github: FakeGitHub | undefined;
    let receiver: WebhookReceiver | undefined;
    let turnstile: FakeTurnstile | undefined;
    if (options.mode === "test") {
      fault = await startFaultRedis();
      const started = fault;
      closers.push(() => started.close());
      global = await startGlobalRedis({ lagMs: Number(process.env.LOCALSTACK_REDIS_REPLICA_LAG_MS ?? 500) });
      const replicated = global;
      if (replicated) closers.push(() => replicated.close());
      stripe = await startFakeStripe();
      const fake = stripe;
      closers.push(() => fake.close());
      github = await startFakeGitHub();
      const fakeGitHub = github;
      closers.push(() => fakeGitHub.close());
      receiver = await startWebhookReceiver();
      const hooks = receiver;
      closers.push(() => hooks.close());
      turnstile = await startFakeTurnstile();
      const human = turnstile;
      closers.push(() => human.close());
    }

    let databaseUrl: string;
    let templateDatabase: string | undefined;
    let workerDatabaseUrl: string | undefined;
    if (options.mode === "dev") {
      databaseUrl = options.databaseUrl ?? (await ensureDatabase(postgres.adminUrl, "auth"));
      await applyMigrations(databaseUrl);
    } else {
      databaseUrl = postgres.adminUrl;
      templateDatabase = TEMPLATE_DATABASE;
      await prepareTemplate(postgres.adminUrl);
      const workerDatabase = `${TEST_DATABASE_PREFIX}worker`;
      await adminQuery(postgres.adminUrl, [`CREATE DATABASE "${workerDatabase}" TEMPLATE "${TEMPLATE_DATABASE}"`]);
      workerDatabaseUrl = withDatabase(postgres.adminUrl, workerDatabase);
    }
    return {
      upstashUrl: upstash.url,
      upstashToken: upstash.token,
      neonSqlEndpoint: neon.sqlEndpoint,
      neonWsProxy: neon.wsProxy,
      databaseUrl,
      templateDatabase,
      workerDatabaseUrl,
      redis: engine.description,
      postgres: postgres.description,
      faultUpstashUrl: fault?.upstashUrl,
      faultUpstashToken: fault?.upstashToken,
      faultControlUrl: fault?.controlUrl,
      fakeStripeUrl: stripe?.url,
      globalPrimaryUrl: global?.primaryUrl,
      globalReplicaUrl: global?.replicaUrl,
      globalToken: global?.token,
      globalLagMs: global?.lagMs,
      oidcIssuer: op.issuer,
      oidcClientId: op.clients.dev?.id ?? "",
      oidcClientSecret: op.clients.dev?.secret ?? "",
      oidcClient2Id: op.clients.dev2?.id,
      oidcClient2Secret: op.clients.dev2?.secret,
      microsoftClientId: op.clients.microsoft?.id,
      microsoftClientSecret: op.clients.microsoft?.secret,
      microsoftOtherClientId: op.clients["microsoft-other"]?.id,
      microsoftOtherClientSecret: op.clients["microsoft-other"]?.secret,
      appleClientId: op.clients.apple?.id,
      appleTeamId: op.clients.apple ? op.apple.teamId : undefined,
      appleKeyId: op.clients.apple ? op.apple.keyId : undefined,
      applePrivateKey: op.clients.apple ? op.apple.privateKeyPem : undefined,
      fakeGitHubUrl: github?.url,
      fakeGitHubClientId: github?.clientId,
      fakeGitHubClientSecret: github?.clientSecret,
      webhookReceiverUrl: receiver?.url,
      webhookControlUrl: receiver?.controlUrl,
      fakeTurnstileUrl: turnstile?.url,
      counters: () => ({ redis: upstash.requests(), sql: neon.requests() }),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function prepareTemplate(adminUrl: string): Promise<void> {
  const pg = (await import("node:module")).createRequire(import.meta.url)("pg") as typeof import("pg");
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  let stale: string[];
  try {
    const found = await client.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname = $2",
      [`${TEST_DATABASE_PREFIX}%`, TEMPLATE_DATABASE],
    );
    stale = found.rows.map((r) => r.datname);
  } finally {
    await client.end();
  }
  await adminQuery(adminUrl, [
    ...stale.map((d) => `DROP DATABASE IF EXISTS "${d}" WITH (FORCE)`),
    `CREATE DATABASE "${TEMPLATE_DATABASE}"`,
  ]);
  await applyMigrations(withDatabase(adminUrl, TEMPLATE_DATABASE));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const mode = process.argv[2] === "dev" ? "dev" : "test";
  const rootDir = fileURLToPath(new URL("..", import.meta.url));
  const stack = await startStack({
    mode,
    rootDir,
    redisUrl: process.env.REDIS_URL || undefined,
    databaseUrl: process.env.DATABASE_URL || undefined,
    log: (line) => console.error(line),
  });
  const { close, counters: _counters, ...info } = stack;
  console.log(`LOCALSTACK ${JSON.stringify(info)}`);
  let closing = false;
  const shutdown = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    await close();
    process.exit(0);
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
  process.stdin.on("end", shutdown);
  process.stdin.resume();
}
