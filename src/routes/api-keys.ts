import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../context";
import { envelope, listEnvelope } from "../http";
import { principal, requireKeyManager } from "../middleware/require";
import { createApiKey, listApiKeys, revokeApiKey, rotateApiKey } from "../services/api-keys";
import { createRoute, ERRORS } from "./declare";
import { CsrfHeader, MfaCode, Password, recordId } from "./schemas";
import { validationHook } from "./validation";

const KeyId = recordId("key", "an API key id");
const ApiKey = z
  .object({
    id: z.string(),
    organization_id: z.string(),
    created_by: z.string().nullable(),
    name: z.string(),
    prefix: z.string().openapi({ example: "sk_live_" }),
    scopes: z.array(z.string()),
    expires_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
    last_used_at: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("ApiKey");
const WithSecret = ApiKey.extend({
  api_key: z.string().openapi({ description: "Shown once: store it now. sk_live_<id>.<secret>" }),
}).openapi("ApiKeyWithSecret");

const MANAGE =
  "Needs a browser session of an owner or admin (with X-CSRF-Token) or an admin-scoped API key; access tokens cannot manage keys. Keys with admin or platform scope need a sign-in younger than 10 minutes (or current_password): 403 reauth_required otherwise, and API keys cannot create or rotate them.";

const createKeyRoute = createRoute({
  method: "post",
  path: "/v1/api-keys",
  tags: ["API keys"],
  summary: "Create an organization API key (the secret is shown once)",
  description: `${MANAGE} Scopes come from API_KEY_SCOPES (default read, write, admin; * = all you hold; default read) and never exceed yours. The organization is the credential's.`,
  middleware: [requireKeyManager] as const,
  request: {
    headers: CsrfHeader,
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z
            .object({
              name: z.string().trim().min(1).max(100),
              scopes: z.array(z.string().max(64)).max(32).optional(),
              expires_at: z.iso.datetime({ offset: true }).optional(),
              current_password: Password.optional().openapi({
                description: "For admin or platform keys when your sign-in is older than 10 minutes.",
              }),
              mfa_code: MfaCode.optional(),
            })
            .openapi("CreateApiKey"),
        },
      },
    },
  },
  errors: [...ERRORS.recentAuth],
  responses: {
    201: { description: "Created", content: { "application/json": { schema: envelope(WithSecret) } } },
  },
});

const listKeysRoute = createRoute({
  method: "get",
  path: "/v1/api-keys",
  tags: ["API keys"],
  summary: "The organization's keys (never their secrets)",
  description: MANAGE,
  middleware: [requireKeyManager] as const,
  responses: {
    200: { description: "Keys, newest first", content: { "application/json": { schema: listEnvelope(ApiKey) } } },
  },
});

const revokeKeyRoute = createRoute({
  method: "post",
  path: "/v1/api-keys/{id}/revoke",
  tags: ["API keys"],
  summary: "Revoke a key (401 on its very next use)",
  description: MANAGE,
  middleware: [requireKeyManager] as const,
  request: { headers: CsrfHeader, params: z.object({ id: KeyId }) },
  responses: {
    200: { description: "Revoked", content: { "application/json": { schema: envelope(ApiKey) } } },
  },
});

const rotateKeyRoute = createRoute({
  method: "post",
  path: "/v1/api-keys/{id}/rotate",
  tags: ["API keys"],
  summary: "New secret for a key; the old one works for grace_seconds (default 0)",
  description: MANAGE,
  middleware: [requireKeyManager] as const,
  request: {
    headers: CsrfHeader,
    params: z.object({ id: KeyId }),
    body: {
      content: {
        "application/json": {
          schema: z
            .object({
              grace_seconds: z
                .number()
                .int()
                .min(0)
                .max(7 * 86_400)
                .optional(),
              current_password: Password.optional(),
              mfa_code: MfaCode.optional(),
            })
            .openapi("RotateApiKey"),
        },
      },
    },
  },
  errors: [...ERRORS.recentAuth],
  responses: {
    201: { description: "Rotated", content: { "application/json": { schema: envelope(WithSecret) } } },
  },
});

export const apiKeyRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(createKeyRoute, async (c) => {
    const body = c.req.valid("json");
    const created = await createApiKey(c.get("ctx"), {
      principal: principal(c),
      email: c.get("auth")?.snapshot?.user.email ?? null,
      name: body.name,
      scopes: body.scopes ?? null,
      expiresAt: body.expires_at ?? null,
      currentPassword: body.current_password ?? null,
      mfaCode: body.mfa_code ?? null,
      idempotency: c.get("idempotency"),
    });
    return c.json({ success: true as const, data: created }, 201);
  })
  .openapi(listKeysRoute, async (c) => {
    const keys = await listApiKeys(c.get("ctx"), principal(c));
    return c.json({ success: true as const, data: keys, meta: { count: keys.length } }, 200);
  })
  .openapi(revokeKeyRoute, async (c) => {
    return c.json(
      { success: true as const, data: await revokeApiKey(c.get("ctx"), principal(c), c.req.valid("param").id) },
      200,
    );
  })
  .openapi(rotateKeyRoute, async (c) => {
    const body = (c.req.valid("json") ?? {}) as {
      grace_seconds?: number;
      current_password?: string;
      mfa_code?: string;
    };
    const rotated = await rotateApiKey(c.get("ctx"), {
      principal: principal(c),
      email: c.get("auth")?.snapshot?.user.email ?? null,
      keyId: c.req.valid("param").id,
      graceSeconds: body.grace_seconds ?? 0,
      currentPassword: body.current_password ?? null,
      mfaCode: body.mfa_code ?? null,
    });
    return c.json({ success: true as const, data: rotated }, 201);
  });
