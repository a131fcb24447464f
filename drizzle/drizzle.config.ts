import { defineConfig } from "drizzle-kit";

// Run from the repository root (`npm run db:generate`); paths are relative to it.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/storage/neon/schema.ts",
  out: "./drizzle",
  dbCredentials: { url: process.env.DATABASE_URL ?? "" },
});
