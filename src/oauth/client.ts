// The provider side of social sign-in, on oauth4webapi (certified, by the author of jose): discovery,
// the authorization URL, the code exchange with PKCE, and the ID token checked in full (signature by
// the issuer's JWKS, iss, aud, exp, nonce). GitHub speaks plain OAuth 2.0 plus its user API.
import * as oauth from "oauth4webapi";
import { isLoopback, type OAuthConfig, type OAuthProvider } from "./config";
import { OAuthFailure, reach } from "./failure";
import { appleClientSecret, appleName, githubProfile, kept, tenantServer } from "./quirks";
import type { OAuthClient } from "./types";

export { OAuthFailure } from "./failure";
export type { AuthorizationRequest, CallbackInput, OAuthClient, ProviderTokens } from "./types";

const DISCOVERY_TTL_MS = 60 * 60 * 1000;

export function createOAuthClient(config: OAuthConfig): OAuthClient {
  // Per isolate: discovery documents (an hour) and each issuer's JWKS (oauth4webapi refreshes it on
  // an unknown kid), so a warm worker makes no extra round trip before the token request.
  const discovered = new Map<string, { as: oauth.AuthorizationServer; at: number }>();
  const jwks = new Map<string, oauth.JWKSCacheInput>();

  const options = (url: string) => ({
    [oauth.customFetch]: (input: string, init: RequestInit) => reach(input, init, config.timeoutMs),
    // Plain http only to a loopback provider (the local OpenID Provider); config refuses it in production.
    [oauth.allowInsecureRequests]: new URL(url).protocol === "http:" && isLoopback(new URL(url).hostname),
  });

  async function server(provider: OAuthProvider): Promise<oauth.AuthorizationServer> {
    if (provider.kind === "github") {
      const web = provider.github?.webUrl ?? "https://github.com";
      return {
        issuer: web,
        authorization_endpoint: `${web}/login/oauth/authorize`,
        token_endpoint: `${web}/login/oauth/access_token`,
      };
    }
    const issuer = provider.issuer ?? "";
    const cached = discovered.get(issuer);
    if (cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.as;
    const as = await guard(async () => {
      const url = new URL(issuer);
      const response = await oauth.discoveryRequest(url, options(issuer));
      if (!provider.microsoft?.multiTenant) return oauth.processDiscoveryResponse(url, response);
      // Entra's multi-tenant document names no one issuer but a template; each ID token's issuer is
      // that template with the token's own tenant (checked in finish, per token).
      const document = (await response.json()) as oauth.AuthorizationServer;
      const template = issuer.replace(`/${provider.microsoft.tenant}/`, "/{tenantid}/");
      if (!response.ok || document.issuer !== template)
        throw new OAuthFailure("invalid", `discovery issuer ${String(document.issuer)} is not ${template}`);
      const { authorization_response_iss_parameter_supported: _, ...rest } = document;
      return rest as oauth.AuthorizationServer;
    });
    discovered.set(issuer, { as, at: Date.now() });
    return as;
  }

  return {
    async authorizationUrl(provider, request) {
      const as = await server(provider);
      if (!as.authorization_endpoint) throw new OAuthFailure("invalid", "the provider has no authorization endpoint");
      const url = new URL(as.authorization_endpoint);
      url.searchParams.set("client_id", provider.clientId);
      url.searchParams.set("redirect_uri", request.redirectUri);
      url.searchParams.set("response_type", "code");
      url.searchParams.set("scope", provider.scopes.join(" "));
      url.searchParams.set("state", request.state);
      url.searchParams.set("code_challenge", request.codeChallenge);
      url.searchParams.set("code_challenge_method", "S256");
      if (provider.kind !== "github") url.searchParams.set("nonce", request.nonce);
      // Apple sends the code (and, once, the name) back as a cross-site form POST.
      if (provider.kind === "apple") url.searchParams.set("response_mode", "form_post");
      return url.href;
    },

    async finish(provider, input) {
      const as = await server(provider);
      const client: oauth.Client = { client_id: provider.clientId };
      const auth =
        provider.kind === "apple"
          ? oauth.ClientSecretPost(await appleClientSecret(provider, as.issuer))
          : oauth.ClientSecretBasic(provider.clientSecret);
      const http = options(String(as.token_endpoint ?? as.issuer));
      return guard(async () => {
        // Checks state (and RFC 9207 `iss` where the provider sends it); a provider `error` throws here.
        // A multi-tenant issuer is known only from the ID token, so there `iss` waits for it (the
        // provider's own callback URL and the provider-bound state already stop a mix-up).
        const received = new URLSearchParams(input.params);
        if (provider.microsoft?.multiTenant) received.delete("iss");
        const params = oauth.validateAuthResponse(as, client, received, input.state);
        const response = await oauth.authorizationCodeGrantRequest(
          as,
          client,
          auth,
          params,
          input.redirectUri,
          input.codeVerifier,
          http,
        );
        if (provider.kind === "github") {
          const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
          return {
            ...(await githubProfile(provider, tokens.access_token, config.timeoutMs)),
            tokens: kept(provider, tokens),
          };
        }
        const tenantAs = provider.microsoft?.multiTenant ? await tenantServer(provider, as, response) : as;
        const tokens = await oauth.processAuthorizationCodeResponse(tenantAs, client, response, {
          expectedNonce: input.nonce,
          requireIdToken: true,
        });
        // The ID token's signature, by the issuer's published keys (not only TLS to the token endpoint).
        const keys = String(as.jwks_uri ?? as.issuer);
        if (!jwks.has(keys)) jwks.set(keys, {});
        await oauth.validateApplicationLevelSignature(tenantAs, response, {
          ...options(keys),
          [oauth.jwksCache]: jwks.get(keys),
        });
        const claims = oauth.getValidatedIdTokenClaims(tokens);
        if (!claims) throw new OAuthFailure("invalid", "no ID token");
        // Providers that keep scope claims out of the ID token serve them at UserInfo, for the same
        // subject (checked: a token for someone else cannot lend its address).
        let profile: Record<string, unknown> = claims;
        if (typeof claims.email !== "string" && as.userinfo_endpoint) {
          const info = await oauth.userInfoRequest(as, client, tokens.access_token, http);
          profile = { ...(await oauth.processUserInfoResponse(as, client, claims.sub, info)), sub: claims.sub };
        }
        return {
          provider: provider.name,
          subject: claims.sub,
          email: typeof profile.email === "string" ? profile.email : null,
          // Some providers send the flag as a string; Microsoft Entra vouches only through its optional
          // xms_edov claim (its plain `email` is tenant-controlled: the nOAuth class of takeover).
          emailVerified:
            profile.email_verified === true || profile.email_verified === "true" || profile.xms_edov === true,
          name: typeof profile.name === "string" ? profile.name : appleName(input.params),
          tokens: kept(provider, tokens),
        };
      });
    },
  };
}

/**
 * Every library error becomes an OAuthFailure the caller can answer with. Network failures and
 * deadlines already are one ("unreachable"): every provider call goes through `reach`.
 */
async function guard<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof OAuthFailure) throw error;
    if (error instanceof oauth.AuthorizationResponseError)
      throw new OAuthFailure("denied", `provider error: ${error.error}`, { cause: error });
    throw new OAuthFailure("invalid", String((error as Error)?.message ?? error), { cause: error });
  }
}
