import { DeliveryError } from "../email/provider";
import type { OutboxStore, SmsProvider } from "../ports";

export type { SmsMessage, SmsProvider } from "../ports";

/** Production SMS through Twilio's Messages API (form-encoded POST, basic auth) over fetch. */
export function createTwilioProvider(options: {
  accountSid: string;
  authToken: string;
  from: string;
  apiUrl: string;
  fetch?: typeof fetch;
}): SmsProvider {
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  return {
    async send(message) {
      const from: Record<string, string> = options.from.startsWith("MG")
        ? { MessagingServiceSid: options.from }
        : { From: options.from };
      let response: Response;
      try {
        response = await doFetch(
          `${options.apiUrl.replace(/\/$/, "")}/2010-04-01/Accounts/${options.accountSid}/Messages.json`,
          {
            method: "POST",
            headers: {
              authorization: `Basic ${btoa(`${options.accountSid}:${options.authToken}`)}`,
              "content-type": "application/x-www-form-urlencoded",
            },
            body: new URLSearchParams({ To: message.to, Body: message.text, ...from }).toString(),
            signal: AbortSignal.timeout(10_000),
          },
        );
      } catch (cause) {
        throw new DeliveryError("sms provider unreachable", { cause });
      }
      if (!response.ok) throw new DeliveryError(`sms provider answered ${response.status}`);
    },
  };
}

/** Dev outbox for texts: captured like emails, readable at GET /v1/dev/outbox. */
export function createSmsOutbox(
  store: OutboxStore,
  clock: { now(): number },
  options: { failFor?: Set<string>; quiet?: boolean } = {},
): SmsProvider {
  return {
    async send(message) {
      if (options.failFor?.has(message.to)) throw new DeliveryError("outbox: simulated provider failure");
      const codes = [...message.text.matchAll(/(?<!\d)\d{6,8}(?!\d)/g)].map((m) => m[0]);
      await store.add({
        channel: "sms",
        to: message.to,
        subject: null,
        text: message.text,
        links: [],
        codes,
        created_at: new Date(clock.now()).toISOString(),
      });
      if (!options.quiet) console.log(`[outbox] sms to ${message.to}: ${message.text}`);
    },
  };
}

/** SMS_PROVIDER=none: every text fails clearly (503 sms_delivery_failed), nothing is sent anywhere. */
export function createDisabledSms(): SmsProvider {
  return {
    async send() {
      throw new DeliveryError(
        "SMS is not configured (SMS_PROVIDER=none): set SMS_PROVIDER=twilio and the TWILIO_* variables",
      );
    },
  };
}
