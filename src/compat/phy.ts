// 002 phy.engineering: `{success, message, data}` envelope, string errors (`error` and `message`),
// epoch-second `expires_at`, upper-case roles. Tokens are /v1's (one-hour access tokens by default).
import { looksLikeUuid, uuidToId } from "../crypto/uuid-ids";
import { asUuid, epochSeconds, type Outcome, type Profile, pick } from "./adapter";

interface V1Tokens {
  access_token: string;
  refresh_token: string;
  expires_at: string;
  expires_in: number;
  token_type: string;
  user: { id: string; email: string; created_at: string };
}

// Its document types every id as a UUID (`userId (uuid)`): ids are answered in their UUID form.
const user = (u: V1Tokens["user"]) => ({ id: asUuid(u.id), email: u.email, created_at: u.created_at });

function session(t: V1Tokens) {
  return {
    access_token: t.access_token,
    refresh_token: t.refresh_token,
    expires_at: epochSeconds(t.expires_at),
    expires_in: t.expires_in,
    token_type: t.token_type,
    user: user(t.user),
  };
}

function organizations(out: Outcome, message: (n: number) => string) {
  const items = (out.data as Array<Record<string, unknown>>).map((o) => ({
    ...o,
    id: asUuid(o.id),
    ...("user_id" in o ? { user_id: asUuid(o.user_id), requested_by: asUuid(o.requested_by) } : {}),
    role: typeof o.role === "string" ? o.role.toUpperCase() : o.role,
  }));
  return out.reply(200, { success: true, message: message(items.length), data: items, count: items.length });
}

const NOBODY = `usr_${"z".repeat(26)}`;

export const phy: Profile<"phy"> = {
  error: (error, status) => ({
    // Its document lists 401 for every sign-in failure, an unverified address included.
    status: error.code === "email_not_verified" ? 401 : status,
    body: { success: false, message: error.message, error: error.message, code: error.code },
  }),
  routes: {
    "POST /api/v1/auth/login": async (call) => {
      const body = pick(await call.body(), { email: "email", password: "password" });
      const json = typeof body === "string" ? body : { grant_type: "password", ...body };
      const out = await call.v1({ path: "/v1/auth/token", json });
      if (out.error) return out.fail();
      return out.reply(200, { success: true, message: "Authentication successful", data: session(out.data) });
    },
    "POST /api/v1/auth/signup": async (call) => {
      const json = pick(await call.body(), { email: "email", password: "password", name: "name" });
      const out = await call.v1({ path: "/v1/auth/signup", json });
      if (out.error) return out.fail();
      // An address that already has an account gets this same answer (its owner is emailed instead).
      return out.reply(200, {
        success: true,
        message: "Authentication successful",
        data: { user: user(out.data.user), verification_required: out.data.verification_required },
      });
    },
    "POST /api/v1/auth/refresh": async (call) => {
      const body = pick(await call.body(), { refresh_token: "refresh_token" });
      const json = typeof body === "string" ? body : { grant_type: "refresh_token", ...body };
      const out = await call.v1({ path: "/v1/auth/token", json });
      if (out.error) return out.fail();
      return out.reply(200, { success: true, message: "Token refreshed", data: session(out.data) });
    },
    "GET /api/v1/auth/organizations": async (call) => {
      const out = await call.v1({ path: "/v1/auth/organizations" });
      if (out.error) return out.fail();
      return organizations(out, (n) => `Retrieved ${n} organizations`);
    },
    "GET /api/v1/auth/users/:userId/organizations": async (call) => {
      const raw = call.c.req.param("userId") ?? "";
      // A well-formed UUID that is no id's UUID form (another version) names nobody: it is asked as an
      // id no record can have (time past 2109), so it gets the unknown id's answer after the same checks.
      const id = looksLikeUuid(raw) && uuidToId("usr", raw) === null ? NOBODY : encodeURIComponent(raw);
      const out = await call.v1({ path: `/v1/users/${id}/organizations` });
      // Its document answers the visible subset, so a user sharing nothing with the caller and an
      // unknown id are both an empty list: no difference between them to probe.
      if (out.error?.code === "not_found")
        return out.reply(200, { success: true, message: "Retrieved 0 organizations for user", data: [], count: 0 });
      if (out.error) return out.fail();
      return organizations(out, (n) => `Retrieved ${n} organizations for user`);
    },
  },
};
