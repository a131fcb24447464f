// Small HTTP helpers shared by middleware and routes: the envelope, cookies, the origin rule.
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Config } from "./config";
import type { AppEnv } from "./context";
import { ERROR_CODES, type ErrorCode } from "./errors";
import type { SessionRecord } from "./ports";
import { createCsrfToken } from "./services/csrf";
import { knownClientProof } from "./services/send-guard";
import { sessionCookieMaxAge } from "./services/session";

export function envelope<T extends z.ZodType>(data: T) {
  return z.object({ success: z.literal(true), data });
}

/** A list answer: the envelope plus `meta.count` (the contract's shape for every list). */
export function listEnvelope<T extends z.ZodType>(item: T) {
  return envelope(z.array(item)).extend({ meta: z.object({ count: z.number() }) });
}

const ErrorDetailSchema = z.object({ field: z.string(), message: z.string() }).openapi("ErrorDetail");
const ErrorMeta = z.object({ request_id: z.string(), correlation_id: z.string().optional() }).openapi("ErrorMeta");

const errorEnvelope = (code: z.ZodType<string>) =>
  z.object({
    success: z.literal(false),
    error: z.object({ code, message: z.string(), details: z.array(ErrorDetailSchema).optional() }),
    meta: ErrorMeta,
  });

export const ErrorEnvelope = errorEnvelope(z.string()).openapi("Error");

type ErrorContent = { description: string; content: { "application/json": { schema: typeof ErrorEnvelope } } };

/** One schema per code (`Error_<code>`, `error.code` a single value, with an example body), made once. */
const byCode = new Map<ErrorCode, typeof ErrorEnvelope>();
function codeSchema(code: ErrorCode): typeof ErrorEnvelope {
  let schema = byCode.get(code);
  if (!schema) {
    const message = ERROR_CODES[code].message;
    const error = code === "validation_error" ? { code, message, details: [VALIDATION_DETAIL] } : { code, message };
    const example = { success: false, error, meta: { request_id: EXAMPLE_REQUEST_ID } };
    schema = errorEnvelope(z.literal(code)).openapi(`Error_${code}`, { description: message, example }) as never;
    byCode.set(code, schema as typeof ErrorEnvelope);
  }
  return schema as typeof ErrorEnvelope;
}

/**
 * The error answers of one route: per status, exactly the codes that route can give (one schema each,
 * so `error.code` is a discriminating value for typed clients and the document lists every code).
 */
export function errorResponses(codes: Iterable<ErrorCode>): Record<number, ErrorContent> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = ERROR_CODES[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Record<number, ErrorContent> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    list.sort();
    const [first, second, ...rest] = list.map(codeSchema);
    const schema = second && first ? (z.union([first, second, ...rest]) as never) : (first as typeof ErrorEnvelope);
    out[status] = { description: list.join(", "), content: { "application/json": { schema } } };
  }
  return out;
}

const EXAMPLE_REQUEST_ID = "req_9f1c4e2ab07d4d8e8c61f3a95b2e7d40";
const VALIDATION_DETAIL = { field: "email", message: "must be a single plain email address" };

/**
 * True when a browser request comes from a page we do not trust. An Origin must be ours or in
 * TRUSTED_ORIGINS; without one, Fetch Metadata saying cross-site is refused. Non-browser clients send
 * neither and pass (they cannot ride a victim's cookies).
 *
 * `Origin: null` is what a browser sends for a form on a page whose referrer policy hides it (or
 * from a sandboxed frame or a data: URL, which is how attackers get one). It passes only together with
 * `Sec-Fetch-Site: same-origin`, a header pages cannot set and that a sandboxed frame or another site
 * never gets: that pair means "one of our own pages, posting to us".
 */
export function isCrossSiteRequest(c: Context<AppEnv>, config: Config): boolean {
  const origin = c.req.header("origin");
  if (origin === "null") return c.req.header("sec-fetch-site") !== "same-origin";
  if (origin !== undefined) return !(origin === config.publicOrigin || config.trustedOrigins.includes(origin));
  return c.req.header("sec-fetch-site") === "cross-site";
}

