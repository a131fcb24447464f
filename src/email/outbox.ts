import type { OutboxStore } from "../ports";
import { DeliveryError, type EmailMessage, type EmailProvider } from "./provider";

/**
 * Dev outbox: captures every message (readable at GET /v1/dev/outbox) and prints it to the console.
 * `failFor` lets tests stand in for a provider outage for chosen recipients.
 */
export function createOutboxProvider(
  store: OutboxStore,
  clock: { now(): number },
  options: { failFor?: Set<string>; quiet?: boolean } = {},
): EmailProvider {
  return {
    async send(message: EmailMessage) {
      if (options.failFor?.has(message.to)) throw new DeliveryError("outbox: simulated provider failure");
      const links = [...message.text.matchAll(/https?:\/\/[^\s<>"]+/g)].map((m) => m[0]);
      const codes = [...message.text.matchAll(/(?<![\w/=.-])\d{6,8}(?![\w/=-])/g)].map((m) => m[0]);
      await store.add({
        channel: "email",
        to: message.to,
        subject: message.subject,
        text: message.text,
        links,
        codes,
        created_at: new Date(clock.now()).toISOString(),
      });
      if (!options.quiet) console.log(`[outbox] email to ${message.to}: ${message.subject}\n${message.text}`);
    },
  };
}
