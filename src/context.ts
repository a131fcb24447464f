import type { Config } from "./config";
import type { SessionOrganization, SessionUser, StoreKey, UserSnapshot } from "./ports";
import type { ServiceContext } from "./services/context";
import type { IdempotencyScope } from "./services/idempotent";
import type { Identity } from "./services/identity";
import type { ValidSession } from "./services/session";

/** An organization as a credential sees it; `role` is null for API keys (not a membership). */
export type OrganizationView = Omit<SessionOrganization, "role"> & { role: SessionOrganization["role"] | null };

import type { Deps } from "./ports";

/** Which OAuth endpoint a request is for ("client": client authentication; "token": the token grant). */
export type OAuthEndpoint = "client" | "token";

export interface AppVariables {
  config: Config;
  deps: Deps;
  requestId: string;
  clientIp: string;
  /** Whoever the credential (session cookie, access token or API key) says this is. */
  auth: {
    identity: Identity;
    /** The user behind the credential; null for API keys (organization credentials). */
    snapshot: UserSnapshot | null;
    organization: OrganizationView;
    via: "cookie" | "bearer" | "api_key" | "device";
    tokenFamily?: string;
    /** For API keys: the member who minted the key. */
    keyCreator?: string | null;
    /** For API keys: that member's account, answered as `user` by /me. */
    keyCreatorUser?: SessionUser | null;
    /** When the person last proved who they are (ms): session sign-in, or the token family's grant. */
    authenticatedAt?: number | null;
  } | null;
  /** Storefront routes: the store named by X-Public-Key, and the customer signed in to it (if any). */
  store: StoreKey | null;
  /** What services receive: stores, config, clock, client IP, request id, deferred work. */
  ctx: ServiceContext;
  /** The request's Idempotency-Key as scoped to its principal (null without one). */
  idempotency: IdempotencyScope | null;
  /**
   * Sign-out with a session cookie: the raw cookie, left unread by authenticate so that the route's one
   * script checks the CSRF token and deletes the session in a single round trip.
   */
  deferredSession: string | null;
  /** Set on OAuth endpoints: their errors are OAuth JSON (middleware/oauth-endpoint.ts), not the envelope. */
  oauth: OAuthEndpoint | null;
  /** Set when the request carries a valid session cookie. */
  session: (ValidSession & { csrfToken: string | null }) | null;
}

export interface AppEnv {
  Bindings: Record<string, unknown>;
  Variables: AppVariables;
}
