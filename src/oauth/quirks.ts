// What each provider does its own way: Apple's signed client secret and once-only name, Entra's
// issuer per tenant, GitHub's user API, and which tokens are worth keeping.
import { decodeJwt, importPKCS8, SignJWT } from "jose";
import type * as oauth from "oauth4webapi";
import { type OAuthProvider, TENANT_ID } from "./config";
import { OAuthFailure, reach } from "./failure";
import type { ProviderTokens } from "./types";

/** The tokens worth keeping, for a provider configured to keep them (the ID token is not). */
export function kept(provider: OAuthProvider, tokens: oauth.TokenEndpointResponse): ProviderTokens | null {
  if (!provider.keepTokens) return null;
  return {
    access_token: tokens.access_token,
    token_type: tokens.token_type,
    refresh_token: typeof tokens.refresh_token === "string" ? tokens.refresh_token : null,
    scope: typeof tokens.scope === "string" ? tokens.scope : null,
    expires_at: typeof tokens.expires_in === "number" ? Date.now() + tokens.expires_in * 1000 : null,
  };
}

/**
 * Entra multi-tenant: the issuer this token must carry is the template with the token's own tenant
 * (`tid`, read before validation only to pick the expected issuer, which validation then enforces),
 * and a tenant outside OAUTH_<NAME>_ALLOWED_TENANTS is refused.
 */
export async function tenantServer(
  provider: OAuthProvider,
  as: oauth.AuthorizationServer,
  response: Response,
): Promise<oauth.AuthorizationServer> {
  const body = (await response.clone().json()) as { id_token?: unknown };
  let tid: unknown;
  try {
    tid = typeof body.id_token === "string" ? decodeJwt(body.id_token).tid : undefined;
  } catch {
    tid = undefined;
  }
  if (typeof tid !== "string" || !TENANT_ID.test(tid)) throw new OAuthFailure("invalid", "ID token without a tenant");
  const allowed = provider.microsoft?.allowedTenants ?? [];
  if (allowed.length > 0 && !allowed.includes(tid)) throw new OAuthFailure("invalid", `tenant ${tid} is not allowed`);
  return { ...as, issuer: as.issuer.replace("{tenantid}", tid) };
}

/**
 * Apple's client secret: a short-lived ES256 JWT signed with the Sign in with Apple key (iss the team,
 * sub the Services ID, aud Apple). Five minutes: it only has to outlive this one token request.
 */
export async function appleClientSecret(provider: OAuthProvider, audience: string): Promise<string> {
  const apple = provider.apple;
  if (!apple) throw new OAuthFailure("invalid", "Apple provider without its key");
  const key = await importPKCS8(apple.privateKey, "ES256");
  return new SignJWT({})
    .setProtectedHeader({ alg: "ES256", kid: apple.keyId })
    .setIssuer(apple.teamId)
    .setSubject(provider.clientId)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(key);
}

/** Apple sends the person's name only on the first consent, as a `user` JSON field beside the code. */
export function appleName(params: URLSearchParams): string | null {
  try {
    const user = JSON.parse(params.get("user") ?? "null") as {
      name?: { firstName?: unknown; lastName?: unknown };
    } | null;
    const parts = [user?.name?.firstName, user?.name?.lastName].filter(
      (x): x is string => typeof x === "string" && x !== "",
    );
    return parts.length > 0 ? parts.join(" ").slice(0, 100) : null;
  } catch {
    return null;
  }
}

/** GitHub's user: its numeric id, and the primary address only when GitHub marks it verified. */
export async function githubProfile(provider: OAuthProvider, accessToken: string, timeoutMs: number) {
  const api = provider.github?.apiUrl ?? "https://api.github.com";
  const get = async (path: string): Promise<unknown> => {
    const response = await reach(
      `${api}${path}`,
      {
        headers: {
          authorization: `Bearer ${accessToken}`,
          accept: "application/vnd.github+json",
          "user-agent": "edge-auth-worker",
          "x-github-api-version": "2022-11-28",
        },
      },
      timeoutMs,
    );
    if (!response.ok) throw new OAuthFailure("invalid", `GitHub answered ${response.status} for ${path}`);
    return response.json();
  };
  const [user, emails] = (await Promise.all([get("/user"), get("/user/emails")])) as [
    { id?: unknown; name?: unknown },
    Array<{ email?: unknown; primary?: unknown; verified?: unknown }>,
  ];
  if (typeof user.id !== "number" && typeof user.id !== "string")
    throw new OAuthFailure("invalid", "GitHub user has no id");
  const primary = Array.isArray(emails) ? emails.find((e) => e.primary === true && e.verified === true) : undefined;
  return {
    provider: provider.name,
    subject: String(user.id),
    email: typeof primary?.email === "string" ? primary.email : null,
    emailVerified: primary !== undefined,
    name: typeof user.name === "string" ? user.name : null,
  };
}
