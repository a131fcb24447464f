// Stripe: the checkout webhook's signing secrets, price -> plan tiers, the optional API key.
import type { Reader } from "./read";

export interface StripeConfig {
  webhookSecrets: string[];
  plans: Record<string, string>;
  secretKey: string | null;
  apiUrl: string;
}

export function readStripe({ str, problems }: Reader): StripeConfig {
  // Several secrets (comma-separated) let an endpoint secret be rotated without dropping events.
  const webhookSecrets = (str("STRIPE_WEBHOOK_SECRET") ?? "")
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
  if (!webhookSecrets.every((x) => x.startsWith("whsec_")))
    problems.push(
      "STRIPE_WEBHOOK_SECRET must be the endpoint's whsec_... signing secret (comma-separate two while rotating).",
    );
  // Optional: lets a checkout whose event names no price be resolved from Stripe's API (restricted keys work).
  const stripeSecretKey = str("STRIPE_SECRET_KEY");
  if (stripeSecretKey !== null && !/^(sk|rk)_(test|live)_[A-Za-z0-9]+$/.test(stripeSecretKey)) {
    problems.push("STRIPE_SECRET_KEY must be a Stripe secret or restricted key (sk_live_..., rk_live_...), or unset.");
  }
  const plans: Record<string, string> = {};
  for (const pair of (str("STRIPE_PLANS") ?? "")
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean)) {
    const [price, tier] = pair.split("=").map((x) => x.trim());
    if (!price || !tier || !/^[a-z][a-z0-9_-]{0,31}$/.test(tier) || tier === "sandbox") {
      problems.push(`STRIPE_PLANS entries must look like price_123=pro (got "${pair}"); sandbox is the unpaid tier.`);
    } else plans[price] = tier;
  }
  return {
    webhookSecrets,
    plans,
    secretKey: stripeSecretKey,
    apiUrl: str("STRIPE_API_URL") ?? "https://api.stripe.com",
  };
}
