import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context";

const ALLOWED_HEADERS = "authorization, content-type, x-csrf-token, idempotency-key, x-request-id";

/**
 * CORS for the app's own front ends on other origins (TRUSTED_ORIGINS), e.g. an SPA on
 * app.example.com calling auth.example.com with credentials. Only exact listed origins get headers
 * (never `*`, never a reflection of anything else); storefront routes have their own per-key policy.
 */
export const trustedCors: MiddlewareHandler<AppEnv> = async function trustedCors(c, next) {
  const origin = c.req.header("origin");
  const trusted =
    origin !== undefined && origin !== c.var.config.publicOrigin && c.var.config.trustedOrigins.includes(origin);
  if (c.req.method === "OPTIONS" && c.req.header("access-control-request-method")) {
    if (!trusted) return c.body(null, 403);
    return c.body(null, 204, {
      "Access-Control-Allow-Origin": origin,
      "Access-Control-Allow-Credentials": "true",
      "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE",
      "Access-Control-Allow-Headers": ALLOWED_HEADERS,
      "Access-Control-Max-Age": "600",
      Vary: "Origin",
    });
  }
  await next();
  if (trusted) {
    c.res.headers.set("Access-Control-Allow-Origin", origin);
    c.res.headers.set("Access-Control-Allow-Credentials", "true");
    c.res.headers.set("Access-Control-Expose-Headers", "x-request-id, retry-after, idempotent-replayed");
    c.res.headers.append("Vary", "Origin");
  }
};
