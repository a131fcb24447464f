// Lazy group: the OpenAPI document and the /docs page. The document is built from the route
// declarations at build time (`npm run client:generate` writes client/openapi.json, CI fails on drift),
// so no isolate spends ~70 ms of CPU generating it; only `servers` is this deployment's own.
import type { Context } from "hono";
import document from "../../../client/openapi.json";
import type { Config } from "../../config";
import type { AppEnv } from "../../context";
import { docsPage } from "../../pages/docs";

let served: { origin: string; json: string; document: typeof document } | null = null;

function forOrigin(config: Config) {
  if (served?.origin !== config.publicOrigin) {
    const own = { ...document, servers: [{ url: config.publicOrigin }] };
    served = { origin: config.publicOrigin, json: JSON.stringify(own), document: own };
  }
  return served;
}

export function openApiJson(c: Context<AppEnv>): Response {
  return c.body(forOrigin(c.get("config")).json, 200, { "content-type": "application/json" });
}

export function docs(c: Context<AppEnv>): Response | Promise<Response> {
  return docsPage(c, forOrigin(c.get("config")).document as never);
}
