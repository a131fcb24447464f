// Reading variables: each reader records a problem (with how to fix it) instead of throwing, so one
// start-up reports every mistake at once.
export type Env = Record<string, unknown>;

const WHERE = "(wrangler.toml [vars] or `wrangler secret put` in production, .dev.vars locally)";

export interface Reader {
  problems: string[];
  /** The trimmed value, or null when unset or blank. */
  str(name: string): string | null;
  required(name: string, hint: string): string;
  url(name: string, value: string | null, hint: string): URL | null;
  int(name: string, fallback: number, min: number, max: number): number;
  /** Where variables are set, for messages. */
  where: string;
}

export function reader(env: Env): Reader {
  const problems: string[] = [];
  const str = (name: string): string | null => {
    const value = env[name];
    return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
  };
  const required = (name: string, hint: string): string => {
    const value = str(name);
    if (value === null) problems.push(`${name} is missing: set it to ${hint} ${WHERE}.`);
    return value ?? "";
  };
  const url = (name: string, value: string | null, hint: string): URL | null => {
    if (value === null || value === "") return null;
    try {
      const parsed = new URL(value);
      if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw new Error("scheme");
      return parsed;
    } catch {
      problems.push(`${name} is not an http(s) URL: set it to ${hint}.`);
      return null;
    }
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const value = str(name);
    if (value === null) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${value}").`);
      return fallback;
    }
    return n;
  };
  return { problems, str, required, url, int, where: WHERE };
}
