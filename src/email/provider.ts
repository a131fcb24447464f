export type { EmailMessage, EmailProvider } from "../ports";

/** A provider that could not deliver: the sign-in answers 503 and the unsent token is removed. */
export class DeliveryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DeliveryError";
  }
}
