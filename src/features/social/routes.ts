import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { deleteCookie } from "hono/cookie";
import type { AppEnv } from "../../context";
import { AuthError } from "../../errors";
import { envelope, listEnvelope, startBrowserSession } from "../../http";
import { principal, requireUser, signedInUser } from "../../middleware/require";
import { signedInPage } from "../../pages/magic-link";
import { linkedPage, oauthFailedPage } from "../../pages/oauth";
import { createRoute, ERRORS } from "../../routes/declare";
import { continueWithSecondFactor } from "../../routes/mfa-pending";
import { CsrfHeader, MfaCode, Password } from "../../routes/schemas";
import { validationHook } from "../../routes/validation";
import { bind, bindingCookie, readBinding } from "./binding";
import { startProviderLink } from "./link";
import { AppRedirectError, findProvider, finishSocialSignIn, startSocialSignIn } from "./service";

const TAG = "Social sign-in";
const Provider = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, "must be a configured provider's name");

const ProviderInfo = z
  .object({
    name: z.string().openapi({ example: "google" }),
    label: z.string().openapi({ example: "Google" }),
    start_url: z.string().openapi({ example: "https://auth.example.com/v1/auth/oauth/google/start" }),
  })
  .openapi("OAuthProvider");

const providersRoute = createRoute({
  method: "get",
  path: "/v1/auth/oauth/providers",
  tags: [TAG],
  summary: "The configured sign-in providers (for a sign-in page's buttons)",
  responses: {
    200: { description: "Providers", content: { "application/json": { schema: listEnvelope(ProviderInfo) } } },
  },
});

const startRoute = createRoute({
  method: "get",
  path: "/v1/auth/oauth/{provider}/start",
  tags: [TAG],
  summary: "Go to the provider (a link or button target, not a fetch)",
  description:
    "302 to the provider with a single-use state (10 minutes, bound to this browser by an HttpOnly cookie), PKCE S256 and a nonce. `redirect_to`: where to land afterwards (a path here or a URL on a trusted origin); for a native app, a URL on APP_SCHEME plus the app's own `code_challenge` (S256): the app then gets `?code=` and exchanges it at POST /v1/auth/token (grant_type authorization_code).",
  request: {
    params: z.object({ provider: Provider }),
    query: z.object({
      redirect_to: z.string().max(2048).optional(),
      code_challenge: z.string().max(128).optional(),
    }),
  },
  errors: ["provider_unavailable"],
  responses: { 302: { description: "To the provider's authorization page" } },
});

/** The callback answers the same whether the provider redirects (GET) or posts a form (POST). */
const CALLBACK_ERRORS = [
  "oauth_failed",
  "account_exists",
  "email_not_verified",
  "provider_unavailable",
  "conflict",
  "forbidden",
] as const;
const CALLBACK_RESPONSES = {
  302: { description: "Native app: to its redirect with code or error" },
  303: { description: "Signed in (or linked): to redirect_to" },
  200: {
    description: "Signed in, no redirect target: an HTML page",
    content: { "text/html": { schema: z.string() } },
  },
};

const callbackRoute = createRoute({
  method: "get",
  path: "/v1/auth/oauth/{provider}/callback",
  tags: [TAG],
  summary: "Where the provider sends the browser back (not called by apps)",
  description:
    "Spends the state, checks it was started in this browser, exchanges the code (PKCE) and checks the ID token (signature by the issuer's keys, iss, aud, exp, nonce). Then: an identity already linked signs its user in; a new one is linked to the account with the same address only when the provider says the address is verified and the account has proven it too; an unknown verified address gets a new account with a personal organization. A browser gets the session cookies and a 303 to redirect_to; an app a 302 to its redirect with `code` (or `error`). Failures are an HTML page with the status and the error code.",
  request: { params: z.object({ provider: Provider }) },
  errors: CALLBACK_ERRORS,
  responses: CALLBACK_RESPONSES,
});

const callbackFormRoute = createRoute({
  method: "post",
  path: "/v1/auth/oauth/{provider}/callback",
  tags: [TAG],
  summary: "The provider's form_post answer (Sign in with Apple); same checks and answers as the GET",
  description:
    "A cross-site POST by design (exempt from the Origin check): the single-use state, bound to the browser that started the sign-in, is the CSRF defence. Apple adds a `user` field (JSON with the name) on the first consent only.",
  request: {
    params: z.object({ provider: Provider }),
    body: {
      required: true,
      content: {
        "application/x-www-form-urlencoded": {
          schema: z
            .object({
              code: z.string().max(2048).optional(),
              state: z.string().max(512).optional(),
              user: z.string().max(2048).optional(),
              error: z.string().max(256).optional(),
              iss: z.string().max(512).optional(),
            })
            .openapi("OAuthFormPost"),
        },
      },
    },
  },
  errors: CALLBACK_ERRORS,
  responses: CALLBACK_RESPONSES,
});

