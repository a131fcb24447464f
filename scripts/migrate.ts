// Applies the drizzle/ migrations to DATABASE_URL (or the URL given), using drizzle's own migrator
// so the journal table is the one drizzle-kit reads. `npm run db:migrate` runs this file.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import type * as PG from "pg";

const require = createRequire(import.meta.url);
const pg = require("pg") as typeof PG;
export const migrationsFolder = fileURLToPath(new URL("../drizzle", import.meta.url));

export async function applyMigrations(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("SET client_min_messages = warning");
    await migrate(drizzle(client), { migrationsFolder });
  } finally {
    await client.end();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error(
      "DATABASE_URL is not set. Set it to the Postgres URL to migrate, e.g. DATABASE_URL=postgres://user:pass@host/db npm run db:migrate",
    );
    process.exit(1);
  }
  await applyMigrations(url);
  console.log("migrations applied");
}
