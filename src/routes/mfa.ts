import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../context";
import { AuthError } from "../errors";
import { envelope, startBrowserSession } from "../http";
import { principal, requireUser, signedInUser } from "../middleware/require";
import { signedInPage } from "../pages/magic-link";
import { secondFactorPage } from "../pages/mfa";
import { confirmTotpEnrolment, mfaStatus, removeTotp, replaceRecoveryCodes, startTotpEnrolment } from "../services/mfa";
import { completeStepUp } from "../services/step-up";
import { createRoute, ERRORS } from "./declare";
import { clearPendingMfa, readPendingMfa } from "./mfa-pending";
import {
  CredentialCheck,
  CsrfHeader,
  Organization,
  type RecentAuthProof,
  recentAuthBody,
  recentAuthProof,
  User,
} from "./schemas";
import { jsonOrForm, readJsonOrForm } from "./token-pages";
import { TokenResponse } from "./tokens";
import { validationHook } from "./validation";

const TAG = "Two-step sign-in";

export const PasskeyAssertion = z
  .object({
    id: z.string().max(1024),
    rawId: z.string().max(1024),
    type: z.literal("public-key"),
    response: z.object({
      clientDataJSON: z.string().max(8192),
      authenticatorData: z.string().max(8192),
      signature: z.string().max(2048),
      userHandle: z.string().max(1024).optional(),
    }),
    clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
    authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
  })
  .openapi("PasskeyAssertion", { description: "navigator.credentials.get() as JSON (PublicKeyCredential.toJSON())." });

const VerifyBody = z
  .object({
    mfa_token: z.string().min(1).max(512).optional().openapi({
      description: "From the first step's answer (a browser flow keeps it in a cookie instead).",
    }),
    code: z.string().trim().max(16).openapi({ example: "123456" }).optional(),
    recovery_code: z.string().trim().max(64).optional(),
    passkey: PasskeyAssertion.optional(),
  })
  .openapi("MfaVerifyRequest");

const Completed = z
  .union([
    z.object({ user: User, organization: Organization, redirect_to: z.string().nullable() }),
    TokenResponse,
    CredentialCheck,
  ])
  .openapi("MfaCompleted");

const verifyRoute = createRoute({
  method: "post",
  path: "/v1/auth/mfa/verify",
  tags: [TAG],
  summary: "Finish a sign-in with the second factor",
  description:
    "Send the `mfa_token` from the first step with one of `code` (authenticator app), `recovery_code` or `passkey` (an assertion for a challenge from POST /v1/auth/mfa/passkey/options). Answers exactly what the first step would have: a session (cookies set; login, magic link, invitation, social), tokens (POST /v1/auth/token) or the credential check. The token is single use, lives 5 minutes, works only from the client that got it, and allows 5 wrong codes; codes are also counted per account like passwords.",
  request: { body: jsonOrForm(VerifyBody) },
  errors: ["mfa_invalid", "passkey_invalid", "token_invalid"],
  responses: {
    200: { description: "Signed in", content: { "application/json": { schema: envelope(Completed) } } },
    303: { description: "Form post from the code page: on to the app" },
  },
});

const pageRoute = createRoute({
  method: "get",
  path: "/v1/auth/mfa",
  tags: [TAG],
  summary: "The code page of a browser sign-in that needs a second factor",
  responses: {
    200: { description: "HTML form", content: { "text/html": { schema: z.string() } } },
    410: { description: "HTML page: nothing pending", content: { "text/html": { schema: z.string() } } },
  },
});

const Status = z
  .object({
    methods: z.array(z.enum(["totp", "passkey"])),
    totp: z.object({ enabled: z.boolean(), confirmed_at: z.string().nullable() }),
    passkeys: z.number().int(),
    recovery_codes_remaining: z.number().int(),
  })
  .openapi("MfaStatus");

const statusRoute = createRoute({
  method: "get",
  path: "/v1/auth/mfa/factors",
  tags: [TAG],
  summary: "The signed-in user's second factors",
  middleware: [requireUser] as const,
  responses: { 200: { description: "Factors", content: { "application/json": { schema: envelope(Status) } } } },
});

const Enrolment = z
  .object({
    secret: z.string().openapi({ description: "Base32, for typing into the app by hand." }),
    otpauth_uri: z.string().openapi({ example: "otpauth://totp/auth.example.com:ada%40example.com?..." }),
    qr_svg: z.string().openapi({ description: "The URI as a QR code (SVG markup)." }),
  })
  .openapi("TotpEnrolment");

const startRoute = createRoute({
  method: "post",
  path: "/v1/auth/mfa/totp",
  tags: [TAG],
  summary: "Start setting up an authenticator app",
  description:
    "Answers a new secret (shown this once) as text, otpauth:// URI and QR code. It counts only after POST /v1/auth/mfa/totp/confirm with a code from the app. 409 when an app is already set up.",
  middleware: [requireUser] as const,
  request: { headers: CsrfHeader, body: recentAuthBody },
  errors: [...ERRORS.recentAuth, "conflict"],
  responses: { 200: { description: "Scan this", content: { "application/json": { schema: envelope(Enrolment) } } } },
});

