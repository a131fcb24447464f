import { createRoute as declareRoute, type RouteConfig, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { ERROR_CODES, type ErrorCode } from "../errors";
import { errorResponses } from "../http";
import { authenticateClient, type OAuthEndpoint, oauthErrorFor } from "../middleware/oauth-endpoint";
import {
  requireCredential,
  requireKeyManager,
  requirePlatform,
  requirePublishableKeyManager,
  requireUser,
  requireWebhookManager,
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
  clientSecretBasic: {
    type: "http",
    scheme: "basic",
    description:
      "OAuth client authentication (RFC 6749 §2.3.1) with an API key: user name the key's id (`key_…`), password the key (`sk_live_…`). client_secret_post sends the same two as `client_id` and `client_secret` form fields.",
  },
  apiKey: {
    type: "http",
    scheme: "bearer",
    description:
      "An API key: `Bearer sk_live_...` or `Bearer sk_test_...` (or the deployment's API_KEY_PREFIX, e.g. `cp_...`).",
  },
  deviceToken: {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description:
      "A paired device's token (JWT typ device+jwt, from POST /v1/pairing/pair); accepted by GET /v1/auth/me only.",
  },
  stripeSignature: {
    type: "apiKey",
    in: "header",
    name: "Stripe-Signature",
    description: "Stripe's signature over the raw body with the endpoint's signing secret (STRIPE_WEBHOOK_SECRET).",
  },
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
  [requireWebhookManager, (m) => [session(m), { apiKey: [] }]],
  [requirePlatform, (m) => [session(m), { accessToken: [] }, { apiKey: [] }]],
  [sessionCsrf, (m) => [session(m), { accessToken: [] }, {}]],
]);

const MANAGERS = new Set<MiddlewareHandler>([requireKeyManager, requirePublishableKeyManager, requireWebhookManager]);

/**
 * createRoute that also declares the route's security from its guard (or, for storefront routes, the
 * publishable key) and its error answers: `errors` lists the codes the route's own service can give;
 * the ones its shape implies (guard, path parameters, body, method) are added here. A route may still
 * state its own `security` where it accepts less than its guard.
 */
export function createRoute<
  P extends string,
  R extends Omit<RouteConfig, "path"> & { path: P; errors?: readonly ErrorCode[]; oauth?: OAuthEndpoint },
>(config: R) {
  const { errors = [], oauth, ...route } = config;
  const chain = (Array.isArray(route.middleware) ? route.middleware : [route.middleware]) as MiddlewareHandler[];
  // The guard: the first middleware, after the OAuth client authentication that feeds it.
  const guard = chain.find((m) => m !== authenticateClient);
  const storefront = route.path.startsWith("/v1/storefront/");
  // Every operation states its security; `[]` says outright that it needs no credential (sign-in
  // routes, emailed-link pages, discovery), which generated clients and linters both read.
  const security: RouteConfig["security"] =
    config.security ??
    (storefront ? [{ publishableKey: [] }] : BY_GUARD.get(guard as MiddlewareHandler)?.(route.method)) ??
    [];
  const codes = [...implied(route, guard, storefront), ...errors];
  const failures = oauth ? oauthResponses(codes, oauth) : errorResponses(codes);
  const responses = { ...failures, ...route.responses };
  // Typed as the route declared itself: handlers answer its success statuses; errors are thrown.
  const operationId = route.operationId ?? operationIdFor(route.method, route.path);
  return declareRoute({ ...route, operationId, security, responses } as Omit<R, "errors" | "oauth">);
}

/**
 * A stable operationId from the method and path (`GET /v1/organizations/{id}/members` ->
 * `getOrganizationsByIdMembers`): generated clients name their functions after it.
 */
