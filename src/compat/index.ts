// Mounts the configured compatibility profiles in front of the /v1 app: their routes first, and
// everything else straight through to /v1.
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Config } from "../config";
import type { AppEnv } from "../context";
import { type CoreApp, createCall, executionContext, type Profile } from "./adapter";
import { cimplify } from "./cimplify";
import { coreplexml } from "./coreplexml";
import type { ProfileName } from "./names";
import { phy } from "./phy";
import { simplaix } from "./simplaix";
import { simulix } from "./simulix";

const PROFILES: { [N in ProfileName]: Profile<N> } = { simulix, simplaix, phy, coreplexml, cimplify };

export function withProfiles(core: OpenAPIHono<AppEnv>, config: Config): OpenAPIHono<AppEnv> {
  if (config.compat.length === 0) return core;
  const app = new OpenAPIHono<AppEnv>();
  const pass = (c: Context<AppEnv>, request: Request = c.req.raw) => core.fetch(request, c.env, executionContext(c));
  for (const name of config.compat) {
    const profile = PROFILES[name] as Profile<ProfileName>;
    for (const [route, handler] of Object.entries(profile.routes)) {
      if (handler === "v1") continue;
      const [method, path] = route.split(" ") as [string, string];
      app.on(method, path, (c) => handler(createCall(c, core as CoreApp, config, profile.error)));
      const preflight = profile.preflight?.(path);
      if (preflight) app.options(path, (c) => pass(c, new Request(new URL(preflight, c.req.url), c.req.raw)));
    }
  }
  app.all("*", (c) => pass(c));
  return app;
}
