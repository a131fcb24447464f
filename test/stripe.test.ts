import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { signInByLink } from "./support/accounts";
import { bindings, type Harness, json } from "./support/harness";
import { uniqueEmail, useHarness } from "./support/setup";

const h = useHarness();
const SECRET = bindings.STRIPE_WEBHOOK_SECRET!;
let sequence = 0;

function checkoutEvent(email: string, overrides: Record<string, unknown> = {}) {
  sequence++;
  return {
    id: `evt_test_${Date.now()}_${sequence}`,
    object: "event",
    type: "checkout.session.completed",
    data: {
      object: {
        id: `cs_test_${sequence}`,
        object: "checkout.session",
        customer: `cus_stripe_${sequence}`,
        subscription: `sub_${Date.now()}_${sequence}`,
        customer_details: { email, name: "Buyer" },
        metadata: { price_id: "price_pro_monthly" },
        ...overrides,
      },
    },
  };
}

function subscriptionEvent(type: string, subscriptionId: string, price: string, status = "active") {
  sequence++;
  return {
    id: `evt_sub_${Date.now()}_${sequence}`,
    object: "event",
    type,
    data: {
      object: {
        id: subscriptionId,
        object: "subscription",
        status,
        metadata: {},
        items: { data: [{ price: { id: price } }] },
      },
    },
  };
}

async function deliver(
  event: object,
  options: {
    secret?: string;
    timestamp?: number;
    signature?: string | null;
    tamper?: (body: string) => string;
    to?: Harness;
  } = {},
): Promise<Response> {
  const payload = JSON.stringify(event);
  const header =
    options.signature === undefined
      ? await Stripe.webhooks.generateTestHeaderStringAsync({
          payload,
          secret: options.secret ?? SECRET,
          timestamp: options.timestamp ?? Math.floor(Date.now() / 1000),
        })
      : options.signature;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (header !== null) headers["stripe-signature"] = header;
  return (options.to ?? h).request("/v1/webhooks/stripe", {
    method: "POST",
    body: options.tamper ? options.tamper(payload) : payload,
    headers,
  });
}

const recorded = async (id: string) =>
  (await h.sql.query("select 1 from stripe_events where id = $1", [id])).length === 1;

