// 001 Simplaix gateway: camelCase bodies, `{success, token, user}` logins whose user carries the
// tenant (organization) and roles, and mobile device pairing. Auth "JWT" is our access token.
import { type Call, type Outcome, type Profile, pick } from "./adapter";

interface V1User {
  id: string;
  email: string;
  name: string | null;
}
interface V1Organization {
  id: string;
  role: string | null;
}

function user(u: V1User, organization: V1Organization | null) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    // The document's tenants are `tnt_…`: the same organization id under that prefix (/v1 takes both).
    tenantId: organization ? `tnt_${organization.id.slice(organization.id.indexOf("_") + 1)}` : null,
    roles: rolesFor(organization?.role ?? null),
  };
}

/**
 * The document's checks ask for "admin" (`roles.includes("admin")`); an owner may do everything an
 * admin may, so an owner carries both, or every gateway written for the document refuses owners.
 */
function rolesFor(role: string | null): string[] {
  if (role === "owner") return ["owner", "admin"];
  return role ? [role] : [];
}

const credentials = { email: "email", password: "password" };

/** /v1/auth/me answers the profile's user (the tenant is the credential's organization). */
async function me(call: Call, previous?: Outcome) {
  const out = await call.v1({ method: "GET", path: "/v1/auth/me" });
  if (out.error) return out.fail();
  const answer = { success: true, user: user(out.data.user, out.data.organization) };
  return previous ? previous.reply(200, answer) : out.reply(200, answer);
}

export const simplaix: Profile<"simplaix"> = {
  error: (error, status) => ({ status, body: { success: false, error: error.message, code: error.code } }),
  routes: {
    "POST /api/v1/auth/login": async (call) => {
      const body = pick(await call.body(), credentials);
      const json = typeof body === "string" ? body : { grant_type: "password", ...body };
      const out = await call.v1({ path: "/v1/auth/token", json });
      if (out.error) return out.fail();
      const t = out.data;
      return out.reply(200, {
        success: true,
        token: t.access_token,
        user: user(t.user, t.organization),
        // Beyond the document: the login JWT is short-lived; these let a client refresh via /v1.
        refreshToken: t.refresh_token,
        expiresIn: t.expires_in,
      });
    },
    "POST /api/v1/auth/verify-credentials": async (call) => {
      const out = await call.v1({ path: "/v1/auth/verify-credentials", json: pick(await call.body(), credentials) });
      if (out.error) return out.fail();
      return out.reply(200, { success: true, valid: true, user: user(out.data.user, out.data.organization) });
    },
    "GET /api/v1/auth/me": (call) => me(call),
    "PUT /api/v1/auth/me": async (call) => {
      const json = pick(await call.body(), { name: "name", email: "email", currentPassword: "current_password" });
      const out = await call.v1({ path: "/v1/auth/me", json });
      if (out.error) return out.fail();
      return me(call, out);
    },
    "POST /api/v1/auth/change-password": async (call) => {
      const json = pick(await call.body(), { currentPassword: "current_password", newPassword: "new_password" });
      const out = await call.v1({ path: "/v1/auth/change-password", json });
      if (out.error) return out.fail();
      return out.reply(200, { success: true });
    },
    "POST /api/v1/auth/pairing-code": async (call) => {
      const out = await call.v1({ path: "/v1/pairing/code", json: pick(await call.body(), { peerId: "peer_id" }) });
      if (out.error) return out.fail();
      const origin = new URL(call.c.req.url).origin;
      return out.reply(200, {
        token: out.data.token,
        deepLink: out.data.deep_link,
        pairUrl: `${origin}/api/v1/auth/pair-link/${encodeURIComponent(out.data.token)}`,
        expiresIn: out.data.expires_in,
      });
    },
    "GET /api/v1/auth/pair-link/:code": async (call) => {
      const code = encodeURIComponent(call.c.req.param("code") ?? "");
      const out = await call.v1({ path: `/v1/pairing/link/${code}` });
      return out.error ? out.fail() : out.response;
    },
    "POST /api/v1/auth/pair": async (call) => {
      const json = pick(await call.body(), {
        pairingToken: "pairing_token",
        pushToken: "push_token",
        platform: "platform",
        deviceName: "device_name",
      });
      const out = await call.v1({ path: "/v1/pairing/pair", json });
      if (out.error) return out.fail();
      const d = out.data;
      return out.reply(200, { token: d.token, gatewayUrl: d.gateway_url, peerId: d.peer_id, deviceId: d.device_id });
    },
  },
};
