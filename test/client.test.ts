// The typed client (client/) driven against the worker: the same app the harness builds, reached
// through the client's own fetch seam; a tiny cookie jar stands in for the browser's.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  AuthApiError,
  createBrowserClient,
  createDeviceClient,
  createPairingCode,
  createStorefrontClient,
  createTokenClient,
  createWebhookEndpoint,
  type ErrorCode,
  memoryStorage,
  pairDevice,
  replayWebhookEvent,
  type StoredTokens,
  startNativeSignIn,
  type WebhookEvent,
  type WebhookEventType,
} from "../client/src/index";
import { PASSWORD, signInByLink, signUpVerified } from "./support/accounts";
import { CookieJar } from "./support/cookies";
import { json, randomIp } from "./support/harness";
import { uniqueEmail, useHarness } from "./support/setup";
import { followProvider, returnFrom } from "./support/social";

const h = useHarness();
const BASE = "http://127.0.0.1:8787";

interface Wire {
  fetch: (request: Request) => Promise<Response>;
  calls: string[];
}

/** The client's fetch, wired to the worker; `jar` plays the browser's cookie store. */
function wire(options: { jar?: CookieJar; origin?: string; drop?: (request: Request) => boolean } = {}): Wire {
  const ip = randomIp();
  const calls: string[] = [];
  return {
    calls,
    async fetch(request) {
      calls.push(`${request.method} ${new URL(request.url).pathname}`);
      const headers = new Headers(request.headers);
      headers.set("cf-connecting-ip", ip);
      if (options.origin) headers.set("origin", options.origin);
      const cookie = options.jar?.header();
      if (cookie) headers.set("cookie", cookie);
      const pending: Promise<unknown>[] = [];
      const ctx = { waitUntil: (p: Promise<unknown>) => void pending.push(p), passThroughOnException() {} };
      const drop = options.drop?.(request.clone()) ?? false;
      const response = await h.app.request(new Request(request, { headers }), undefined, env, ctx as never);
      await Promise.all(pending);
      options.jar?.absorb(response);
      // The worker did the work, but the answer never arrives (a dropped connection).
      if (drop) throw new TypeError("network connection lost");
      return response;
    },
  };
}

async function verifiedAccount(): Promise<string> {
  const email = uniqueEmail("client");
  await signUpVerified(h, email);
  return email;
}

describe("createBrowserClient", () => {
  it("same-origin page: signs in, sends X-CSRF-Token from the cookie on writes, signs out", async () => {
    const email = await verifiedAccount();
    const jar = new CookieJar();
    const w = wire({ jar });
    const client = createBrowserClient({ baseUrl: BASE, fetch: w.fetch, readCookie: (n) => jar.get(n) });
    const signedIn = await client.signIn({ email, password: PASSWORD });
    expect(signedIn).toMatchObject({ user: { email } });
    const me = await client.me();
    expect(me?.user?.email).toBe(email);
    const key = await client.api.POST("/v1/api-keys", { body: { name: "from the client", scopes: ["read"] } });
    expect(key.response.status).toBe(201);
    expect(key.data?.data.api_key).toMatch(/^sk_test_/);
    await client.signOut();
    expect(await client.me()).toBeNull();
    expect(w.calls.filter((c) => c === "GET /v1/auth/me")).toHaveLength(2);
  });

  it("trusted cross-origin front end: learns the CSRF token once from /me, then writes", async () => {
    const email = await verifiedAccount();
    const jar = new CookieJar();
    const w = wire({ jar, origin: "http://127.0.0.1:5173" });
    const client = createBrowserClient({ baseUrl: BASE, fetch: w.fetch, readCookie: () => undefined });
    await client.signIn({ email, password: PASSWORD });
    for (const name of ["one", "two"]) {
      const res = await client.api.POST("/v1/api-keys", { body: { name, scopes: ["read"] } });
      expect(res.response.status).toBe(201);
    }
    expect(w.calls.filter((c) => c === "GET /v1/auth/me")).toHaveLength(1);
    const hostile = wire({ jar, origin: "https://evil.example" });
    const stolen = createBrowserClient({ baseUrl: BASE, fetch: hostile.fetch, readCookie: (n) => jar.get(n) });
    const refused = await stolen.api.POST("/v1/api-keys", { body: { name: "evil", scopes: ["read"] } });
    expect(refused.response.status).toBe(403);
    expect((refused.error as any).error.code).toBe("csrf_failed");
  });

  it("errors surface as AuthApiError with the answer's code", async () => {
    const client = createBrowserClient({ baseUrl: BASE, fetch: wire({ jar: new CookieJar() }).fetch });
    const error = await client.signIn({ email: uniqueEmail("nobody"), password: PASSWORD }).catch((e) => e);
    expect(error).toBeInstanceOf(AuthApiError);
    expect(error).toMatchObject({ status: 401, code: "invalid_credentials" });
    expect(error.requestId).toMatch(/^req_/);
    // The codes are typed from the document (npm run typecheck fails on an undeclared one).
    const declared: ErrorCode[] = ["invalid_credentials", "magic_link_invalid", "rate_limited"];
    // @ts-expect-error: not a code the document declares
    const undeclared: ErrorCode = "no_such_code";
    expect(declared).toContain((error as AuthApiError).code);
    expect(undeclared).toBe("no_such_code");
  });
});

