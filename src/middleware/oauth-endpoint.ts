// OAuth endpoints speak OAuth, not the envelope: RFC 6749 §5.2 error JSON, RFC 6750 challenges, and
// client authentication as RFC 6749 §2.3.1 and RFC 7662 §2.1 expect it, so that a certified library
// (oauth4webapi, a gateway's introspection plugin) works against us unchanged.
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv, OAuthEndpoint } from "../context";
import { AuthError, type ErrorCode } from "../errors";
import { isFormPost } from "../routes/schemas";
import { apiKeyFromClientCredentials } from "../services/api-key-shape";
import { verifyApiKey } from "../services/api-keys";
import { apiKeyAuth } from "./authenticate";

/** `client`: an endpoint a client authenticates to (introspection). `token`: the token endpoint. */
export type { OAuthEndpoint };

/** Marks the request as an OAuth endpoint's: errorResponse renders its errors as OAuth JSON. */
export function oauthEndpoint(kind: OAuthEndpoint): MiddlewareHandler<AppEnv> {
  return async function oauthEndpoint(c, next) {
    c.set("oauth", kind);
    await next();
  };
}

const BASIC = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i;

/**
 * An API key as an OAuth client: client_id is the key's id (`key_…`), client_secret the key itself
 * (`sk_live_…`, whose id must be client_id) or only its part after the dot. Sent in HTTP Basic
 * (client_secret_basic) or in the form body (client_secret_post); `Authorization: Bearer sk_…` keeps
 * working (authenticate already read it). Two methods at once are refused (RFC 6749 §2.3).
 */
export const authenticateClient: MiddlewareHandler<AppEnv> = async function authenticateClient(c, next) {
  const header = c.req.header("authorization");
  const basic = header === undefined ? undefined : BASIC.exec(header)?.[1];
  const form = isFormPost(c.req.header("content-type")) ? await c.req.parseBody() : {};
  const posted = form.client_id !== undefined || form.client_secret !== undefined;
  const bearerKey = c.get("auth")?.via === "api_key";
  if ([basic !== undefined, posted, bearerKey].filter(Boolean).length > 1)
    throw new AuthError("validation_error", { message: "Use exactly one client authentication method." });
  if (header !== undefined && /^Basic\s/i.test(header) && basic === undefined) throw clientFailed();
  if (basic !== undefined || posted) {
    const credentials = basic !== undefined ? fromBasic(basic) : fromForm(form.client_id, form.client_secret);
    const raw = credentials && apiKeyFromClientCredentials(c.get("config"), credentials.id, credentials.secret);
    const key = raw ? await verifyApiKey(c.get("ctx"), raw) : null;
    if (!key) throw clientFailed();
    c.set("session", null);
    c.set("auth", apiKeyAuth(key));
  }
  await next();
};

/** Same answer for an unknown id, a wrong secret, a revoked key and a malformed header. */
function clientFailed(): AuthError {
  return new AuthError("unauthorized", { message: "Client authentication failed." });
}

function fromBasic(encoded: string): { id: string; secret: string } | null {
  let decoded: string;
  try {
    decoded = atob(encoded);
  } catch {
    return null;
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  // RFC 6749 §2.3.1: both halves are form-urlencoded before they are joined.
  try {
    return {
      id: decodeURIComponent(decoded.slice(0, colon).replaceAll("+", " ")),
      secret: decodeURIComponent(decoded.slice(colon + 1).replaceAll("+", " ")),
    };
  } catch {
    return null;
  }
}

function fromForm(id: unknown, secret: unknown): { id: string; secret: string } | null {
  return typeof id === "string" && typeof secret === "string" ? { id, secret } : null;
}

/** RFC 6749 §5.2 / RFC 6750 §3.1 error code and status for one of ours at an OAuth endpoint. */
export function oauthErrorFor(
  error: { code: ErrorCode; status: number; details?: Array<{ field: string }> },
  kind: OAuthEndpoint,
  bearer: boolean,
): { error: string; status: number } {
  if (kind === "token" && error.code === "validation_error" && error.details?.some((d) => d.field === "grant_type"))
    return { error: "unsupported_grant_type", status: 400 };
  if (error.status === 401 && kind === "token") return { error: "invalid_grant", status: 400 };
  if (error.status === 401) return { error: bearer ? "invalid_token" : "invalid_client", status: 401 };
  // A browser's cross-site or CSRF-less post is a malformed request here, not a missing scope.
  if (error.code === "csrf_failed") return { error: "invalid_request", status: 403 };
  if (error.status === 403 && kind === "client") return { error: "insufficient_scope", status: 403 };
  // A grant the account may not use yet (unverified address, organization rule): RFC 6749 §5.2.
  if (error.status === 403) return { error: "invalid_grant", status: 400 };
  if (error.status === 429 || error.status === 503) return { error: "temporarily_unavailable", status: error.status };
  if (error.status >= 500) return { error: "server_error", status: 500 };
  // Malformed, too large, wrong media type, a replayed Idempotency-Key: the request is at fault.
  return { error: "invalid_request", status: error.status === 413 || error.status === 415 ? error.status : 400 };
}

/** An OAuth endpoint's error: `{error, error_description, request_id}` and, on 401/403, a challenge. */
export function oauthErrorResponse(
  c: Context<AppEnv>,
  kind: OAuthEndpoint,
  error: AuthError,
  requestId: string,
): Response {
  const authorization = c.req.header("authorization") ?? "";
  const bearer = /^Bearer\s/i.test(authorization);
  const { error: code, status } = oauthErrorFor(error, kind, bearer);
  const headers = new Headers({ "Content-Type": "application/json", "Cache-Control": "no-store" });
  for (const [name, value] of Object.entries(error.headers))
    if (name.toLowerCase() !== "www-authenticate") headers.set(name, value);
  const realm = `realm="${c.get("config").jwt.issuer}"`;
  if (status === 401) {
    const basic = /^Basic\s/i.test(authorization);
    // RFC 6750 §3: an error attribute only when a token was presented; RFC 6749 §5.2: Basic when used.
    const challenge = bearer
      ? `Bearer ${realm}, error="invalid_token"`
      : basic
        ? `Basic ${realm}, charset="UTF-8"`
        : `Basic ${realm}, charset="UTF-8", Bearer ${realm}`;
    headers.set("WWW-Authenticate", challenge);
  } else if (status === 403 && bearer) {
    headers.set("WWW-Authenticate", `Bearer ${realm}, error="insufficient_scope", scope="read"`);
  }
  const body = { error: code, error_description: error.message, request_id: requestId };
  return new Response(JSON.stringify(body), { status, headers });
}
