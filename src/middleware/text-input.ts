import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context";
import { AuthError, type ErrorDetail } from "../errors";

// Control characters (C0, DEL, C1) have no place in any text field: U+0000 is refused by Postgres
// (which would surface as an outage), and the rest hide in logs, emails and pages. One rule for every
// route, before anything is read or spent: 400 validation_error naming the field.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Deeper than any request of ours: a body nested past it is refused (not walked into a stack overflow). */
const MAX_DEPTH = 32;

function scan(value: unknown, path: string, found: ErrorDetail[], depth = 0): void {
  if (found.length >= 10) return;
  if (typeof value === "string") {
    if (CONTROL.test(value)) found.push({ field: path || "body", message: "must not contain control characters" });
    return;
  }
  if (value === null || typeof value !== "object") return;
  if (depth >= MAX_DEPTH) {
    found.push({ field: path || "body", message: `must not be nested more than ${MAX_DEPTH} levels deep` });
    return;
  }
  const entries = Array.isArray(value) ? [...value.entries()] : Object.entries(value);
  for (const [key, item] of entries) scan(item, path ? `${path}.${key}` : String(key), found, depth + 1);
}

export const refuseControlCharacters: MiddlewareHandler<AppEnv> = async function refuseControlCharacters(c, next) {
  // The Stripe webhook is verified over its raw bytes and is not ours to shape.
  if (c.req.path.startsWith("/v1/webhooks/")) return next();
  const found: ErrorDetail[] = [];
  if (c.req.url.includes("?")) scan(c.req.queries(), "", found);
  const type = (c.req.header("content-type") ?? "").toLowerCase();
  if (c.req.method !== "GET" && c.req.method !== "HEAD") {
    if (type.startsWith("application/json")) {
      // Parsed once and cached by Hono for the route's validator; malformed JSON is the validator's 400.
      const body = await c.req.json().catch(() => undefined);
      scan(body, "", found);
    } else if (type.startsWith("application/x-www-form-urlencoded")) {
      scan(await c.req.parseBody().catch(() => undefined), "", found);
    }
  }
  if (found.length > 0) throw new AuthError("validation_error", { details: found });
  await next();
};
