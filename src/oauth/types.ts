// The types of social sign-in's provider side, shared by the port (ports.ts), the client
// (client.ts, oauth4webapi) and its quirks: imports only ./config, so nothing cycles through it.
import type { OAuthProvider } from "./config";

/** What a provider asserted about the person at the end of a social sign-in. */
export interface ProviderProfile {
  provider: string;
  subject: string;
  /** Canonical address, or null when the provider gave none. */
  email: string | null;
  /** The provider asserts the address is the person's (OIDC email_verified, GitHub's verified flag). */
  emailVerified: boolean;
  name: string | null;
  /** The provider's tokens, sealed, when the provider is configured to keep them (else null: cleared). */
  sealedTokens?: string | null;
}

export interface AuthorizationRequest {
  redirectUri: string;
  state: string;
  nonce: string;
  codeChallenge: string;
}

export interface CallbackInput {
  params: URLSearchParams;
  redirectUri: string;
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** The provider's tokens, returned only for providers configured to keep them. */
export interface ProviderTokens {
  access_token: string;
  token_type: string;
  refresh_token: string | null;
  scope: string | null;
  /** Epoch milliseconds, when the provider said. */
  expires_at: number | null;
}

export interface OAuthClient {
  authorizationUrl(provider: OAuthProvider, request: AuthorizationRequest): Promise<string>;
  finish(
    provider: OAuthProvider,
    input: CallbackInput,
  ): Promise<Omit<ProviderProfile, "sealedTokens"> & { tokens: ProviderTokens | null }>;
}
