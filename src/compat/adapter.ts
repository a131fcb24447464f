// How a profile speaks to /v1: it rewrites the request, calls the /v1 app in-process (same routes,
// middleware, services and stores; no network hop), and reshapes the answer. Nothing below /v1
// knows that profiles exist.
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import type { ProfileName, RouteKey } from "../compat-names";
import type { Config } from "../config";
import type { AppEnv } from "../context";
import { idToUuid } from "../crypto/uuid-ids";
import type { ErrorDetail } from "../errors";
import { executionContext } from "../http";
import { requestIdFrom } from "../middleware/request-context";

export interface V1Error {
  code: string;
  message: string;
  details?: ErrorDetail[];
}

/** The source system's error answer for one of our errors (its envelope, status and wording). */
export type ErrorShape = (
  error: V1Error,
  status: number,
  meta: Record<string, unknown>,
) => {
  status: number;
  body: unknown;
};

export interface Outcome {
  status: number;
  /** The /v1 envelope's `data` (null for errors and empty answers). */
  // biome-ignore lint/suspicious/noExplicitAny: shaped by the /v1 route's schema; each adapter reads the fields it maps.
  data: any;
  meta: Record<string, unknown>;
  error: V1Error | null;
  /** The /v1 answer itself, for pages (HTML) passed through whole. */
  response: Response;
  /** The same headers as /v1 sent (cookies, Retry-After, X-Request-Id...), with a new body. */
  reply(status: number, body: unknown): Response;
  /** The error in the source system's shape. */
  fail(): Response;
}

export interface CallInit {
  method?: string;
  path: string;
  /** A JSON body; a string is a body that was not a JSON object, forwarded as sent so /v1 answers it. */
  json?: Record<string, unknown> | string;
  /** Header changes for the /v1 call (null removes one). */
  headers?: Record<string, string | null>;
}

export interface Call {
  c: Context<AppEnv>;
  config: Config;
  /** The request body: an object when it is a JSON object, else the text as sent. */
  body(): Promise<Record<string, unknown> | string>;
  v1(init: CallInit): Promise<Outcome>;
  /** An answer of the adapter's own (a rule the source document states that /v1 does not have). */
  reject(status: number, error: V1Error): Response;
}

export type Handler = (call: Call) => Promise<Response>;

export interface Profile<N extends ProfileName> {
  error: ErrorShape;
  /** For CORS preflights: the /v1 path whose OPTIONS answer a profile path shares. */
  preflight?: (path: string) => string | null;
  /** "v1" where the /v1 route already answers exactly as the source document says. */
  routes: Record<RouteKey<N>, Handler | "v1">;
}

export interface CoreApp {
  fetch(request: Request, env?: unknown, ctx?: ExecutionContext): Response | Promise<Response>;
}

/** /v1's body limit: a longer body is cut one byte past it and forwarded, so /v1 answers its 413. */
const MAX_BODY_BYTES = 64 * 1024;

/** Reads at most `max + 1` bytes of the body (never the whole of a huge one) as text. */
async function readLimited(request: Request, max: number): Promise<string> {
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size <= max) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  if (size > max) await reader.cancel();
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes.subarray(0, Math.min(size, max + 1)));
}

