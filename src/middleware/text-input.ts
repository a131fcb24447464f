import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context";
import { AuthError, type ErrorDetail } from "../errors";

// Control characters (C0, DEL, C1) have no place in any text field: U+0000 is refused by Postgres
// (which would surface as an outage), and the rest hide in logs, emails and pages. One rule for every
// route, before anything is read or spent: 400 validation_error naming the field.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function scan(value: unknown, path: string, found: ErrorDetail[]): void {
  if (found.length >= 10) return;
  if (typeof value === "string") {
    if (CONTROL.test(value)) found.push({ field: path || "body", message: "must not contain control characters" });
  } else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) scan(item, path ? `${path}.${i}` : String(i), found);
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) scan(item, path ? `${path}.${key}` : key, found);
  }
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
