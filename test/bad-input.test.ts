import { describe, expect, it } from "vitest";
import { generateToken } from "../src/crypto/random";
import { CookieJar } from "./support/cookies";
import { createHarness, json } from "./support/harness";
import { useHarness } from "./support/setup";

const h = useHarness();
const compat = useHarness({ COMPAT_PROFILE: "simplaix" });

const post = (body: BodyInit | undefined, headers: Record<string, string> = {}) =>
  h.request("/v1/auth/magic-link/request", { method: "POST", body, headers });

describe("bad input gets a clear 4xx and writes nothing", () => {
  const cases: Array<[string, () => Promise<Response>, number, string, string?]> = [
    ["invalid JSON", () => post("{not json", { "content-type": "application/json" }), 400, "validation_error", "body"],
    ["a JSON array", () => post("[1,2]", { "content-type": "application/json" }), 400, "validation_error"],
    [
      "text/plain",
      () => post('{"email":"a@example.com"}', { "content-type": "text/plain" }),
      415,
      "unsupported_media_type",
    ],
    [
      "a form body",
      () => post("email=a%40example.com", { "content-type": "application/x-www-form-urlencoded" }),
      415,
      "unsupported_media_type",
    ],
    ["no content type", () => post('{"email":"a@example.com"}'), 415, "unsupported_media_type"],
    ["missing email", () => post("{}", { "content-type": "application/json" }), 400, "validation_error", "email"],
    [
      "email not a string",
      () => post('{"email":42}', { "content-type": "application/json" }),
      400,
      "validation_error",
      "email",
    ],
    [
      "malformed email",
      () => post('{"email":"nope"}', { "content-type": "application/json" }),
      400,
      "validation_error",
      "email",
    ],
    [
      "name too long",
      () =>
        post(JSON.stringify({ email: "a@example.com", name: "x".repeat(101) }), { "content-type": "application/json" }),
      400,
      "validation_error",
      "name",
    ],
    [
      "a body over 64 KiB",
      () =>
        post(JSON.stringify({ email: "a@example.com", name: "x".repeat(70 * 1024) }), {
          "content-type": "application/json",
        }),
      413,
      "payload_too_large",
    ],
  ];

  for (const [label, send, status, code, field] of cases) {
    it(`${label} -> ${status} ${code}`, async () => {
      const before = await h.redisKeysMatching("*");
      const res = await send();
      expect(res.status).toBe(status);
      const body = await json(res);
      expect(body.success).toBe(false);
      expect(body.error.code).toBe(code);
      expect(body.meta.request_id).toBe(res.headers.get("x-request-id"));
      if (field) expect(body.error.details.map((d: { field: string }) => d.field)).toContain(field);
      expect(JSON.stringify(body)).not.toMatch(/at \w+ \(|\.ts:\d+/);
      expect((await h.redisKeysMatching("*")).sort()).toEqual(before.sort());
    });
  }

  it("a JSON body nested 20,000 deep answers 400 validation_error, not 500 (here and in a compatibility profile)", async () => {
    const deep = `{"email":${"[".repeat(20_000)}${"]".repeat(20_000)}}`;
    for (const x of [h, compat]) {
      const path = x === h ? "/v1/auth/login" : "/api/v1/auth/login";
      const res = await x.request(path, {
        method: "POST",
        body: deep,
        headers: { "content-type": "application/json" },
      });
      expect(res.status, path).toBe(400);
      // Ours names the rule; the profile answers in its document's error shape.
      if (x === h) expect(JSON.stringify(await json(res))).toContain("nested");
    }
  });

  it("unknown routes answer 404 not_found in the envelope", async () => {
    const res = await h.request("/v1/nope");
    expect(res.status).toBe(404);
    expect((await json(res)).error.code).toBe("not_found");
  });

  it("echoes a sane X-Request-Id and replaces an unsafe one", async () => {
    const echoed = await h.request("/v1/nope", { headers: { "x-request-id": "client-abc_123" } });
    expect(echoed.headers.get("x-request-id")).toBe("client-abc_123");
    const replaced = await h.request("/v1/nope", { headers: { "x-request-id": "bad id<script>" } });
    expect(replaced.headers.get("x-request-id")).toMatch(/^req_/);
  });
});

describe("store outages fail closed with 503 store_unavailable", () => {
  it("Redis unreachable: request, verify and /me answer 503, never 500 or 200", async () => {
    const down = await createHarness({ UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9" });
    try {
      for (const [path, init] of [
        ["/v1/auth/magic-link/request", { method: "POST", json: { email: "a@example.com" } }],
        ["/v1/auth/magic-link/verify", { method: "POST", json: { token: generateToken() } }],
        ["/v1/auth/me", { headers: { cookie: `session=${generateToken()}` } }],
        ["/v1/auth/login", { method: "POST", json: { email: "a@example.com", password: "whatever it is" } }],
        ["/v1/auth/token", { method: "POST", json: { grant_type: "refresh_token", refresh_token: generateToken() } }],
      ] as const) {
        const res = await down.request(path, init);
        expect(res.status, path).toBe(503);
        const body = await json(res);
        expect(body.error.code).toBe("store_unavailable");
        expect(body.meta.correlation_id).toMatch(/^corr_/);
      }
      const health = await down.request("/healthz");
      expect(health.status).toBe(503);
      expect((await json(health)).data).toEqual({ redis: "down", postgres: "ok" });
    } finally {
      await down.close();
    }
  });

  it("Postgres unreachable: verify answers 503 and creates no session", async () => {
    const down = await createHarness({ DATABASE_URL: "postgres://postgres@127.0.0.1:9/none" });
    try {
      const address = `pg-down.${generateToken(16)
        .toLowerCase()
        .replace(/[^a-z0-9]/g, "")}@example.com`;
      const token = await down.magicLinkToken(address);
      const jar = new CookieJar();
      const res = await down.request("/v1/auth/magic-link/verify", { method: "POST", json: { token }, jar });
      expect(res.status).toBe(503);
      expect((await json(res)).error.code).toBe("store_unavailable");
      expect(jar.get("session")).toBeUndefined();
      expect(await down.redisKeysMatching("ses:*")).toHaveLength(0);
      expect((await json(await down.request("/healthz"))).data).toEqual({ redis: "ok", postgres: "down" });
    } finally {
      await down.close();
    }
  });
});

describe("control characters in text fields", () => {
  it("are refused with 400 before anything is read or spent (U+0000 used to reach Postgres as a 503)", async () => {
    const email = `ctl.${generateToken(16)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, "")}@example.com`;
    const token = await h.magicLinkToken(email);
    for (const [path, body, field] of [
      ["/v1/auth/magic-link/request", { email, name: "Ada\u0000" }, "name"],
      ["/v1/auth/magic-link/request", { email, organization_name: "Acme\u0007" }, "organization_name"],
      [
        "/v1/auth/signup",
        { email: `x${email}`, password: "correct horse battery\u001b staple", name: "X" },
        "password",
      ],
      ["/v1/organizations", { name: "Bad\u007f" }, "name"],
    ] as const) {
      const res = await h.request(path, { method: "POST", json: body });
      expect(res.status, path).toBe(400);
      const error = (await json(res)).error;
      expect(error.code).toBe("validation_error");
      expect(error.details).toEqual([{ field, message: "must not contain control characters" }]);
    }
    // The refused request did not replace (spend) the address's outstanding link.
    expect((await h.request("/v1/auth/magic-link/verify", { method: "POST", json: { token } })).status).toBe(200);
    expect((await h.request("/v1/auth/magic-link/request?x=%00", { method: "POST", json: { email } })).status).toBe(
      400,
    );
  });

  it("store errors are logged without statement text or bind parameters", async () => {
    const lines: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
    const down = await createHarness({ DATABASE_URL: "postgres://postgres@127.0.0.1:9/none" });
    try {
      const secretish = `leak.${generateToken(16)
        .toLowerCase()
        .replace(/[^a-z0-9]/g, "")}@example.com`;
      const res = await down.request("/v1/auth/login", {
        method: "POST",
        json: { email: secretish, password: "a password that must not leak" },
      });
      expect(res.status).toBe(503);
      const logged = lines.join("\n");
      expect(logged).toContain("store_unavailable");
      expect(logged).not.toContain(secretish);
      expect(logged).not.toContain("select");
    } finally {
      console.error = original;
      await down.close();
    }
  });
});
