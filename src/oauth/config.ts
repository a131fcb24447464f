// Social sign-in providers, read from the environment once with the rest of the configuration:
// OAUTH_PROVIDERS=google,github,acme and, per provider, OAUTH_<NAME>_CLIENT_ID / _CLIENT_SECRET /
// _ISSUER / _SCOPES / _LABEL / _TYPE. Presets fill what a provider's name implies.

export interface OAuthProvider {
  /** The name in URLs (/v1/auth/oauth/{name}/start) and in identities.provider. */
  name: string;
  label: string;
  /**
   * oidc: any OpenID Provider by discovery. github: OAuth 2.0 plus GitHub's user API. apple: OpenID with
   * Apple's rules (form_post answers, a client secret that is a JWT we sign, the name sent only once).
   */
  kind: "oidc" | "github" | "apple" | "microsoft";
  /** The OpenID Provider's issuer (oidc only). */
  issuer: string | null;
  clientId: string;
  clientSecret: string;
  scopes: string[];
  /** OAUTH_<NAME>_KEEP_TOKENS: keep the provider's tokens (sealed) for the user's own API calls. */
  keepTokens: boolean;
  /** GitHub's endpoints (overridable so tests can point them at a local stand-in). */
  github: { webUrl: string; apiUrl: string } | null;
  /** Sign in with Apple: the team and key that sign the client secret (an ES256 JWT, PKCS#8 key). */
  apple: { teamId: string; keyId: string; privateKey: string } | null;
  /**
   * Microsoft Entra ID: `common`, `organizations` and `consumers` are multi-tenant (each ID token's
   * issuer names its own tenant, `tid`); a tenant id or domain is a single tenant. `allowedTenants`
   * (ids) narrows a multi-tenant app to those directories.
   */
  microsoft: { tenant: string; multiTenant: boolean; allowedTenants: string[] } | null;
}

export interface OAuthConfig {
  providers: OAuthProvider[];
  /** Deadline for every call to a provider (discovery, token, JWKS, user API). */
  timeoutMs: number;
}

const PRESETS: Record<string, Partial<OAuthProvider>> = {
  google: {
    label: "Google",
    kind: "oidc",
    issuer: "https://accounts.google.com",
    scopes: ["openid", "email", "profile"],
  },
  github: { label: "GitHub", kind: "github", scopes: ["read:user", "user:email"] },
  apple: { label: "Apple", kind: "apple", issuer: "https://appleid.apple.com", scopes: ["openid", "name", "email"] },
  microsoft: { label: "Microsoft", kind: "microsoft", scopes: ["openid", "email", "profile"] },
};

const MULTI_TENANT = ["common", "organizations", "consumers"];
/** An Entra directory (tenant) id. */
export const TENANT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const NAME = /^[a-z][a-z0-9-]{0,31}$/;

