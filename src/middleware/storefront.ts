import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "../context";
import { AuthError } from "../errors";
import { findStore, originAllowedAnywhere } from "../services/storefront";

const KEY_SHAPE = /^pk_(live|test)_[0-9a-z]{26}$/;
/** Applied only once the origin is known to be allowed (by the request's key, or for preflights by any live key). */
const storefrontCors = cors({
  origin: (origin) => origin,
  credentials: true,
  allowMethods: ["GET", "POST"],
  allowHeaders: ["content-type", "x-public-key", "x-turnstile-token", "idempotency-key", "x-request-id"],
  maxAge: 600,
});

/**
 * Storefront routes serve browser storefronts on other origins. Every request names its store with
 * `X-Public-Key`; a request with an Origin must come from one of that key's allowed_origins, and only
 * then gets CORS headers (that exact origin, never `*`, credentials allowed). Preflights carry no key,
 * so they are answered for origins that some live key allows; the real request is then checked
 * against its own key. Requiring the custom header also makes every cross-origin call preflighted,
 * which is what keeps the customer cookie (SameSite=None) safe from CSRF.
 */
export const storefront: MiddlewareHandler<AppEnv> = async function storefront(c, next) {
  const origin = c.req.header("origin");
  if (c.req.method === "OPTIONS") {
    if (origin === undefined || !(await originAllowedAnywhere(c.get("ctx"), origin)))
      throw new AuthError("origin_not_allowed");
    return storefrontCors(c, next);
  }
  const keyId = c.req.header("x-public-key");
  const store = keyId !== undefined && KEY_SHAPE.test(keyId) ? await findStore(c.get("ctx"), keyId) : null;
  if (!store || store.revoked) throw new AuthError("publishable_key_invalid");
  if (origin !== undefined && !store.allowed_origins.includes(origin)) throw new AuthError("origin_not_allowed");
  c.set("store", store);
  if (origin === undefined) return next();
  return storefrontCors(c, next);
};
