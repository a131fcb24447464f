import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../context";
import { AuthError } from "../errors";
import { envelope, sendProofs, startBrowserSession } from "../http";
import { requireUser, signedInUser } from "../middleware/require";
import { donePage, failedPage, resetPasswordPage } from "../pages/account";
import { changePassword, forgotPassword, peekResetToken, resetPassword, signup } from "../services/accounts";
import { checkCredentials, signInWithPassword } from "../services/sign-in";
import { isChallenge } from "../services/step-up";
import { createRoute, ERRORS } from "./declare";
import {
  CredentialCheck,
  CsrfHeader,
  Email,
  HumanCheckHeader,
  jsonBody,
  Ok,
  OptionalName,
  Organization,
  orChallenge,
  Password,
  User,
} from "./schemas";
import { jsonOrForm, readJsonOrForm, tokenPageRoute } from "./token-pages";
import { validationHook } from "./validation";

const SignupBody = z
  .object({ email: Email, password: Password, name: OptionalName, organization_name: OptionalName })
  .openapi("SignupRequest");
const LoginBody = z
  .object({ email: Email, password: Password, remember: z.boolean().optional() })
  .openapi("LoginRequest");
const CredentialsBody = z.object({ email: Email, password: Password }).openapi("CredentialsRequest");
const ChangeBody = z.object({ current_password: Password, new_password: Password }).openapi("ChangePasswordRequest");
const ResetBody = z.object({ token: z.string().min(1).max(512), password: Password }).openapi("ResetPasswordRequest");

const signupRoute = createRoute({
  method: "post",
  path: "/v1/auth/signup",
  tags: ["Password"],
  summary: "Create a password account",
  description:
    "201 with the same shape whether or not the email already has an account (its owner gets a notice instead). No tokens: with REQUIRE_EMAIL_VERIFICATION on, a verification link is emailed. Passwords: 8-128 characters (NFKC), no composition rules, not on the common-password list (password_too_common says why).",
  request: { headers: HumanCheckHeader, body: jsonBody(SignupBody) },
  errors: [...ERRORS.newPassword, ...ERRORS.humanCheck],
  responses: {
    201: {
      description: "Account created (or the lookalike answer for a taken email)",
      content: {
        "application/json": { schema: envelope(z.object({ user: User, verification_required: z.boolean() })) },
      },
    },
  },
});

const loginRoute = createRoute({
  method: "post",
  path: "/v1/auth/login",
  tags: ["Password"],
  summary: "Sign in with email and password (cookie session)",
  description:
    "Sets the session and csrf_token cookies. Unknown email and wrong password give the same 401 invalid_credentials after the same work; 403 email_not_verified only after a correct password. A user with a second factor gets `mfa_required` and an `mfa_token` instead (no cookie): finish with POST /v1/auth/mfa/verify.",
  request: { body: jsonBody(LoginBody) },
  errors: [...ERRORS.passwordSignIn],
  responses: {
    200: {
      description: "Signed in, or a second factor is needed",
      content: {
        "application/json": { schema: envelope(orChallenge(z.object({ user: User, organization: Organization }))) },
      },
    },
  },
});

const verifyCredentialsRoute = createRoute({
  method: "post",
  path: "/v1/auth/verify-credentials",
  tags: ["Password"],
  summary: "Check an email and password without signing in",
  description:
    "For management apps that mint their own tokens: issues nothing, sets no cookie, throttled like login. For a user with a second factor the answer is `mfa_required` until POST /v1/auth/mfa/verify completes it.",
  request: { body: jsonBody(CredentialsBody) },
  errors: [...ERRORS.passwordSignIn],
  responses: {
    200: {
      description: "Valid",
      content: {
        "application/json": {
          schema: envelope(orChallenge(CredentialCheck)),
        },
      },
    },
  },
});

const changeRoute = createRoute({
  method: "post",
  path: "/v1/auth/change-password",
  tags: ["Password"],
  summary: "Change the password (needs the current one)",
  description:
    "A wrong current password counts as a failed login. Every other session and every refresh token and access token of the user stop working; the calling session stays.",
  middleware: [requireUser] as const,
  request: { headers: CsrfHeader, body: jsonBody(ChangeBody) },
  errors: [...ERRORS.newPassword, "invalid_credentials", "email_not_verified"],
  responses: {
    200: { description: "Changed", content: { "application/json": { schema: envelope(Ok) } } },
  },
});

