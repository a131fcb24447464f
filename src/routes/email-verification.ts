import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../context";
import { AuthError } from "../errors";
import { envelope, sendProofs } from "../http";
import { donePage, failedPage, verifyEmailPage } from "../pages/account";
import { resendVerification, verifyEmail } from "../services/accounts";
import { peekOneTimeToken } from "../services/one-time-tokens";
import { createRoute, ERRORS } from "./declare";
import { Email, HumanCheckHeader, jsonBody, User } from "./schemas";
import { jsonOrForm, readJsonOrForm, tokenPageRoute } from "./token-pages";
import { validationHook } from "./validation";

const VerifyBody = z.object({ token: z.string().min(1).max(512) }).openapi("VerifyEmailRequest");

const pageRoute = tokenPageRoute({
  path: "/v1/auth/verify-email",
  tag: "Email verification",
  summary: "Confirmation page for an emailed link (never spends the token)",
  page: "HTML page with a button that POSTs the token",
});

const verifyRoute = createRoute({
  method: "post",
  path: "/v1/auth/verify-email",
  tags: ["Email verification"],
  summary: "Prove an email address (or apply a requested email change)",
  description:
    "Tokens are single use, valid 24 hours, and only for this purpose: a reset or magic-link token is 401 token_invalid here.",
  request: { body: jsonOrForm(VerifyBody) },
  errors: [...ERRORS.oneTimeToken],
  responses: {
    200: { description: "Verified", content: { "application/json": { schema: envelope(z.object({ user: User })) } } },
  },
});

const resendRoute = createRoute({
  method: "post",
  path: "/v1/auth/verify-email/resend",
  tags: ["Email verification"],
  summary: "Send a fresh verification link",
  description:
    "202 whatever the address; only an unverified account gets an email, and its previous link stops working.",
  request: {
    headers: HumanCheckHeader,
    body: jsonBody(z.object({ email: Email }).openapi("ResendVerificationRequest")),
  },
  errors: [...ERRORS.humanCheck],
  responses: {
    202: {
      description: "Accepted",
      content: { "application/json": { schema: envelope(z.object({ sent: z.literal(true) })) } },
    },
  },
});

export const emailVerificationRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(pageRoute, async (c) => {
    const token = c.req.valid("query").token ?? "";
    const valid = (await peekOneTimeToken(c.get("ctx"), "email_verification", token)) !== null;
    return verifyEmailPage(c, token, valid) as never;
  })
  .openapi(verifyRoute, async (c) => {
    const { form, data } = readJsonOrForm(c, VerifyBody, { json: c.req.valid("json"), form: c.req.valid("form") });
    let snapshot: Awaited<ReturnType<typeof verifyEmail>>;
    try {
      snapshot = await verifyEmail(c.get("ctx"), data.token);
    } catch (error) {
      if (form && error instanceof AuthError && error.status < 500)
        return failedPage(c, error.status, "This link has expired or was already used.") as never;
      throw error;
    }
    if (form)
      return donePage(c, "Email confirmed", `${snapshot.user.email} is confirmed. You can sign in now.`) as never;
    return c.json({ success: true as const, data: { user: snapshot.user } }, 200);
  })
  .openapi(resendRoute, async (c) => {
    await resendVerification(c.get("ctx"), { email: c.req.valid("json").email, ...sendProofs(c) });
    return c.json({ success: true as const, data: { sent: true as const } }, 202);
  });
