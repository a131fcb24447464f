// API_KEY_SCOPES and API_KEY_PREFIX.
import type { Reader } from "./read";

export interface ApiKeyConfig {
  scopes: string[];
  /** Starts every new key (`sk_live_`, `sk_test_`, or API_KEY_PREFIX's first entry, e.g. `cp_`). */
  prefix: string;
  /** Every prefix verification takes, so changing the prefix never breaks keys already issued. */
  accepted: string[];
}

export function readApiKeys(
  { str, problems }: Reader,
  { environment, compat }: { environment: string; compat: readonly string[] },
): ApiKeyConfig {
  const defaultScopes = compat.includes("coreplexml") ? "read,write,predict,admin" : "read,write,admin";
  const scopes = (str("API_KEY_SCOPES") ?? defaultScopes)
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
  if (!scopes.every((x) => /^[a-z][a-z0-9_:.-]{0,63}$/.test(x)))
    problems.push("API_KEY_SCOPES must be a comma-separated list of lower-case scope names such as read,write,admin.");
  if (!scopes.includes("admin"))
    problems.push("API_KEY_SCOPES must include admin (key management and the admin API need it).");
  if (scopes.includes("platform"))
    problems.push("API_KEY_SCOPES must not list platform: it is reserved for platform administrators' keys.");
  // CorePlexML's document shows keys as `cp_…`. A prefix is what secret scanners look for; it cannot
  // look like a JWT (`ey…`) or a publishable key (`pk_…`), which Bearer routing tells apart by prefix.
  const builtIn = environment === "production" ? "sk_live_" : "sk_test_";
  const prefixes = (str("API_KEY_PREFIX") ?? (compat.includes("coreplexml") ? "cp_" : builtIn))
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
  if (prefixes.length === 0 || !prefixes.every((x) => /^[a-z][a-z0-9]{1,15}_([a-z0-9]{1,16}_)?$/.test(x)))
    problems.push(
      "API_KEY_PREFIX must be a comma-separated list of prefixes like cp_ or acme_live_ (the first mints).",
    );
  if (prefixes.some((x) => x.startsWith("ey") || x.startsWith("pk_")))
    problems.push("API_KEY_PREFIX must not start with ey (JWTs) or pk_ (publishable keys).");
  return {
    scopes,
    prefix: prefixes[0] ?? builtIn,
    accepted: [...new Set([...prefixes, "sk_live_", "sk_test_"])],
  };
}
