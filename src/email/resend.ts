import { DeliveryError, type EmailMessage, type EmailProvider } from "./provider";

/** Production email through Resend's HTTP API (https://resend.com/docs/api-reference/emails/send-email). */
export function createResendProvider(options: {
  apiKey: string;
  from: string;
  apiUrl: string;
  fetch?: typeof fetch;
}): EmailProvider {
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  return {
    async send(message: EmailMessage) {
      let response: Response;
      try {
        response = await doFetch(`${options.apiUrl.replace(/\/$/, "")}/emails`, {
          method: "POST",
          headers: { authorization: `Bearer ${options.apiKey}`, "content-type": "application/json" },
          // Exactly one recipient, the canonical stored address: no lists, no display names.
          body: JSON.stringify({
            from: options.from,
            to: [message.to],
            subject: message.subject,
            text: message.text,
            html: message.html,
          }),
          signal: AbortSignal.timeout(10_000),
        });
      } catch (cause) {
        throw new DeliveryError("email provider unreachable", { cause });
      }
      if (!response.ok) {
        const detail = (await response.text().catch(() => "")).slice(0, 300);
        throw new DeliveryError(`email provider answered ${response.status}: ${detail}`);
      }
    },
  };
}
