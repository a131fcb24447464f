// Paired devices (APP_SCHEME, GATEWAY_URL, store links) and text messages (SMS_PROVIDER, Twilio).
import type { Reader } from "./read";

export interface DeviceConfig {
  appScheme: string;
  /** GATEWAY_URL; null: PUBLIC_URL's origin (filled in by the caller). */
  gatewayUrl: string | null;
  tokenTtlSeconds: number;
  appStoreUrl: string | null;
  playStoreUrl: string | null;
}

export function readDevices({ str, url, int, problems }: Reader): DeviceConfig {
  const appScheme = str("APP_SCHEME") ?? "authapp";
  if (
    !/^[a-z][a-z0-9+.-]{1,31}$/.test(appScheme) ||
    ["http", "https", "javascript", "data", "file"].includes(appScheme)
  ) {
    problems.push(`APP_SCHEME must be your app's own URL scheme, e.g. myapp (got "${appScheme}").`);
  }
  const gatewayUrl = url(
    "GATEWAY_URL",
    str("GATEWAY_URL"),
    "the URL paired devices talk to, e.g. https://gateway.example.com",
  );
  const appStoreUrl = url("APP_STORE_URL", str("APP_STORE_URL"), "your App Store listing");
  const playStoreUrl = url("PLAY_STORE_URL", str("PLAY_STORE_URL"), "your Google Play listing");
  return {
    appScheme,
    gatewayUrl: gatewayUrl?.toString() ?? null,
    tokenTtlSeconds: int("DEVICE_TOKEN_TTL_DAYS", 90, 1, 365) * 86_400,
    appStoreUrl: appStoreUrl?.toString() ?? null,
    playStoreUrl: playStoreUrl?.toString() ?? null,
  };
}

export interface SmsConfig {
  provider: "outbox" | "twilio" | "none";
  twilioAccountSid: string | null;
  twilioAuthToken: string | null;
  twilioFrom: string | null;
  twilioApiUrl: string;
}

export function readSms({ str, problems, where: WHERE }: Reader, environment: string): SmsConfig {
  // Production defaults to Twilio only when it is configured; a deployment without storefront SMS
  // gets "none" (texts fail with 503 sms_delivery_failed) instead of a configuration error everywhere.
  const smsRaw =
    str("SMS_PROVIDER") ?? (environment !== "production" ? "outbox" : str("TWILIO_ACCOUNT_SID") ? "twilio" : "none");
  if (!["twilio", "outbox", "none"].includes(smsRaw))
    problems.push(`SMS_PROVIDER must be twilio, outbox or none (got "${smsRaw}").`);
  if (smsRaw === "outbox" && environment === "production")
    problems.push(
      "SMS_PROVIDER=outbox is refused when ENVIRONMENT=production: texts would never leave. Use SMS_PROVIDER=twilio.",
    );
  if (smsRaw === "twilio") {
    for (const name of ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM"]) {
      if (str(name) === null)
        problems.push(
          `${name} is missing: set it from your Twilio console ${WHERE}, or SMS_PROVIDER=outbox outside production.`,
        );
    }
  }
  return {
    provider: smsRaw === "twilio" ? "twilio" : smsRaw === "none" ? "none" : "outbox",
    twilioAccountSid: str("TWILIO_ACCOUNT_SID"),
    twilioAuthToken: str("TWILIO_AUTH_TOKEN"),
    twilioFrom: str("TWILIO_FROM"),
    twilioApiUrl: str("TWILIO_API_URL") ?? "https://api.twilio.com",
  };
}
