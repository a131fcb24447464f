// Generated from the router: every unsafe /v1 route, so a new route is covered without touching this file.
import { describe, expect, it } from "vitest";
import { signInByLink } from "./support/accounts";
import { json } from "./support/harness";
import { uniqueEmail, useHarness } from "./support/setup";

const h = useHarness();

/** Routes that act on no session's authority (sign-in, token and code-exchange endpoints): exempt from the CSRF token. */
const SIGN_IN_ROUTES = new Set([
  "POST /v1/auth/magic-link/request",
  "POST /v1/auth/magic-link/verify",
  "POST /v1/auth/invitations/accept",
  "POST /v1/auth/signup",
  "POST /v1/auth/login",
  "POST /v1/auth/verify-credentials",
  "POST /v1/auth/verify-email",
  "POST /v1/auth/verify-email/resend",
  "POST /v1/auth/forgot-password",
  "POST /v1/auth/reset-password",
  "POST /v1/auth/token",
  "POST /v1/auth/token/revoke",
  "POST /v1/auth/mfa/verify",
  "POST /v1/auth/mfa/passkey/options",
  "POST /v1/auth/passkeys/sign-in/options",
  "POST /v1/auth/passkeys/sign-in",
  "POST /v1/pairing/pair",
  "POST /v1/webhooks/stripe",
  "POST /v1/auth/oauth/:provider/callback",
  // Dev mode only: the inbox page's "send me a sign-in link" form.
  "POST /v1/dev/inbox",
]);

/**
 * Cross-site POSTs by design: a provider's form_post answer (Sign in with Apple). Its defence is the
 * single-use state bound to the browser that started the sign-in (test/social-sign-in.test.ts: a
 * forged form POST is refused with oauth_failed and no session).
 */
const CROSS_SITE_BY_DESIGN = new Set(["POST /v1/auth/oauth/:provider/callback"]);

/** Storefront routes answer other origins by design; their policy (key + origin list) is checked below. */
const isStorefront = (path: string) => path.startsWith("/v1/storefront/");

function unsafeRoutes(options: { storefront?: boolean } = {}): Array<{ method: string; path: string }> {
  const seen = new Map<string, { method: string; path: string }>();
  for (const r of h.app.routes) {
    if (!["POST", "PUT", "PATCH", "DELETE"].includes(r.method) || !r.path.startsWith("/v1/")) continue;
    if (isStorefront(r.path) !== (options.storefront ?? false)) continue;
    seen.set(`${r.method} ${r.path}`, { method: r.method, path: r.path });
  }
  return [...seen.values()];
}

function concrete(path: string, ids: { org: string; user: string }): string {
  return path
    .replace(/\/organizations\/:id/, `/organizations/${ids.org}`)
    .replace(/\/api-keys\/:id/, `/api-keys/key_${"0".repeat(26)}`)
    .replace(/\/sessions\/:id/, `/sessions/ses_${"0".repeat(26)}`)
    .replace(/\/invitations\/:id/, `/invitations/inv_${"0".repeat(26)}`)
    .replace(/:invitation_id/, `inv_${"0".repeat(26)}`)
    .replace(/:user_id/, ids.user)
    .replace(/:provider/, "dev");
}

