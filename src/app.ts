import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { withProfiles } from "./compat";
import type { Config } from "./config";
import type { AppEnv } from "./context";
import { AuthError, type ErrorCode, errorBody } from "./errors";
import { admit } from "./middleware/admit";
import { authenticate } from "./middleware/authenticate";
import { idempotency } from "./middleware/idempotency";
import { oauthEndpoint, oauthErrorResponse } from "./middleware/oauth-endpoint";
import { requestContext } from "./middleware/request-context";
import { docsPage } from "./pages/docs";
import type { Deps } from "./ports";
import { adminRoutes } from "./routes/admin";
import { apiKeyRoutes } from "./routes/api-keys";
import { SECURITY_SCHEMES } from "./routes/declare";
import { devRoutes } from "./routes/dev";
import { deviceRoutes } from "./routes/devices";
import { discoveryRoutes } from "./routes/discovery";
import { emailVerificationRoutes } from "./routes/email-verification";
import { withExamples } from "./routes/examples";
import { identityRoutes } from "./routes/identities";
import { introspectionRoutes } from "./routes/introspection";
import { invitationRoutes } from "./routes/invitations";
import { magicLinkRoutes } from "./routes/magic-link";
import { mfaRoutes } from "./routes/mfa";
import { organizationRoutes } from "./routes/organizations";
import { passkeyRoutes } from "./routes/passkeys";
import { passwordRoutes } from "./routes/password";
import { publishableKeyRoutes } from "./routes/publishable-keys";
import { serviceRoutes } from "./routes/service";
import { sessionRoutes } from "./routes/session";
import { socialRoutes } from "./routes/social";
import { storefrontRoutes } from "./routes/storefront";
import { tokenRoutes } from "./routes/tokens";
import { validationHook } from "./routes/validation";
import { webhookRoutes } from "./routes/webhooks";

export const MAX_BODY_BYTES = 64 * 1024;

/** Builds the whole HTTP surface from its ports; production (src/index.ts) and tests differ only in `deps`. */
export function createApp({ config, deps }: { config: Config; deps: Deps }): OpenAPIHono<AppEnv> {
  return withProfiles(createV1App(config, deps), config);
}

function createV1App(config: Config, deps: Deps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use("*", requestContext(config, deps));
  // First: every refusal at an OAuth endpoint (cross-site, body size, a bad Bearer key) speaks OAuth.
  app.use("/v1/oauth/*", oauthEndpoint("client"));
  app.use(
    "/v1/*",
    admit(
      bodyLimit({
        maxSize: MAX_BODY_BYTES,
        onError: () => {
          throw new AuthError("payload_too_large");
        },
      }),
    ),
  );
  app.use("/v1/*", authenticate);
  app.use("/v1/*", idempotency);

  app.route("/", magicLinkRoutes);
  app.route("/", passwordRoutes);
  app.route("/", emailVerificationRoutes);
  app.route("/", tokenRoutes);
  app.route("/", socialRoutes);
  app.route("/", identityRoutes);
  app.route("/", mfaRoutes);
  app.route("/", passkeyRoutes);
  app.route("/", introspectionRoutes);
  app.route("/", sessionRoutes);
  app.route("/", organizationRoutes);
  app.route("/", invitationRoutes);
  app.route("/", apiKeyRoutes);
  app.route("/", adminRoutes);
  app.route("/", publishableKeyRoutes);
  app.route("/", storefrontRoutes);
  app.route("/", deviceRoutes);
  app.route("/", webhookRoutes);
  app.route("/", serviceRoutes);
  app.route("/", discoveryRoutes(config));
  if (config.debug) app.route("/", devRoutes);

  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES))
    app.openAPIRegistry.registerComponent("securitySchemes", name, scheme);
  // Built on first request (not at start-up: it costs CPU every cold start would pay), then kept.
  let built: ReturnType<typeof app.getOpenAPI31Document> | null = null;
  const document = () =>
    (built ??= withExamples(
      app.getOpenAPI31Document({
        openapi: "3.1.0",
        info: {
          title: "Edge auth worker",
          version: "0.1.0",
          license: { name: "MIT", url: "https://opensource.org/license/mit" },
          description:
            "Sign-in machinery on Cloudflare Workers. Every error answers {success: false, error: {code, message, details?}, meta: {request_id}}; clients key on error.code (each status's codes are listed per response).",
        },
        servers: [{ url: config.publicOrigin }],
      }),
    ));
  app.get("/openapi.json", (c) => c.json(document()));
  app.get("/docs", (c) => docsPage(c, document()));

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