const linkRoute = createRoute({
  method: "post",
  path: "/v1/auth/oauth/{provider}/link",
  tags: [TAG],
  summary: "Start linking a provider to the signed-in account",
  description:
    "For a browser session only (the provider sends the same browser back). Adding a way in is sensitive: it needs a sign-in from the last ten minutes or `current_password`. Answers the URL to send the browser to; the callback links instead of signing in (409 conflict when that provider account belongs to someone else).",
  middleware: [requireUser] as const,
  request: {
    params: z.object({ provider: Provider }),
    headers: CsrfHeader,
    body: {
      required: false,
      content: {
        "application/json": {
          schema: z
            .object({
              redirect_to: z.string().max(2048).optional(),
              current_password: Password.optional(),
              mfa_code: MfaCode.optional(),
            })
            .openapi("LinkProviderRequest"),
        },
      },
    },
  },
  errors: [...ERRORS.recentAuth, "provider_unavailable"],
  responses: {
    200: {
      description: "Send the browser here",
      content: { "application/json": { schema: envelope(z.object({ authorization_url: z.string() })) } },
    },
  },
});

/** The callback, from a redirect (GET, query) or a form_post (POST, body): one outcome either way. */
async function answerCallback(c: Context<AppEnv>, provider: string, params: URLSearchParams, formPost: boolean) {
  const binding = readBinding(c);
  const cookie = bindingCookie(c);
  deleteCookie(c, cookie.name, { path: cookie.path, secure: cookie.secure });
  try {
    const auth = c.get("auth");
    const result = await finishSocialSignIn(c.get("ctx"), {
      provider,
      params,
      binding,
      // A cross-site form POST carries no Lax session cookie; there the browser binding alone ties
      // the link to the browser (and session) that started it.
      signedInUserId: auth?.via === "cookie" ? auth.identity.user_id : null,
      sessionVisible: !formPost,
    });
    if (result.kind === "app") return c.redirect(result.redirect, 302);
    if (result.kind === "mfa") return continueWithSecondFactor(c, result.challenge);
    if (result.kind === "linked") {
      if (result.redirectTo) return c.redirect(result.redirectTo, 303);
      return linkedPage(c, findProvider(c.get("ctx"), provider).label);
    }
    await startBrowserSession(c, result.session);
    const target = result.redirectTo ?? c.get("config").appUrl;
    return target ? c.redirect(target, 303) : signedInPage(c, result.user.email);
  } catch (error) {
    if (error instanceof AppRedirectError) return c.redirect(error.redirect, 302);
    if (error instanceof AuthError && error.status !== 429)
      return oauthFailedPage(c, error.status, error.code, error.message);
    throw error;
  }
}

export const socialRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(providersRoute, (c) => {
    const origin = c.get("config").publicOrigin;
    const data = c.get("config").oauth.providers.map((p) => ({
      name: p.name,
      label: p.label,
      start_url: `${origin}/v1/auth/oauth/${p.name}/start`,
    }));
    return c.json({ success: true as const, data, meta: { count: data.length } }, 200);
  })
  .openapi(startRoute, async (c) => {
    const query = c.req.valid("query");
    const { url, binding } = await startSocialSignIn(c.get("ctx"), {
      provider: c.req.valid("param").provider,
      redirectTo: query.redirect_to ?? null,
      codeChallenge: query.code_challenge ?? null,
      binding: readBinding(c),
    });
    bind(c, binding, c.req.valid("param").provider);
    return c.redirect(url, 302) as never;
  })
  .openapi(
    callbackRoute,
    async (c) =>
      (await answerCallback(c, c.req.valid("param").provider, new URL(c.req.url).searchParams, false)) as never,
  )
  .openapi(callbackFormRoute, async (c) => {
    const form = c.req.valid("form") as Record<string, string | undefined>;
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(form)) if (value !== undefined) params.set(key, value);
    return (await answerCallback(c, c.req.valid("param").provider, params, true)) as never;
  })
  .openapi(linkRoute, async (c) => {
    const auth = c.get("auth");
    if (auth?.via !== "cookie")
      throw new AuthError("forbidden", { message: "Link a provider from a signed-in browser session." });
    const body = (c.req.valid("json") ?? {}) as { redirect_to?: string; current_password?: string; mfa_code?: string };
    const { url, binding } = await startProviderLink(c.get("ctx"), principal(c), {
      user: signedInUser(c).user,
      provider: c.req.valid("param").provider,
      redirectTo: body.redirect_to ?? null,
      binding: readBinding(c),
      currentPassword: body.current_password ?? null,
      mfaCode: body.mfa_code ?? null,
    });
    bind(c, binding, c.req.valid("param").provider);
    return c.json({ success: true as const, data: { authorization_url: url } }, 200);
  });