describe("POST /v1/webhooks/stripe", () => {
  it("a new buyer gets one sign-in link; the first sign-in creates an organization on the paid plan", async () => {
    const email = uniqueEmail("buyer");
    const event = checkoutEvent(email);
    const res = await deliver(event);
    expect(res.status).toBe(200);
    expect((await json(res)).data).toEqual({ received: true, outcome: "processed" });
    const mails = await h.outbox(email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe("Your sign-in link");
    expect(await h.sql.query("select plan_tier from pending_upgrades where email = $1", [email])).toEqual([
      { plan_tier: "pro" },
    ]);
    const token = new URL(mails[0]!.links[0]!).searchParams.get("token");
    const signedIn = await h.request("/v1/auth/magic-link/verify", { method: "POST", json: { token } });
    const { data } = await json(signedIn);
    expect(data.organization).toMatchObject({ plan_tier: "pro", role: "owner" });
    const [org] = await h.sql.query(
      "select plan_tier, stripe_customer_id, stripe_subscription_id from organizations where id = $1",
      [data.organization.id],
    );
    expect(org).toEqual({
      plan_tier: "pro",
      stripe_customer_id: event.data.object.customer,
      stripe_subscription_id: event.data.object.subscription,
    });
    expect(await h.sql.query("select 1 from pending_upgrades where email = $1", [email])).toHaveLength(0);
    expect(await recorded(event.id)).toBe(true);
  });

  it("an existing account is upgraded at once (its sessions see it) and still receives the link", async () => {
    const email = uniqueEmail("customer");
    const user = await signInByLink(h, email);
    expect((await deliver(checkoutEvent(email, { metadata: { price_id: "price_team_monthly" } }))).status).toBe(200);
    const me = await json(await h.request("/v1/auth/me", { jar: user.jar }));
    expect(me.data.organization.plan_tier).toBe("team");
    expect(me.data.identity.plan_tier).toBe("team");
    expect((await h.outbox(email)).length).toBe(2);
  });

  it("announces checkout.completed once, with the upgrade, even when the worker died before recording the event", async () => {
    // A platform-wide endpoint listens (events nobody listens to are not stored).
    await h.sql.query(
      "insert into webhook_endpoints (id, url, secret_sealed, event_types) values ($1, 'https://hooks.example.com/in', 'x', '{checkout.completed}')",
      [`whe_${Date.now()}`],
    );
    const email = uniqueEmail("announced");
    const user = await signInByLink(h, email);
    const event = checkoutEvent(email);
    expect((await json(await deliver(event))).data.outcome).toBe("processed");
    const announced = () =>
      h.sql.query(
        "select organization_id, data from events where type = 'checkout.completed' and data->>'email' = $1",
        [email],
      );
    expect(await announced()).toEqual([
      {
        organization_id: user.organization.id,
        data: {
          organization_id: user.organization.id,
          user_id: user.user.id,
          email,
          plan_tier: "pro",
          stripe_customer_id: event.data.object.customer,
          stripe_subscription_id: event.data.object.subscription,
        },
      },
    ]);
    // A worker that upgraded but died before recording the Stripe event: Stripe delivers it again,
    // the upgrade runs again, and the announcement (its id derived from Stripe's) is not repeated.
    await h.sql.query("delete from stripe_events where id = $1", [event.id]);
    expect((await json(await deliver(event))).data.outcome).toBe("processed");
    expect(await announced()).toHaveLength(1);
  });

  it("a replayed event id has no second effect", async () => {
    const email = uniqueEmail("replay");
    const event = checkoutEvent(email);
    expect((await json(await deliver(event))).data.outcome).toBe("processed");
    const again = await deliver(event);
    expect(again.status).toBe(200);
    expect((await json(again)).data.outcome).toBe("duplicate");
    expect(await h.outbox(email)).toHaveLength(1);
  });

  it("bad, missing, foreign-secret, tampered or stale signatures -> 400 and nothing happens", async () => {
    const email = uniqueEmail("forged");
    const event = checkoutEvent(email);
    const cases = [
      await deliver(event, { signature: null }),
      await deliver(event, { signature: "t=1,v1=deadbeef" }),
      await deliver(event, { secret: "whsec_someone_elses_secret_000000000000" }),
      await deliver(event, { tamper: (body) => body.replace("price_pro_monthly", "price_team_monthly") }),
      await deliver(event, { tamper: (body) => JSON.stringify(JSON.parse(body), null, 2) }),
      await deliver(event, { timestamp: Math.floor(Date.now() / 1000) - 301 }),
      // Dated in the future beyond the tolerance: refused too (stripe-node checks only the past).
      await deliver(event, { timestamp: Math.floor(Date.now() / 1000) + 301 }),
    ];
    for (const [i, res] of cases.entries()) {
      expect(res.status, `case ${i}`).toBe(400);
      expect((await json(res)).error.code).toBe("signature_invalid");
    }
    expect(await recorded(event.id)).toBe(false);
    expect(await h.outbox(email)).toHaveLength(0);
    expect(await h.sql.query("select 1 from pending_upgrades where email = $1", [email])).toHaveLength(0);
  });

  it("if the email cannot be sent: 5xx and nothing recorded; Stripe's retry of the same event then succeeds", async () => {
    const email = uniqueEmail("outage");
    const event = checkoutEvent(email);
    h.failEmailFor.add(email);
    const failed = await deliver(event);
    expect(failed.status).toBe(503);
    expect((await json(failed)).error.code).toBe("email_delivery_failed");
    expect(await recorded(event.id)).toBe(false);
    h.failEmailFor.delete(email);
    const retried = await deliver(event);
    expect((await json(retried)).data.outcome).toBe("processed");
    expect(await h.outbox(email)).toHaveLength(1);
    expect(await recorded(event.id)).toBe(true);
  });

  it("subscription updates change the tier; cancellation returns it to sandbox; unknown types are ignored", async () => {
    const email = uniqueEmail("subscriber");
    const user = await signInByLink(h, email);
    const checkout = checkoutEvent(email);
    await deliver(checkout);
    const subscriptionId = checkout.data.object.subscription;
    const tier = async () =>
      (await json(await h.request("/v1/auth/me", { jar: user.jar }))).data.organization.plan_tier;
    expect(await tier()).toBe("pro");
    expect(
      (await deliver(subscriptionEvent("customer.subscription.updated", subscriptionId, "price_team_monthly"))).status,
    ).toBe(200);
    expect(await tier()).toBe("team");
    expect(
      (
        await deliver(
          subscriptionEvent("customer.subscription.deleted", subscriptionId, "price_team_monthly", "canceled"),
        )
      ).status,
    ).toBe(200);
    expect(await tier()).toBe("sandbox");
    const unknown = await deliver({
      id: `evt_other_${Date.now()}`,
      object: "event",
      type: "invoice.paid",
      data: { object: {} },
    });
    expect((await json(unknown)).data.outcome).toBe("ignored");
  });
});

describe("concurrent redelivery", () => {
  it("10 simultaneous deliveries of one event have one effect (the others answer 409 or duplicate)", async () => {
    const email = uniqueEmail("race");
    const event = checkoutEvent(email);
    const results = await Promise.all(Array.from({ length: 10 }, () => deliver(event)));
    const outcomes = await Promise.all(
      results.map(async (r) => (r.status === 200 ? (await json(r)).data.outcome : r.status)),
    );
    expect(outcomes.filter((o) => o === "processed")).toHaveLength(1);
    expect(outcomes.every((o) => o === "processed" || o === "duplicate" || o === 409)).toBe(true);
    expect(await h.outbox(email)).toHaveLength(1);
  });
});

describe("volume", () => {
  it("a busy store's checkouts are not throttled as if they came from one client (40 in a row)", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await deliver(checkoutEvent(uniqueEmail(`buyer${i}`)))).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
  });
});

