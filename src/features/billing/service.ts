import type Stripe from "stripe";
import { verifyStripeSignature } from "../../billing/stripe-signature";
import type { Config } from "../../config";
import { sha256Hex } from "../../crypto/hash";
import { generateId } from "../../crypto/random";
import { AuthError } from "../../errors";
import { logAuthEvent } from "../../services/audit";
import type { ServiceContext } from "../../services/context";
import { canonicalEmail } from "../../services/email-address";
import { requestMagicLink } from "../../services/magic-link";
import { loadSnapshot } from "../../services/session";

// Stripe checkout: Stripe calls the webhook, the buyer gets a sign-in link (no password to set), and
// their organization moves from sandbox to the paid tier, at once for an existing account or on the
// first sign-in for a new one. Events are verified over the raw body, handled once each, and recorded
// only after their effects succeeded, so a failed email makes Stripe retry the whole event.

/** Stripe's own default tolerance; a signature older than this (or dated further ahead) is refused. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export async function verifyStripeEvent(
  config: Config,
  rawBody: string,
  signature: string | undefined,
  now: number,
): Promise<Stripe.Event> {
  if (config.stripe.webhookSecrets.length === 0) {
    throw new AuthError("config_invalid", {
      message: "STRIPE_WEBHOOK_SECRET is not set: copy the endpoint's signing secret from the Stripe dashboard.",
    });
  }
  // Verified over the raw bytes before anything is parsed; several secrets while one is rotated.
  const valid =
    signature !== undefined &&
    (await verifyStripeSignature(rawBody, signature, config.stripe.webhookSecrets, SIGNATURE_TOLERANCE_SECONDS, now));
  if (!valid) throw new AuthError("signature_invalid");
  try {
    return JSON.parse(rawBody) as Stripe.Event;
  } catch {
    throw new AuthError("validation_error", { details: [{ field: "body", message: "the signed body is not JSON" }] });
  }
}

function planFor(
  config: Config,
  priceId: string | null | undefined,
  metadataTier: string | null | undefined,
): string | null {
  if (metadataTier && Object.values(config.stripe.plans).includes(metadataTier)) return metadataTier;
  return priceId ? (config.stripe.plans[priceId] ?? null) : null;
}

/** Stripe's API is an upstream like the stores: a failure is a 503 (Stripe retries), never a 500. */
async function stripeCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (cause) {
    const correlationId = generateId("corr");
    console.error(
      JSON.stringify({
        event: "stripe_api_failed",
        correlation_id: correlationId,
        error: cause instanceof Error ? cause.name : "Error",
      }),
    );
    throw new AuthError("store_unavailable", { correlationId, cause, headers: { "Retry-After": "30" } });
  }
}

const idOf = (value: string | { id: string } | null | undefined): string | null =>
  typeof value === "string" ? value : (value?.id ?? null);

async function refreshSnapshots(ctx: ServiceContext, userIds: string[]): Promise<void> {
  await Promise.all(userIds.map((id) => loadSnapshot(ctx, id)));
}

/** Handles one verified event once. Returns what happened, for the logs and the tests. */
export async function handleStripeEvent(
  ctx: ServiceContext,
  event: Stripe.Event,
): Promise<"processed" | "duplicate" | "ignored"> {
  const { deps, config } = ctx;
  if (!(await deps.eventLock.acquire(event.id)))
    throw new AuthError("conflict", { message: "This event is being processed; Stripe will retry." });
  try {
    if (await deps.billing.isProcessed(event.id)) return "duplicate";
    const now = deps.clock.now();
    let outcome: "processed" | "ignored" = "processed";
    if (event.type === "checkout.session.completed") {
      const session = event.data.object;
      const email = canonicalEmail(session.customer_details?.email ?? session.customer_email ?? "");
      let priceId = session.line_items?.data[0]?.price?.id ?? session.metadata?.price_id;
      let plan = planFor(config, priceId, session.metadata?.plan_tier);
      const stripeApi = deps.stripeApi;
      if (email && !plan && !priceId && stripeApi) {
        // The event names no price: ask Stripe. If Stripe cannot answer, 503 makes Stripe retry the event.
        priceId = (await stripeCall(() => stripeApi.checkoutPriceId(session.id))) ?? undefined;
        plan = planFor(config, priceId, null);
      }
      if (!email) {
        // Recorded and answered 200: retrying cannot make it usable, and Stripe must not retry forever.
        console.error(JSON.stringify({ event: "stripe.checkout_unusable", stripe_event: event.id, has_email: false }));
        outcome = "ignored";
      } else {
        if (plan) {
          const change = { plan, customerId: idOf(session.customer), subscriptionId: idOf(session.subscription) };
          const announced = `evt_${(await sha256Hex(`stripe|${event.id}`)).slice(0, 32)}`;
          const upgraded = await deps.billing.upgradeForEmail(email, change, now, announced);
          await refreshSnapshots(ctx, upgraded.memberIds);
        } else {
          // The buyer paid: they get their sign-in link whatever happens; the operator maps the price.
          console.error(
            JSON.stringify({
              event: "stripe.checkout_plan_unresolved",
              stripe_event: event.id,
              price_id: priceId ?? null,
            }),
          );
        }
        // The same path as POST /v1/auth/magic-link/request: same token rules, same provider errors.
        await requestMagicLink(ctx, {
          email,
          name: session.customer_details?.name ?? null,
          organizationName: null,
          redirectTo: null,
          ip: null,
        });
        logAuthEvent(
          "billing.checkout_completed",
          { email_domain: email.split("@")[1], reason: plan ?? "plan unresolved" },
          now,
        );
      }
    } else if (event.type === "customer.subscription.deleted" || event.type === "customer.subscription.updated") {
      const subscription = event.data.object;
      const plan =
        event.type === "customer.subscription.deleted" || subscription.status === "canceled"
          ? "sandbox"
          : planFor(config, subscription.items.data[0]?.price.id, subscription.metadata?.plan_tier);
      if (plan) await refreshSnapshots(ctx, await deps.billing.setPlanForSubscription(subscription.id, plan, now));
      else outcome = "ignored";
    } else {
      outcome = "ignored";
    }
    await deps.billing.recordEvent(event.id, event.type, now);
    return outcome;
  } finally {
    await deps.eventLock.release(event.id);
  }
}
