// The one call we make to Stripe's API: the price of a Checkout Session's first line item, for
// checkouts whose event carries neither expanded line items nor a price in their metadata.
// https://docs.stripe.com/api/checkout/sessions/line_items

export interface StripeApi {
  /** The first line item's price id; null when the session has none. Throws when Stripe cannot answer. */
  checkoutPriceId(sessionId: string): Promise<string | null>;
}

export function createStripeApi(options: {
  secretKey: string;
  apiUrl: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}): StripeApi {
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  return {
    async checkoutPriceId(sessionId) {
      const url = `${options.apiUrl.replace(/\/$/, "")}/v1/checkout/sessions/${encodeURIComponent(sessionId)}/line_items?limit=1`;
      const response = await doFetch(url, {
        headers: { authorization: `Bearer ${options.secretKey}` },
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      });
      if (response.status === 404) return null;
      if (!response.ok) throw new Error(`Stripe answered ${response.status}`);
      const body = (await response.json()) as { data?: Array<{ price?: { id?: unknown } }> };
      const price = body.data?.[0]?.price?.id;
      return typeof price === "string" ? price : null;
    },
  };
}