export function operationIdFor(method: string, path: string): string {
  const words = path
    .replace(/^\/v1\//, "/")
    .split("/")
    .flatMap((segment) => (segment.startsWith("{") ? ["by", segment.slice(1, -1)] : [segment]))
    .flatMap((segment) => segment.split(/[-_.]/))
    .filter((word) => word !== "");
  return [method.toLowerCase(), ...words.map((w) => w.charAt(0).toUpperCase() + w.slice(1))].join("");
}

/**
 * The codes every route of this shape can answer whatever its service does, so the document never
 * omits them (the test harness checks every error answer of the suite against the document).
 */
function implied(
  route: Omit<RouteConfig, "path"> & { path: string },
  guard: MiddlewareHandler | undefined,
  storefront: boolean,
): ErrorCode[] {
  const unsafe = UNSAFE.has(route.method.toUpperCase());
  // Control characters anywhere (400), a presented but bad bearer credential (401), API-key guessing
  // (429) and a store outage (503) are answered before any route runs.
  const codes: ErrorCode[] = ["validation_error", "unauthorized", "token_invalid", "rate_limited", "store_unavailable"];
  if (storefront) codes.push("publishable_key_invalid", "origin_not_allowed");
  else if (unsafe) codes.push("csrf_failed"); // cross-site writes, whatever the route
  // Every guard refuses device tokens; managers and the platform API ask the access policy.
  if (guard && BY_GUARD.has(guard)) codes.push("forbidden");
  if (guard && MANAGERS.has(guard)) codes.push("insufficient_scope", "not_found", "mfa_enrollment_required");
  if (route.path.includes("{")) codes.push("not_found");
  if (route.request?.body) codes.push("payload_too_large", "unsupported_media_type");
  if (route.method === "post") codes.push("idempotency_conflict", "idempotency_key_reused");
  return codes;
}

/** OAuth endpoints' error answers: RFC 6749 §5.2 JSON, per status the `error` values it can carry. */
function oauthResponses(codes: ErrorCode[], kind: OAuthEndpoint) {
  const byStatus = new Map<number, Set<string>>();
  for (const code of new Set(codes))
    for (const bearer of [false, true]) {
      const { error, status } = oauthErrorFor({ code, status: ERROR_CODES[code].status }, kind, bearer);
      byStatus.set(status, (byStatus.get(status) ?? new Set()).add(error));
    }
  const out: Record<number, { description: string; content: { "application/json": { schema: z.ZodType } } }> = {};
  for (const [status, errors] of [...byStatus].sort(([a], [b]) => a - b)) {
    const values = [...errors].sort() as [string, ...string[]];
    out[status] = {
      description: `${values.join(", ")} (RFC 6749 §5.2 error JSON; 401 and 403 carry WWW-Authenticate)`,
      content: { "application/json": { schema: oauthError(values) } },
    };
  }
  return out;
}

const oauthError = (values: [string, ...string[]]) =>
  z.object({ error: z.enum(values), error_description: z.string(), request_id: z.string() });

/** Codes several routes' services share, so each route lists what it adds in a few words. */
export const ERRORS = {
  /** The access policy's refusals: not yours (404), not your role (403), not the key's scope (403). */
  policy: ["forbidden", "insufficient_scope", "not_found", "mfa_enrollment_required"],
  /** Sensitive changes: a recent sign-in or the current password (a wrong one counts as a failed login). */
  recentAuth: ["reauth_required", "invalid_credentials", "email_not_verified", "mfa_invalid"],
  /** Spending an emailed or displayed one-time token. */
  oneTimeToken: ["token_invalid", "token_expired"],
  /** The password policy on a new password. */
  newPassword: ["password_too_short", "password_too_long", "password_too_common"],
  /** Public send endpoints: the human check (services/send-guard.ts), when Turnstile is configured. */
  humanCheck: ["challenge_required", "challenge_failed", "challenge_unavailable"],
  /** Email and password sign-in. */
  passwordSignIn: ["invalid_credentials", "email_not_verified", "forbidden"],
} as const satisfies Record<string, readonly ErrorCode[]>;
