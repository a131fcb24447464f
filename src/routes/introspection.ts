import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../context";
import { authenticateClient } from "../middleware/oauth-endpoint";
import { principal, requireCredential } from "../middleware/require";
import { introspectToken } from "../services/introspection";
import { createRoute, ERRORS } from "./declare";
import { jsonOrForm, readJsonOrForm } from "./token-pages";
import { validationHook } from "./validation";

const IntrospectBody = z
  .object({
    token: z.string().min(1).max(8192),
    token_type_hint: z.string().max(64).optional(),
  })
  .openapi("IntrospectRequest");

const Introspection = z
  .object({
    active: z.boolean(),
    token_type: z.literal("Bearer").optional(),
    scope: z.string().optional(),
    sub: z.string().optional(),
    username: z.string().optional(),
    org: z.string().optional(),
    sid: z.string().optional(),
    jti: z.string().optional(),
    iss: z.string().optional(),
    aud: z.string().optional(),
    iat: z.number().optional(),
    exp: z.number().optional(),
    auth_time: z.number().optional(),
  })
  .openapi("Introspection");

const introspectRoute = createRoute({
  method: "post",
  path: "/v1/oauth/introspect",
  tags: ["Tokens"],
  summary: "Is this access token live right now? (RFC 7662)",
  description:
    "For services that must see a revocation at once. The caller is an API key with the read scope, as an OAuth client (client_secret_basic: Basic base64(key_id:sk_live_…), or client_secret_post: client_id and client_secret form fields) or as `Authorization: Bearer sk_…`. Answers and errors are RFC 7662 / RFC 6749 JSON, not the envelope. Access tokens of the key's organization only (a platform key: any); every other token, and every dead one, is just {active:false}. Form-encoded (as RFC 7662) or JSON. Discoverable at /.well-known/oauth-authorization-server.",
  middleware: [authenticateClient, requireCredential] as const,
  oauth: "client",
  security: [{ clientSecretBasic: [] }, { apiKey: [] }] as Array<Record<string, string[]>>,
  request: { body: jsonOrForm(IntrospectBody) },
  errors: [...ERRORS.policy],
  responses: {
    200: { description: "Token state", content: { "application/json": { schema: Introspection } } },
  },
});

export const introspectionRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(
  introspectRoute,
  async (c) => {
    const body = readJsonOrForm(c, IntrospectBody, { json: c.req.valid("json"), form: c.req.valid("form") });
    const answer = await introspectToken(c.get("ctx"), { caller: principal(c), token: body.data.token });
    // RFC 7662 section 2.2 wants the answer uncached.
    c.header("Cache-Control", "no-store");
    return c.json(answer, 200);
  },
);