export function clientIp(c: Context<AppEnv>): string {
  // Only Cloudflare's header: X-Forwarded-For and friends are client-controlled (CVE-2026-107271 class).
  const ip = c.req.header("cf-connecting-ip");
  return ip && ip.length <= 64 && /^[0-9a-fA-F:.]+$/.test(ip) ? ip : "unknown";
}

export async function setSessionCookies(
  c: Context<AppEnv>,
  token: string,
  record: SessionRecord,
  csrfToken: string | null,
): Promise<string> {
  const config = c.get("config");
  const deps = c.get("deps");
  const maxAge = sessionCookieMaxAge(record, deps.clock.now());
  const csrf = csrfToken ?? record.csrf ?? (await createCsrfToken(deps.keys.csrf, record.id));
  const base = { path: "/", secure: config.cookies.secure, sameSite: "Lax" as const, maxAge };
  setCookie(c, config.cookies.sessionName, token, { ...base, httpOnly: true });
  // Readable by our own pages' scripts so they can echo it in X-CSRF-Token.
  setCookie(c, config.cookies.csrfName, csrf, { ...base, httpOnly: false });
  return csrf;
}

/** A new sign-in replaces whatever session the browser had (no fixation, no stale session left). */
export async function startBrowserSession(
  c: Context<AppEnv>,
  session: { token: string; record: SessionRecord; email?: string },
): Promise<void> {
  const previous = c.get("session");
  if (previous) await c.get("deps").sessions.revoke(previous.tokenHash);
  c.set("session", null);
  await setSessionCookies(c, session.token, session.record, null);
  if (session.email) {
    // This browser proved the address: its later sign-in requests for it skip the shared per-address
    // limit an attacker can spend (services/send-guard.ts). Not a credential: it signs nobody in.
    const config = c.get("config");
    const proof = await knownClientProof(c.get("ctx"), session.email);
    setCookie(c, config.cookies.knownName, proof, {
      path: "/",
      secure: config.cookies.secure,
      sameSite: "Lax",
      httpOnly: true,
      maxAge: 90 * 86_400,
    });
  }
}

/**
 * What a browser brings to a public send endpoint: the known-client proof (the user cookie unless
 * `cookie` names the storefront's) and a Turnstile token (the header, or a hosted form's field).
 */
export function sendProofs(
  c: Context<AppEnv>,
  options: { formToken?: string | null; cookie?: string } = {},
): { knownProof: string | null; challenge: string | null } {
  return {
    knownProof: getCookie(c, options.cookie ?? c.get("config").cookies.knownName) ?? null,
    challenge: c.req.header("x-turnstile-token") ?? options.formToken ?? null,
  };
}

/** The browser's session ended (logout, or this session deleted): forget it and clear both cookies. */
export function endBrowserSession(c: Context<AppEnv>): void {
  c.set("session", null);
  clearSessionCookies(c);
}

export function clearSessionCookies(c: Context<AppEnv>): void {
  const config = c.get("config");
  const base = { path: "/", secure: config.cookies.secure, sameSite: "Lax" as const };
  deleteCookie(c, config.cookies.sessionName, { ...base, httpOnly: true });
  deleteCookie(c, config.cookies.csrfName, base);
}

/**
 * Work that must not delay or shape the response (emails whose timing would reveal whether an
 * account exists): handed to waitUntil, failures logged, never surfaced to the client.
 */
export function afterResponse(c: Context<AppEnv>, label: string, task: () => Promise<unknown>): void {
  const promise = task().then(
    () => undefined,
    (error: unknown) =>
      console.error(
        JSON.stringify({
          event: "deferred_task_failed",
          task: label,
          request_id: c.get("requestId"),
          error: String(error),
        }),
      ),
  );
  try {
    c.executionCtx.waitUntil(promise);
  } catch {
    // No execution context (a bare app.request in a script): the promise still runs to completion.
  }
}

/** The request's ExecutionContext, when there is one (app.request() in tests passes none). */
export function executionContext(c: Context<AppEnv>): ExecutionContext | undefined {
  try {
    return c.executionCtx as unknown as ExecutionContext;
  } catch {
    return undefined;
  }
}
