// Small HTTP helpers shared by middleware and routes: the envelope, cookies, the origin rule.
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import type { Config } from "./config";
import type { AppEnv } from "./context";
import { ERROR_CODES } from "./errors";
import type { SessionRecord } from "./ports";
import { createCsrfToken } from "./services/csrf";
import { sessionCookieMaxAge } from "./services/session";

export function envelope<T extends z.ZodType>(data: T) {
  return z.object({ success: z.literal(true), data });
}

/** A list answer: the envelope plus `meta.count` (the contract's shape for every list). */
export function listEnvelope<T extends z.ZodType>(item: T) {
  return envelope(z.array(item)).extend({ meta: z.object({ count: z.number() }) });
}

const errorEnvelope = (code: z.ZodType<string>) =>
  z.object({
    success: z.literal(false),
    error: z.object({
      code,
      message: z.string(),
      details: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    }),
    meta: z.object({ request_id: z.string(), correlation_id: z.string().optional() }),
  });

export const ErrorEnvelope = errorEnvelope(z.string()).openapi("Error");

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503;

/** Per status, the envelope with `error.code` as the enum of the codes the error table gives that status. */
const byStatus = new Map<number, typeof ErrorEnvelope>();
function errorSchema(status: ErrorStatus): typeof ErrorEnvelope {
  const known = byStatus.get(status);
  if (known) return known;
  const codes = Object.entries(ERROR_CODES)
    .filter(([, entry]) => entry.status === status)
    .map(([code]) => code);
  const [first, ...rest] = codes;
  const schema = (first ? errorEnvelope(z.enum([first, ...rest])) : ErrorEnvelope).openapi(`Error${status}`);
  byStatus.set(status, schema as typeof ErrorEnvelope);
  return schema as typeof ErrorEnvelope;
}

export function errorResponses(...statuses: ErrorStatus[]) {
  const out: Record<
    number,
    { description: string; content: { "application/json": { schema: typeof ErrorEnvelope } } }
  > = {};
  for (const s of statuses)
    out[s] = { description: `Error (${s})`, content: { "application/json": { schema: errorSchema(s) } } };
  return out;
}

/**
 * True when a browser request comes from a page we do not trust. An Origin must be ours or in
 * TRUSTED_ORIGINS; without one, Fetch Metadata saying cross-site is refused. Non-browser clients send
 * neither and pass (they cannot ride a victim's cookies).
 */
export function isCrossSiteRequest(c: Context<AppEnv>, config: Config): boolean {
  const origin = c.req.header("origin");
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
  session: { token: string; record: SessionRecord },
): Promise<void> {
  const previous = c.get("session");
  if (previous) await c.get("deps").sessions.revoke(previous.tokenHash);
  c.set("session", null);
  await setSessionCookies(c, session.token, session.record, null);
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
