import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context";
import { open, seal } from "../crypto/aead";
import { decodeBase64Url } from "../crypto/encoding";
import { hmacSha256, sha256Hex } from "../crypto/hash";
import { AuthError } from "../errors";

const KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;
const LOCK_SECONDS = 60;
const KEEP_SECONDS = 24 * 60 * 60;
const REPLAYED_HEADERS = ["content-type", "set-cookie", "location", "cache-control", "retry-after"];

interface StoredRecord {
  state: "running" | "done";
  fingerprint: string;
  box?: string;
}

interface StoredResponse {
  status: number;
  headers: Array<[string, string]>;
  body: string;
}

/**
 * Idempotency-Key on POST (contract: same key + same body within 24 h replays the stored response;
 * a different body -> 422; still running -> 409). Keys are scoped to the authenticated principal (the
 * user, the API key, the device; the client IP when anonymous), decided after authentication: a cookie
 * that no longer signs anyone in cannot replay what its session was once shown. The stored response is
 * sealed with a key derived from the Idempotency-Key itself, so Redis never holds a readable copy of
 * what it may contain (links, cookies, secrets shown once). 5xx, 409 and 429 outcomes are not kept, so
 * a retry after an outage runs for real. Effects in Postgres also commit their own record in the same
 * statement (services/idempotent.ts): a crash between the effect and this record never doubles it.
 */
export const idempotency: MiddlewareHandler<AppEnv> = async function idempotency(c, next) {
  const key = c.req.header("idempotency-key");
  if (c.req.method !== "POST" || key === undefined) return next();
  if (!KEY_SHAPE.test(key)) {
    throw new AuthError("validation_error", {
      details: [{ field: "Idempotency-Key", message: "must be 1-255 visible ASCII characters" }],
    });
  }
  const deps = c.get("deps");
  const auth = c.get("auth");
  const scope = auth
    ? auth.via === "api_key" || auth.via === "device"
      ? `${auth.via}:${auth.identity.credential_id}`
      : `user:${auth.identity.user_id}`
    : `ip:${c.get("clientIp")}`;
  const body = await c.req.text();
  const fingerprint = await hmacSha256(deps.keys.idempotency, `${c.req.method}\n${c.req.path}\n${body}`);
  const recordKey = await sha256Hex(`${scope}\n${key}`);
  const sealKey = decodeBase64Url(await hmacSha256(deps.keys.idempotency, `seal\n${scope}\n${key}`)) as Uint8Array;

  c.set("idempotency", { recordKey, sealKey });
  const pending: StoredRecord = { state: "running", fingerprint };
  const existingText = await deps.idempotency.claim(recordKey, JSON.stringify(pending), LOCK_SECONDS);
  if (existingText !== null) {
    const existing = JSON.parse(existingText) as StoredRecord;
    if (existing.fingerprint !== fingerprint) throw new AuthError("idempotency_key_reused");
    const stored = existing.state === "done" && existing.box ? await open(sealKey, existing.box) : null;
    if (stored === null) throw new AuthError("idempotency_conflict");
    const response = JSON.parse(stored) as StoredResponse;
    const headers = new Headers(response.headers);
    headers.set("Idempotent-Replayed", "true");
    c.res = new Response(response.status === 204 ? null : response.body, { status: response.status, headers });
    return;
  }

  try {
    await next();
  } catch (error) {
    await deps.idempotency.release(recordKey);
    throw error;
  }
  const status = c.res.status;
  if (status >= 500 || status === 409 || status === 429) {
    await deps.idempotency.release(recordKey);
    return;
  }
  const headers: Array<[string, string]> = [];
  c.res.headers.forEach((value, name) => {
    if (name.toLowerCase() !== "set-cookie" && REPLAYED_HEADERS.includes(name.toLowerCase()))
      headers.push([name, value]);
  });
  for (const cookie of c.res.headers.getSetCookie()) headers.push(["set-cookie", cookie]);
  const stored: StoredResponse = { status, headers, body: await c.res.clone().text() };
  const done: StoredRecord = { state: "done", fingerprint, box: await seal(sealKey, JSON.stringify(stored)) };
  await deps.idempotency.complete(recordKey, JSON.stringify(done), KEEP_SECONDS);
};