const forgotRoute = createRoute({
  method: "post",
  path: "/v1/auth/forgot-password",
  tags: ["Password"],
  summary: "Email a password-reset link",
  description:
    "Always 200 {ok: true}. Real accounts get a link valid for 1 hour, single use; a new request replaces the previous link.",
  request: {
    headers: HumanCheckHeader,
    body: jsonBody(z.object({ email: Email }).openapi("ForgotPasswordRequest")),
  },
  errors: [...ERRORS.humanCheck],
  responses: {
    200: { description: "Accepted", content: { "application/json": { schema: envelope(Ok) } } },
  },
});

const resetPageRoute = tokenPageRoute({
  path: "/v1/auth/reset-password",
  tag: "Password",
  summary: "Reset page for an emailed link (never spends the token)",
  page: "HTML form for the new password",
});

const resetRoute = createRoute({
  method: "post",
  path: "/v1/auth/reset-password",
  tags: ["Password"],
  summary: "Set a new password with an emailed token",
  description:
    "Spends the token, sets the password, proves the email, clears the lockout, and signs out every session and token. No sign-in happens. The reset page's form post gets an HTML answer.",
  request: { body: jsonOrForm(ResetBody) },
  errors: [...ERRORS.newPassword, ...ERRORS.oneTimeToken],
  responses: {
    200: { description: "Password set", content: { "application/json": { schema: envelope(Ok) } } },
  },
});

export const passwordRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(signupRoute, async (c) => {
    const body = c.req.valid("json");
    const result = await signup(c.get("ctx"), {
      email: body.email,
      password: body.password,
      name: body.name ?? null,
      organizationName: body.organization_name ?? null,
      ...sendProofs(c),
    });
    return c.json({ success: true as const, data: result }, 201);
  })
  .openapi(loginRoute, async (c) => {
    const body = c.req.valid("json");
    const signedIn = await signInWithPassword(c.get("ctx"), {
      email: body.email,
      password: body.password,
      remember: body.remember === true,
    });
    if (isChallenge(signedIn)) return c.json({ success: true as const, data: signedIn }, 200);
    await startBrowserSession(c, signedIn.session);
    return c.json({ success: true as const, data: { user: signedIn.user, organization: signedIn.organization } }, 200);
  })
  .openapi(verifyCredentialsRoute, async (c) => {
    const body = c.req.valid("json");
    const checked = await checkCredentials(c.get("ctx"), { email: body.email, password: body.password });
    if (isChallenge(checked)) return c.json({ success: true as const, data: checked }, 200);
    return c.json({ success: true as const, data: { valid: true as const, ...checked } }, 200);
  })
  .openapi(changeRoute, async (c) => {
    const body = c.req.valid("json");
    await changePassword(c.get("ctx"), {
      user: signedInUser(c).user,
      currentPassword: body.current_password,
      newPassword: body.new_password,
      keepSessionHash: c.get("session")?.tokenHash ?? null,
    });
    return c.json({ success: true as const, data: { ok: true as const } }, 200);
  })
  .openapi(forgotRoute, async (c) => {
    await forgotPassword(c.get("ctx"), { email: c.req.valid("json").email, ...sendProofs(c) });
    return c.json({ success: true as const, data: { ok: true as const } }, 200);
  })
  .openapi(resetPageRoute, async (c) => {
    const token = c.req.valid("query").token ?? "";
    return resetPasswordPage(c, token, await peekResetToken(c.get("ctx"), token)) as never;
  })
  .openapi(resetRoute, async (c) => {
    const { form, data } = readJsonOrForm(c, ResetBody, { json: c.req.valid("json"), form: c.req.valid("form") });
    try {
      await resetPassword(c.get("ctx"), { token: data.token, password: data.password });
    } catch (error) {
      if (form && error instanceof AuthError && error.status < 500)
        return failedPage(c, error.status, error.message) as never;
      throw error;
    }
    if (form)
      return donePage(
        c,
        "Password changed",
        "Your new password is set and every device was signed out. Sign in again.",
      ) as never;
    return c.json({ success: true as const, data: { ok: true as const } }, 200);
  });
