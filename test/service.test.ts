import { exports as workerExports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../src/errors";
import { openApiDocument } from "../src/features/docs/document";
import worker from "../src/index";
import { bindings, json } from "./support/harness";
import { useHarness } from "./support/setup";

const h = useHarness();

describe("service routes", () => {
  it("GET /healthz reports both stores", async () => {
    const res = await h.request("/healthz");
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ success: true, data: { redis: "ok", postgres: "ok" } });
  });

  it("publishes every signing key's public half at /.well-known/jwks.json", async () => {
    const res = await h.request("/.well-known/jwks.json");
    expect(res.status).toBe(200);
    const { keys } = await json(res);
    expect(keys.map((k: { kid: string }) => k.kid)).toEqual(["k2026", "k2025"]);
    for (const key of keys) {
      expect(key).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
      expect(key.d).toBeUndefined();
      expect(key.x).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }
  });

  it("/openapi.json says how each route authenticates, derived from the route's guard", async () => {
    const doc = await json(await h.request("/openapi.json"));
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual([
      "accessToken",
      "apiKey",
      "clientSecretBasic",
      "csrf",
      "deviceToken",
      "publishableKey",
      "session",
      "stripeSignature",
    ]);
    expect(doc.components.securitySchemes.publishableKey).toMatchObject({ in: "header", name: "X-Public-Key" });
    // Key management: a browser session (with CSRF on writes) or an API key, never an access token.
    expect(doc.paths["/v1/api-keys"].get.security).toEqual([{ session: [] }, { apiKey: [] }]);
    expect(doc.paths["/v1/api-keys"].post.security).toEqual([{ session: [], csrf: [] }, { apiKey: [] }]);
    expect(doc.paths["/v1/oauth/introspect"].post.security).toEqual([{ clientSecretBasic: [] }, { apiKey: [] }]);
    expect(doc.paths["/v1/storefront/auth/status"].get.security).toEqual([{ publishableKey: [] }]);
    // A public operation says so outright (`[]`); /me names every credential it reads, a device's too.
    expect(doc.paths["/v1/auth/magic-link/request"].post.security).toEqual([]);
    expect(doc.paths["/v1/auth/me"].get.security).toEqual([
      { session: [] },
      { accessToken: [] },
      { apiKey: [] },
      { deviceToken: [] },
    ]);
    expect(doc.paths["/v1/webhooks/stripe"].post.security).toEqual([{ stripeSignature: [] }]);
    // Every operation states its security and has a unique operationId (generated clients need both).
    const ids = new Set<string>();
    for (const [path, operations] of Object.entries<Record<string, { security?: unknown[]; operationId?: string }>>(
      doc.paths,
    ))
      for (const [method, op] of Object.entries(operations)) {
        expect(Array.isArray(op.security), `${method} ${path} security`).toBe(true);
        expect(op.operationId, `${method} ${path} operationId`).toMatch(/^[a-z][A-Za-z0-9]+$/);
        expect(ids.has(op.operationId as string), op.operationId).toBe(false);
        ids.add(op.operationId as string);
      }
    // Every organization, key, device and platform operation states its credentials.
    const unstated: string[] = [];
    for (const [path, operations] of Object.entries<Record<string, { security?: unknown[] }>>(doc.paths)) {
      if (!/^\/v1\/(organizations|api-keys|publishable-keys|admin|devices)/.test(path)) continue;
      for (const [method, op] of Object.entries(operations))
        if (!op.security?.length) unstated.push(`${method} ${path}`);
    }
    expect(unstated).toEqual([]);
    expect(await (await h.request("/docs")).text()).toContain("Authenticate with: <code>session | apiKey</code>");
  });

  it("/openapi.json has one schema per error code, from the one error table", async () => {
    const doc = await json(await h.request("/openapi.json"));
    const schemas = doc.components.schemas as Record<string, any>;
    const named = Object.keys(schemas).filter((n) => n.startsWith("Error_"));
    expect(named.length).toBeGreaterThan(20);
    for (const name of named) {
      const code = name.slice("Error_".length) as keyof typeof ERROR_CODES;
      expect(ERROR_CODES[code], name).toBeDefined();
      expect(schemas[name].properties.error.properties.code.enum).toEqual([code]);
      expect(schemas[name].example.error).toMatchObject({ code, message: ERROR_CODES[code].message });
    }
    const login = doc.paths["/v1/auth/login"].post.responses["401"].content["application/json"].schema;
    expect(login.anyOf).toContainEqual({ $ref: "#/components/schemas/Error_invalid_credentials" });
  });

  it("/openapi.json is the document built from the route declarations (lazy groups included)", async () => {
    const res = await h.request("/openapi.json");
    expect(res.headers.get("content-type")).toContain("application/json");
    const doc = await json(res);
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.servers).toEqual([{ url: h.config.publicOrigin }]);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/v1/auth/magic-link/request",
        "/v1/auth/magic-link/verify",
        "/v1/auth/me",
        "/v1/auth/logout",
        "/healthz",
        "/.well-known/jwks.json",
        "/v1/auth/passkeys",
        "/v1/admin/users",
      ]),
    );
    // Served as built (client/openapi.json): the same as the declarations give now, or the build is
    // stale (`npm run client:generate`). Dev-only routes are not part of the product's document.
    const built = await openApiDocument({ ...h.config, debug: false });
    expect(doc).toEqual(built);
    expect(doc.paths["/v1/dev/outbox"]).toBeUndefined();
    expect(doc.paths["/v1/auth/magic-link/request"].post.requestBody.content["application/json"].schema).toBeDefined();
    const docs = await h.request("/docs");
    expect(docs.status).toBe(200);
    const page = await docs.text();
    expect(page).toContain("/v1/auth/magic-link/request");
    // Each operation shows its example request and answer and, per error status, its codes.
    expect(page).toContain("Example request");
    expect(page).toContain("Example answer (200)");
    expect(page).toContain("<code>invalid_credentials, token_invalid, unauthorized</code>");
    // Dev mode (the suite runs with AUTH_DEBUG=1) links the page that tries a social sign-in.
    expect(page).toContain('href="/v1/dev/sign-in"');
    const tryIt = await h.request("/v1/dev/sign-in");
    expect(tryIt.status).toBe(200);
    expect(await tryIt.text()).toContain('href="/v1/auth/oauth/dev/start"');
  });

  it("sends security headers on API responses", async () => {
    const res = await h.request("/v1/auth/me");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });
});

