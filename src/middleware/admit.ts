import type { MiddlewareHandler, Next } from "hono";
import type { AppEnv } from "../context";
import { trustedCors } from "./cors";
import { refuseCrossSiteWrites } from "./require";
import { storefront } from "./storefront";
import { refuseControlCharacters } from "./text-input";

/**
 * Every check a /v1 request passes before its credential is read, as one middleware: the body limit,
 * CORS for trusted front ends, cross-site writes, control characters, and for storefront routes the
 * publishable key. Same order and effect as separate layers, without a router entry and a dispatch per
 * layer on every request; a layer a request cannot need (no body, no Origin) is not entered at all.
 */
export function admit(bodyLimit: MiddlewareHandler<AppEnv>): MiddlewareHandler<AppEnv> {
  return async function admit(c, next) {
    // Like Hono's compose: a layer that answers itself (a preflight) sets the response.
    const layer =
      (handler: MiddlewareHandler<AppEnv>, then: Next): Next =>
      async () => {
        const res = await handler(c, then);
        if (res instanceof Response && !c.finalized) c.res = res;
      };
    const store = c.req.path.startsWith("/v1/storefront/");
    let chain: Next = store ? layer(storefront, next) : next;
    chain = layer(refuseControlCharacters, chain);
    chain = layer(refuseCrossSiteWrites, chain);
    if (!store && (c.req.header("origin") !== undefined || c.req.method === "OPTIONS"))
      chain = layer(trustedCors, chain);
    if (c.req.raw.body !== null) chain = layer(bodyLimit, chain);
    await chain();
  };
}
