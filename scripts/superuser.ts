// `npm run superuser -- grant <email> | revoke <email> | list [--env-file <file>]`: the operator's way
// to make or unmake platform administrators (users.is_superuser). SUPERUSER_EMAILS is the other way:
// configuration, applied to proven addresses.
//
// It acts on exactly one environment, named on its first line of output, and never mixes two:
//   --env-file .env.production   the variables in that file (DATABASE_URL, and UPSTASH_REDIS_REST_URL /
//                                _TOKEN / REDIS_KEY_PREFIX to drop the user's cached profile at once);
//   else DATABASE_URL exported   the process environment only;
//   else                         the local dev stack, from the .dev.vars that `npm run dev` writes.

import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type * as PG from "pg";

const require = createRequire(import.meta.url);
const pg = require("pg") as typeof PG;
const root = fileURLToPath(new URL("..", import.meta.url));

function readVarsFile(file: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const match = /^(?:export\s+)?([A-Z0-9_]+)\s*=\s*(.*)$/.exec(line.trim());
    if (match) vars[match[1]!] = match[2]!.replace(/^(["'])(.*)\1$/, "$2");
  }
  return vars;
}

function target(envFile: string | undefined): { vars: Record<string, string>; label: string } {
  if (envFile) {
    if (!existsSync(envFile)) throw new Error(`--env-file ${envFile}: no such file`);
    return { vars: readVarsFile(envFile), label: envFile };
  }
  if (process.env.DATABASE_URL) {
    const vars: Record<string, string> = {};
    for (const [name, value] of Object.entries(process.env)) if (value) vars[name] = value;
    return { vars, label: "the environment (DATABASE_URL exported)" };
  }
  const file = `${root}.dev.vars`;
  return { vars: existsSync(file) ? readVarsFile(file) : {}, label: "the local dev stack (.dev.vars)" };
}

const usage = "usage: npm run superuser -- grant <email> | revoke <email> | list [--env-file <file>]";
const args = process.argv.slice(2);
const fileAt = args.indexOf("--env-file");
const envFile = fileAt >= 0 ? args[fileAt + 1] : undefined;
const [command, rawEmail] = fileAt >= 0 ? args.filter((_, i) => i !== fileAt && i !== fileAt + 1) : args;
const { vars, label } = target(envFile);
if (!vars.DATABASE_URL) {
  console.error(`DATABASE_URL is not set in ${label}. ${usage}`);
  process.exit(1);
}
const where = new URL(vars.DATABASE_URL);
console.log(`acting on ${where.hostname}${where.port ? `:${where.port}` : ""}${where.pathname} from ${label}`);
const client = new pg.Client({ connectionString: vars.DATABASE_URL });
try {
  await client.connect();
  if (command === "list") {
    const { rows } = await client.query(
      "select id, email, disabled_at is not null as disabled from users where is_superuser order by email",
    );
    for (const row of rows) console.log(`${row.id}  ${row.email}${row.disabled ? "  (disabled)" : ""}`);
    if (vars.SUPERUSER_EMAILS)
      console.log(`also by SUPERUSER_EMAILS (once their address is proven): ${vars.SUPERUSER_EMAILS}`);
    if (rows.length === 0 && !vars.SUPERUSER_EMAILS) console.log("no platform administrators");
  } else if ((command === "grant" || command === "revoke") && rawEmail) {
    const email = rawEmail.trim().toLowerCase();
    const { rows } = await client.query(
      "update users set is_superuser = $1, updated_at = now() where email = $2 returning id",
      [command === "grant", email],
    );
    if (rows.length === 0) {
      console.error(`No account uses ${email}. It must sign in once first (or list it in SUPERUSER_EMAILS).`);
      process.exit(1);
    }
    await dropCachedProfile(rows[0].id as string);
    console.log(`${command === "grant" ? "granted" : "revoked"}: ${email} (${rows[0].id})`);
  } else {
    console.error(usage);
    process.exit(2);
  }
} catch (error) {
  // A database that is not there or not migrated: one line, not a stack.
  console.error(
    `error: ${error instanceof Error ? error.message : String(error)} (has \`npm run db:migrate\` run there?)`,
  );
  process.exitCode = 1;
} finally {
  await client.end().catch(() => undefined);
}

/** The worker caches each user's profile in Redis; dropping it makes the change apply on the next request. */
async function dropCachedProfile(userId: string): Promise<void> {
  const url = vars.UPSTASH_REDIS_REST_URL;
  const token = vars.UPSTASH_REDIS_REST_TOKEN;
  const key = `${vars.REDIS_KEY_PREFIX ?? "auth:"}user_snap:${userId}`;
  try {
    if (!url || !token) throw new Error("UPSTASH_REDIS_REST_URL/TOKEN not set");
    const response = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify(["DEL", key]),
      signal: AbortSignal.timeout(5000),
    });
    if (!response.ok) throw new Error(`Upstash answered ${response.status}`);
  } catch (error) {
    console.warn(
      `warning: could not drop the cached profile (${error instanceof Error ? error.message : String(error)}); the change applies when ${key} expires or the user signs in again.`,
    );
  }
}
