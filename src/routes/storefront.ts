import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../context";
import { AuthError } from "../errors";
import { envelope, sendProofs } from "../http";
import type { StoreKey } from "../ports";
import {
  customerSession,
  customerStatus,
  parseContact,
  requestOtp,
  signOutCustomer,
  updateCustomerProfile,
  verifyOtpAndSignIn,
} from "../services/storefront";
import { createRoute, ERRORS } from "./declare";
import { HumanCheckHeader, jsonBody } from "./schemas";
import { validationHook } from "./validation";

const Customer = z
  .object({
    id: z.string(),
    name: z.string().nullable(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    email_verified: z.boolean(),
    phone_verified: z.boolean(),
    created_at: z.string(),
    last_login_at: z.string().nullable(),
  })
  .openapi("Customer");
const PublicKeyHeader = z.object({
  "x-public-key": z.string().openapi({ example: "pk_test_01jd5n2k4m0000000000000000" }),
});
const Contact = z.string().trim().min(3).max(320).openapi({ example: "+14155550123" });
const TAG = "Storefront";

const requestOtpRoute = createRoute({
  method: "post",
  path: "/v1/storefront/auth/request-otp",
  tags: [TAG],
  summary: "Send a one-time code by SMS (E.164 phone) or email",
  description:
    "Same answer for contacts never seen before. Resend cooldown 30 s; hourly caps per contact and per IP -> 429 with Retry-After. A resend replaces the code but never resets the failure count.",
  request: {
    headers: PublicKeyHeader.extend(HumanCheckHeader.shape),
    body: jsonBody(
      z.object({ contact: Contact, contact_type: z.enum(["phone", "sms", "email"]).optional() }).openapi("RequestOtp"),
    ),
  },
  errors: ["sms_delivery_failed", "email_delivery_failed", ...ERRORS.humanCheck],
  responses: {
    200: {
      description: "Sent",
      content: {
        "application/json": {
          schema: envelope(
            z.object({
              delivery_channel: z.enum(["sms", "email"]),
              expires_in_seconds: z.number(),
              next_resend_in_seconds: z.number(),
            }),
          ),
        },
      },
    },
  },
});

const verifyOtpRoute = createRoute({
  method: "post",
  path: "/v1/storefront/auth/verify-otp",
  tags: [TAG],
  summary: "Spend the code: sign the customer in to this store",
  description:
    "401 otp_invalid for wrong, expired or used codes; 5 wrong tries burn a code; 10 failures lock the contact for 15 minutes (429). Creates the customer in this store on first use.",
  request: {
    headers: PublicKeyHeader,
    body: jsonBody(
      z
        .object({ contact: Contact, otp_code: z.string().regex(/^\d{4,8}$/, "must be 4 to 8 digits") })
        .openapi("VerifyOtp"),
    ),
  },
  errors: ["otp_invalid"],
  responses: {
    200: {
      description: "Signed in",
      content: {
        "application/json": {
          schema: envelope(z.object({ customer: Customer, session: z.object({ expires_at: z.string() }) })),
        },
      },
    },
  },
});

const statusRoute = createRoute({
  method: "get",
  path: "/v1/storefront/auth/status",
  tags: [TAG],
  summary: "Whether a customer is signed in to this store",
  request: { headers: PublicKeyHeader },
  responses: {
    200: {
      description: "Status",
      content: {
        "application/json": {
          schema: envelope(z.object({ is_authenticated: z.boolean(), customer: Customer.nullable() })),
        },
      },
    },
  },
});

const profileRoute = createRoute({
  method: "post",
  path: "/v1/storefront/auth/profile",
  tags: [TAG],
  summary: "Update name, email or phone (a new email or phone needs a code sent to it)",
  description:
    "Without otp_code, a new email/phone gets a code and verification_required names the channel; send the same field again with otp_code to apply it.",
  request: {
    headers: PublicKeyHeader,
    body: jsonBody(
      z
        .object({
          name: z.string().trim().min(1).max(100).nullable().optional(),
          email: z.string().max(320).optional(),
          phone: z.string().max(20).optional(),
          otp_code: z
            .string()
            .regex(/^\d{4,8}$/, "must be 4 to 8 digits")
            .optional(),
        })
        .refine((b) => b.name !== undefined || b.email !== undefined || b.phone !== undefined, {
          message: "send at least one of name, email, phone",
        })
        .openapi("CustomerProfile"),
    ),
  },
  errors: ["otp_invalid", "conflict", "sms_delivery_failed", "email_delivery_failed"],
  responses: {
    200: {
      description: "Updated",
      content: {
        "application/json": {
          schema: envelope(
            z.object({ customer: Customer, verification_required: z.enum(["sms", "email"]).nullable() }),
          ),
        },
      },
    },
  },
});

const logoutRoute = createRoute({
  method: "post",
  path: "/v1/storefront/auth/logout",
  tags: [TAG],
  summary: "Sign the customer out",
  request: { headers: PublicKeyHeader },
  responses: {
    200: {
      description: "Signed out",
      content: { "application/json": { schema: z.object({ success: z.literal(true), data: z.null() }) } },
    },
  },
});

/**
 * The customer cookie is separate from user sessions. Over HTTPS it is `__Host-`, SameSite=None and
 * Partitioned (CHIPS), so a storefront on another site can use it; CSRF is covered by the mandatory
 * X-Public-Key header (forces a CORS preflight) and the key's origin list.
 */
function setCustomerCookie(c: Context<AppEnv>, name: string, value: string, maxAge: number): void {
  const config = c.get("config");
  const cross = config.cookies.secure
    ? { secure: true, sameSite: "None" as const, partitioned: true }
    : { sameSite: "Lax" as const };
  setCookie(c, name, value, { path: "/", httpOnly: true, maxAge, ...cross });
}

/** The store named by X-Public-Key (the storefront middleware has checked it on every route here). */
function currentStore(c: Context<AppEnv>): StoreKey {
  const store = c.get("store");
  if (!store) throw new AuthError("publishable_key_invalid");
  return store;
}

async function currentCustomer(c: Context<AppEnv>) {
  return customerSession(c.get("ctx"), currentStore(c), getCookie(c, c.get("config").storefront.customerCookie));
}

export const storefrontRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(requestOtpRoute, async (c) => {
    const input = c.req.valid("json");
    const contact = parseContact(input.contact, input.contact_type);
    const result = await requestOtp(c.get("ctx"), {
      store: currentStore(c),
      contact,
      purpose: "login",
      ...sendProofs(c, { cookie: c.get("config").storefront.knownCookie }),
    });
    return c.json({ success: true as const, data: result }, 200);
  })
  .openapi(verifyOtpRoute, async (c) => {
    const input = c.req.valid("json");
    const contact = parseContact(input.contact, undefined);
    const previous = await currentCustomer(c);
    const signedIn = await verifyOtpAndSignIn(c.get("ctx"), {
      store: currentStore(c),
      contact,
      code: input.otp_code,
      replacing: previous?.tokenHash ?? null,
    });
    const { customerCookie, knownCookie } = c.get("config").storefront;
    const maxAge = Math.floor((signedIn.record.expires_at - signedIn.record.created_at) / 1000);
    setCustomerCookie(c, customerCookie, signedIn.token, maxAge);
    // Kept after logout: it signs nobody in, it only lets this browser ask for codes (send-guard.ts).
    setCustomerCookie(c, knownCookie, signedIn.knownProof, 90 * 86_400);
    return c.json(
      {
        success: true as const,
        data: {
          customer: signedIn.customer,
          session: { expires_at: new Date(signedIn.record.expires_at).toISOString() },
        },
      },
      200,
    );
  })
  .openapi(statusRoute, async (c) => {
    const customer = await customerStatus(c.get("ctx"), await currentCustomer(c));
    return c.json({ success: true as const, data: { is_authenticated: customer !== null, customer } }, 200);
  })
  .openapi(profileRoute, async (c) => {
    const session = await currentCustomer(c);
    if (!session) throw new AuthError("unauthorized");
    const input = c.req.valid("json");
    const result = await updateCustomerProfile(c.get("ctx"), {
      store: currentStore(c),
      customerId: session.record.customer_id,
      ...(input.name !== undefined ? { name: input.name } : {}),
      email: input.email,
      phone: input.phone,
      otpCode: input.otp_code,
    });
    return c.json({ success: true as const, data: result }, 200);
  })
  .openapi(logoutRoute, async (c) => {
    await signOutCustomer(c.get("ctx"), await currentCustomer(c));
    deleteCookie(c, c.get("config").storefront.customerCookie, {
      path: "/",
      ...(c.get("config").cookies.secure ? { secure: true } : {}),
    });
    return c.json({ success: true as const, data: null }, 200);
  });
