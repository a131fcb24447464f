export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Delivery is the one outside dependency of a sign-in; failures surface as DeliveryError. */
export interface EmailProvider {
  send(message: EmailMessage): Promise<void>;
}

export class DeliveryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DeliveryError";
  }
}
