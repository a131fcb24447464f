import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { envelope, listEnvelope } from "../../http";
import { principal, requireUser, signedInUser } from "../../middleware/require";
import { createRoute, ERRORS } from "../../routes/declare";
import { CsrfHeader, recentAuthBody, recentAuthProof } from "../../routes/schemas";
import { validationHook } from "../../routes/validation";
import { providerTokens } from "../../services/provider-tokens";
import { listIdentities, unlinkIdentity } from "./identities";

// The providers linked to the signed-in account (social sign-in: docs/social-sign-in.md).

const TAG = "Social sign-in";

const IdentityInfo = z
  .object({
    id: z.string().openapi({ example: "idn_01jd5n2k4m0000000000000000" }),
    provider: z.string().openapi({ example: "google" }),
    email: z.string().nullable(),
    created_at: z.string(),
    last_used_at: z.string().nullable(),
  })
  .openapi("LinkedIdentity");

const identitiesRoute = createRoute({
  method: "get",
  path: "/v1/auth/identities",
  tags: [TAG],
  summary: "The providers linked to your account",
  middleware: [requireUser] as const,
  responses: {
    200: { description: "Identities", content: { "application/json": { schema: listEnvelope(IdentityInfo) } } },
  },
});

const tokensRoute = createRoute({
  method: "get",
  path: "/v1/auth/identities/{id}/tokens",
  tags: [TAG],
  summary: "Your kept provider tokens for one identity (providers with OAUTH_<NAME>_KEEP_TOKENS=true)",
  description:
    "For calling the provider's API as yourself. Kept sealed (AES-GCM) and refreshed at each sign-in with that provider; 404 when the provider keeps none (the default) or the identity is not yours.",
  middleware: [requireUser] as const,
  request: { params: z.object({ id: z.string().max(64) }) },
  responses: {
    200: {
      description: "The tokens",
      content: {
        "application/json": {
          schema: envelope(
            z
              .object({
                access_token: z.string(),
                token_type: z.string(),
                refresh_token: z.string().nullable(),
                scope: z.string().nullable(),
                expires_at: z
                  .number()
                  .nullable()
                  .openapi({ description: "Epoch milliseconds, when the provider said." }),
              })
              .openapi("ProviderTokens"),
          ),
        },
      },
    },
  },
});

const unlinkRoute = createRoute({
  method: "delete",
  path: "/v1/auth/identities/{id}",
  tags: [TAG],
  summary: "Unlink a provider (never your last way to sign in)",
  description:
    "Needs recent authentication, like removing a passkey or an authenticator app. 409 conflict when nothing else would let you in: no password, no other linked provider and no verified address (magic links need one).",
  middleware: [requireUser] as const,
  request: { params: z.object({ id: z.string().max(64) }), headers: CsrfHeader, body: recentAuthBody },
  errors: [...ERRORS.recentAuth, "conflict"],
  responses: { 204: { description: "Unlinked" } },
});

export const identityRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(identitiesRoute, async (c) => {
    const list = await listIdentities(c.get("ctx"), signedInUser(c).user.id);
    return c.json({ success: true as const, data: list, meta: { count: list.length } }, 200);
  })
  .openapi(tokensRoute, async (c) => {
    const tokens = await providerTokens(c.get("ctx"), signedInUser(c).user.id, c.req.valid("param").id);
    c.header("Cache-Control", "no-store");
    return c.json({ success: true as const, data: tokens }, 200);
  })
  .openapi(unlinkRoute, async (c) => {
    await unlinkIdentity(c.get("ctx"), principal(c), {
      user: signedInUser(c).user,
      id: c.req.valid("param").id,
      ...recentAuthProof(c.req.valid("json")),
    });
    return c.body(null, 204);
  });
