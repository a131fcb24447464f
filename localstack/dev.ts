// `npm run dev`: the local stack (Redis + Postgres behind local Upstash and Neon endpoints, migrations
// applied), .dev.vars pointing the worker at it, then `wrangler dev`. Ctrl-C stops every process it started.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { generateSecrets } from "../scripts/secrets.ts";
import { startStack } from "./stack.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
// PORT moves the worker and the endpoints beside it (PORT+4 Upstash, PORT+5 Neon, PORT+6 the OpenID
// Provider); the Redis and Postgres this starts (when REDIS_URL / DATABASE_URL are unset) listen on
// LOCALSTACK_REDIS_PORT (6390) and LOCALSTACK_POSTGRES_PORT (54329). docs/configuration.md lists them.
const port = Number(process.env.PORT ?? 8787);
const redisPort = Number(process.env.LOCALSTACK_REDIS_PORT ?? 6390);
const postgresPort = Number(process.env.LOCALSTACK_POSTGRES_PORT ?? 54329);
const publicUrl = `http://127.0.0.1:${port}`;
const log = (line: string): void => console.log(line);

const ports: Array<[string, number]> = [
  ["worker (PORT)", port],
  ["Upstash endpoint (PORT+4)", port + 4],
  ["Neon endpoint (PORT+5)", port + 5],
  ["OpenID Provider (PORT+6)", port + 6],
  ...(process.env.REDIS_URL ? [] : [["Redis (LOCALSTACK_REDIS_PORT)", redisPort] as [string, number]]),
  ...(process.env.DATABASE_URL ? [] : [["Postgres (LOCALSTACK_POSTGRES_PORT)", postgresPort] as [string, number]]),
];
const taken = await Promise.all(ports.map(([, p]) => inUse(p)));
if (taken.some(Boolean)) {
  const busy = ports.filter((_, i) => taken[i]).map(([name, p]) => `${p} (${name})`);
  console.error(`[dev] port${busy.length > 1 ? "s" : ""} already in use: ${busy.join(", ")}.`);
  console.error("[dev] Another `npm run dev`? Stop it, or start this one elsewhere, e.g.");
  console.error("[dev]   PORT=8797 LOCALSTACK_REDIS_PORT=6391 LOCALSTACK_POSTGRES_PORT=54330 npm run dev");
  console.error("[dev] (REDIS_URL / DATABASE_URL use a Redis / Postgres of yours instead; see docs/configuration.md)");
  process.exit(1);
}

log("[dev] starting the local stack…");
const stack = await startStack({
  mode: "dev",
  rootDir: root,
  redisUrl: process.env.REDIS_URL || undefined,
  databaseUrl: process.env.DATABASE_URL || undefined,
  ports: { upstash: port + 4, neon: port + 5, redis: redisPort, postgres: postgresPort, oidc: port + 6 },
  workerOrigin: publicUrl,
  log,
}).catch((error: unknown) => {
  console.error(`[dev] the local stack did not start: ${error instanceof Error ? error.message : String(error)}`);
  console.error(
    `[dev] ports it uses: ${ports.map(([name, p]) => `${p} (${name})`).join(", ")}; see docs/configuration.md`,
  );
  process.exit(1);
});
log(`[dev] redis: ${stack.redis}`);
log(`[dev] postgres: ${stack.postgres} (migrations applied)`);

writeDevVars(`${root}.dev.vars`, {
  ENVIRONMENT: "development",
  AUTH_DEBUG: "1",
  EMAIL_PROVIDER: "outbox",
  PUBLIC_URL: publicUrl,
  UPSTASH_REDIS_REST_URL: stack.upstashUrl,
  UPSTASH_REDIS_REST_TOKEN: stack.upstashToken,
  DATABASE_URL: stack.databaseUrl,
  NEON_HTTP_ENDPOINT: stack.neonSqlEndpoint,
  NEON_WS_PROXY: stack.neonWsProxy,
  // "Sign in with the dev provider": a real OpenID Provider on loopback (localstack/oidc-provider.ts).
  OAUTH_PROVIDERS: withDevProvider(`${root}.dev.vars`),
  OAUTH_DEV_LABEL: "the dev provider",
  OAUTH_DEV_ISSUER: stack.oidcIssuer,
  OAUTH_DEV_CLIENT_ID: stack.oidcClientId,
  OAUTH_DEV_CLIENT_SECRET: stack.oidcClientSecret,
  // `COMPAT_PROFILE=cimplify npm run dev` serves that source system's API too (docs/compat-profiles.md).
  COMPAT_PROFILE: process.env.COMPAT_PROFILE ?? "",
  // The webhook consumer: one pass per run, and this process runs it every second (below).
  WEBHOOK_POLL_SECONDS: "0",
});
if (process.env.COMPAT_PROFILE) log(`[dev] compatibility profiles: ${process.env.COMPAT_PROFILE}`);

