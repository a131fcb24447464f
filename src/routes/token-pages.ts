import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../context";
import { AuthError, type ErrorCode } from "../errors";
import { startBrowserSession } from "../http";
import type { SessionRecord } from "../ports";
import { isChallenge, type MfaChallenge } from "../services/step-up";
import { createRoute } from "./declare";
import { continueWithSecondFactor } from "./mfa-pending";
import { isFormPost } from "./schemas";
import { validationHook } from "./validation";

/**
 * The GET side of an emailed link: an HTML page that never spends the token (mail scanners and link
 * previewers open links too); only its button or form POSTs it.
 */
export function tokenPageRoute(options: { path: string; tag: string; summary: string; page: string }) {
  return createRoute({
    method: "get",
    path: options.path,
    tags: [options.tag],
    summary: options.summary,
    request: { query: z.object({ token: z.string().max(512).optional() }) },
    responses: {
      200: { description: options.page, content: { "text/html": { schema: z.string() } } },
      410: { description: "HTML page: the link expired or was used", content: { "text/html": { schema: z.string() } } },
    },
  });
}

/** Body of a route that takes JSON from apps and a form post from its own page. */
export function readJsonOrForm<T extends z.ZodType>(
  c: Context<AppEnv>,
  schema: T,
  raw: { json: unknown; form: unknown },
): { form: boolean; data: z.infer<T> } {
  const form = isFormPost(c.req.header("content-type"));
  const parsed = schema.safeParse(form ? raw.form : raw.json);
  if (!parsed.success) validationHook(parsed, c);
  return { form, data: parsed.data as z.infer<T> };
}

export const jsonOrForm = <T extends z.ZodType>(schema: T) => ({
  content: { "application/json": { schema }, "application/x-www-form-urlencoded": { schema } },
});

/** `remember` as JSON clients and the confirm pages' checkboxes send it. */
export const Remember = z.union([z.boolean(), z.literal("true"), z.literal("on")]).optional();

/**
 * The POST side of an emailed sign-in link (magic link, invitation): spends the token through `run`,
 * then replaces the browser's session. A form post from our own page gets `invalidPage` for a dead
 * link instead of the JSON error.
 */
export async function signInWithToken<T extends { session: { token: string; record: SessionRecord } | null }>(
  c: Context<AppEnv>,
  body: { form: boolean; data: { token: string; remember?: boolean | "true" | "on" } },
  invalid: { code: ErrorCode; page: () => Response },
  run: (input: { token: string; remember: boolean }) => Promise<T | MfaChallenge>,
): Promise<T | MfaChallenge | Response> {
  let result: T | MfaChallenge;
  try {
    result = await run({
      token: body.data.token,
      remember: body.data.remember === true || body.data.remember === "true" || body.data.remember === "on",
    });
  } catch (error) {
    if (body.form && error instanceof AuthError && error.code === invalid.code) return invalid.page();
    throw error;
  }
  // A second factor is owed: apps get the challenge; our own page's browser goes to the code page.
  if (isChallenge(result)) return body.form ? continueWithSecondFactor(c, result) : result;
  // null: the request's own session was kept (e.g. an invitation accepted while signed in).
  if (result.session) await startBrowserSession(c, result.session);
  return result;
}
