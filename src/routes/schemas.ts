import { z } from "@hono/zod-openapi";
import { ID_BODY } from "../crypto/random";
import { uuidToId } from "../crypto/uuid-ids";

export const User = z
  .object({
    id: z.string().openapi({ example: "usr_01jd5n2k4m0000000000000000" }),
    email: z.string(),
    name: z.string().nullable(),
    email_verified: z.boolean(),
    email_verified_at: z.string().nullable().optional().openapi({ description: "When the address was proven." }),
    created_at: z.string(),
    last_login_at: z.string().nullable(),
    is_superuser: z.boolean().optional().openapi({ description: "A platform administrator (on /me)." }),
  })
  .openapi("User");

export const Organization = z
  .object({
    id: z.string().openapi({ example: "org_01jd5n2k4m0000000000000000" }),
    name: z.string(),
    is_personal_account: z.boolean(),
    plan_tier: z.string().openapi({ example: "sandbox" }),
    role: z.enum(["owner", "admin", "member"]).nullable().openapi({ description: "Your role; null for API keys." }),
    require_mfa: z.boolean().optional().openapi({ description: "Members need a second factor to act here." }),
  })
  .openapi("Organization");

export const Identity = z
  .object({
    kind: z.enum(["session", "access_token", "api_key", "device", "customer"]),
    user_id: z.string().nullable(),
    organization_id: z.string(),
    plan_tier: z.string(),
    scopes: z.array(z.string()),
    credential_id: z.string(),
  })
  .openapi("Identity");

export const CsrfHeader = z.object({
  "x-csrf-token": z
    .string()
    .optional()
    .openapi({ description: "Required with a session cookie: the value of the csrf_token cookie." }),
});

/**
 * The Cloudflare Turnstile token on the public send endpoints (services/send-guard.ts). Optional in the
 * schema: whether it is needed depends on the deployment's TURNSTILE_MODE and the publishable key.
 */
export const HumanCheckHeader = z.object({
  "x-turnstile-token": z.string().max(2048).optional().openapi({
    description:
      "A Turnstile token from the widget (single use). Needed when the deployment or the store requires the human check, or after an answer of 403 challenge_required.",
  }),
});

export const Email = z.string().max(320).openapi({ example: "ada@example.com" });
/** Long enough for any real password, short enough that nothing huge reaches the hash. */
export const Password = z
  .string()
  .min(1)
  .max(1024)
  .openapi({ example: "correct horse battery staple", format: "password" });
export const OptionalName = z.string().trim().min(1).max(100).optional();
export const Ok = z.object({ ok: z.literal(true) });

export function isFormPost(contentType: string | undefined): boolean {
  return (contentType ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded");
}

/** A required JSON request body declared with its schema (validates and documents at once). */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

/** A first factor passed by a user with a second one: finish with POST /v1/auth/mfa/verify. */
export const MfaChallenge = z
  .object({
    mfa_required: z.literal(true),
    mfa_token: z.string().openapi({ description: "Single use, 5 minutes, only from the client that got it." }),
    methods: z.array(z.enum(["totp", "passkey", "recovery_code"])),
    expires_in: z.number().int(),
  })
  .openapi("MfaChallenge");

/** An answer that is either what the route gives, or the step-up a second factor still owes. */
export const orChallenge = <T extends z.ZodType>(schema: T) => z.union([schema, MfaChallenge]);

/** Proof for a sensitive change: a recent sign-in, or one of these with the request. */
export const MfaCode = z
  .string()
  .trim()
  .min(6)
  .max(64)
  .openapi({ description: "A current authenticator code, or a recovery code (users with a second factor)." });

/** The optional body of a route whose only input is that proof (factors and passkeys). */
export const RecentAuthProof = z
  .object({ current_password: Password.optional(), mfa_code: MfaCode.optional() })
  .openapi("RecentAuthProof", {
    description:
      "Needed unless the sign-in is younger than 10 minutes: `mfa_code` for users with a second factor, else `current_password`.",
  });
export const recentAuthBody = { required: false, content: { "application/json": { schema: RecentAuthProof } } };

/** The proof as services/reauth.ts takes it. */
export function recentAuthProof(body: { current_password?: string; mfa_code?: string } | undefined) {
  return { currentPassword: body?.current_password ?? null, mfaCode: body?.mfa_code ?? null };
}

/** What POST /v1/auth/verify-credentials answers (and /v1/auth/mfa/verify, finishing one). */
export const CredentialCheck = z.object({
  valid: z.literal(true),
  user: User,
  organization: Organization,
  organizations: z.array(Organization),
});

/**
 * A record id in a path: its own form (`org_…`) or its UUID form (see crypto/uuid-ids.ts), which the
 * phy and CorePlexML profiles speak; `aliases` are other prefixes a profile shows (simplaix's `tnt_`).
 * Handlers always receive the canonical `org_…` id; anything else is 400 validation_error.
 */
export function recordId(prefix: string, noun: string, aliases: string[] = []) {
  const own = new RegExp(`^(?:${[prefix, ...aliases].join("|")})_${ID_BODY}$`);
  return z
    .string()
    .refine((value) => own.test(value) || uuidToId(prefix, value) !== null, {
      message: `must be ${noun} (${prefix}_...) or its UUID form`,
    })
    .transform((value) =>
      own.test(value) ? `${prefix}_${value.slice(value.indexOf("_") + 1)}` : (uuidToId(prefix, value) ?? value),
    )
    .openapi({
      description: `${noun[0]?.toUpperCase()}${noun.slice(1)}: \`${prefix}_…\`, or its UUID form.`,
      pattern: `^(${[prefix, ...aliases].join("|")})_[0-9a-z]{26}$|^${UUID_V8_PATTERN}$`,
      example: `${prefix}_01jd5n2k4m0000000000000000`,
    });
}

const UUID_V8_PATTERN = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-8[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}";
