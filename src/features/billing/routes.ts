import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { envelope } from "../../http";
import { createRoute } from "../../routes/declare";
import { validationHook } from "../../routes/validation";
import { handleStripeEvent, verifyStripeEvent } from "./service";

const stripeRoute = createRoute({
  method: "post",
  path: "/v1/webhooks/stripe",
  tags: ["Billing"],
  security: [{ stripeSignature: [] }],
  summary: "Stripe webhook (checkout.session.completed, customer.subscription.updated|deleted)",
  description:
    "Verifies Stripe-Signature over the raw body (300 s tolerance; comma-separated STRIPE_WEBHOOK_SECRET for rotation): bad or missing -> 400 and nothing happens. Each event id has its effect once; duplicates and unknown types answer 200. If the sign-in email cannot be sent, the answer is 503 and nothing is recorded, so Stripe retries the event.",
  errors: ["signature_invalid", "conflict"],
  responses: {
    200: {
      description: "Handled",
      content: {
        "application/json": {
          schema: envelope(
            z.object({ received: z.literal(true), outcome: z.enum(["processed", "duplicate", "ignored"]) }),
          ),
        },
      },
    },
  },
});

export const webhookRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(
  stripeRoute,
  async (c) => {
    // The raw bytes, exactly as signed: never a re-serialized JSON body.
    const raw = await c.req.text();
    const event = await verifyStripeEvent(
      c.get("config"),
      raw,
      c.req.header("stripe-signature"),
      c.get("deps").clock.now(),
    );
    const outcome = await handleStripeEvent(c.get("ctx"), event);
    return c.json({ success: true as const, data: { received: true as const, outcome } }, 200);
  },
);
