// The scenarios `npm run bench` measures: credentials of every kind, then one entry per endpoint with
// its call targets, its sequential round trips (for the latency simulation) and the design's floor.

type Store = "redis" | "sql";

export interface Scenario {
  name: string;
  /** Targets from issue 8; rows without one are reported, not judged. */
  target: { redis: number; sql: number; note: string } | null;
  /**
   * The sequential round trips before the answer, each naming the stores it waits on (a step that
   * waits on both in parallel costs the slower one). With `floor` and `why`: the design's floor table.
   */
  steps?: Store[][];
  floor?: number;
  why?: string;
  /** Work that must not be counted (minting a token to spend). */
  prepare?: () => Promise<string>;
  once: (prepared?: string) => Promise<Response>;
  load: (connections: number) => Record<string, unknown>;
  seconds?: number;
}

/**
 * The session and CSRF cookies a sign-in set, as a browser sends them later on: without the
 * read-your-writes flag, which lives ten seconds (a replayed copy would read at the primary forever).
 */
function browserCookies(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0] ?? "")
    .filter((c) => !/^[^=]*_sync=/.test(c))
    .join("; ");
}

export async function prepareScenarios(origin: string, DURATION: number) {
  let ipCounter = 0;
  const freshIp = () => `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter++ & 255}`;
  const json = { "content-type": "application/json" };

  async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${origin}${path}`, {
      method: "POST",
      headers: { ...json, "cf-connecting-ip": freshIp(), ...headers },
      body: JSON.stringify(body),
    });
  }

  async function magicToken(email: string): Promise<string> {
    const res = (await (await post("/v1/auth/magic-link/request", { email })).json()) as {
      data: { magic_link: string };
    };
    return new URL(res.data.magic_link).searchParams.get("token")!;
  }

  // Credentials of every kind.
  const ada = `ada.${Date.now()}@example.com`;
  const verified = await post("/v1/auth/magic-link/verify", { token: await magicToken(ada) });
  const cookies = browserCookies(verified);
  const csrf = /csrf_token=([^;]+)/.exec(cookies)![1]!;
  const password = "correct horse battery staple";
  const grace = `grace.${Date.now()}@example.com`;
  await post("/v1/auth/signup", { email: grace, password });
  const tokens = (
    (await (await post("/v1/auth/token", { grant_type: "password", email: grace, password })).json()) as {
      data: { access_token: string; refresh_token: string };
    }
  ).data;
  const key = (
    (await (
      await post("/v1/api-keys", { name: "bench", scopes: ["read"] }, { cookie: cookies, "x-csrf-token": csrf })
    ).json()) as { data: { api_key: string } }
  ).data.api_key;

  // Storefront key and a paired device, for the other capabilities' rows.
  const shopOrigin = "https://shop.example";
  const pk = (
    (await (
      await post(
        "/v1/publishable-keys",
        { name: "bench shop", allowed_origins: [shopOrigin] },
        { cookie: cookies, "x-csrf-token": csrf },
      )
    ).json()) as { data: { id: string } }
  ).data.id;
  const pairing = (
    (await (await post("/v1/pairing/code", {}, { cookie: cookies, "x-csrf-token": csrf })).json()) as {
      data: { token: string };
    }
  ).data.token;
  const deviceToken = (
    (await (
      await post("/v1/pairing/pair", {
        pairing_token: pairing,
        push_token: "apns:bench",
        platform: "ios",
        device_name: "bench",
      })
    ).json()) as { data: { token: string } }
  ).data.token;
  const shop = { "x-public-key": pk, origin: shopOrigin };
  const phoneNumber = () => `+1415${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;

  const get = (path: string, headers: Record<string, string>) => () => fetch(`${origin}${path}`, { headers });
  const scenarios: Scenario[] = [
    {
      name: "GET /v1/auth/me (no credential)",
      target: { redis: 0, sql: 0, note: "no store call" },
      steps: [],
      floor: 0,
      why: "none",
      once: get("/v1/auth/me", {}),
      load: () => ({ url: `${origin}/v1/auth/me` }),
    },
    {
      name: "POST /v1/auth/logout (session cookie)",
      target: { redis: 1, sql: 0, note: "1 round trip" },
      steps: [["redis"]],
      floor: 1,
      why: "none: one script checks the CSRF token and deletes the session with its index entry",
      prepare: async () => {
        const res = await post("/v1/auth/magic-link/verify", {
          token: await magicToken(`out.${Math.random()}@example.com`),
        });
        return browserCookies(res);
      },
      once: (jar) => {
        const token = /csrf_token=([^;]+)/.exec(jar ?? "")?.[1] ?? "";
        return post("/v1/auth/logout", {}, { cookie: jar ?? "", "x-csrf-token": token });
      },
      load: () => ({ url: `${origin}/v1/auth/logout`, method: "POST", headers: { cookie: "session=x" } }),
    },
    {
      name: "GET /v1/auth/me (session cookie)",
      steps: [["redis"]],
      floor: 1,
      why: "none: one script reads the session, slides it and reads the user's snapshot",
      target: { redis: 1, sql: 0, note: "1 round trip" },
      once: get("/v1/auth/me", { cookie: cookies }),
      load: () => ({ url: `${origin}/v1/auth/me`, headers: { cookie: cookies } }),
    },
    {
      name: "GET /v1/auth/me (access token)",
      steps: [["redis"]],
      floor: 1,
      why: "none: the JWT is verified locally; one MGET checks revocation and reads the snapshot",
      target: { redis: 1, sql: 0, note: "1 round trip" },
      once: get("/v1/auth/me", { authorization: `Bearer ${tokens.access_token}` }),
      load: () => ({ url: `${origin}/v1/auth/me`, headers: { authorization: `Bearer ${tokens.access_token}` } }),
    },
    // +1 deferred: the once-a-minute last_used_at check runs after the response.
    {
      name: "GET /v1/auth/me (API key, warm)",
      steps: [["redis"]],
      floor: 1,
      why: "none: one read resolves the key; its last_used_at check runs after the response",
      target: { redis: 2, sql: 0, note: "1 round trip + 1 deferred" },
      once: get("/v1/auth/me", { authorization: `Bearer ${key}` }),
      load: () => ({ url: `${origin}/v1/auth/me`, headers: { authorization: `Bearer ${key}` } }),
    },
    {
      name: "POST /v1/auth/magic-link/request",
      steps: [["redis"], ["redis"]],
      floor: 1,
      why: "the second step is the email itself (the dev outbox lives in Redis; in production it is Resend's API)",
      target: { redis: 2, sql: 0, note: "1 before the provider (+1: dev outbox)" },
      once: () => post("/v1/auth/magic-link/request", { email: `m.${Math.random()}@example.com` }),
      load: () => ({
        url: `${origin}/v1/auth/magic-link/request`,
        method: "POST",
        requests: [
          {
            setupRequest: (r: Record<string, unknown>) => ({
              ...r,
              headers: { ...json, "cf-connecting-ip": freshIp() },
              body: JSON.stringify({ email: `load.${Math.random()}@example.com` }),
            }),
          },
        ],
      }),
    },
    {
      name: "POST /v1/auth/magic-link/verify",
      steps: [["redis"], ["sql"], ["redis"]],
      floor: 3,
      why: "none: spend the token, then one statement creates or finds the user, then the session is written",
      target: { redis: 2, sql: 1, note: "consume, 1 SQL, session write" },
      prepare: () => magicToken(`v.${Math.random()}@example.com`),
      once: (token) => post("/v1/auth/magic-link/verify", { token }),
      load: () => ({
        url: `${origin}/v1/auth/magic-link/verify`,
        method: "POST",
        headers: json,
        body: JSON.stringify({ token: "x".repeat(43) }),
      }),
    },
    {
      name: "POST /v1/auth/login (hash included)",
      steps: [
        ["redis", "sql"],
        ["redis", "sql"],
      ],
      floor: 2,
      why: "none: throttle check and user lookup in parallel, hash, then session write and login record in parallel",
      target: { redis: 3, sql: 2, note: "2 sequential steps + hash" },
      once: () => post("/v1/auth/login", { email: grace, password }),
      load: () => ({
        url: `${origin}/v1/auth/login`,
        method: "POST",
        headers: json,
        body: JSON.stringify({ email: grace, password }),
      }),
      // CPU-bound (one hash each): 50 at once queue on the isolate, so give the run time to finish some.
      seconds: Math.max(DURATION, 8),
    },
    {
      name: "POST /v1/auth/token (refresh)",
      steps: [["redis"], ["sql"]],
      floor: 2,
      why: "none for this design: one script rotates the token and reads the snapshot, then Postgres says whether the family was ended (a Redis restored from a backup cannot revive a logout); the family is known only after the first",
      target: { redis: 1, sql: 1, note: "1 Redis + 1 SQL, sequential" },
      once: (() => {
        let current = tokens.refresh_token;
        return async () => {
          const res = await post("/v1/auth/token", { grant_type: "refresh_token", refresh_token: current });
          const body = (await res.clone().json()) as { data?: { refresh_token: string } };
          if (body.data) current = body.data.refresh_token;
          return res;
        };
      })(),
      load: () => ({
        url: `${origin}/v1/auth/token`,
        method: "POST",
        headers: json,
        body: JSON.stringify({ grant_type: "refresh_token", refresh_token: "y".repeat(43) }),
      }),
    },
    {
      name: "GET /v1/auth/organizations (session)",
      target: null,
      once: get("/v1/auth/organizations", { cookie: cookies }),
      load: () => ({ url: `${origin}/v1/auth/organizations`, headers: { cookie: cookies } }),
    },
    {
      name: "GET /v1/api-keys (session)",
      target: null,
      once: get("/v1/api-keys", { cookie: cookies }),
      load: () => ({ url: `${origin}/v1/api-keys`, headers: { cookie: cookies } }),
    },
    {
      name: "POST /v1/auth/signup (hash included)",
      target: null,
      once: () => post("/v1/auth/signup", { email: `s.${Math.random()}@example.com`, password }),
      load: () => ({
        url: `${origin}/v1/auth/signup`,
        method: "POST",
        requests: [
          {
            setupRequest: (r: Record<string, unknown>) => ({
              ...r,
              headers: { ...json, "cf-connecting-ip": freshIp() },
              body: JSON.stringify({ email: `load.${Math.random()}@example.com`, password }),
            }),
          },
        ],
      }),
      seconds: Math.max(DURATION, 8),
    },
    {
      name: "GET /v1/storefront/auth/status (publishable key)",
      target: null,
      once: get("/v1/storefront/auth/status", shop),
      load: () => ({ url: `${origin}/v1/storefront/auth/status`, headers: shop }),
    },
    {
      name: "POST /v1/storefront/auth/request-otp",
      target: null,
      once: () => post("/v1/storefront/auth/request-otp", { contact: phoneNumber() }, shop),
      load: () => ({
        url: `${origin}/v1/storefront/auth/request-otp`,
        method: "POST",
        requests: [
          {
            setupRequest: (r: Record<string, unknown>) => ({
              ...r,
              headers: { ...json, ...shop, "cf-connecting-ip": freshIp() },
              body: JSON.stringify({ contact: phoneNumber() }),
            }),
          },
        ],
      }),
    },
    {
      name: "POST /v1/pairing/code (session)",
      target: null,
      once: () => post("/v1/pairing/code", {}, { cookie: cookies, "x-csrf-token": csrf }),
      load: () => ({
        url: `${origin}/v1/pairing/code`,
        method: "POST",
        headers: { ...json, cookie: cookies, "x-csrf-token": csrf },
        body: "{}",
      }),
    },
    {
      name: "GET /v1/auth/me (device token)",
      target: null,
      once: get("/v1/auth/me", { authorization: `Bearer ${deviceToken}` }),
      load: () => ({ url: `${origin}/v1/auth/me`, headers: { authorization: `Bearer ${deviceToken}` } }),
    },
    {
      name: "POST /v1/webhooks/stripe (bad signature)",
      target: null,
      once: () => post("/v1/webhooks/stripe", { id: "evt_x" }, { "stripe-signature": "t=1,v1=00" }),
      load: () => ({
        url: `${origin}/v1/webhooks/stripe`,
        method: "POST",
        headers: { ...json, "stripe-signature": "t=1,v1=00" },
        body: "{}",
      }),
    },
  ];

  return { scenarios, post, magicToken, cookies, csrf };
}
