import type { Middleware } from "openapi-fetch";
import { type ApiOptions, type AuthApi, createApi } from "./api.js";
import { AuthApiError, unwrap } from "./errors.js";
import type { components } from "./schema.js";

export interface StoredTokens {
  access_token: string;
  refresh_token: string;
  /** Access-token expiry, epoch milliseconds. */
  expires_at: number;
}

/** Where a token client keeps its tokens (Keychain, SecureStore, a file...); memory by default. */
export interface TokenStorage {
  get(): StoredTokens | null | Promise<StoredTokens | null>;
  set(tokens: StoredTokens | null): void | Promise<void>;
}

export function memoryStorage(initial: StoredTokens | null = null): TokenStorage {
  let tokens = initial;
  return {
    get: () => tokens,
    set: (next) => {
      tokens = next;
    },
  };
}

export interface TokenClientOptions extends ApiOptions {
  storage?: TokenStorage;
  /** Refresh this many seconds before the access token expires (default 30). */
  refreshLeewaySeconds?: number;
  /** Tries per refresh when the network or the worker fails (default 3); safe within the replay window. */
  refreshAttempts?: number;
}

type MfaVerifyBody = components["schemas"]["MfaVerifyRequest"];

interface TokenAnswer {
  access_token: string;
  refresh_token: string;
  expires_at: string;
}

const stored = (t: TokenAnswer): StoredTokens => ({
  access_token: t.access_token,
  refresh_token: t.refresh_token,
  expires_at: Date.parse(t.expires_at),
});

/**
 * Apps and services: access + refresh tokens. Every call carries a fresh access token; refreshes are
 * single-flight (parallel calls share one), retried on network or 5xx failures with the same refresh
 * token (the worker answers the same successor for 10 s, so a retry never forks or kills the login),
 * and a call answered 401 is retried once after a refresh.
 */
export function createTokenClient(options: TokenClientOptions) {
  const storage = options.storage ?? memoryStorage();
  const leeway = (options.refreshLeewaySeconds ?? 30) * 1000;
  const attempts = options.refreshAttempts ?? 3;
  const raw = createApi(options);
  const api: AuthApi = createApi(options);
  const send = options.fetch ?? ((request: Request) => fetch(request));
  let inflight: Promise<StoredTokens> | null = null;

  async function rotate(): Promise<StoredTokens> {
    const current = await storage.get();
    if (!current) throw new AuthApiError(401, { error: { code: "unauthorized", message: "Not signed in." } });
    let failure: unknown;
    for (let i = 0; i < attempts; i++) {
      try {
        const result = await raw.POST("/v1/auth/token", {
          body: { grant_type: "refresh_token", refresh_token: current.refresh_token },
        });
        if (result.response.status >= 500) {
          failure = new AuthApiError(result.response.status, result.error, result.response.headers);
          continue;
        }
        const next = stored(unwrap(result) as TokenAnswer);
        await storage.set(next);
        return next;
      } catch (error) {
        if (error instanceof AuthApiError && error.status < 500) {
          // The login is over (revoked, expired, reused): forget it.
          await storage.set(null);
          throw error;
        }
        failure = error;
      }
    }
    throw failure;
  }

  /** One refresh at a time: parallel callers share it. */
  function refresh(): Promise<StoredTokens> {
    inflight ??= rotate().finally(() => {
      inflight = null;
    });
    return inflight;
  }

  async function accessToken(): Promise<string | null> {
    const tokens = await storage.get();
    if (!tokens) return null;
    if (tokens.expires_at - leeway > Date.now()) return tokens.access_token;
    return (await refresh()).access_token;
  }

  const pending = new Map<string, Request>();
  const bearer: Middleware = {
    async onRequest({ request, id }) {
      const token = await accessToken();
      if (!token) return undefined;
      request.headers.set("authorization", `Bearer ${token}`);
      pending.set(id, request.clone());
      return request;
    },
    async onResponse({ response, id }) {
      const original = pending.get(id);
      pending.delete(id);
      if (response.status !== 401 || !original) return undefined;
      const tokens = await refresh().catch(() => null);
      if (!tokens) return undefined;
      const retry = new Request(original);
      retry.headers.set("authorization", `Bearer ${tokens.access_token}`);
      return send(retry);
    },
    onError({ id }) {
      pending.delete(id);
    },
  };
  api.use(bearer);

  return {
    api,
    storage,
    accessToken,
    refresh,
    /** Signed in, or `mfa_required`: then finish with verifySecondFactor. */
    async signIn(body: { email: string; password: string }) {
      const answer = unwrap(await raw.POST("/v1/auth/token", { body: { grant_type: "password", ...body } }));
      if ("mfa_required" in answer) return answer;
      await storage.set(stored(answer as TokenAnswer));
      return { user: answer.user, organization: answer.organization };
    },
    /** The second step of a sign-in that answered `mfa_required`: an authenticator or recovery code, or a passkey. */
    async verifySecondFactor(body: MfaVerifyBody) {
      const answer = unwrap(await raw.POST("/v1/auth/mfa/verify", { body }));
      if (!("access_token" in answer)) throw new TypeError("This mfa_token did not come from a token sign-in.");
      await storage.set(stored(answer as TokenAnswer));
      return { user: answer.user, organization: answer.organization };
    },
    /** A native social sign-in's last step: the redirect's code and the verifier from startNativeSignIn. */
    async signInWithCode(body: { code: string; codeVerifier: string }) {
      const answer = unwrap(
        await raw.POST("/v1/auth/token", {
          body: { grant_type: "authorization_code", code: body.code, code_verifier: body.codeVerifier },
        }),
      );
      if ("mfa_required" in answer) return answer;
      await storage.set(stored(answer as TokenAnswer));
      return { user: answer.user, organization: answer.organization };
    },
    /** Ends the login on the worker (its whole token family) and forgets it here. */
    async signOut() {
      const tokens = await storage.get();
      await storage.set(null);
      if (tokens) unwrap(await raw.POST("/v1/auth/token/revoke", { body: { token: tokens.refresh_token } }));
    },
  };
}

export type TokenClient = ReturnType<typeof createTokenClient>;
