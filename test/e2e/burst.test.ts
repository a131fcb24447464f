// A burst of password work against the bundled worker, over real HTTP (each signup its own incoming
// request, as in production): the isolate is busy hashing, the stores are healthy. The answers must
// say "busy" (429 with Retry-After), never "store unavailable" (503), and a refused signup leaves nothing.
import { describe, expect, it } from "vitest";
import { api, sql, uniqueEmail } from "./support/browser.js";

describe("a burst of password work is a busy signal, never an outage", () => {
  it("100 parallel signups from 100 clients: each 201 or 429 with Retry-After, none 503", async () => {
    const label = `burst${Date.now()}`;
    const burst = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        api("/v1/auth/signup", {
          json: { email: uniqueEmail(label), password: "correct horse battery staple" },
          headers: { "cf-connecting-ip": `10.77.${Math.floor(i / 250)}.${(i % 250) + 1}` },
        }),
      ),
    );
    const statuses: number[] = burst.map((r: { status: number }) => r.status);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(statuses.every((s) => s === 201 || s === 429)).toBe(true);
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThan(0);
    for (const res of burst.filter((r) => r.status === 429)) {
      expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
      expect(res.body.error.code).toBe("rate_limited");
    }
    const [row] = await sql<{ n: number }>("select count(*)::int as n from users where email like $1", [`${label}%`]);
    expect(row!.n).toBe(statuses.filter((s) => s === 201).length);
  });
});
