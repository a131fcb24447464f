import { describe, expect, it, beforeAll, afterAll } from "vitest";
import { createHarness, json, type Harness } from "./support/harness";
import { CookieJar } from "./support/cookies";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

describe("smoke", () => {
  it("signs in with a magic link", async () => {
    const token = await h.magicLinkToken("ada@example.com");
    const jar = new CookieJar();
    const res = await h.request("/v1/auth/magic-link/verify", { method: "POST", json: { token }, jar });
    const body = await json(res);
    expect(res.status, JSON.stringify(body)).toBe(200);
    const me = await h.request("/v1/auth/me", { jar });
    expect(me.status).toBe(200);
  });
});
