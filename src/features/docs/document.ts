// The OpenAPI document from the route declarations of every group (the lazy ones loaded): what
// `npm run client:generate` writes to client/openapi.json, which /openapi.json then serves. Not part
// of the worker's modules: only the generator imports it.
import { OpenAPIHono } from "@hono/zod-openapi";
import { createV1App } from "../../app";
import type { Config } from "../../config";
import type { AppEnv } from "../../context";
import { loadAllGroups, UNDOCUMENTED } from "../../lazy-routes";
import type { Deps } from "../../ports";
import { withExamples } from "../../routes/examples";

export async function openApiDocument(config: Config): Promise<Record<string, unknown>> {
  const docs = new OpenAPIHono<AppEnv>();
  docs.route("/", createV1App(config, { clock: { now: () => Date.now() } } as Deps));
  for (const { name, routes } of await loadAllGroups()) if (!UNDOCUMENTED.includes(name)) docs.route("/", routes);
  return withExamples(
    docs.getOpenAPI31Document({
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
  ) as unknown as Record<string, unknown>;
}
