import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../context";
import { envelope } from "../http";
import { exchangeAppCode } from "../services/oauth-app-code";
import { grantTokensWithPassword } from "../services/sign-in";
import { refreshTokens, revokeRefreshToken } from "../services/tokens";
import { createRoute, ERRORS } from "./declare";
import { Email, jsonBody, Organization, orChallenge, Password, User } from "./schemas";
import { validationHook } from "./validation";

const TokenBody = z
  .discriminatedUnion("grant_type", [
    z.object({ grant_type: z.literal("password"), email: Email, password: Password }),
    z.object({ grant_type: z.literal("refresh_token"), refresh_token: z.string().min(1).max(512) }),
    z.object({
      grant_type: z.literal("authorization_code"),
      code: z.string().min(1).max(512).openapi({ description: "The code from the social sign-in app redirect." }),
      code_verifier: z
        .string()
        .min(43)
        .max(128)
        .openapi({ description: "The PKCE verifier whose S256 challenge started the sign-in." }),
    }),
  ])
  .openapi("TokenRequest");

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
    "grant_type password: same checks and throttling as login. grant_type refresh_token: rotates (the presented token stops working). The same token again within 10 s returns the same successor; later, it counts as stolen and revokes its whole family. Access tokens are EdDSA JWTs (typ at+jwt, 15 minutes) verified against /.well-known/jwks.json. For a user with a second factor, the password and authorization_code grants answer `mfa_required` with an `mfa_token`: POST /v1/auth/mfa/verify answers the tokens.",
  request: { body: jsonBody(TokenBody) },
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
  request: { body: jsonBody(z.object({ token: z.string().min(1).max(512) }).openapi("RevokeRequest")) },
  responses: {
    200: {
      description: "Revoked",
      content: { "application/json": { schema: envelope(z.object({ revoked: z.literal(true) })) } },
    },
  },
});

export const tokenRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(tokenRoute, async (c) => {
    const body = c.req.valid("json");
    if (body.grant_type === "authorization_code") {
      const tokens = await exchangeAppCode(c.get("ctx"), { code: body.code, codeVerifier: body.code_verifier });
      return c.json({ success: true as const, data: tokens }, 200);
    }
    if (body.grant_type === "refresh_token") {
      return c.json(
        {
          success: true as const,
          data: await refreshTokens(c.get("ctx"), { refreshToken: body.refresh_token }),
        },
        200,
      );
    }
    const tokens = await grantTokensWithPassword(c.get("ctx"), { email: body.email, password: body.password });
    return c.json({ success: true as const, data: tokens }, 200);
  })
  .openapi(revokeRoute, async (c) => {
    await revokeRefreshToken(c.get("ctx"), c.req.valid("json").token);
    return c.json({ success: true as const, data: { revoked: true as const } }, 200);
  });