const RecoveryCodes = z
  .object({ recovery_codes: z.array(z.string()).openapi({ example: ["7KQ2M-0T9XH-PZ4RW-JD8NC"] }) })
  .openapi("RecoveryCodes");

const confirmRoute = createRoute({
  method: "post",
  path: "/v1/auth/mfa/totp/confirm",
  tags: [TAG],
  summary: "Confirm the authenticator app with its first code",
  description:
    "From now on every sign-in asks for a code. Answers 10 recovery codes, shown this once: each signs in once in place of a code.",
  middleware: [requireUser] as const,
  request: {
    headers: CsrfHeader,
    body: {
      content: {
        "application/json": {
          schema: z.object({ code: z.string().trim().max(16).openapi({ example: "123456" }) }).openapi("TotpConfirm"),
        },
      },
    },
  },
  errors: ["mfa_invalid", "conflict"],
  responses: {
    200: { description: "Enabled", content: { "application/json": { schema: envelope(RecoveryCodes) } } },
  },
});

const removeRoute = createRoute({
  method: "delete",
  path: "/v1/auth/mfa/totp",
  tags: [TAG],
  summary: "Remove the authenticator app",
  middleware: [requireUser] as const,
  request: { headers: CsrfHeader, body: recentAuthBody },
  errors: [...ERRORS.recentAuth, "not_found"],
  responses: { 204: { description: "Removed" } },
});

const recoveryRoute = createRoute({
  method: "post",
  path: "/v1/auth/mfa/recovery-codes",
  tags: [TAG],
  summary: "Replace the recovery codes",
  description: "Ten new codes; all earlier ones stop working. 409 without a second factor.",
  middleware: [requireUser] as const,
  request: { headers: CsrfHeader, body: recentAuthBody },
  errors: [...ERRORS.recentAuth, "conflict"],
  responses: {
    200: { description: "New codes", content: { "application/json": { schema: envelope(RecoveryCodes) } } },
  },
});

function reauth(c: Context<AppEnv>, body: z.infer<typeof RecentAuthProof> | undefined) {
  return { email: signedInUser(c).user.email, ...recentAuthProof(body) };
}

export const mfaRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(pageRoute, (c) => secondFactorPage(c, { pending: readPendingMfa(c) !== null }) as never)
  .openapi(verifyRoute, async (c) => {
    const { form, data } = readJsonOrForm(c, VerifyBody, { json: c.req.valid("json"), form: c.req.valid("form") });
    const mfaToken = data.mfa_token ?? readPendingMfa(c);
    if (!mfaToken) throw new AuthError("token_invalid");
    let result: Awaited<ReturnType<typeof completeStepUp>>;
    try {
      result = await completeStepUp(c.get("ctx"), {
        mfaToken,
        code: data.code || null,
        recoveryCode: data.recovery_code || null,
        passkey: (data.passkey as never) ?? null,
      });
    } catch (error) {
      if (form && error instanceof AuthError && error.code === "mfa_invalid")
        return secondFactorPage(c, { pending: true, error: "That code did not work. Try again." }) as never;
      if (form && error instanceof AuthError && error.code === "token_invalid") {
        clearPendingMfa(c);
        return secondFactorPage(c, { pending: false }) as never;
      }
      throw error;
    }
    clearPendingMfa(c);
    if (result.kind === "tokens") return c.json({ success: true as const, data: result.tokens }, 200);
    if (result.kind === "check") {
      const { kind: _, ...checked } = result;
      return c.json({ success: true as const, data: { valid: true as const, ...checked } }, 200);
    }
    await startBrowserSession(c, result.session);
    const target = result.redirectTo ?? c.get("config").appUrl;
    if (form) return (target ? c.redirect(target, 303) : signedInPage(c, result.user.email)) as never;
    return c.json(
      { success: true as const, data: { user: result.user, organization: result.organization, redirect_to: target } },
      200,
    );
  })
  .openapi(statusRoute, async (c) => {
    const userId = signedInUser(c).user.id;
    return c.json({ success: true as const, data: await mfaStatus(c.get("ctx"), userId) }, 200);
  })
  .openapi(startRoute, async (c) => {
    const input = reauth(c, c.req.valid("json"));
    const enrolment = await startTotpEnrolment(c.get("ctx"), principal(c), input);
    return c.json(
      {
        success: true as const,
        data: { secret: enrolment.secret, otpauth_uri: enrolment.uri, qr_svg: enrolment.qrSvg },
      },
      200,
    );
  })
  .openapi(confirmRoute, async (c) => {
    const userId = signedInUser(c).user.id;
    const result = await confirmTotpEnrolment(c.get("ctx"), userId, c.req.valid("json").code);
    return c.json({ success: true as const, data: result }, 200);
  })
  .openapi(removeRoute, async (c) => {
    await removeTotp(c.get("ctx"), principal(c), reauth(c, c.req.valid("json")));
    return c.body(null, 204);
  })
  .openapi(recoveryRoute, async (c) => {
    const result = await replaceRecoveryCodes(c.get("ctx"), principal(c), reauth(c, c.req.valid("json")));
    return c.json({ success: true as const, data: result }, 200);
  });
