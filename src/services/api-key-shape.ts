// What an API key looks like, and telling one apart from other Bearer credentials.
import type { Config } from "../config";

// `sk_live_<id>.<secret>` / `sk_test_…` / API_KEY_PREFIX's (`cp_…`): the prefix makes leaked keys easy
// to scan for, the id finds the record, and only the 256-bit secret's SHA-256 is stored.
const shapes = new Map<string, RegExp>();

export function keyShape(config: Config): RegExp {
  const accepted = config.apiKeys.accepted.join("|");
  let shape = shapes.get(accepted);
  if (!shape) {
    // Prefixes are [a-z0-9_] only (config.ts), so they need no escaping.
    shape = new RegExp(`^(${accepted})(key_[0-9a-z]{26})\\.([A-Za-z0-9_-]{43})$`);
    shapes.set(accepted, shape);
  }
  return shape;
}

/** Whether a Bearer credential is meant as an API key (one of the accepted prefixes), not a JWT. */
export function isApiKeyBearer(config: Config, bearer: string): boolean {
  return config.apiKeys.accepted.some((prefix) => bearer.startsWith(prefix));
}

/**
 * The API key that OAuth client credentials name (client_id the key's id, client_secret the whole key
 * or only its secret part), or null when they cannot be one: the id a key carries must be client_id.
 */
export function apiKeyFromClientCredentials(config: Config, clientId: string, clientSecret: string): string | null {
  const whole = keyShape(config).exec(clientSecret);
  if (whole) return whole[2] === clientId ? clientSecret : null;
  const candidate = `${config.apiKeys.prefix}${clientId}.${clientSecret}`;
  return keyShape(config).test(candidate) ? candidate : null;
}
