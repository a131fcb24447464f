import type { Config } from "./config";
import type { Identity } from "./services/identity";
import type { SessionRecord } from "./storage/ports";
import type { Deps } from "./deps";

export interface AppVariables {
  config: Config;
  deps: Deps;
  requestId: string;
  clientIp: string;
  identity: Identity | null;
  session: { record: SessionRecord; tokenHash: string; csrfToken: string | null } | null;
}

export interface AppEnv {
  Bindings: Record<string, unknown>;
  Variables: AppVariables;
}