const exports = workerExports as unknown as {
  default: { fetch(input: string, init?: RequestInit): Promise<Response> };
};

describe("the worker entry point (src/index.ts) with the configured bindings", () => {
  it("serves the app through exports.default.fetch", async () => {
    const res = await exports.default.fetch("http://127.0.0.1:8787/healthz");
    expect(res.status).toBe(200);
    const request = await exports.default.fetch("http://127.0.0.1:8787/v1/auth/magic-link/request", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "entry@example.com" }),
    });
    expect(request.status).toBe(202);
  });

  it("answers a bad configuration with 500 config_invalid naming the variable and the fix", async () => {
    const { AUTH_SECRET: _omitted, ...rest } = bindings;
    const res = await worker.fetch(
      new Request("http://127.0.0.1:8787/healthz"),
      { ...rest, JWT_SIGNING_KEYS: "nope" },
      {} as ExecutionContext,
    );
    expect(res.status).toBe(500);
    const body = await json(res);
    expect(body.error.code).toBe("config_invalid");
    const messages = body.error.details.map((d: { message: string }) => d.message).join("\n");
    expect(messages).toContain("AUTH_SECRET is missing");
    expect(messages).toContain("openssl rand");
    expect(messages).toContain("JWT_SIGNING_KEYS must look like");
  });

  it("refuses AUTH_DEBUG and the outbox in production", async () => {
    const res = await worker.fetch(
      new Request("http://127.0.0.1:8787/healthz"),
      { ...bindings, ENVIRONMENT: "production" },
      {} as ExecutionContext,
    );
    const messages = (await json(res)).error.details.map((d: { message: string }) => d.message).join("\n");
    expect(messages).toContain("AUTH_DEBUG=1 is refused");
    expect(messages).toContain("EMAIL_PROVIDER=outbox is refused");
    expect(messages).toContain("PUBLIC_URL must be https://");
  });
});

describe("AUTH_DEBUG only on a developer's own machine", () => {
  it("is refused with a public PUBLIC_URL, or outside development and test", async () => {
    const { parseConfig } = await import("../src/config");
    for (const overrides of [
      { PUBLIC_URL: "http://auth.example.com" },
      { PUBLIC_URL: "https://staging.example.com" },
      { PUBLIC_URL: "http://10.0.0.5:8787" },
      { ENVIRONMENT: "staging" },
    ]) {
      expect(() => parseConfig({ ...bindings, AUTH_DEBUG: "1", ...overrides }), JSON.stringify(overrides)).toThrow(
        /AUTH_DEBUG=1|ENVIRONMENT must be/,
      );
    }
    for (const url of ["http://127.0.0.1:8787", "http://localhost:8787", "http://[::1]:8787"]) {
      expect(parseConfig({ ...bindings, AUTH_DEBUG: "1", ENVIRONMENT: "development", PUBLIC_URL: url }).debug).toBe(
        true,
      );
    }
    const res = await worker.fetch(
      new Request("http://127.0.0.1:8787/healthz"),
      { ...bindings, PUBLIC_URL: "http://auth.example.com" },
      {} as ExecutionContext,
    );
    expect(res.status).toBe(500);
    expect((await json(res)).error.details.map((d: { message: string }) => d.message).join(" ")).toContain(
      "loopback PUBLIC_URL",
    );
  });
});

