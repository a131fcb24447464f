import type { Config } from "../config";

/**
 * Redirect targets: a path on our own origin (single leading slash) or a URL on a trusted origin,
 * compared by exact origin. Everything else (`//evil`, `/\evil`, `https://app.example.com.evil.com`,
 * userinfo tricks, javascript:) is refused. Returns the absolute URL to use, or null.
 */
export function resolveRedirect(config: Config, value: string): string | null {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters and backslashes are refused.
  if (value.length > 2048 || /[\u0000-\u001f\u007f\\]/.test(value)) return null;
  if (value.startsWith("/")) {
    if (value.startsWith("//")) return null;
    const url = new URL(value, config.publicOrigin);
    return url.origin === config.publicOrigin ? url.toString() : null;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return null;
  if (url.username !== "" || url.password !== "") return null;
  const allowed = url.origin === config.publicOrigin || config.trustedOrigins.includes(url.origin);
  return allowed ? url.toString() : null;
}
