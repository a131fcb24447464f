// Mounts the configured compatibility profiles in front of the /v1 app: their routes first (each
// loads the profiles' module, src/compat/, on first use), and everything else straight through.
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { PROFILE_ROUTES } from "./compat-names";
import type { Config } from "./config";
import type { AppEnv } from "./context";
import { executionContext } from "./http";

const profiles = () => import("./compat");

export function withProfiles(core: OpenAPIHono<AppEnv>, config: Config): OpenAPIHono<AppEnv> {
  if (config.compat.length === 0) return core;
  const app = new OpenAPIHono<AppEnv>();
  const pass = (c: Context<AppEnv>, request: Request = c.req.raw) => core.fetch(request, c.env, executionContext(c));
  for (const name of config.compat) {
    for (const route of PROFILE_ROUTES[name]) {
      const [method, path] = route.split(" ") as [string, string];
      app.on(method, path, async (c) => (await profiles()).serve(name, route, c, core, config) ?? pass(c));
      app.options(path, async (c) => {
        const shared = (await profiles()).preflightPath(name, path);
        return pass(c, shared ? new Request(new URL(shared, c.req.url), c.req.raw) : c.req.raw);
      });
    }
  }
  app.all("*", (c) => pass(c));
  return app;
}
