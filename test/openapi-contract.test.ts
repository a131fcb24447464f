// The harness checks every error answer of the suite against /openapi.json (support/contract-check.ts);
// this file shows the check itself bites, and that every operation declares the statuses any route can give.
import { describe, expect, it } from "vitest";
import { operations, undeclared } from "./support/contract-check";
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

  it("every operation declares 400, 401, 403, 429 and 503; path parameters add 404, POST adds 409 and 422", async () => {
    const doc = await json(await h.request("/openapi.json"));
    for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      if (!path.startsWith("/v1/")) continue;
      for (const [method, op] of Object.entries(methods)) {
        const statuses = Object.keys(op.responses);
        for (const s of ["400", "401", "403", "429", "503"]) expect(statuses, `${method} ${path}`).toContain(s);
        if (path.includes("{")) expect(statuses, `${method} ${path}`).toContain("404");
        if (method === "post") expect(statuses, `${method} ${path}`).toEqual(expect.arrayContaining(["409", "422"]));
      }
    }
  });
});
