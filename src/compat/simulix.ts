// 000 Simulix. Its magic-link routes are /v1's own; the profile names the cookie simulix_session
// (config), lets its dashboard sign out without a CSRF header (Origin check), and answers /me with
// `user: null` for a Bearer API key as its document states.
import { type Profile, sameOriginCsrf } from "./adapter";

export const simulix: Profile<"simulix"> = {
  // The /v1 envelope is Simulix's own (the contract was written from it).
  error: (error, status, meta) => ({ status, body: { success: false, error, meta } }),
  routes: {
    "POST /v1/auth/magic-link/request": "v1",
    "POST /v1/auth/magic-link/verify": "v1",
    "POST /v1/auth/logout": async (call) => {
      const out = await call.v1({ path: "/v1/auth/logout", headers: sameOriginCsrf(call) });
      return out.response;
    },
    "GET /v1/auth/me": async (call) => {
      const out = await call.v1({ path: "/v1/auth/me" });
      if (out.error || out.data?.identity?.kind !== "api_key") return out.response;
      return out.reply(200, { success: true, data: { ...out.data, user: null } });
    },
  },
};