/** Parses the providers; each problem is a sentence that says how to fix it. */
export function readOAuthConfig(
  str: (name: string) => string | null,
  problems: string[],
  options: { production: boolean },
): OAuthConfig {
  const providers: OAuthProvider[] = [];
  const names = (str("OAUTH_PROVIDERS") ?? "")
    .split(",")
    .map((x) => x.trim().toLowerCase())
    .filter(Boolean);
  for (const name of names) {
    if (!NAME.test(name)) {
      problems.push(`OAUTH_PROVIDERS: "${name}" is not a provider name (lower-case letters, digits, dashes).`);
      continue;
    }
    const key = `OAUTH_${name.toUpperCase().replaceAll("-", "_")}`;
    const preset = PRESETS[name] ?? {};
    const kind = (str(`${key}_TYPE`) ?? preset.kind ?? "oidc") as OAuthProvider["kind"];
    if (kind !== "oidc" && kind !== "github" && kind !== "apple" && kind !== "microsoft") {
      problems.push(`${key}_TYPE must be oidc, github, apple or microsoft (got "${kind}").`);
      continue;
    }
    const clientId = str(`${key}_CLIENT_ID`);
    const clientSecret = str(`${key}_CLIENT_SECRET`);
    if (!clientId) problems.push(`${key}_CLIENT_ID is missing: copy the client id from ${name}'s developer console.`);
    if (!clientSecret && kind !== "apple")
      problems.push(`${key}_CLIENT_SECRET is missing: copy the client secret from ${name}'s developer console.`);
    const apple = kind === "apple" ? readApple(str, key, problems) : null;
    const microsoft = kind === "microsoft" ? readMicrosoft(str, key, problems) : null;
    const authority = (str(`${key}_AUTHORITY`) ?? "https://login.microsoftonline.com").replace(/\/$/, "");
    const issuer =
      kind === "microsoft"
        ? `${authority}/${microsoft?.tenant}/v2.0`
        : kind !== "github"
          ? (str(`${key}_ISSUER`) ?? preset.issuer ?? null)
          : null;
    if (kind !== "github" && !issuer)
      problems.push(
        `${key}_ISSUER is missing: set it to the OpenID Provider's issuer URL, e.g. https://id.example.com.`,
      );
    if (issuer && !secureUrl(issuer, options.production))
      problems.push(`${key}_ISSUER must be an https:// URL (http only for a loopback provider outside production).`);
    const scopes = (str(`${key}_SCOPES`) ?? preset.scopes?.join(" ") ?? "openid email profile")
      .split(/[\s,]+/)
      .filter(Boolean);
    if (kind !== "github" && !scopes.includes("openid")) scopes.unshift("openid");
    const github =
      kind === "github"
        ? {
            webUrl: (str(`${key}_WEB_URL`) ?? "https://github.com").replace(/\/$/, ""),
            apiUrl: (str(`${key}_API_URL`) ?? "https://api.github.com").replace(/\/$/, ""),
          }
        : null;
    if (github && !(secureUrl(github.webUrl, options.production) && secureUrl(github.apiUrl, options.production)))
      problems.push(
        `${key}_WEB_URL and ${key}_API_URL must be https:// URLs (http only for loopback outside production).`,
      );
    providers.push({
      name,
      label: str(`${key}_LABEL`) ?? preset.label ?? name,
      kind,
      issuer,
      clientId: clientId ?? "",
      clientSecret: clientSecret ?? "",
      scopes,
      github,
      apple,
      microsoft,
      keepTokens: str(`${key}_KEEP_TOKENS`) === "true",
    });
  }
  return { providers, timeoutMs: 5000 };
}

/** Apple's client secret is a JWT we sign with a key from the Apple developer account (Keys, Sign in with Apple). */
function readApple(str: (name: string) => string | null, key: string, problems: string[]): OAuthProvider["apple"] {
  const teamId = str(`${key}_TEAM_ID`);
  const keyId = str(`${key}_KEY_ID`);
  // Stored in one line: literal \n sequences stand for the PEM's line breaks.
  const privateKey = str(`${key}_PRIVATE_KEY`)?.replaceAll("\\n", "\n") ?? null;
  if (!teamId) problems.push(`${key}_TEAM_ID is missing: your Apple developer Team ID (10 characters).`);
  if (!keyId) problems.push(`${key}_KEY_ID is missing: the Key ID of your Sign in with Apple key.`);
  if (!privateKey?.includes("BEGIN PRIVATE KEY"))
    problems.push(`${key}_PRIVATE_KEY must be the .p8 key's PEM text (BEGIN PRIVATE KEY; \\n for line breaks).`);
  return { teamId: teamId ?? "", keyId: keyId ?? "", privateKey: privateKey ?? "" };
}

function readMicrosoft(
  str: (name: string) => string | null,
  key: string,
  problems: string[],
): OAuthProvider["microsoft"] {
  const tenant = (str(`${key}_TENANT`) ?? "common").toLowerCase();
  if (!MULTI_TENANT.includes(tenant) && !TENANT_ID.test(tenant) && !/^[a-z0-9.-]+\.[a-z]{2,}$/.test(tenant))
    problems.push(`${key}_TENANT must be common, organizations, consumers, a tenant id or a tenant domain.`);
  const allowedTenants = (str(`${key}_ALLOWED_TENANTS`) ?? "")
    .split(",")
    .map((x) => x.trim().toLowerCase())
    .filter(Boolean);
  if (!allowedTenants.every((t) => TENANT_ID.test(t)))
    problems.push(`${key}_ALLOWED_TENANTS must be a comma-separated list of tenant ids (GUIDs).`);
  return { tenant, multiTenant: MULTI_TENANT.includes(tenant), allowedTenants };
}

/** https, or http to a loopback host when not in production (the local OpenID Provider in dev and tests). */
function secureUrl(value: string, production: boolean): boolean {
  try {
    const url = new URL(value);
    if (url.protocol === "https:") return true;
    return !production && url.protocol === "http:" && isLoopback(url.hostname);
  } catch {
    return false;
  }
}

export function isLoopback(hostname: string): boolean {
  return /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/.test(hostname);
}