describe("createTokenClient", () => {
  it("signs in, calls with the bearer token, and keeps tokens in the given storage", async () => {
    const email = await verifiedAccount();
    const writes: Array<StoredTokens | null> = [];
    const memory = memoryStorage();
    const storage = {
      get: memory.get,
      set: (t: StoredTokens | null) => {
        writes.push(t);
        return memory.set(t);
      },
    };
    const client = createTokenClient({ baseUrl: BASE, fetch: wire().fetch, storage });
    const signedIn = await client.signIn({ email, password: PASSWORD });
    if ("mfa_required" in signedIn) throw new Error("no second factor was set up");
    const { user, organization } = signedIn;
    expect(user.email).toBe(email);
    expect(organization.role).toBe("owner");
    expect(writes).toHaveLength(1);
    const me = await client.api.GET("/v1/auth/me");
    expect(me.data?.data.identity.kind).toBe("access_token");
  });

  it("parallel calls with an expired access token share one refresh (single flight)", async () => {
    const email = await verifiedAccount();
    const w = wire();
    const client = createTokenClient({ baseUrl: BASE, fetch: w.fetch });
    await client.signIn({ email, password: PASSWORD });
    const tokens = (await client.storage.get()) as StoredTokens;
    await client.storage.set({ ...tokens, expires_at: 0 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => client.api.GET("/v1/auth/me")));
    expect(answers.map((a) => a.response.status)).toEqual(Array(10).fill(200));
    expect(w.calls.filter((c) => c === "POST /v1/auth/token")).toHaveLength(2); // sign-in + one refresh
    expect((await client.storage.get())?.refresh_token).not.toBe(tokens.refresh_token);
  });

  it("a refresh whose answer is lost is retried with the same token and gets the same successor", async () => {
    const email = await verifiedAccount();
    let dropped = 0;
    const w = wire({
      drop: (request) => new URL(request.url).pathname === "/v1/auth/token" && dropped++ === 1,
    });
    const client = createTokenClient({ baseUrl: BASE, fetch: w.fetch });
    await client.signIn({ email, password: PASSWORD });
    const before = (await client.storage.get()) as StoredTokens;
    const after = await client.refresh();
    expect(after.refresh_token).not.toBe(before.refresh_token);
    expect(w.calls.filter((c) => c === "POST /v1/auth/token")).toHaveLength(3);
    // The login survived the retry: the successor works, and so do calls.
    const again = await client.refresh();
    expect(again.refresh_token).not.toBe(after.refresh_token);
    expect((await client.api.GET("/v1/auth/me")).response.status).toBe(200);
  });

  it("a 401 (the worker's clock says expired) is retried once after a refresh", async () => {
    const email = await verifiedAccount();
    const client = createTokenClient({ baseUrl: BASE, fetch: wire().fetch });
    await client.signIn({ email, password: PASSWORD });
    h.clock.advance(16 * 60_000);
    const me = await client.api.GET("/v1/auth/me");
    expect(me.response.status).toBe(200);
  });

  it("signOut revokes the login on the worker", async () => {
    const email = await verifiedAccount();
    const client = createTokenClient({ baseUrl: BASE, fetch: wire().fetch });
    await client.signIn({ email, password: PASSWORD });
    const tokens = (await client.storage.get()) as StoredTokens;
    await client.signOut();
    expect(await client.storage.get()).toBeNull();
    const reuse = await h.request("/v1/auth/token", {
      method: "POST",
      json: { grant_type: "refresh_token", refresh_token: tokens.refresh_token },
    });
    expect(reuse.status).toBe(401);
  });
});

