// Fresh secrets for a new deployment or a new local setup: `npm run secrets`.
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";

export function generateSecrets(): { AUTH_SECRET: string; PASSWORD_PEPPER: string; JWT_SIGNING_KEYS: string } {
  const kid = `k${new Date().toISOString().slice(0, 10).replace(/-/g, "")}`;
  return {
    AUTH_SECRET: randomBytes(32).toString("base64url"),
    PASSWORD_PEPPER: randomBytes(32).toString("base64url"),
    JWT_SIGNING_KEYS: `${kid}:${randomBytes(32).toString("base64url")}`,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const secrets = generateSecrets();
  for (const [name, value] of Object.entries(secrets)) console.log(`${name}=${value}`);
  console.error(
    "\nProduction: `wrangler secret put AUTH_SECRET`, `PASSWORD_PEPPER` and `JWT_SIGNING_KEYS` with these values.",
  );
  console.error("Never change PASSWORD_PEPPER on a live deployment: every stored password hash depends on it.");
  console.error("Rotating JWT keys: put the new kid:seed first and keep the old one after it until its tokens expire.");
}
