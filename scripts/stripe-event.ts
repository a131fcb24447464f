// `npm run stripe:event -- <buyer email> [price id]`: signs a checkout.session.completed event with the
// dev STRIPE_WEBHOOK_SECRET (the stripe package's own test-header helper) and posts it to `npm run dev`.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const Stripe = require("stripe") as {
  webhooks: { generateTestHeaderString(o: { payload: string; secret: string }): string };
};

const root = fileURLToPath(new URL("..", import.meta.url));
const vars = Object.fromEntries(
  readFileSync(`${root}.dev.vars`, "utf8")
    .split("\n")
    .map((l) => /^([A-Z0-9_]+)=(.*)$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1], m[2]]),
);
const [email, price = "price_pro_monthly"] = process.argv.slice(2);
if (!email) {
  console.error("usage: npm run stripe:event -- <buyer email> [price id]");
  process.exit(1);
}
const secret = String(vars.STRIPE_WEBHOOK_SECRET ?? "").split(",")[0] ?? "";
const stamp = Date.now();
const payload = JSON.stringify({
  id: `evt_dev_${stamp}`,
  object: "event",
  type: "checkout.session.completed",
  data: {
    object: {
      id: `cs_dev_${stamp}`,
      object: "checkout.session",
      customer: `cus_dev_${stamp}`,
      subscription: `sub_dev_${stamp}`,
      customer_details: { email },
      metadata: { price_id: price },
    },
  },
});
const response = await fetch(`${vars.PUBLIC_URL ?? "http://127.0.0.1:8787"}/v1/webhooks/stripe`, {
  method: "POST",
  headers: {
    "content-type": "application/json",
    "stripe-signature": Stripe.webhooks.generateTestHeaderString({ payload, secret }),
  },
  body: payload,
});
console.log(response.status, await response.text());
