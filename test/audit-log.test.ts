import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CookieJar } from "./support/cookies";
import { json } from "./support/harness";
import { uniqueEmail, useHarness } from "./support/setup";

const h = useHarness();
let lines: string[] = [];

beforeEach(() => {
  lines = [];
  for (const method of ["log", "error", "warn", "info", "debug"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
  }
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("auth events in the log", () => {
  it("records each step of a sign-in and never a secret or a full address", async () => {
    const email = uniqueEmail("audit");
    const jar = new CookieJar();
    const token = await h.magicLinkToken(email);
    expect((await h.request(`/v1/auth/magic-link/verify?token=${token}`)).status).toBe(200);
    expect((await h.request("/v1/auth/magic-link/verify", { method: "POST", json: { token }, jar })).status).toBe(200);
    expect((await h.request("/v1/auth/magic-link/verify", { method: "POST", json: { token } })).status).toBe(401);
    const me = await json(await h.request("/v1/auth/me", { jar }));
    const session = jar.get("session")!;
    const csrf = jar.get("csrf_token")!;
    expect((await h.request("/v1/auth/logout", { method: "POST", jar })).status).toBe(204);
    h.failEmailFor.add(email);
    expect((await h.request("/v1/auth/magic-link/request", { method: "POST", json: { email } })).status).toBe(503);

    const events = lines.flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
    expect(events.map((e) => e.event)).toEqual([
      "magic_link.requested",
      "magic_link.verified",
      "magic_link.rejected",
      "session.ended",
      "magic_link.delivery_failed",
    ]);
    expect(events[1]).toMatchObject({
      user_id: me.data.user.id,
      session_id: me.data.identity.credential_id,
      ip: h.ip,
      created: true,
    });
    expect(events[2]).toMatchObject({ reason: "missing" });
    const all = lines.join("\n");
    for (const secret of [token, session, csrf, email, email.split("@")[0]!]) {
      expect(all).not.toContain(secret);
    }
  });
});
