// Lazy group: the compatibility profiles' handlers (loaded by the first profile request; the routes
// they answer are registered by profile-routes.ts from compat-names.ts, without loading this module).
import type { Context } from "hono";
import type { ProfileName } from "../compat-names";
import type { Config } from "../config";
import type { AppEnv } from "../context";
import { type CoreApp, createCall, type Profile } from "./adapter";
import { cimplify } from "./cimplify";
import { coreplexml } from "./coreplexml";
import { phy } from "./phy";
import { simplaix } from "./simplaix";
import { simulix } from "./simulix";

const PROFILES: { [N in ProfileName]: Profile<N> } = { simulix, simplaix, phy, coreplexml, cimplify };

/** Answers one profile route; null when /v1 answers it as it is (the caller passes it through). */
export function serve(
  name: ProfileName,
  route: string,
  c: Context<AppEnv>,
  core: CoreApp,
  config: Config,
): Promise<Response> | null {
  const profile = PROFILES[name] as Profile<ProfileName>;
  const handler = (profile.routes as Record<string, (typeof profile.routes)[keyof typeof profile.routes]>)[route];
  if (handler === undefined || handler === "v1") return null;
  return handler(createCall(c, core, config, profile.error));
}

/** For a CORS preflight on a profile path: the /v1 path whose OPTIONS answer it shares, if any. */
export function preflightPath(name: ProfileName, path: string): string | null {
  return PROFILES[name].preflight?.(path) ?? null;
}
