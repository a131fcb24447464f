import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context";
import { envelope } from "../http";
import { exchangeAppCode } from "../services/oauth-app-code";
import { grantTokensWithPassword } from "../services/sign-in";
import { isChallenge } from "../services/step-up";
import { refreshTokens, revokeRefreshToken } from "../services/tokens";
import { createRoute, ERRORS } from "./declare";
import { Email, isFormPost, Organization, orChallenge, Password, User } from "./schemas";
import { jsonOrForm } from "./token-pages";
import { validationHook } from "./validation";

const PasswordGrant = z.object({ grant_type: z.literal("password"), email: Email, password: Password });
const RefreshGrant = z.object({ grant_type: z.literal("refresh_token"), refresh_token: z.string().min(1).max(512) });
const CodeGrant = z.object({
  grant_type: z.literal("authorization_code"),
  code: z.string().min(1).max(512).openapi({ description: "The code from the social sign-in app redirect." }),
  code_verifier: z
    .string()
    .min(43)
    .max(128)
    .openapi({ description: "The PKCE verifier whose S256 challenge started the sign-in." }),
});

const TokenBody = z.discriminatedUnion("grant_type", [PasswordGrant, RefreshGrant, CodeGrant]).openapi("TokenRequest");

/** The same grants as RFC 6749 sends them, form-encoded (the password grant's address in `username`). */
const TokenForm = z
  .discriminatedUnion("grant_type", [
    z.object({ grant_type: z.literal("password"), username: Email, password: Password }),
    RefreshGrant,
    CodeGrant,
  ])
  .openapi("TokenFormRequest");

/**
 * A form-encoded request is an OAuth client's (RFC 6749 §3.2): it gets RFC 6749's bare JSON and
 * error JSON. Set before the body is validated, so a malformed form is answered in OAuth terms too.
 */
const oauthWhenForm: MiddlewareHandler<AppEnv> = async function oauthWhenForm(c, next) {
  if (isFormPost(c.req.header("content-type"))) c.set("oauth", "token");
  await next();
};

const NO_STORE = { "Cache-Control": "no-store", Pragma: "no-cache" };

export const TokenResponse = z
  .object({
    access_token: z.string(),
    token_type: z.literal("Bearer"),
    expires_in: z.number(),
    expires_at: z.string(),
    refresh_token: z.string(),
    user: User,
    organization: Organization.openapi({
      description: "The organization the tokens act in, with your role (tenant and roles without a second call).",
    }),
  })
  .openapi("TokenResponse");

const tokenRoute = createRoute({
  method: "post",
  path: "/v1/auth/token",
  tags: ["Tokens"],
  summary: "Access + refresh tokens for non-browser clients",
  description:
    "grant_type password: same checks and throttling as login. grant_type refresh_token: rotates (the presented token stops working). The same token again within 10 s returns the same successor; later, it counts as stolen and revokes its whole family. Access tokens are EdDSA JWTs (typ at+jwt, 15 minutes) verified against /.well-known/jwks.json. For a user with a second factor, the password and authorization_code grants answer `mfa_required` with an `mfa_token`: POST /v1/auth/mfa/verify answers the tokens. A form-encoded request (RFC 6749, as OAuth libraries send it; the password grant's address in `username`) gets RFC 6749's answer instead of the envelope: the token fields at the top level, errors as {error, error_description} (400 invalid_grant, invalid_request, unsupported_grant_type; 403 mfa_required with the mfa_token beside it).",
  middleware: [oauthWhenForm] as const,
  request: {
    body: {
      content: {
        "application/json": { schema: TokenBody },
        "application/x-www-form-urlencoded": { schema: TokenForm },
      },
    },
  },
  errors: [...ERRORS.passwordSignIn, "token_invalid"],
  responses: {
    200: {
      description: "Tokens, or (password and authorization_code grants) the second factor still owed",
      content: { "application/json": { schema: envelope(orChallenge(TokenResponse)) } },
    },
  },
});

const revokeRoute = createRoute({
  method: "post",
  path: "/v1/auth/token/revoke",
  tags: ["Tokens"],
  summary: "Revoke a refresh token and its whole family",
  description: "Always 200 (RFC 7009): unknown tokens are ignored. Access tokens of the family stop working too.",
  middleware: [oauthWhenForm] as const,
  request: {
    body: jsonOrForm(
      z
        .object({ token: z.string().min(1).max(512), token_type_hint: z.string().max(64).optional() })
        .openapi("RevokeRequest"),
    ),
  },
  responses: {
    200: {
      description: "Revoked",
      content: { "application/json": { schema: envelope(z.object({ revoked: z.literal(true) })) } },
    },
  },
});

export const tokenRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(tokenRoute, async (c) => {
    const form = c.get("oauth") === "token";
    const body = form ? c.req.valid("form") : c.req.valid("json");
    const ctx = c.get("ctx");
    const result =
      body.grant_type === "authorization_code"
        ? await exchangeAppCode(ctx, { code: body.code, codeVerifier: body.code_verifier })
        : body.grant_type === "refresh_token"
          ? await refreshTokens(ctx, { refreshToken: body.refresh_token })
          : await grantTokensWithPassword(ctx, {
              email: "username" in body ? body.username : body.email,
              password: body.password,
            });
    if (!form) return c.json({ success: true as const, data: result }, 200);
    // RFC 6749 §5.1: the token fields at the top level, never cached. A second factor still owed is
    // answered as Auth0 and others do: 403 mfa_required with the mfa_token beside it.
    if (isChallenge(result)) {
      const description = "A second factor is needed: POST /v1/auth/mfa/verify with this mfa_token.";
      return c.json({ error: "mfa_required", error_description: description, ...result }, 403, NO_STORE) as never;
    }
    return c.json(result, 200, NO_STORE) as never;
  })
  .openapi(revokeRoute, async (c) => {
    const form = c.get("oauth") === "token";
    await revokeRefreshToken(c.get("ctx"), form ? c.req.valid("form").token : c.req.valid("json").token);
    return c.json({ success: true as const, data: { revoked: true as const } }, 200);
  });