// --test-scheduled: GET /__scheduled runs the worker's Cron handler (the webhook consumer), as Cloudflare would.
const wranglerArgs = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--test-scheduled"];
const wrangler = spawn(`${root}node_modules/.bin/wrangler`, wranglerArgs, {
  cwd: root,
  // Its output is passed on line by line, minus the request log of the consumer's runs (one a second).
  stdio: ["inherit", "pipe", "pipe"],
  env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
});
for (const [from, to] of [
  [wrangler.stdout, process.stdout],
  [wrangler.stderr, process.stderr],
] as const) {
  createInterface({ input: from }).on("line", (line) => {
    if (!line.includes("/__scheduled")) to.write(`${line}\n`);
  });
}
log(`[dev] worker: ${publicUrl}  ·  docs: ${publicUrl}/docs`);
log(`[dev] first sign-in: ${publicUrl}/v1/dev/inbox (sent emails, live links)  ·  ${publicUrl}/v1/dev/sign-in`);

// The same consumer production runs from its Cron Trigger, every second here, one run at a time.
let consuming = false;
const consumer = setInterval(() => {
  if (consuming) return;
  consuming = true;
  fetch(`http://127.0.0.1:${port}/__scheduled?cron=*+*+*+*+*`)
    .then((res) => res.body?.cancel())
    .catch(() => undefined)
    .finally(() => {
      consuming = false;
    });
}, 1000);

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(consumer);
  if (wrangler.exitCode === null) {
    const exited = new Promise((resolve) => wrangler.once("exit", resolve));
    wrangler.kill("SIGINT");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (wrangler.exitCode === null) wrangler.kill("SIGKILL");
  }
  await stack.close();
  log("[dev] stopped");
  process.exit(code);
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));
wrangler.on("exit", (code) => void stop(code ?? 0));

/** Rewrites the managed variables, keeps secrets and any variable you added yourself. */
function writeDevVars(path: string, managed: Record<string, string>): void {
  const current = new Map<string, string>();
  if (existsSync(path)) {
    for (const line of readFileSync(path, "utf8").split("\n")) {
      const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
      if (match) current.set(match[1]!, match[2]!);
    }
  }
  const secrets = generateSecrets();
  for (const [name, value] of Object.entries(secrets)) if (!current.has(name)) current.set(name, value);
  // Dev-only Stripe settings, so `npm run stripe:event` can post signed events by hand.
  if (!current.has("STRIPE_WEBHOOK_SECRET"))
    current.set("STRIPE_WEBHOOK_SECRET", `whsec_dev_${randomBytes(24).toString("hex")}`);
  if (!current.has("STRIPE_PLANS"))
    current.set("STRIPE_PLANS", "price_growth_monthly=growth,price_pro_monthly=pro,price_team_monthly=team");
  for (const [name, value] of Object.entries(managed)) current.set(name, value);
  const lines = ["# Written by `npm run dev`; managed values are rewritten on each start, others are kept.", ""];
  for (const [name, value] of current) lines.push(`${name}=${value}`);
  writeFileSync(path, `${lines.join("\n")}\n`, { mode: 0o600 });
}

/** OAUTH_PROVIDERS as you left it in .dev.vars, with the local provider `dev` added if missing. */
function withDevProvider(path: string): string {
  const line = existsSync(path) ? /^OAUTH_PROVIDERS=(.*)$/m.exec(readFileSync(path, "utf8"))?.[1] : undefined;
  const names = (line ?? "")
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
  return [...new Set(["dev", ...names])].join(",");
}

/** True when something already listens on 127.0.0.1:port. */
function inUse(p: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(true));
    server.listen(p, "127.0.0.1", () => server.close(() => resolve(false)));
  });
}