describe("CSRF matrix (from the router)", () => {
  it("covers every group of routes", () => {
    const names = unsafeRoutes().map((r) => `${r.method} ${r.path}`);
    expect(names).toEqual(
      expect.arrayContaining([
        "POST /v1/auth/logout",
        "PATCH /v1/auth/me",
        "PUT /v1/auth/me",
        "DELETE /v1/auth/sessions/:id",
        "POST /v1/auth/change-password",
        "POST /v1/organizations",
        "DELETE /v1/organizations/:id/members/:user_id",
        "PATCH /v1/organizations/:id/members/:user_id",
        "POST /v1/organizations/:id/invitations",
        "DELETE /v1/organizations/:id/invitations/:invitation_id",
        "POST /v1/auth/invitations/:id/accept",
        "POST /v1/auth/invitations/:id/decline",
        "POST /v1/admin/users/:id/enable",
        "POST /v1/api-keys/:id/rotate",
        ...SIGN_IN_ROUTES,
      ]),
    );
  });

  it("every unsafe route refuses a cross-site request, even with a valid session and CSRF token", async () => {
    const user = await signInByLink(h, uniqueEmail("matrix"));
    const ids = { org: user.organization.id, user: user.user.id };
    for (const { method, path } of unsafeRoutes().filter((r) => !CROSS_SITE_BY_DESIGN.has(`${r.method} ${r.path}`))) {
      for (const headers of [
        { origin: "https://evil.example" },
        { "sec-fetch-site": "cross-site" },
        { origin: "null" },
        // An opaque origin vouched for by nothing but a sandboxed frame or a sibling site.
        { origin: "null", "sec-fetch-site": "cross-site" },
        { origin: "null", "sec-fetch-site": "same-site" },
        { origin: "null", "sec-fetch-site": "none" },
      ] as Array<Record<string, string>>) {
        const res = await h.request(concrete(path, ids), { method, jar: user.jar, json: {}, headers });
        expect(res.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(403);
        const { error } = await json(res);
        // OAuth endpoints answer in RFC 6749 terms (error JSON), everything else with the envelope.
        expect(path.startsWith("/v1/oauth/") ? error : error.code).toBe(
          path.startsWith("/v1/oauth/") ? "invalid_request" : "csrf_failed",
        );
      }
    }
    expect((await h.request("/v1/auth/me", { jar: user.jar })).status).toBe(200);
  });

  it("with the session cookie but no X-CSRF-Token, every route but the sign-in ones refuses with 403", async () => {
    const user = await signInByLink(h, uniqueEmail("matrix"));
    const ids = { org: user.organization.id, user: user.user.id };
    const cookie = user.jar.header();
    const accepted: string[] = [];
    for (const { method, path } of unsafeRoutes()) {
      const res = await h.request(concrete(path, ids), {
        method,
        json: {},
        headers: { cookie, origin: "http://127.0.0.1:8787", "sec-fetch-site": "same-origin" },
      });
      const body = res.status === 204 ? null : await json(res);
      // csrf_failed, or forbidden for routes no session may use at all (the admin API, introspection).
      if (res.status === 403 && ["csrf_failed", "forbidden"].includes(body?.error.code)) continue;
      if (res.status === 403 && path.startsWith("/v1/oauth/") && body?.error === "invalid_request") continue;
      accepted.push(`${method} ${path}`);
    }
    expect(accepted.sort()).toEqual([...SIGN_IN_ROUTES].sort());
    expect((await h.request("/v1/auth/me", { jar: user.jar })).status).toBe(200);
  });

  it("Origin: null with Sec-Fetch-Site: same-origin (our own page's form) passes the cross-site check", async () => {
    // What Chromium sends for a form on a page whose referrer policy hides the origin.
    const user = await signInByLink(h, uniqueEmail("opaque"));
    const headers = { origin: "null", "sec-fetch-site": "same-origin" };
    const created = await h.request("/v1/organizations", {
      method: "POST",
      jar: user.jar,
      json: { name: "Opaque Co" },
      headers,
    });
    expect(created.status).toBe(201);
    expect((await json(created)).data.name).toBe("Opaque Co");
    // ...but the CSRF token is still required: the pair stands in for an Origin, not for the token.
    const bare = await h.request("/v1/organizations", {
      method: "POST",
      jar: user.jar,
      json: { name: "X" },
      headers: { ...headers, "x-csrf-token": "not-the-token" },
    });
    expect(bare.status).toBe(403);
    expect((await json(bare)).error.code).toBe("csrf_failed");
  });

  it("storefront routes: no publishable key -> 401, a foreign origin -> 403, whatever cookies ride along", async () => {
    const owner = await signInByLink(h, uniqueEmail("store"));
    const created = await h.request("/v1/publishable-keys", {
      method: "POST",
      jar: owner.jar,
      json: { name: "shop", allowed_origins: ["https://shop.example"] },
    });
    const key = (await json(created)).data.id as string;
    const routes = unsafeRoutes({ storefront: true });
    expect(routes.length).toBeGreaterThanOrEqual(4);
    for (const { method, path } of routes) {
      const missing = await h.request(path, {
        method,
        json: {},
        jar: owner.jar,
        headers: { origin: "https://shop.example" },
      });
      expect((await json(missing)).error.code, path).toBe("publishable_key_invalid");
      const foreign = await h.request(path, {
        method,
        json: {},
        jar: owner.jar,
        headers: { origin: "https://evil.example", "x-public-key": key },
      });
      expect(foreign.status, path).toBe(403);
      expect((await json(foreign)).error.code).toBe("origin_not_allowed");
      expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    }
  });

  it("a token minted for another session, or a tossed cookie pair, is refused everywhere", async () => {
    const user = await signInByLink(h, uniqueEmail("matrix"));
    const other = await signInByLink(h, uniqueEmail("other"));
    const ids = { org: user.organization.id, user: user.user.id };
    const session = user.jar.get("session")!;
    for (const { method, path } of unsafeRoutes().filter((r) => !SIGN_IN_ROUTES.has(`${r.method} ${r.path}`))) {
      for (const csrf of [other.jar.get("csrf_token")!, "tossed.value"]) {
        const res = await h.request(concrete(path, ids), {
          method,
          json: {},
          headers: { cookie: `session=${session}; csrf_token=${csrf}`, "x-csrf-token": csrf },
        });
        expect(res.status, `${method} ${path}`).toBe(403);
      }
    }
  });
});
