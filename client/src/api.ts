import createClient, { type Client, type ClientOptions } from "openapi-fetch";
import type { paths } from "./schema.js";

export type { paths };
export type AuthApi = Client<paths>;

export interface ApiOptions {
  /** The worker's origin, e.g. https://auth.example.com */
  baseUrl: string;
  /** A fetch to use instead of the global one (tests, service bindings, custom agents). */
  fetch?: (request: Request) => Promise<Response>;
  /** Sent on every request. */
  headers?: Record<string, string>;
}

/** Whether a browser should send cookies with each call ("include" for cookie sessions). */
export type Credentials = "include" | "same-origin" | "omit";

/** The typed /v1 API with no policy of its own: every path, body and answer checked by TypeScript. */
export function createApi(options: ApiOptions, init: { credentials?: Credentials } = {}): AuthApi {
  const client: ClientOptions = {
    baseUrl: options.baseUrl.replace(/\/$/, ""),
    fetch: options.fetch,
    headers: options.headers,
  };
  // Outside browsers (servers, workers, tests) there is no cookie store and some runtimes refuse the field.
  if (init.credentials && isBrowser()) Object.assign(client, { credentials: init.credentials });
  return createClient<paths>(client);
}

export function isBrowser(): boolean {
  return typeof (globalThis as { document?: unknown }).document !== "undefined";
}

/** The X-Turnstile-Token header of the public send endpoints, when there is a token. */
export function humanCheck(init: { turnstileToken?: string }) {
  return { header: init.turnstileToken ? { "x-turnstile-token": init.turnstileToken } : {} };
}
