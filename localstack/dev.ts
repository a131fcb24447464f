// `npm run dev`: the local stack (Redis + Postgres behind local Upstash and Neon endpoints, migrations
// applied), .dev.vars pointing the worker at it, then `wrangler dev`. Ctrl-C stops every process it started.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { generateSecrets } from "../scripts/secrets.ts";
import { startStack } from "./stack.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const port = Number(process.env.PORT ?? 8787);
const publicUrl = `http://127.0.0.1:${port}`;
const log = (line: string): void => console.log(line);

log("[dev] starting the local stack…");
const stack = await startStack({
  mode: "dev",
  rootDir: root,
  redisUrl: process.env.REDIS_URL || undefined,
  databaseUrl: process.env.DATABASE_URL || undefined,
  ports: { upstash: port + 4, neon: port + 5, redis: 6390, postgres: 54329, oidc: port + 6 },
  workerOrigin: publicUrl,
  log,
}).catch((error: unknown) => {
  console.error(`[dev] the local stack did not start: ${error instanceof Error ? error.message : String(error)}`);
  console.error(
    `[dev] is another \`npm run dev\` running? Ports in use: ${[port + 4, port + 5, port + 6, 6390, 54329].join(", ")}`,
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
});
if (process.env.COMPAT_PROFILE) log(`[dev] compatibility profiles: ${process.env.COMPAT_PROFILE}`);

const wrangler = spawn(`${root}node_modules/.bin/wrangler`, ["dev", "--ip", "127.0.0.1", "--port", String(port)], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
});
log(`[dev] worker: ${publicUrl}  ·  outbox: ${publicUrl}/v1/dev/outbox  ·  docs: ${publicUrl}/docs`);
log(`[dev] try a sign-in (the local OpenID Provider): ${publicUrl}/v1/dev/sign-in`);

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
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
