// `npm run superuser -- grant <email> | revoke <email> | list`: the operator's way to make or unmake
// platform administrators (users.is_superuser). Reads DATABASE_URL (and the Upstash variables, to drop
// the user's cached profile so the change applies at once) from the environment or .dev.vars.
// SUPERUSER_EMAILS is the other way: configuration, applied to proven addresses.

import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type * as PG from "pg";

const require = createRequire(import.meta.url);
const pg = require("pg") as typeof PG;
const root = fileURLToPath(new URL("..", import.meta.url));

function variables(): Record<string, string> {
  const vars: Record<string, string> = {};
  const file = `${root}.dev.vars`;
  if (existsSync(file)) {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
      if (match) vars[match[1]!] = match[2]!;
    }
  }
  for (const [name, value] of Object.entries(process.env)) if (value) vars[name] = value;
  return vars;
}

const usage = "usage: npm run superuser -- grant <email> | revoke <email> | list";
const [command, rawEmail] = process.argv.slice(2);
const vars = variables();
if (!vars.DATABASE_URL) {
  console.error(
    "DATABASE_URL is not set (nor in .dev.vars). Set it to the database to change, e.g. DATABASE_URL=postgres://... npm run superuser -- list",
  );
  process.exit(1);
}
const client = new pg.Client({ connectionString: vars.DATABASE_URL });
await client.connect();
try {
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
} finally {
  await client.end();
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
