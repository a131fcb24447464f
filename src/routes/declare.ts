import { createRoute as declareRoute, type RouteConfig } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { type ErrorStatus, errorResponses } from "../http";
import {
  requireCredential,
  requireKeyManager,
  requirePlatform,
  requirePublishableKeyManager,
  requireUser,
  sessionCsrf,
  UNSAFE,
} from "../middleware/require";

/** How a client authenticates, as /openapi.json tells integrators (components.securitySchemes). */
export const SECURITY_SCHEMES = {
  session: {
    type: "apiKey",
    in: "cookie",
    name: "session",
    description:
      "The browser session cookie (`__Host-session` over HTTPS). Unsafe methods also need `csrf` and a same-site or trusted Origin.",
  },
  csrf: {
    type: "apiKey",
    in: "header",
    name: "X-CSRF-Token",
    description:
      "Echo of the csrf_token cookie (or `csrf_token` from GET /v1/auth/me) on POST/PUT/PATCH/DELETE with a session.",
  },
  accessToken: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "Access JWT (EdDSA, typ at+jwt)." },
  apiKey: { type: "http", scheme: "bearer", description: "An API key: `Bearer sk_live_...` or `Bearer sk_test_...`." },
  publishableKey: {
    type: "apiKey",
    in: "header",
    name: "X-Public-Key",
    description: "The store's publishable key (pk_...); the customer's own cookie rides along (SameSite=None).",
  },
} as const;

type Scheme = keyof typeof SECURITY_SCHEMES;
type Requirement = Partial<Record<Scheme, string[]>>;

const session = (method: string): Requirement =>
  UNSAFE.has(method.toUpperCase()) ? { session: [], csrf: [] } : { session: [] };

/** The credentials each guard accepts (middleware/require.ts), so the document cannot drift from the code. */
const BY_GUARD = new Map<MiddlewareHandler, (method: string) => Requirement[]>([
  [requireUser, (m) => [session(m), { accessToken: [] }]],
  [requireCredential, (m) => [session(m), { accessToken: [] }, { apiKey: [] }]],
  [requireKeyManager, (m) => [session(m), { apiKey: [] }]],
  [requirePublishableKeyManager, (m) => [session(m), { apiKey: [] }]],
  [requirePlatform, (m) => [session(m), { accessToken: [] }, { apiKey: [] }]],
  [sessionCsrf, (m) => [session(m), { accessToken: [] }, {}]],
]);

/**
 * createRoute that also declares the route's security from its guard (or, for storefront routes, the
 * publishable key); a route may still state its own `security` where it accepts less than its guard.
 */
export function createRoute<P extends string, R extends Omit<RouteConfig, "path"> & { path: P }>(config: R) {
  const guard = Array.isArray(config.middleware) ? config.middleware[0] : config.middleware;
  const security =
    config.security ??
    (config.path.startsWith("/v1/storefront/")
      ? [{ publishableKey: [] }]
      : BY_GUARD.get(guard as MiddlewareHandler)?.(config.method));
  const responses = { ...errorResponses(...implied(config)), ...config.responses };
  return declareRoute(security ? { ...config, security, responses } : { ...config, responses });
}

/**
 * The error statuses every route can answer whatever it does, so the document never omits them (the
 * test harness checks every error answer against the document): a presented but bad credential (401),
 * a cross-site write or a refused credential (403), throttles (429), a store outage (503), control
 * characters in the query (400); with path parameters 404, with a body 413/415, on POST the
 * Idempotency-Key answers (409, 422).
 */
function implied(config: Omit<RouteConfig, "path"> & { path: string }): ErrorStatus[] {
  // 400 too: control characters in any query string are refused before the route runs.
  const statuses: ErrorStatus[] = [400, 401, 403, 429, 503];
  if (config.path.includes("{")) statuses.push(404);
  if (config.request?.body) statuses.push(413, 415);
  if (config.method === "post") statuses.push(409, 422);
  return statuses;
}