describe("checkouts whose plan is not in the event", () => {
  const withApi = useHarness({
    STRIPE_SECRET_KEY: "sk_test_fake0123456789",
    STRIPE_API_URL: bindings.FAKE_STRIPE_URL!,
  });
  const fixture = async (sessionId: string, body: unknown) => {
    const res = await fetch(`${bindings.FAKE_STRIPE_URL}/__fixtures/checkout/sessions/${sessionId}`, {
      method: "PUT",
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
  };
  const signInFromOutbox = async (x: Harness, email: string) => {
    const token = new URL((await x.outbox(email))[0]!.links[0]!).searchParams.get("token");
    return (await json(await x.request("/v1/auth/magic-link/verify", { method: "POST", json: { token } }))).data;
  };

  it("the buyer always gets the sign-in link, even when no plan can be resolved (no price, an unknown tier)", async () => {
    for (const metadata of [{}, { plan_tier: "platinum" }, { price_id: "price_nobody_knows" }]) {
      const email = uniqueEmail("unmapped");
      const res = await deliver(checkoutEvent(email, { metadata }));
      expect(res.status).toBe(200);
      expect((await json(res)).data.outcome).toBe("processed");
      expect(await h.outbox(email)).toHaveLength(1);
      expect((await signInFromOutbox(h, email)).organization).toMatchObject({ plan_tier: "sandbox", role: "owner" });
    }
  });

  it("with STRIPE_SECRET_KEY, the session's line items are fetched from Stripe to find the price", async () => {
    const email = uniqueEmail("fetched");
    const event = checkoutEvent(email, { metadata: {} });
    await fixture(event.data.object.id, { price_id: "price_team_monthly" });
    const res = await deliver(event, { to: withApi });
    expect((await json(res)).data.outcome).toBe("processed");
    expect((await signInFromOutbox(withApi, email)).organization).toMatchObject({ plan_tier: "team" });
  });

  it("Stripe's API failing answers 503 and records nothing, so Stripe's retry resolves the plan", async () => {
    const email = uniqueEmail("retried");
    const event = checkoutEvent(email, { metadata: {} });
    await fixture(event.data.object.id, { fail: 500 });
    const failed = await deliver(event, { to: withApi });
    expect(failed.status).toBe(503);
    expect((await json(failed)).error.code).toBe("store_unavailable");
    expect(await withApi.outbox(email)).toHaveLength(0);
    expect(await withApi.sql.query("select 1 from stripe_events where id = $1", [event.id])).toHaveLength(0);
    await fixture(event.data.object.id, { price_id: "price_pro_monthly" });
    expect((await deliver(event, { to: withApi })).status).toBe(200);
    expect((await signInFromOutbox(withApi, email)).organization).toMatchObject({ plan_tier: "pro" });
  });
});

describe("Stripe-Signature verified with Web Crypto", () => {
  it("agrees with Stripe's own signer: any v1 of several counts, v0 and malformed parts never do", async () => {
    const { verifyStripeSignature } = await import("../src/billing/stripe-signature");
    const payload = JSON.stringify({ id: "evt_sig", object: "event" });
    const now = Date.now();
    const t = Math.floor(now / 1000);
    const signed = await Stripe.webhooks.generateTestHeaderStringAsync({ payload, secret: SECRET, timestamp: t });
    const v1 = signed.split("v1=")[1]!;
    const other = "0".repeat(64);
    expect(await verifyStripeSignature(payload, signed, [SECRET], 300, now)).toBe(true);
    expect(await verifyStripeSignature(payload, `t=${t},v1=${other},v1=${v1}`, [SECRET], 300, now)).toBe(true);
    expect(await verifyStripeSignature(payload, signed, ["whsec_old_secret_000000000000", SECRET], 300, now)).toBe(
      true,
    );
    for (const header of [
      `t=${t},v0=${v1}`,
      `t=${t}`,
      `v1=${v1}`,
      `t=${t},v1=${v1.toUpperCase()}`,
      `t=abc,v1=${v1}`,
      `t=${t},v1=${v1.slice(1)}`,
      "",
    ]) {
      expect(await verifyStripeSignature(payload, header, [SECRET], 300, now), header).toBe(false);
    }
    expect(await verifyStripeSignature(`${payload} `, signed, [SECRET], 300, now)).toBe(false);
    expect(await verifyStripeSignature(payload, signed, [SECRET], 300, now + 301_000)).toBe(false);
    expect(await verifyStripeSignature(payload, signed, [SECRET], 300, now - 301_000)).toBe(false);
  });
});
