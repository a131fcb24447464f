import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { AuthError } from "../../errors";
import { envelope, listEnvelope, startBrowserSession } from "../../http";
import { principal, requireUser, signedInUser } from "../../middleware/require";
import { createRoute, ERRORS } from "../../routes/declare";
import { PasskeyAssertion } from "../../routes/mfa";
import { readPendingMfa } from "../../routes/mfa-pending";
import {
  CsrfHeader,
  jsonBody,
  Organization,
  recentAuthBody,
  recentAuthProof,
  recordId,
  User,
} from "../../routes/schemas";
import { Remember } from "../../routes/token-pages";
import { validationHook } from "../../routes/validation";
import {
  listPasskeys,
  passkeyRegistrationOptions,
  passkeySignInOptions,
  registerPasskey,
  removePasskey,
  renamePasskey,
  signInWithPasskey,
  stepUpPasskeyOptions,
} from "./service";

const TAG = "Passkeys";
const PasskeyId = recordId("pky", "a passkey id");
const Name = z.string().trim().min(1).max(64).openapi({ example: "MacBook Touch ID" });

const PasskeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    credential_id: z.string(),
    device_type: z.enum(["singleDevice", "multiDevice"]),
    backed_up: z.boolean(),
    transports: z.array(z.string()),
    created_at: z.string(),
    last_used_at: z.string().nullable(),
  })
  .openapi("Passkey");

/** WebAuthn options as JSON: hand them to PublicKeyCredential.parse*OptionsFromJSON (or @simplewebauthn/browser). */
const Options = z.record(z.string(), z.unknown()).openapi("WebAuthnOptions", {
  example: { challenge: "q8Vf2Lw0ZrJm4Xc9bN1sT6yH3gK7dP5aE0uR2iO8wQe", rpId: "auth.example.com" },
});

/** WebAuthn's JSON option types as the open record the document declares. */
const json = (options: object) => options as unknown as Record<string, unknown>;

const RegistrationResponse = z
  .object({
    id: z.string().max(1024),
    rawId: z.string().max(1024),
    type: z.literal("public-key"),
    response: z.object({
      clientDataJSON: z.string().max(8192),
      attestationObject: z.string().max(65536),
      transports: z.array(z.string().max(32)).max(8).optional(),
    }),
    clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
    authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
  })
  .openapi("PasskeyRegistration", { description: "navigator.credentials.create() as JSON (toJSON())." });

const registerOptionsRoute = createRoute({
  method: "post",
  path: "/v1/auth/passkeys/register/options",
  tags: [TAG],
  summary: "Options to create a passkey for the signed-in user",
  description:
    "Needs a sign-in younger than 10 minutes, or `current_password` (`mfa_code` for users with a second factor). The challenge is single use and lives 5 minutes. Relying party: PUBLIC_URL's host; user verification required; discoverable credential required.",
  middleware: [requireUser] as const,
  request: { headers: CsrfHeader, body: recentAuthBody },
  errors: [...ERRORS.recentAuth],
  responses: {
    200: { description: "Creation options", content: { "application/json": { schema: envelope(Options) } } },
  },
});