describe("createStorefrontClient", () => {
  it("OTP sign-in, status, profile and sign-out with X-Public-Key and the customer cookie", async () => {
    const owner = await signInByLink(h, uniqueEmail("merchant"));
    const created = await h.request("/v1/publishable-keys", {
      method: "POST",
      jar: owner.jar,
      json: { name: "shop", allowed_origins: ["https://shop.example"] },
    });
    const publishableKey = (await json(created)).data.id as string;
    const jar = new CookieJar();
    const shop = createStorefrontClient({
      baseUrl: BASE,
      publishableKey,
      fetch: wire({ jar, origin: "https://shop.example" }).fetch,
    });
    const contact = `+1415${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
    expect(await shop.requestOtp({ contact })).toMatchObject({ delivery_channel: "sms" });
    const code = (await h.outbox(contact))[0]?.codes[0] as string;
    const { customer } = await shop.verifyOtp({ contact, otp_code: code });
    expect((await shop.status()).customer?.id).toBe(customer.id);
    expect((await shop.updateProfile({ name: "Ama" })).customer.name).toBe("Ama");
    await shop.signOut();
    expect((await shop.status()).is_authenticated).toBe(false);
    const wrong = await shop.verifyOtp({ contact, otp_code: "000000" }).catch((e) => e);
    expect(wrong).toMatchObject({ status: 401, code: "otp_invalid" });
  });
});

describe("device pairing helpers", () => {
  it("a runtime's code becomes a device token that works on /me", async () => {
    const email = await verifiedAccount();
    const w = wire();
    const runtime = createTokenClient({ baseUrl: BASE, fetch: w.fetch });
    await runtime.signIn({ email, password: PASSWORD });
    const code = await createPairingCode(runtime.api, { peer_id: "runtime-1" });
    expect(code.deep_link).toContain(code.token);
    const device = await pairDevice(
      { baseUrl: BASE, fetch: w.fetch },
      { pairing_token: code.token, push_token: "push", platform: "ios", device_name: "iPhone" },
    );
    expect(device.peer_id).toBe("runtime-1");
    const phone = createDeviceClient({ baseUrl: BASE, fetch: w.fetch }, device.token);
    const me = await phone.GET("/v1/auth/me");
    expect(me.data?.data.identity.kind).toBe("device");
  });
});

describe("social sign-in helpers", () => {
  it("a native app: startNativeSignIn's URL, the provider, then signInWithCode with its verifier", async () => {
    const email = uniqueEmail("client-native");
    const { url, codeVerifier } = await startNativeSignIn(BASE, "dev", { redirectTo: "authapp://signed-in" });
    const start = new URL(url);
    expect(start.pathname).toBe("/v1/auth/oauth/dev/start");
    expect(start.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The system browser: our start, the provider's login page, back to our callback.
    const jar = new CookieJar();
    const ip = randomIp();
    const started = await h.request(`${start.pathname}${start.search}`, { jar, ip });
    const visit = await followProvider(started.headers.get("location") ?? "", jar, { email, ip });
    const back = await returnFrom(h, visit);
    const redirect = new URL(back.headers.get("location") ?? "");
    expect(redirect.protocol).toBe("authapp:");
    const app = createTokenClient({ baseUrl: BASE, fetch: wire().fetch });
    const signedIn = await app.signInWithCode({ code: redirect.searchParams.get("code") ?? "", codeVerifier });
    expect(signedIn).toMatchObject({ user: { email } });
    const me = await app.api.GET("/v1/auth/me");
    expect(me.data?.data.user?.email).toBe(email);
  });

  it("a browser session links a provider, lists and unlinks it", async () => {
    const email = await verifiedAccount();
    const jar = new CookieJar();
    const auth = createBrowserClient({ baseUrl: BASE, fetch: wire({ jar }).fetch, readCookie: (n) => jar.get(n) });
    await auth.signIn({ email, password: PASSWORD });
    expect(auth.socialSignInUrl("dev", { redirectTo: "/app" })).toBe(
      `${BASE}/v1/auth/oauth/dev/start?redirect_to=%2Fapp`,
    );
    const authorizationUrl = await auth.linkProvider("dev");
    const visit = await followProvider(authorizationUrl, jar, { email: uniqueEmail("client-linked") });
    expect((await returnFrom(h, visit)).status).toBe(200);
    const list = await auth.identities();
    expect(list).toHaveLength(1);
    await auth.unlinkIdentity(list[0]?.id ?? "");
    expect(await auth.identities()).toHaveLength(0);
    const error = await auth.unlinkIdentity(list[0]?.id ?? "").catch((e) => e);
    expect(error).toMatchObject({ status: 404, code: "not_found" });
  });
});

describe("webhook helpers", () => {
  it("register an endpoint (its secret once) and replay an event by id; the event types are typed", async () => {
    const email = await verifiedAccount();
    const jar = new CookieJar();
    const w = wire({ jar });
    const client = createBrowserClient({ baseUrl: BASE, fetch: w.fetch, readCookie: (n) => jar.get(n) });
    await client.signIn({ email, password: PASSWORD });
    const types: WebhookEventType[] = ["user.updated", "member.joined"];
    const endpoint = await createWebhookEndpoint(client.api, {
      url: "https://hooks.example.com/in",
      event_types: types,
    });
    expect(endpoint.secret).toMatch(/^whsec_/);
    expect(endpoint.event_types).toEqual(types);
    await client.api.PATCH("/v1/auth/me", { body: { name: "Typed" } });
    const [event] = await h.sql.query(
      "select d.event_id from webhook_deliveries d where d.endpoint_id = $1 and d.status = 'pending'",
      [endpoint.id],
    );
    const replayed = await replayWebhookEvent(client.api, endpoint.id, event!.event_id);
    expect(replayed).toEqual({ event_id: event!.event_id, status: "pending" });
    const refused = await replayWebhookEvent(client.api, endpoint.id, `evt_${"0".repeat(32)}`).catch((e) => e);
    expect(refused).toBeInstanceOf(AuthApiError);
    expect((refused as AuthApiError).code).toBe("not_found");
    const body: WebhookEvent<"user.updated"> = { type: "user.updated", timestamp: "", data: {} };
    expect(body.type).toBe("user.updated");
  });
});
