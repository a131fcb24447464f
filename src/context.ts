import type { Config } from "./config";
import type { Identity } from "./services/identity";
import type { ValidSession } from "./services/session";
import type { SessionOrganization, UserSnapshot } from "./storage/ports";
import type { Deps } from "./deps";

export interface AppVariables {
  config: Config;
  deps: Deps;
  requestId: string;
  clientIp: string;
  identity: Identity | null;
  /** Whoever the credential (session cookie or access token) says this is. */
  auth: { identity: Identity; snapshot: UserSnapshot; organization: SessionOrganization; via: "cookie" | "bearer"; tokenFamily?: string } | null;
  /** Set when the request carries a valid session cookie. */
  session: (ValidSession & { csrfToken: string | null }) | null;
}

export interface AppEnv {
  Bindings: Record<string, unknown>;
  Variables: AppVariables;
}