describe("social sign-in provider settings", () => {
  it("are checked once, with a sentence that says how to fix each one", async () => {
    const { ConfigError, parseConfig } = await import("../src/config");
    const problems = (env: Record<string, string>) => {
      try {
        parseConfig({ ...bindings, ...env });
        return [];
      } catch (error) {
        return (error as InstanceType<typeof ConfigError>).problems;
      }
    };
    expect(problems({ OAUTH_PROVIDERS: "acme" })).toEqual([
      "OAUTH_ACME_CLIENT_ID is missing: copy the client id from acme's developer console.",
      "OAUTH_ACME_CLIENT_SECRET is missing: copy the client secret from acme's developer console.",
      "OAUTH_ACME_ISSUER is missing: set it to the OpenID Provider's issuer URL, e.g. https://id.example.com.",
    ]);
    const acme = { OAUTH_PROVIDERS: "acme", OAUTH_ACME_CLIENT_ID: "id", OAUTH_ACME_CLIENT_SECRET: "secret" };
    expect(problems({ ...acme, OAUTH_ACME_ISSUER: "http://id.example.com" })).toEqual([
      "OAUTH_ACME_ISSUER must be an https:// URL (http only for a loopback provider outside production).",
    ]);
    expect(problems({ ...acme, OAUTH_ACME_ISSUER: "https://id.example.com", OAUTH_ACME_TYPE: "saml" })).toEqual([
      'OAUTH_ACME_TYPE must be oidc, github, apple or microsoft (got "saml").',
    ]);
    expect(problems({ OAUTH_PROVIDERS: "Bad Name" })[0]).toContain("is not a provider name");
    const appleUnset = {
      OAUTH_APPLE_TEAM_ID: "",
      OAUTH_APPLE_KEY_ID: "",
      OAUTH_APPLE_PRIVATE_KEY: "",
      OAUTH_APPLE_ISSUER: "",
    };
    expect(problems({ ...appleUnset, OAUTH_PROVIDERS: "apple", OAUTH_APPLE_CLIENT_ID: "com.example.web" })).toEqual([
      "OAUTH_APPLE_TEAM_ID is missing: your Apple developer Team ID (10 characters).",
      "OAUTH_APPLE_KEY_ID is missing: the Key ID of your Sign in with Apple key.",
      "OAUTH_APPLE_PRIVATE_KEY must be the .p8 key's PEM text (BEGIN PRIVATE KEY; \\n for line breaks).",
    ]);
    // Presets: Google's issuer and scopes, GitHub's endpoints; only the client's own id and secret are needed.
    const config = parseConfig({
      ...bindings,
      OAUTH_PROVIDERS: "google,github",
      OAUTH_GOOGLE_CLIENT_ID: "g",
      OAUTH_GOOGLE_CLIENT_SECRET: "gs",
      OAUTH_GITHUB_CLIENT_ID: "h",
      OAUTH_GITHUB_CLIENT_SECRET: "hs",
    });
    expect(config.oauth.providers.map((p) => [p.name, p.kind, p.issuer, p.scopes.join(" ")])).toEqual([
      ["google", "oidc", "https://accounts.google.com", "openid email profile"],
      ["github", "github", null, "read:user user:email"],
    ]);
  });
});

describe("production configuration without optional providers", () => {
  it("starts without Twilio or Stripe settings; SMS then fails clearly", async () => {
    const { parseConfig } = await import("../src/config");
    const config = parseConfig({
      ...bindings,
      ENVIRONMENT: "production",
      AUTH_DEBUG: "0",
      PUBLIC_URL: "https://auth.example.com",
      EMAIL_PROVIDER: "resend",
      RESEND_API_KEY: "re_x",
      EMAIL_FROM: "Acme <login@acme.com>",
      SMS_PROVIDER: "",
      STRIPE_WEBHOOK_SECRET: "",
      OAUTH_PROVIDERS: "",
    });
    expect(config.sms.provider).toBe("none");
    expect(config.oauth.providers).toEqual([]);
    expect(config.stripe.webhookSecrets).toEqual([]);
    const { createDisabledSms } = await import("../src/sms/provider");
    await expect(createDisabledSms().send({ to: "+14155550123", text: "x" })).rejects.toThrow(/SMS_PROVIDER=none/);
  });
});
