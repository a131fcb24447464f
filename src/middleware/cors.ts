import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "../context";

/** The CORS policy for the app's own front ends; applied only to origins listed in TRUSTED_ORIGINS. */
const trustedFrontEnds = cors({
  origin: (origin) => origin,
  credentials: true,
  allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
  allowHeaders: [
    "authorization",
    "content-type",
    "x-csrf-token",
    "x-turnstile-token",
    "idempotency-key",
    "x-request-id",
  ],
  exposeHeaders: ["x-request-id", "retry-after", "idempotent-replayed"],
  maxAge: 600,
});

/**
 * CORS for the app's own front ends on other origins (TRUSTED_ORIGINS), e.g. an SPA on
 * app.example.com calling auth.example.com with credentials. Only exact listed origins get headers
 * (never `*`, never a reflection of anything else): other origins get none at all, and their
 * preflights a 403. Storefront routes have their own per-key policy (middleware/storefront.ts).
 */
export const trustedCors: MiddlewareHandler<AppEnv> = async function trustedCors(c, next) {
  const origin = c.req.header("origin");
  const trusted =
    origin !== undefined && origin !== c.get("config").publicOrigin && c.get("config").trustedOrigins.includes(origin);
  if (!trusted) {
    if (c.req.method === "OPTIONS" && c.req.header("access-control-request-method")) return c.body(null, 403);
    return next();
  }
  return trustedFrontEnds(c, next);
};
