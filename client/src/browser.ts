import { type ApiOptions, type AuthApi, createApi, humanCheck, isBrowser } from "./api.js";
import { AuthApiError, unwrap } from "./errors.js";
import { createPasskey, getPasskey } from "./passkeys.js";
import type { components } from "./schema.js";
import { socialSignInUrl } from "./social.js";

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const CSRF_COOKIES = ["__Host-csrf_token", "csrf_token"];
/** Public sign-in routes: they take no session, so no token is looked up for them. */
const PUBLIC =
  /\/v1\/(auth\/(login|signup|magic-link|token|forgot-password|reset-password|verify-email|verify-credentials|mfa\/verify|mfa\/passkey|passkeys\/sign-in)|storefront\/)/;

export interface BrowserClientOptions extends ApiOptions {
  /** Reads cookies of the worker's origin; defaults to document.cookie when the page shares it. */
  readCookie?: (name: string) => string | undefined;
}

function documentCookie(name: string): string | undefined {
  const cookies = (globalThis as { document?: { cookie?: string } }).document?.cookie ?? "";
  for (const part of cookies.split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return decodeURIComponent(value.join("="));
  }
  return undefined;
}

/**
 * A browser front end on the worker's origin or a trusted origin: cookies travel with every call
 * (`credentials: "include"`), and unsafe calls carry X-CSRF-Token, read from the csrf_token cookie when
 * the page can see it, else learnt once per session from GET /v1/auth/me.
 */
export function createBrowserClient(options: BrowserClientOptions) {
  const api: AuthApi = createApi(options, { credentials: "include" });
  const read = options.readCookie ?? documentCookie;
  const baseUrl = options.baseUrl.replace(/\/$/, "");
  const send = options.fetch ?? ((request: Request) => fetch(request));
  // undefined: not asked yet; null: asked, no session.
  let learnt: string | null | undefined;

  async function csrfToken(): Promise<string | null> {
    for (const name of CSRF_COOKIES) {
      const value = read(name);
      if (value) return value;
    }
    if (learnt === undefined) {
      const init = isBrowser() ? ({ credentials: "include" } as RequestInit) : {};
      const response = await send(new Request(`${baseUrl}/v1/auth/me`, init));
      const body = response.ok ? ((await response.json()) as { data?: { csrf_token?: string } }) : null;
      learnt = body?.data?.csrf_token ?? null;
    }
    return learnt;
  }

  api.use({
    async onRequest({ request }) {
      if (!UNSAFE.has(request.method) || request.headers.has("x-csrf-token")) return undefined;
      if (PUBLIC.test(new URL(request.url).pathname)) return undefined;
      const token = await csrfToken();
      if (token) request.headers.set("x-csrf-token", token);
      return request;
    },
    async onResponse({ response }) {
      // A new or ended session sets or clears the CSRF cookie (other cookies, such as the short-lived
      // read-your-writes flag, leave the token as it is); a refusal means the one we hold is stale.
      const cookies = response.headers.get("set-cookie") ?? "";
      if (CSRF_COOKIES.some((name) => cookies.includes(`${name}=`)) || response.status === 403) learnt = undefined;
      return undefined;
    },
  });

  const newSession = <T>(value: T): T => {
    learnt = undefined;
    return value;
  };

  return {
    api,
    async signIn(body: { email: string; password: string; remember?: boolean }) {
      return newSession(unwrap(await api.POST("/v1/auth/login", { body })));
    },
    /**
     * Emails a sign-in link. `turnstileToken`: the Turnstile widget's token, when the deployment asks
     * for the human check (always, or after an answer whose error code is `challenge_required`).
     */
    async requestMagicLink(
      body: { email: string; name?: string; organization_name?: string; redirect_to?: string },
      init: { turnstileToken?: string } = {},
    ) {
      unwrap(await api.POST("/v1/auth/magic-link/request", { params: humanCheck(init), body }));
    },
    async verifyMagicLink(token: string) {
      return newSession(unwrap(await api.POST("/v1/auth/magic-link/verify", { body: { token } })));
    },
    /** The second step after a sign-in answered `mfa_required`: a code, a recovery code or a passkey assertion. */
    async verifySecondFactor(body: components["schemas"]["MfaVerifyRequest"]) {
      return newSession(unwrap(await api.POST("/v1/auth/mfa/verify", { body })));
    },
    /** The second step with a passkey: asks the browser for one of the user's own, then finishes. */
    async verifyWithPasskey(mfaToken: string) {
      const options = unwrap(await api.POST("/v1/auth/mfa/passkey/options", { body: { mfa_token: mfaToken } }));
      const passkey = (await getPasskey(options)) as components["schemas"]["PasskeyAssertion"];
      return newSession(unwrap(await api.POST("/v1/auth/mfa/verify", { body: { mfa_token: mfaToken, passkey } })));
    },
    /**
     * Signs in with a passkey, no email typed. With `conditional`, the browser offers passkeys in the
     * autofill of an `autocomplete="username webauthn"` field and resolves when one is picked.
     */
    async signInWithPasskey(init: { conditional?: boolean; signal?: AbortSignal; remember?: boolean } = {}) {
      const options = unwrap(await api.POST("/v1/auth/passkeys/sign-in/options"));
      const response = (await getPasskey(options, init)) as components["schemas"]["PasskeyAssertion"];
      const body = { response, remember: init.remember ?? false };
      return newSession(unwrap(await api.POST("/v1/auth/passkeys/sign-in", { body })));
    },
    /** Creates a passkey for the signed-in user (needs a recent sign-in, or the proof in `reauth`). */
    async registerPasskey(init: { name?: string; reauth?: { current_password?: string; mfa_code?: string } } = {}) {
      const options = unwrap(
        await api.POST("/v1/auth/passkeys/register/options", { params: { header: {} }, body: init.reauth ?? {} }),
      );
      const response = (await createPasskey(options)) as components["schemas"]["PasskeyRegistration"];
      const body = init.name ? { response, name: init.name } : { response };
      return unwrap(await api.POST("/v1/auth/passkeys", { params: { header: {} }, body }));
    },
    /** The signed-in identity, or null when there is no session. */
    async me() {
      const result = await api.GET("/v1/auth/me");
      if (result.response.status === 401) return null;
      return unwrap(result);
    },
    /** The URL that starts a social sign-in (navigate to it); back on `redirectTo`, signed in. */
    socialSignInUrl(provider: string, options: { redirectTo?: string } = {}) {
      return socialSignInUrl(baseUrl, provider, options);
    },
    /** Starts linking a provider to this account; navigate to the answer (needs a recent sign-in or the password). */
    async linkProvider(provider: string, body: { redirect_to?: string; current_password?: string } = {}) {
      const answer = unwrap(
        await api.POST("/v1/auth/oauth/{provider}/link", { params: { path: { provider }, header: {} }, body }),
      );
      return answer.authorization_url;
    },
    async identities() {
      return unwrap(await api.GET("/v1/auth/identities"));
    },
    async unlinkIdentity(id: string) {
      const result = await api.DELETE("/v1/auth/identities/{id}", { params: { path: { id }, header: {} } });
      if (!result.response.ok) throw new AuthApiError(result.response.status, result.error, result.response.headers);
    },
    async signOut() {
      const result = await api.POST("/v1/auth/logout", { params: { header: {} } } as never);
      if (!result.response.ok) throw new AuthApiError(result.response.status, result.error, result.response.headers);
      learnt = undefined;
    },
  };
}

export type BrowserClient = ReturnType<typeof createBrowserClient>;