export function createCall(c: Context<AppEnv>, core: CoreApp, config: Config, error: ErrorShape): Call {
  const requestId = requestIdFrom(c.req.header("x-request-id"));
  let body: Promise<Record<string, unknown> | string> | null = null;
  const respond = (headers: Headers, status: number, payload: unknown): Response => {
    const out = new Headers(headers);
    out.delete("content-length");
    out.set("X-Request-Id", requestId);
    if (payload === null) {
      out.delete("content-type");
      return new Response(null, { status, headers: out });
    }
    out.set("content-type", "application/json");
    return new Response(JSON.stringify(payload), { status, headers: out });
  };
  const shaped = (headers: Headers, status: number, e: V1Error, meta: Record<string, unknown>): Response => {
    const answer = error(e, status, meta);
    const correlationId = typeof meta.correlation_id === "string" ? meta.correlation_id : null;
    if (correlationId === null) return respond(headers, answer.status, answer.body);
    // A 5xx a user may report: its correlation id (the one in our log next to the cause) travels with
    // every profile's answer, in the body where the document has a place for it (Simulix: meta) or
    // beside its fields, and always as X-Correlation-Id.
    const out = new Headers(headers);
    out.set("X-Correlation-Id", correlationId);
    const body = answer.body;
    const carries = JSON.stringify(body ?? null).includes(correlationId);
    const withId =
      !carries && body !== null && typeof body === "object" && !Array.isArray(body)
        ? { ...(body as Record<string, unknown>), correlation_id: correlationId }
        : body;
    return respond(out, answer.status, withId);
  };
  return {
    c,
    config,
    body() {
      body ??= readLimited(c.req.raw, MAX_BODY_BYTES).then((text) => {
        try {
          const value: unknown = JSON.parse(text);
          if (value !== null && typeof value === "object" && !Array.isArray(value))
            return value as Record<string, unknown>;
        } catch {
          // Not JSON: /v1 answers it with its own 400 or 415.
        }
        return text;
      });
      return body;
    },
    async v1(init) {
      const headers = new Headers(c.req.raw.headers);
      headers.delete("content-length");
      headers.set("x-request-id", requestId);
      let payload: string | undefined;
      if (typeof init.json === "string") payload = init.json;
      else if (init.json !== undefined) {
        payload = JSON.stringify(init.json);
        headers.set("content-type", "application/json");
      }
      for (const [name, value] of Object.entries(init.headers ?? {})) {
        if (value === null) headers.delete(name);
        else headers.set(name, value);
      }
      const method = init.method ?? c.req.method;
      const request = new Request(new URL(init.path, c.req.url), { method, headers, body: payload });
      const response = await core.fetch(request, c.env, executionContext(c));
      const isJson = response.headers.get("content-type")?.includes("application/json") ?? false;
      // biome-ignore lint/suspicious/noExplicitAny: the /v1 envelope, read field by field below.
      const parsed: any = isJson ? await response.clone().json() : null;
      const meta = (parsed?.meta ?? {}) as Record<string, unknown>;
      // The source systems know no second factor: a sign-in that owes one is refused in their error
      // shape, with the challenge beside it, so an app can finish with POST /v1/auth/mfa/verify.
      const challenge = parsed?.data?.mfa_required === true ? (parsed.data as Record<string, unknown>) : null;
      if (challenge) {
        const e = { code: "mfa_required", message: "A second factor is needed: POST /v1/auth/mfa/verify." };
        const fail = () => {
          const answer = error(e, 401, meta);
          const body = typeof answer.body === "object" && answer.body ? { ...answer.body, ...challenge } : answer.body;
          return respond(response.headers, answer.status, body);
        };
        return { status: 401, data: null, meta, error: e, response, reply: fail, fail };
      }
      const failed = parsed?.success === false && parsed.error ? (parsed.error as V1Error) : null;
      return {
        status: response.status,
        data: parsed?.data ?? null,
        meta,
        error: failed,
        response,
        reply: (status, payload) => respond(response.headers, status, payload),
        fail: () => shaped(response.headers, response.status, failed ?? { code: "internal_error", message: "" }, meta),
      };
    },
    reject(status, e) {
      return shaped(new Headers({ "Cache-Control": "no-store" }), status, e, { request_id: requestId });
    },
  };
}

/** Copies `source` with camelCase field names renamed to /v1's snake_case (unknown fields dropped). */
export function pick(
  source: Record<string, unknown> | string,
  fields: Record<string, string>,
): Record<string, unknown> | string {
  if (typeof source === "string") return source;
  const out: Record<string, unknown> = {};
  for (const [from, to] of Object.entries(fields)) if (source[from] !== undefined) out[to] = source[from];
  return out;
}

/**
 * The UUID form of a record id, for documents that type ids as UUIDs (phy.engineering, CorePlexML).
 * /v1 accepts it back in every id path, so the client can hand it to any route.
 */
export function asUuid(id: unknown): unknown {
  return typeof id === "string" ? (idToUuid(id) ?? id) : id;
}

/** Epoch seconds for an ISO time (phy.engineering and similar clients count in seconds). */
export function epochSeconds(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000);
}

/**
 * For source front ends that post cookie writes without a CSRF header (their documents show none):
 * the csrf cookie is echoed as the header, so the Origin / Sec-Fetch-Site check that /v1 runs on every
 * unsafe request (cross-site -> 403 csrf_failed) is what defends the route. Used for sign-out only.
 */
export function sameOriginCsrf(call: Call): Record<string, string> {
  if (call.c.req.header("x-csrf-token") !== undefined) return {};
  const token = getCookie(call.c, call.config.cookies.csrfName);
  return token === undefined ? {} : { "x-csrf-token": token };
}
