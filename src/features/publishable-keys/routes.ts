import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { envelope, listEnvelope } from "../../http";
import { principal, requirePublishableKeyManager } from "../../middleware/require";
import { createRoute } from "../../routes/declare";
import { CsrfHeader, jsonBody } from "../../routes/schemas";
import { validationHook } from "../../routes/validation";
import { createPublishableKey, listPublishableKeys, revokePublishableKey } from "../../services/publishable-keys";

const Origin = z
  .string()
  .max(255)
  .refine((o) => {
    try {
      const url = new URL(o);
      return url.origin === o && (url.protocol === "https:" || ["localhost", "127.0.0.1"].includes(url.hostname));
    } catch {
      return false;
    }
  }, "must be an exact origin such as https://shop.example.com (http only for localhost)");

const PublishableKey = z
  .object({
    id: z.string().openapi({ example: "pk_test_01jd5n2k4m0000000000000000" }),
    organization_id: z.string(),
    name: z.string(),
    allowed_origins: z.array(z.string()),
    sms_countries: z.array(z.string()),
    require_turnstile: z.boolean(),
    created_by: z.string().nullable(),
    revoked_at: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("PublishableKey");

const createRoute_ = createRoute({
  method: "post",
  path: "/v1/publishable-keys",
  tags: ["Storefront"],
  summary: "Create a publishable key for the organization's storefront",
  description:
    "Owners and admins (session with CSRF) or admin-scoped API keys. The key is a public identifier, not a secret; allowed_origins are the storefront origins that may use it.",
  middleware: [requirePublishableKeyManager] as const,
  request: {
    headers: CsrfHeader,
    body: jsonBody(
      z
        .object({
          name: z.string().trim().min(1).max(100),
          allowed_origins: z.array(Origin).min(1).max(20),
          sms_countries: z
            .array(z.string().regex(/^[A-Z]{2}$/, "must be an ISO 3166 alpha-2 code such as US"))
            .max(250)
            .optional()
            .openapi({
              description: "Countries codes may be texted to; empty or absent: SMS_ALLOWED_COUNTRIES.",
              example: ["US", "CA"],
            }),
          require_turnstile: z
            .boolean()
            .optional()
            .openapi({ description: "Every code request needs a Turnstile token (X-Turnstile-Token)." }),
        })
        .openapi("CreatePublishableKey"),
    ),
  },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: envelope(PublishableKey) } } },
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/publishable-keys",
  tags: ["Storefront"],
  summary: "The organization's publishable keys",
  middleware: [requirePublishableKeyManager] as const,
  responses: {
    200: { description: "Keys", content: { "application/json": { schema: listEnvelope(PublishableKey) } } },
  },
});

const revokeRoute = createRoute({
  method: "post",
  path: "/v1/publishable-keys/{id}/revoke",
  tags: ["Storefront"],
  summary: "Revoke a publishable key (its storefront calls get 401 at once)",
  middleware: [requirePublishableKeyManager] as const,
  request: {
    headers: CsrfHeader,
    params: z.object({ id: z.string().regex(/^pk_(live|test)_[0-9a-z]{26}$/, "must be a publishable key") }),
  },
  responses: {
    200: { description: "Revoked", content: { "application/json": { schema: envelope(PublishableKey) } } },
  },
});

export const publishableKeyRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(createRoute_, async (c) => {
    const body = c.req.valid("json");
    const input = {
      name: body.name,
      allowedOrigins: body.allowed_origins,
      smsCountries: body.sms_countries ?? [],
      requireTurnstile: body.require_turnstile === true,
    };
    const key = await createPublishableKey(c.get("ctx"), principal(c), input, c.get("idempotency"));
    return c.json({ success: true as const, data: key }, 201);
  })
  .openapi(listRoute, async (c) => {
    const keys = await listPublishableKeys(c.get("ctx"), principal(c));
    return c.json({ success: true as const, data: keys, meta: { count: keys.length } }, 200);
  })
  .openapi(revokeRoute, async (c) => {
    const key = await revokePublishableKey(c.get("ctx"), principal(c), c.req.valid("param").id);
    return c.json({ success: true as const, data: key }, 200);
  });
