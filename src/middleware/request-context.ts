import type { Context, MiddlewareHandler } from "hono";
import type { Config } from "../config";
import type { AppEnv } from "../context";
import { afterResponse, clientIp } from "../http";
import type { Deps } from "../ports";

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The request's id: the client's X-Request-Id when it is sane (echoed), else a new one. Ids need
 * uniqueness, not order: the runtime's native UUID is the cheapest source.
 */
export function requestIdFrom(sent: string | undefined): string {
  return sent !== undefined && CLIENT_REQUEST_ID.test(sent) ? sent : `req_${crypto.randomUUID().replaceAll("-", "")}`;
}

/** Request id (echoed when the client sent a sane one), deps, config and the client IP on c.var. */
export function requestContext(config: Config, deps: Deps): MiddlewareHandler<AppEnv> {
  return async function requestContext(c, next) {
    const requestId = requestIdFrom(c.req.header("x-request-id"));
    c.set("requestId", requestId);
    c.set("config", config);
    c.set("deps", deps);
    const ip = clientIp(c);
    c.set("clientIp", ip);
    c.set("ctx", {
      deps,
      config,
      now: () => deps.clock.now(),
      ip,
      userAgent: c.req.header("user-agent") ?? "",
      requestId,
      defer: (label, task) => afterResponse(c, label, task),
    });
    c.set("auth", null);
    c.set("store", null);
    c.set("session", null);
    c.set("deferredSession", null);
    c.set("idempotency", null);
    c.set("oauth", null);
    await next();
    c.header("X-Request-Id", requestId);
    securityHeaders(c);
  };
}

/** Security headers for API responses; HTML pages set their own CSP. */
function securityHeaders(c: Context<AppEnv>): void {
  const h = c.res.headers;
  if (!h.has("Cache-Control")) h.set("Cache-Control", "no-store");
  if (!h.has("Content-Security-Policy")) h.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  h.set("X-Content-Type-Options", "nosniff");
  // HTML pages choose their own (same-origin, so their forms keep an Origin); API answers send none.
  if (!h.has("Referrer-Policy")) h.set("Referrer-Policy", "no-referrer");
  h.set("X-Frame-Options", "DENY");
  h.set("Cross-Origin-Opener-Policy", "same-origin");
  if (c.get("config")?.cookies.secure) h.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
}
