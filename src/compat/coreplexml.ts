// 003 CorePlexML: FastAPI-style answers (bare bodies, `{detail}` errors, 422 for a malformed body),
// cookie sessions with X-CSRF-Token from the csrf_token cookie, API keys managed by cookie only.
import { asUuid, type Call, type Profile, pick, sameOriginCsrf as sameOrigin } from "./adapter";

const UNVERIFIED = "Email not verified. Please check your inbox for the activation link.";

// Its document types user and key ids as UUIDs: they are answered in their UUID form (/v1 takes both).
const user = (u: { id: string; email: string; name: string | null }) => ({
  id: asUuid(u.id),
  email: u.email,
  name: u.name,
});

/** CorePlexML's `prefix` names the key (the part of the secret before the dot): `sk_live_<key id>`. */
const keyPrefix = (k: Record<string, unknown>) => `${String(k.prefix ?? "")}${String(k.id ?? "")}`;

/** Key management takes the cookie session only: a Bearer key is not forwarded, so it counts as none. */
const cookieOnly = { authorization: null };

async function ok(call: Call, path: string, json?: Record<string, unknown> | string) {
  const out = await call.v1({ path, json });
  return out.error ? out.fail() : out.reply(200, { ok: true });
}

export const coreplexml: Profile<"coreplexml"> = {
  error: (error, status) => {
    if (status === 400) {
      // Pydantic's shape: one entry per field, 422.
      const detail = (error.details ?? [{ field: "body", message: error.message }]).map((d) => ({
        loc: ["body", ...d.field.split(".")],
        msg: d.message,
        type: "value_error",
      }));
      return { status: 422, body: { detail, code: error.code } };
    }
    const message = error.code === "email_not_verified" ? UNVERIFIED : error.message;
    return { status, body: { detail: message, code: error.code } };
  },
  routes: {
    "POST /api/auth/register": async (call) => {
      const body = await call.body();
      if (typeof body !== "string" && (typeof body.name !== "string" || body.name.trim() === ""))
        return call.reject(400, {
          code: "validation_error",
          message: "name is required",
          details: [{ field: "name", message: "Field required" }],
        });
      const json = pick(body, { email: "email", name: "name", password: "password" });
      const out = await call.v1({ path: "/v1/auth/signup", json });
      if (out.error) return out.fail();
      return out.reply(201, { user: user(out.data.user), verification_required: out.data.verification_required });
    },
    "POST /api/auth/login": async (call) => {
      const json = pick(await call.body(), { email: "email", password: "password", remember: "remember" });
      const out = await call.v1({ path: "/v1/auth/login", json });
      return out.error ? out.fail() : out.reply(200, { user: user(out.data.user) });
    },
    "POST /api/auth/logout": async (call) => {
      const out = await call.v1({ path: "/v1/auth/logout", headers: sameOrigin(call) });
      return out.error ? out.fail() : out.reply(200, { ok: true });
    },
    "GET /api/auth/me": async (call) => {
      const out = await call.v1({ path: "/v1/auth/me" });
      if (out.error) return out.fail();
      if (!out.data.user) return call.reject(401, { code: "unauthorized", message: "Not authenticated" });
      const u = out.data.user;
      return out.reply(200, {
        user: { ...user(u), is_superuser: u.is_superuser ?? false, email_verified_at: u.email_verified_at ?? null },
      });
    },
    "POST /api/auth/api-keys": async (call) => {
      const body = await call.body();
      const json = typeof body === "string" ? body : { name: body.name, scopes: body.scopes ?? ["*"] };
      const out = await call.v1({ path: "/v1/api-keys", json, headers: cookieOnly });
      if (out.error) return out.fail();
      const k = out.data;
      return out.reply(201, {
        id: asUuid(k.id),
        name: k.name,
        prefix: keyPrefix(k),
        api_key: k.api_key,
        scopes: k.scopes,
      });
    },
    "GET /api/auth/api-keys": async (call) => {
      const out = await call.v1({ path: "/v1/api-keys", headers: cookieOnly });
      if (out.error) return out.fail();
      const keys = (out.data as Array<Record<string, unknown>>).map((k) => ({
        id: asUuid(k.id),
        name: k.name,
        prefix: keyPrefix(k),
        scopes: k.scopes,
        last_used_at: k.last_used_at,
        created_at: k.created_at,
        expires_at: k.expires_at,
        revoked_at: k.revoked_at,
      }));
      return out.reply(200, keys);
    },
    "POST /api/auth/api-keys/:keyId/revoke": async (call) => {
      const id = encodeURIComponent(call.c.req.param("keyId") ?? "");
      const out = await call.v1({ path: `/v1/api-keys/${id}/revoke`, headers: cookieOnly });
      return out.error ? out.fail() : out.reply(200, { ok: true });
    },
    "POST /api/auth/forgot-password": async (call) =>
      ok(call, "/v1/auth/forgot-password", pick(await call.body(), { email: "email" })),
    "POST /api/auth/reset-password": async (call) => {
      const body = await call.body();
      if (typeof body !== "string" && (typeof body.token !== "string" || body.token.length < 10))
        return call.reject(400, {
          code: "validation_error",
          message: "token must be at least 10 characters",
          details: [{ field: "token", message: "String should have at least 10 characters" }],
        });
      return ok(call, "/v1/auth/reset-password", pick(body, { token: "token", password: "password" }));
    },
    // A GET must not spend the token (mail scanners prefetch links): /v1's confirm page, which POSTs.
    "GET /api/auth/verify-email": async (call) => {
      const token = call.c.req.query("token") ?? "";
      const out = await call.v1({ path: `/v1/auth/verify-email?token=${encodeURIComponent(token)}` });
      return out.error ? out.fail() : out.response;
    },
  },
};
