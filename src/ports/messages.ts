// Ports: Email and text messages out. Types only.

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

export interface SmsMessage {
  to: string;
  text: string;
}

export interface SmsProvider {
  send(message: SmsMessage): Promise<void>;
}
