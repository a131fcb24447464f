import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { Config } from "./config";
import type { AppEnv } from "./context";
import { AuthError, type ErrorCode, errorBody } from "./errors";
import { lazyGroup } from "./lazy-routes";
import { admit } from "./middleware/admit";
import { authenticate } from "./middleware/authenticate";
import { idempotency } from "./middleware/idempotency";
import { oauthEndpoint, oauthErrorResponse } from "./middleware/oauth-endpoint";
import { requestContext } from "./middleware/request-context";
import type { Deps } from "./ports";
import { withProfiles } from "./profile-routes";
import { SECURITY_SCHEMES } from "./routes/declare";
import { discoveryRoutes } from "./routes/discovery";
import { introspectionRoutes } from "./routes/introspection";
import { magicLinkRoutes } from "./routes/magic-link";
import { serviceRoutes } from "./routes/service";
import { sessionRoutes } from "./routes/session";
import { storefrontRoutes } from "./routes/storefront";
import { tokenRoutes } from "./routes/tokens";
import { validationHook } from "./routes/validation";

export const MAX_BODY_BYTES = 64 * 1024;
const HOSTED_PATHS = ["/sign-in", "/sign-in/*", "/sign-up", "/account", "/account/*"];

/** Builds the whole HTTP surface from its ports; production (src/index.ts) and tests differ only in `deps`. */
export function createApp({ config, deps }: { config: Config; deps: Deps }): OpenAPIHono<AppEnv> {
  return withProfiles(createV1App(config, deps), config);
}

export function createV1App(config: Config, deps: Deps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use("*", requestContext(config, deps));
  // First: every refusal at an OAuth endpoint (cross-site, body size, a bad Bearer key) speaks OAuth.
  app.use("/v1/oauth/*", oauthEndpoint("client"));
  const admitted = admit(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new AuthError("payload_too_large");
      },
    }),
  );
  app.use("/v1/*", admitted);
  app.use("/v1/*", authenticate);
  app.use("/v1/*", idempotency);
  // The hosted pages: the same admission (cross-site writes refused, body limit) and the same session.
  for (const path of HOSTED_PATHS) {
    app.use(path, admitted);
    app.use(path, authenticate);
  }

  // The hot paths are here; every lazyGroup() is a stand-in for routes loaded on first use
  // (lazy-routes.ts), kept in this order so routing is the same as with everything mounted.
  app.route("/", magicLinkRoutes);
  lazyGroup(app, "accounts");
  app.route("/", tokenRoutes);
  lazyGroup(app, "social");
  lazyGroup(app, "mfa");
  lazyGroup(app, "passkeys");
  app.route("/", introspectionRoutes);
  app.route("/", sessionRoutes);
  lazyGroup(app, "organizations");
  lazyGroup(app, "api-keys");
  lazyGroup(app, "admin");
  lazyGroup(app, "publishable-keys");
  app.route("/", storefrontRoutes);
  lazyGroup(app, "devices");
  lazyGroup(app, "billing");
  lazyGroup(app, "webhooks");
  app.route("/", serviceRoutes);
  app.route("/", discoveryRoutes(config));
  if (config.debug) lazyGroup(app, "dev");
  lazyGroup(app, "hosted");

  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES))
    app.openAPIRegistry.registerComponent("securitySchemes", name, scheme);
  // Lazy too: the document is built at build time (features/docs), the page renders it on demand.
  app.get("/openapi.json", async (c) => (await import("./features/docs")).openApiJson(c));
  app.get("/docs", async (c) => (await import("./features/docs")).docs(c));

  app.notFound(() => {
    throw new AuthError("not_found");
  });
  app.onError((error, c) => errorResponse(error, c as Context<AppEnv>));
  return app;
}

const HTTP_EXCEPTION_CODES: Record<number, ErrorCode> = {
  400: "validation_error",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  413: "payload_too_large",
  415: "unsupported_media_type",
};

export function errorResponse(error: unknown, c: Context<AppEnv>): Response {
  let authError: AuthError;
  if (error instanceof AuthError) {
    authError = error;
  } else if (error instanceof Error && error.name === "ConstraintViolation") {
    // A race lost to another request on a database rule (unique address, last owner...): a conflict.
    authError = new AuthError("conflict");
  } else if (error instanceof HTTPException && HTTP_EXCEPTION_CODES[error.status]) {
    // Hono's own guards (malformed JSON, media type): keep the status, speak the contract's envelope.
    const code = HTTP_EXCEPTION_CODES[error.status] as ErrorCode;
    const details = code === "validation_error" ? [{ field: "body", message: error.message }] : undefined;
    authError = new AuthError(code, { details });
  } else {
    console.error(
      JSON.stringify({
        event: "internal_error",
        request_id: c.get("requestId"),
        error: String(error),
        stack: (error as Error)?.stack,
      }),
    );
    authError = new AuthError("internal_error");
  }
  const oauth = c.get("oauth");
  const response = oauth
    ? oauthErrorResponse(c, oauth, authError, c.get("requestId") ?? "unknown")
    : c.json(errorBody(authError, c.get("requestId") ?? "unknown"), authError.status);
  if (!oauth) for (const [name, value] of Object.entries(authError.headers)) response.headers.set(name, value);
  // The id a user can report for a 5xx, as a header too: it survives every envelope and profile.
  if (authError.correlationId) response.headers.set("X-Correlation-Id", authError.correlationId);
  return withRequestId(response, c);
}

function withRequestId(response: Response, c: Context<AppEnv>): Response {
  if (c.get("requestId")) response.headers.set("X-Request-Id", c.get("requestId"));
  return response;
}