const registerRoute = createRoute({
  method: "post",
  path: "/v1/auth/passkeys",
  tags: [TAG],
  summary: "Register the passkey the browser created",
  description:
    "The first second factor of an account also answers its 10 recovery codes (shown this once); otherwise `recovery_codes` is null. 401 passkey_invalid for a wrong origin, relying party, challenge or signature.",
  middleware: [requireUser] as const,
  request: {
    headers: CsrfHeader,
    body: jsonBody(z.object({ response: RegistrationResponse, name: Name.optional() }).openapi("RegisterPasskey")),
  },
  errors: ["passkey_invalid", "conflict"],
  responses: {
    201: {
      description: "Registered",
      content: {
        "application/json": {
          schema: envelope(z.object({ passkey: PasskeySchema, recovery_codes: z.array(z.string()).nullable() })),
        },
      },
    },
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/auth/passkeys",
  tags: [TAG],
  summary: "The signed-in user's passkeys",
  middleware: [requireUser] as const,
  responses: {
    200: { description: "Passkeys", content: { "application/json": { schema: listEnvelope(PasskeySchema) } } },
  },
});

const renameRoute = createRoute({
  method: "patch",
  path: "/v1/auth/passkeys/{id}",
  tags: [TAG],
  summary: "Rename a passkey",
  middleware: [requireUser] as const,
  request: {
    params: z.object({ id: PasskeyId }),
    headers: CsrfHeader,
    body: jsonBody(z.object({ name: Name }).openapi("RenamePasskey")),
  },
  responses: { 200: { description: "Renamed", content: { "application/json": { schema: envelope(PasskeySchema) } } } },
});

const removeRoute = createRoute({
  method: "delete",
  path: "/v1/auth/passkeys/{id}",
  tags: [TAG],
  summary: "Remove a passkey",
  description:
    "Needs recent authentication like adding one. 409 when it is the account's last way in (no password, linked provider, proven address or other passkey).",
  middleware: [requireUser] as const,
  request: { params: z.object({ id: PasskeyId }), headers: CsrfHeader, body: recentAuthBody },
  errors: [...ERRORS.recentAuth, "conflict"],
  responses: { 204: { description: "Removed" } },
});

const signInOptionsRoute = createRoute({
  method: "post",
  path: "/v1/auth/passkeys/sign-in/options",
  tags: [TAG],
  summary: "Options to sign in with a passkey (autofill or a button)",
  description:
    "No email needed: the browser offers the user's discoverable passkeys (use `mediation: 'conditional'` for autofill). Single-use challenge, 5 minutes; 60 per minute per client IP.",
  responses: {
    200: { description: "Request options", content: { "application/json": { schema: envelope(Options) } } },
  },
});

const signInRoute = createRoute({
  method: "post",
  path: "/v1/auth/passkeys/sign-in",
  tags: [TAG],
  summary: "Sign in with a passkey (cookie session)",
  description:
    "A passkey with user verification is two factors in one: no second step follows. Sets the session cookies like login.",
  request: {
    body: jsonBody(z.object({ response: PasskeyAssertion, remember: Remember }).openapi("PasskeySignIn")),
  },
  errors: ["passkey_invalid"],
  responses: {
    200: {
      description: "Signed in",
      content: { "application/json": { schema: envelope(z.object({ user: User, organization: Organization })) } },
    },
  },
});

const stepUpOptionsRoute = createRoute({
  method: "post",
  path: "/v1/auth/mfa/passkey/options",
  tags: ["Two-step sign-in"],
  summary: "Options for a passkey as the second step of a sign-in",
  description:
    "For an `mfa_required` answer whose methods include passkey: only the user's own passkeys are allowed. Send the assertion as `passkey` to POST /v1/auth/mfa/verify.",
  request: {
    body: jsonBody(
      z
        .object({
          mfa_token: z.string().min(1).max(512).optional().openapi({
            description:
              "The first step's token. A browser whose sign-in went through our code page omits it: the pending HttpOnly cookie carries it.",
          }),
        })
        .openapi("MfaPasskeyOptions"),
    ),
  },
  errors: ["token_invalid"],
  responses: {
    200: { description: "Request options", content: { "application/json": { schema: envelope(Options) } } },
  },
});

export const passkeyRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(registerOptionsRoute, async (c) => {
    const options = await passkeyRegistrationOptions(c.get("ctx"), principal(c), {
      user: signedInUser(c).user,
      ...recentAuthProof(c.req.valid("json")),
    });
    return c.json({ success: true as const, data: json(options) }, 200);
  })
  .openapi(registerRoute, async (c) => {
    const body = c.req.valid("json");
    const result = await registerPasskey(c.get("ctx"), signedInUser(c).user.id, {
      response: body.response as never,
      name: body.name ?? null,
    });
    return c.json({ success: true as const, data: result }, 201);
  })
  .openapi(listRoute, async (c) => {
    const passkeys = await listPasskeys(c.get("ctx"), signedInUser(c).user.id);
    return c.json({ success: true as const, data: passkeys, meta: { count: passkeys.length } }, 200);
  })
  .openapi(renameRoute, async (c) => {
    const renamed = await renamePasskey(
      c.get("ctx"),
      signedInUser(c).user.id,
      c.req.valid("param").id,
      c.req.valid("json").name,
    );
    return c.json({ success: true as const, data: renamed }, 200);
  })
  .openapi(removeRoute, async (c) => {
    await removePasskey(c.get("ctx"), principal(c), {
      user: signedInUser(c).user,
      id: c.req.valid("param").id,
      ...recentAuthProof(c.req.valid("json")),
    });
    return c.body(null, 204);
  })
  .openapi(signInOptionsRoute, async (c) => {
    const options = await passkeySignInOptions(c.get("ctx"));
    return c.json({ success: true as const, data: json(options) }, 200);
  })
  .openapi(signInRoute, async (c) => {
    const body = c.req.valid("json");
    const remember = body.remember === true || body.remember === "true" || body.remember === "on";
    const signedIn = await signInWithPasskey(c.get("ctx"), { assertion: body.response as never, remember });
    await startBrowserSession(c, signedIn.session);
    return c.json({ success: true as const, data: { user: signedIn.user, organization: signedIn.organization } }, 200);
  })
  .openapi(stepUpOptionsRoute, async (c) => {
    const mfaToken = c.req.valid("json").mfa_token ?? readPendingMfa(c);
    if (!mfaToken) throw new AuthError("token_invalid");
    const options = await stepUpPasskeyOptions(c.get("ctx"), mfaToken);
    return c.json({ success: true as const, data: json(options) }, 200);
  });
