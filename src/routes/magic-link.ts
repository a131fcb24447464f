import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../context";
import { envelope, sendProofs } from "../http";
import { confirmPage, invalidLinkPage, signedInPage } from "../pages/magic-link";
import { peekMagicLink, requestMagicLink, verifyMagicLink } from "../services/magic-link";
import { isChallenge } from "../services/step-up";
import { createRoute, ERRORS } from "./declare";
import { HumanCheckHeader, Organization, orChallenge, User } from "./schemas";
import { jsonOrForm, Remember, readJsonOrForm, signInWithToken, tokenPageRoute } from "./token-pages";
import { validationHook } from "./validation";

const RequestBody = z
  .object({
    email: z.string().max(320).openapi({ example: "ada@example.com" }),
    name: z.string().trim().min(1).max(100).optional(),
    organization_name: z.string().trim().min(1).max(100).optional(),
    redirect_to: z
      .string()
      .max(2048)
      .optional()
      .openapi({ description: "A path on this site or a URL on a trusted origin." }),
  })
  .openapi("MagicLinkRequest");

const VerifyBody = z
  .object({
    token: z.string().min(1).max(512),
    remember: Remember,
  })
  .openapi("MagicLinkVerify");

const requestRoute = createRoute({
  method: "post",
  path: "/v1/auth/magic-link/request",
  tags: ["Magic link"],
  summary: "Email a single-use sign-in link (signup and login in one)",
  description:
    "Answers 202 whether or not the account exists. The link is valid for 15 minutes and works once; requesting a new one revokes the previous one.",
  request: {
    headers: HumanCheckHeader,
    body: { required: true, content: { "application/json": { schema: RequestBody } } },
  },
  errors: ["email_delivery_failed", ...ERRORS.humanCheck],
  responses: {
    202: {
      description: "Sent (same answer for known and unknown addresses)",
      content: {
        "application/json": {
          schema: envelope(z.object({ sent: z.literal(true), magic_link: z.string().optional() })),
        },
      },
    },
  },
});

const confirmRoute = tokenPageRoute({
  path: "/v1/auth/magic-link/verify",
  tag: "Magic link",
  summary: "Confirmation page for an emailed link (never spends the token)",
  page: "HTML page with a button that POSTs the token",
});

const verifyRoute = createRoute({
  method: "post",
  path: "/v1/auth/magic-link/verify",
  tags: ["Magic link"],
  summary: "Spend the token and sign in",
  description:
    "JSON clients get 200 with the user and organization; the confirm page's form post gets a 303 to the stored redirect_to. Either way the session and csrf_token cookies are set. A used, expired or unknown token is 401 magic_link_invalid.",
  request: { body: jsonOrForm(VerifyBody) },
  errors: ["magic_link_invalid", "forbidden"],
  responses: {
    200: {
      description: "Signed in",
      content: {
        "application/json": {
          schema: envelope(
            orChallenge(z.object({ user: User, organization: Organization, redirect_to: z.string().nullable() })),
          ),
        },
      },
    },
    303: { description: "Signed in (form post): redirect to redirect_to" },
  },
});

export const magicLinkRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(requestRoute, async (c) => {
    const body = c.req.valid("json");
    const { link } = await requestMagicLink(c.get("ctx"), {
      email: body.email,
      name: body.name ?? null,
      organizationName: body.organization_name ?? null,
      redirectTo: body.redirect_to ?? null,
      ip: c.get("clientIp"),
      ...sendProofs(c),
    });
    return c.json(
      { success: true as const, data: { sent: true as const, ...(c.get("config").debug ? { magic_link: link } : {}) } },
      202,
    );
  })
  .openapi(confirmRoute, async (c) => {
    const token = c.req.valid("query").token ?? "";
    const pending = await peekMagicLink(c.get("ctx"), token);
    return confirmPage(c, pending && { email: pending.email, token }) as never;
  })
  .openapi(verifyRoute, async (c) => {
    const body = readJsonOrForm(c, VerifyBody, { json: c.req.valid("json"), form: c.req.valid("form") });
    const invalid = { code: "magic_link_invalid" as const, page: () => invalidLinkPage(c, 401) };
    const result = await signInWithToken(c, body, invalid, (input) => verifyMagicLink(c.get("ctx"), input));
    if (result instanceof Response) return result as never;
    if (isChallenge(result)) return c.json({ success: true as const, data: result }, 200);
    const target = result.redirectTo ?? c.get("config").appUrl;
    if (body.form) return (target ? c.redirect(target, 303) : signedInPage(c, result.user.email)) as never;
    return c.json(
      { success: true as const, data: { user: result.user, organization: result.organization, redirect_to: target } },
      200,
    );
  });
