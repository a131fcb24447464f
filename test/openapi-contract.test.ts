// The harness checks every error answer of the suite against /openapi.json (support/contract-check.ts);
// this file shows the check itself bites, and that every operation declares the statuses any route can give.
import { describe, expect, it } from "vitest";
import { operations, undeclared, violations } from "./support/contract-check";
import { json } from "./support/harness";
import { useHarness } from "./support/setup";

const h = useHarness();

describe("the OpenAPI document's error answers", () => {
  it("flags an answer the document does not declare, passes one it does", async () => {
    const ops = operations(await json(await h.request("/openapi.json")));
    expect(undeclared(ops, "POST", "/v1/auth/login", 401, "invalid_credentials")).toBeNull();
    expect(undeclared(ops, "POST", "/v1/auth/login", 401, "made_up_code")).toContain("code not declared");
    expect(undeclared(ops, "POST", "/v1/auth/login", 418, "teapot")).toContain("status not declared");
    expect(undeclared(ops, "GET", "/v1/api-keys/key_1/nothing-here", 404, "not_found")).toBeNull();
  });

  it("every operation declares the codes any request can get; writes, path parameters and POST add theirs", async () => {
    const ops = operations(await json(await h.request("/openapi.json")));
    const codes = (op: (typeof ops)[number], status: number) => [...(op.codes.get(status) ?? [])];
    // OAuth endpoints answer RFC 6749 error JSON instead (checked below).
    for (const op of ops.filter((o) => o.template.startsWith("/v1/") && !o.template.startsWith("/v1/oauth/"))) {
      const name = `${op.method} ${op.template}`;
      expect(codes(op, 400), name).toContain("validation_error");
      expect(codes(op, 401), name).toEqual(expect.arrayContaining(["unauthorized", "token_invalid"]));
      expect(codes(op, 429), name).toContain("rate_limited");
      expect(codes(op, 503), name).toContain("store_unavailable");
      if (op.template.startsWith("/v1/storefront/")) {
        expect(codes(op, 401), name).toContain("publishable_key_invalid");
        expect(codes(op, 403), name).toContain("origin_not_allowed");
      } else if (op.method !== "GET") expect(codes(op, 403), name).toContain("csrf_failed");
      if (op.template.includes("{")) expect(codes(op, 404), name).toContain("not_found");
      if (op.method === "POST") {
        expect(codes(op, 409), name).toContain("idempotency_conflict");
        expect(codes(op, 422), name).toContain("idempotency_key_reused");
      }
    }
  });

  it("OAuth endpoints declare RFC 6749 error JSON: each status with the `error` values it can carry", async () => {
    const doc = await json(await h.request("/openapi.json"));
    const responses = doc.paths["/v1/oauth/introspect"].post.responses;
    const errors = (status: number) => responses[status].content["application/json"].schema.properties.error.enum;
    expect(errors(400)).toEqual(["invalid_request"]);
    expect(errors(401)).toEqual(["invalid_client", "invalid_token"]);
    expect(errors(403)).toEqual(["insufficient_scope", "invalid_request"]);
    expect(errors(429)).toEqual(["temporarily_unavailable"]);
    expect(errors(503)).toEqual(["temporarily_unavailable"]);
    expect(doc.paths["/v1/oauth/introspect"].post.security).toEqual([{ clientSecretBasic: [] }, { apiKey: [] }]);
    const metadata = doc.paths["/.well-known/oauth-authorization-server"].get;
    expect(metadata.responses[200].content["application/json"].schema.$ref).toMatch(/AuthorizationServerMetadata$/);
  });

  it("lists per route only the codes that route gives, each with its own schema and example", async () => {
    const doc = await json(await h.request("/openapi.json"));
    const ops = operations(doc);
    const op = (method: string, path: string) => ops.find((o) => o.method === method && o.template === path);
    const login = op("POST", "/v1/auth/login");
    expect([...(login?.codes.get(401) ?? [])].sort()).toEqual(["invalid_credentials", "token_invalid", "unauthorized"]);
    expect([...(login?.codes.get(403) ?? [])].sort()).toEqual(["csrf_failed", "email_not_verified", "forbidden"]);
    // A code of another flow is not offered: clients switch on exactly what can come back.
    expect(undeclared(ops, "POST", "/v1/auth/login", 401, "magic_link_invalid")).toContain("code not declared");
    expect(undeclared(ops, "POST", "/v1/auth/magic-link/verify", 401, "invalid_credentials")).toContain(
      "code not declared",
    );
    expect(op("GET", "/v1/auth/me")?.codes.has(403)).toBe(false);
    expect([...(op("POST", "/v1/pairing/pair")?.codes.get(401) ?? [])].sort()).toEqual([
      "token_expired",
      "token_invalid",
      "unauthorized",
    ]);
    const schema = doc.components.schemas.Error_invalid_credentials;
    expect(schema.properties.error.properties.code.enum).toEqual(["invalid_credentials"]);
    expect(schema.example).toMatchObject({ success: false, error: { code: "invalid_credentials" } });
    expect(doc.paths["/v1/auth/login"].post.responses["401"].description).toBe(
      "invalid_credentials, token_invalid, unauthorized",
    );
  });
});

describe("the OpenAPI document's examples", () => {
  it("every JSON request body and success answer has an example, and every example fits its schema", async () => {
    const doc = await json(await h.request("/openapi.json"));
    const checked: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(methods)) {
        const media: Array<[string, any]> = Object.entries(op.requestBody?.content ?? {}).map(([t, m]) => [
          `${method} ${path} request ${t}`,
          m,
        ]);
        for (const [status, response] of Object.entries<any>(op.responses))
          if (status.startsWith("2"))
            for (const [t, m] of Object.entries(response.content ?? {}))
              media.push([`${method} ${path} ${status} ${t}`, m]);
        for (const [name, m] of media as Array<[string, any]>) {
          if (!name.includes("json") && !name.includes("form-urlencoded")) continue;
          const examples = m.examples ? Object.values<any>(m.examples).map((e) => e.value) : [m.example];
          expect(examples.length, name).toBeGreaterThan(0);
          for (const example of examples) {
            expect(example, name).toBeDefined();
            expect(violations(doc, m.schema, example), name).toEqual([]);
            checked.push(name);
          }
        }
      }
    }
    for (const [name, schema] of Object.entries<any>(doc.components.schemas))
      if (schema.example !== undefined) expect(violations(doc, schema, schema.example), name).toEqual([]);
    expect(checked.length).toBeGreaterThan(60);
    // The check bites: a wrong type, a missing field and an unknown enum value are each found.
    const login = doc.paths["/v1/auth/login"].post.requestBody.content["application/json"];
    expect(violations(doc, login.schema, { email: 1, password: "x" })).toContain("$.email: integer, expected string");
    expect(violations(doc, login.schema, { email: "a@b.c" })).toContain("$.password: missing");
    const token = doc.paths["/v1/auth/token"].post.requestBody.content["application/json"];
    expect(violations(doc, token.schema, { grant_type: "client_credentials" })[0]).toContain("matches none");
  });
});
