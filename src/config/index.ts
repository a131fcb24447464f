// Every variable and secret is parsed here, once per env object, with messages that say how to fix it.
// .dev.vars.example documents them all; wrangler.toml holds the non-secret production values.
import { type ProfileName, parseProfiles } from "../compat-names";
import { type OAuthConfig, readOAuthConfig } from "../oauth/config";
import { type AbuseConfig, readAbuse } from "./abuse";
import { type ApiKeyConfig, readApiKeys } from "./api-keys";
import { readStripe, type StripeConfig } from "./billing";
import { type DeviceConfig, readDevices, readSms, type SmsConfig } from "./devices";
import { type HostedConfig, readHosted } from "./hosted";
import { type LinkConfig, readLinks } from "./links";
import { reader } from "./read";
import { readWebhooks, type WebhooksConfig } from "./webhooks";

export interface Config {
  /** COMPAT_PROFILE: source systems whose own API is served beside /v1 (src/compat/). */
  compat: ProfileName[];
  environment: "development" | "test" | "production";
  /** AUTH_DEBUG=1: dev outbox route and `magic_link` in responses. Refused in production. */
  debug: boolean;
  publicOrigin: string;
  appUrl: string | null;
  /** Origins allowed as redirect targets and as cross-origin callers of cookie routes (besides our own). */
  trustedOrigins: string[];
  redis: { url: string; token: string; keyPrefix: string; timeoutMs: number };
  database: { url: string; httpEndpoint: string | null; wsProxy: string | null; timeoutMs: number };
  authSecret: string;
  jwt: { signingKeys: string; issuer: string; audience: string };
  email: { provider: "outbox" | "resend"; from: string; resendApiKey: string | null; resendApiUrl: string };
  /** syncName: a browser that has just written reads its session at the primary while it lives. */
  cookies: { secure: boolean; sessionName: string; csrfName: string; syncName: string; knownName: string };
  session: { idleSeconds: number; rememberIdleSeconds: number; absoluteSeconds: number };
  magicLink: { ttlSeconds: number };
  passwords: { pepper: string; iterations: number; minLength: number; requireEmailVerification: boolean };
  tokens: { accessTtlSeconds: number; refreshTtlSeconds: number; refreshReuseGraceSeconds: number };
  apiKeys: ApiKeyConfig;
  /** Base URLs of the links emailed with one-time tokens (config/links.ts). */
  links: LinkConfig;
  /** Proven addresses that are platform administrators (besides users.is_superuser). */
  superuserEmails: string[];
  storefront: {
    otpDigits: number;
    publishablePrefix: "pk_live_" | "pk_test_";
    customerCookie: string;
    knownCookie: string;
  };
  stripe: StripeConfig;
  devices: DeviceConfig & { gatewayUrl: string };
  /** Social sign-in providers (OAUTH_PROVIDERS; src/oauth/config.ts). */
  oauth: OAuthConfig;
  /** MFA_ISSUER: the name authenticator apps and passkey prompts show (default: PUBLIC_URL's host). */
  mfa: { issuer: string };
  sms: SmsConfig;
  hosted: HostedConfig;
  webhooks: WebhooksConfig;
  abuse: AbuseConfig;
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n- ${problems.join("\n- ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

type Env = Record<string, unknown>;
const cache = new WeakMap<object, Config>();

export function parseConfig(env: Env): Config {
  const cached = cache.get(env);
  if (cached) return cached;
  const config = readConfig(env);
  cache.set(env, config);
  return config;
}

function readConfig(env: Env): Config {
  const read = reader(env);
  const { problems, str, required, url, int } = read;

  const environmentRaw = str("ENVIRONMENT") ?? "production";
  if (!["development", "test", "production"].includes(environmentRaw)) {
    problems.push(`ENVIRONMENT must be development, test or production (got "${environmentRaw}").`);
  }
  const environment = environmentRaw as Config["environment"];
  // A profile changes a few defaults to what its source system states (an explicit variable wins).
  const compat = parseProfiles(str("COMPAT_PROFILE"), problems);
  const debug = str("AUTH_DEBUG") === "1";
  if (debug && environment === "production") {
    problems.push("AUTH_DEBUG=1 is refused when ENVIRONMENT=production: it exposes sign-in links. Unset AUTH_DEBUG.");
  }

  const publicUrl = url(
    "PUBLIC_URL",
    required("PUBLIC_URL", "this worker's public origin, e.g. https://auth.example.com"),
    "e.g. https://auth.example.com",
  );
  // Debug mode hands out sign-in links and an open outbox: only on a developer's own machine.
  const loopback = publicUrl !== null && /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/.test(publicUrl.hostname);
  if (debug && environment !== "production" && (!["development", "test"].includes(environment) || !loopback)) {
    problems.push(
      "AUTH_DEBUG=1 needs ENVIRONMENT=development and a loopback PUBLIC_URL (http://127.0.0.1:8787): it exposes sign-in links. Unset AUTH_DEBUG.",
    );
  }
  if (environment === "production" && publicUrl && publicUrl.protocol !== "https:") {
    problems.push(
      "PUBLIC_URL must be https:// when ENVIRONMENT=production: cookies are only Secure and __Host- over HTTPS.",
    );
  }
  const appUrl = url(
    "APP_URL",
    str("APP_URL"),
    "your app's URL users land on after sign-in, e.g. https://app.example.com",
  );
  const trustedOrigins: string[] = [];
  for (const item of (str("TRUSTED_ORIGINS") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const parsed = url("TRUSTED_ORIGINS", item, "a comma-separated list of origins such as https://app.example.com");
    if (parsed) trustedOrigins.push(parsed.origin);
  }
  if (appUrl && !trustedOrigins.includes(appUrl.origin)) trustedOrigins.push(appUrl.origin);
  // Off production, a loopback-IP PUBLIC_URL is also reachable as localhost: the same server, and the
  // only name browsers accept as a passkey relying party (an IP address never is).
  if (environment !== "production" && publicUrl?.hostname === "127.0.0.1") {
    const alias = `${publicUrl.protocol}//localhost${publicUrl.port ? `:${publicUrl.port}` : ""}`;
    if (!trustedOrigins.includes(alias)) trustedOrigins.push(alias);
  }

  const redisUrl = url(
    "UPSTASH_REDIS_REST_URL",
    required("UPSTASH_REDIS_REST_URL", "your Upstash database's REST URL"),
    "the REST URL from the Upstash console",
  );
  const redisToken = required("UPSTASH_REDIS_REST_TOKEN", "your Upstash database's REST token");
  const databaseUrl = required(
    "DATABASE_URL",
    "your Neon connection string, e.g. postgres://user:pass@ep-x.neon.tech/db",
  );
  if (databaseUrl !== "" && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push(
      "DATABASE_URL must start with postgres:// or postgresql:// (copy the connection string from the Neon console).",
    );
  }

  const authSecret = required(
    "AUTH_SECRET",
    "at least 32 random characters, e.g. the output of `openssl rand -base64 32`",
  );
  if (authSecret !== "" && authSecret.length < 32)
    problems.push("AUTH_SECRET is too short: use at least 32 random characters (`openssl rand -base64 32`).");

  const signingKeys = required(
    "JWT_SIGNING_KEYS",
    "kid:base64url-seed pairs, newest first; `npm run secrets` prints one",
  );
  if (
    signingKeys !== "" &&
    !/^[A-Za-z0-9_-]{1,64}:[A-Za-z0-9_-]{43}(,[A-Za-z0-9_-]{1,64}:[A-Za-z0-9_-]{43})*$/.test(signingKeys)
  ) {
    problems.push(
      "JWT_SIGNING_KEYS must look like `kid:<43-char base64url Ed25519 seed>[,older-kid:seed]`; `npm run secrets` prints a fresh one.",
    );
  }

  const providerRaw = str("EMAIL_PROVIDER") ?? (environment === "production" ? "resend" : "outbox");
  if (providerRaw !== "resend" && providerRaw !== "outbox")
    problems.push(`EMAIL_PROVIDER must be resend or outbox (got "${providerRaw}").`);
  if (providerRaw === "outbox" && environment === "production") {
    problems.push(
      "EMAIL_PROVIDER=outbox is refused when ENVIRONMENT=production: emails would never leave. Use EMAIL_PROVIDER=resend.",
    );
  }
  const resendApiKey = str("RESEND_API_KEY");
  if (providerRaw === "resend" && resendApiKey === null)
    problems.push(
      `RESEND_API_KEY is missing: set it to your Resend API key ${read.where}, or EMAIL_PROVIDER=outbox outside production.`,
    );
  const emailFrom = str("EMAIL_FROM") ?? "Auth <auth@localhost>";
  if (providerRaw === "resend" && str("EMAIL_FROM") === null)
    problems.push("EMAIL_FROM is missing: set it to a verified sender, e.g. `Acme <login@acme.com>`.");

  const pepper = required(
    "PASSWORD_PEPPER",
    "at least 32 random characters kept apart from the database (`npm run secrets`)",
  );
  if (pepper !== "" && pepper.length < 32)
    problems.push("PASSWORD_PEPPER is too short: use at least 32 random characters (`npm run secrets`).");
  // Production Workers refuse PBKDF2 above 100,000 iterations (local workerd does not), so the cap is enforced here.
  const iterations = int("PASSWORD_ITERATIONS", 100_000, 10_000, 100_000);
  const verification = str("REQUIRE_EMAIL_VERIFICATION") ?? "true";
  if (!["true", "false", "1", "0"].includes(verification))
    problems.push(`REQUIRE_EMAIL_VERIFICATION must be true or false (got "${verification}").`);

  const apiKeys = readApiKeys(read, { environment, compat });
  const superuserEmails = (str("SUPERUSER_EMAILS") ?? "")
    .split(",")
    .map((x) => x.trim().toLowerCase())
    .filter(Boolean);
  for (const address of superuserEmails) {
    if (!/^[^@\s,]+@[^@\s,]+\.[^@\s,]+$/.test(address))
      problems.push(`SUPERUSER_EMAILS must be a comma-separated list of email addresses (got "${address}").`);
  }

  const sms = readSms(read, environment);
  const devices = readDevices(read);
  const hosted = readHosted(read);
  const stripe = readStripe(read);

  const oauth = readOAuthConfig(str, problems, { production: environment === "production" });

  const secure = publicUrl?.protocol === "https:";
  const day = 86_400;
  const sessionName =
    str("SESSION_COOKIE_NAME") ??
    (compat.includes("simulix") ? "simulix_session" : secure ? "__Host-session" : "session");
  const config: Config = {
    compat,
    environment,
    debug,
    publicOrigin: publicUrl?.origin ?? "",
    appUrl: appUrl?.toString() ?? null,
    trustedOrigins,
    redis: {
      url: redisUrl?.toString().replace(/\/$/, "") ?? "",
      token: redisToken,
      keyPrefix: str("REDIS_KEY_PREFIX") ?? "auth:",
      timeoutMs: int("REDIS_TIMEOUT_MS", 2000, 100, 30_000),
    },
    database: {
      url: databaseUrl,
      httpEndpoint: str("NEON_HTTP_ENDPOINT"),
      wsProxy: str("NEON_WS_PROXY"),
      timeoutMs: int("SQL_TIMEOUT_MS", 5000, 100, 60_000),
    },
    authSecret,
    mfa: { issuer: str("MFA_ISSUER") ?? publicUrl?.hostname ?? "edge-auth" },
    jwt: {
      signingKeys,
      issuer: str("JWT_ISSUER") ?? publicUrl?.origin ?? "",
      audience: str("JWT_AUDIENCE") ?? publicUrl?.origin ?? "",
    },
    email: {
      provider: providerRaw === "resend" ? "resend" : "outbox",
      from: emailFrom,
      resendApiKey,
      resendApiUrl: str("RESEND_API_URL") ?? "https://api.resend.com",
    },
    cookies: {
      secure,
      // __Host- cookies need Secure, so plain-http dev uses the bare names.
      sessionName,
      // CorePlexML's clients read the cookie named csrf_token. Without the __Host- prefix a sibling
      // subdomain could plant one, but the value is a MAC bound to the session, so a planted one fails.
      csrfName: secure && !compat.includes("coreplexml") ? "__Host-csrf_token" : "csrf_token",
      syncName: `${sessionName}_sync`,
      // Proof that this browser signed in as an address before (services/send-guard.ts).
      knownName: secure ? "__Host-known_client" : "known_client",
    },
    session: {
      idleSeconds: int("SESSION_IDLE_DAYS", 7, 1, 30) * day,
      rememberIdleSeconds: int("SESSION_REMEMBER_DAYS", 30, 1, 90) * day,
      absoluteSeconds: int("SESSION_ABSOLUTE_DAYS", 30, 1, 90) * day,
    },
    magicLink: { ttlSeconds: int("MAGIC_LINK_TTL_MINUTES", 15, 5, 60) * 60 },
    passwords: {
      pepper,
      iterations,
      minLength: int("PASSWORD_MIN_LENGTH", 8, 8, 64),
      requireEmailVerification: verification === "true" || verification === "1",
    },
    tokens: {
      // phy.engineering states one-hour access tokens (expires_in 3600).
      accessTtlSeconds: int("ACCESS_TOKEN_TTL_MINUTES", compat.includes("phy") ? 60 : 15, 1, 60) * 60,
      refreshTtlSeconds: int("REFRESH_TOKEN_TTL_DAYS", 30, 1, 90) * day,
      refreshReuseGraceSeconds: 10,
    },
    apiKeys,
    links: readLinks(str, problems, {
      publicOrigin: publicUrl?.origin ?? "",
      appOrigin: appUrl?.origin ?? null,
      trustedOrigins,
      compat,
    }),
    superuserEmails,
    storefront: {
      // NIST SP 800-63B and ASVS: at least six digits; 4-digit codes are refused here.
      otpDigits: int("OTP_DIGITS", 6, 6, 8),
      publishablePrefix: environment === "production" ? "pk_live_" : "pk_test_",
      customerCookie: secure ? "__Host-customer_session" : "customer_session",
      knownCookie: secure ? "__Host-customer_known" : "customer_known",
    },
    stripe,
    devices: { ...devices, gatewayUrl: devices.gatewayUrl ?? publicUrl?.origin ?? "" },
    hosted,
    webhooks: readWebhooks(read, environment),
    abuse: readAbuse(read),
    oauth,
    sms,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
