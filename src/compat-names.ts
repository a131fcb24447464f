// The routes each compatibility profile serves, as its source document lists them. This table is
// the one place that says which profiles can run together (no two may claim the same route).

export const PROFILE_ROUTES = {
  // 000 Simulix: the contract's own /v1 magic-link routes; only logout and /me differ.
  simulix: [
    "POST /v1/auth/magic-link/request",
    "POST /v1/auth/magic-link/verify",
    "POST /v1/auth/logout",
    "GET /v1/auth/me",
  ],
  // 001 Simplaix gateway: camelCase bodies, login JWT, device pairing.
  simplaix: [
    "POST /api/v1/auth/login",
    "POST /api/v1/auth/verify-credentials",
    "GET /api/v1/auth/me",
    "PUT /api/v1/auth/me",
    "POST /api/v1/auth/change-password",
    "POST /api/v1/auth/pairing-code",
    "GET /api/v1/auth/pair-link/:code",
    "POST /api/v1/auth/pair",
  ],
  // 002 phy.engineering: {success, message, data, error} envelope, epoch expires_at.
  phy: [
    "POST /api/v1/auth/login",
    "POST /api/v1/auth/signup",
    "POST /api/v1/auth/refresh",
    "GET /api/v1/auth/organizations",
    "GET /api/v1/auth/users/:userId/organizations",
  ],
  // 003 CorePlexML: FastAPI-style bodies ({detail} errors), cookie sessions + csrf_token.
  coreplexml: [
    "POST /api/auth/register",
    "POST /api/auth/login",
    "POST /api/auth/logout",
    "GET /api/auth/me",
    "POST /api/auth/api-keys",
    "GET /api/auth/api-keys",
    "POST /api/auth/api-keys/:keyId/revoke",
    "POST /api/auth/forgot-password",
    "POST /api/auth/reset-password",
    "GET /api/auth/verify-email",
  ],
  // 004 cimplify: storefront customer OTP, X-Public-Key on every call.
  cimplify: [
    "GET /api/v1/auth/status",
    "POST /api/v1/auth/request-otp",
    "POST /api/v1/auth/verify-otp",
    "POST /api/v1/auth/logout",
    "POST /api/v1/auth/profile",
  ],
} as const;

export type ProfileName = keyof typeof PROFILE_ROUTES;
export type RouteKey<N extends ProfileName> = (typeof PROFILE_ROUTES)[N][number];
export const PROFILE_NAMES = Object.keys(PROFILE_ROUTES) as ProfileName[];

/** Parses COMPAT_PROFILE (a comma list); unknown names and colliding combinations become problems. */
export function parseProfiles(value: string | null, problems: string[]): ProfileName[] {
  if (value === null) return [];
  const names: ProfileName[] = [];
  for (const raw of value.split(",")) {
    const name = raw.trim().toLowerCase();
    if (name === "" || names.includes(name as ProfileName)) continue;
    if (!(PROFILE_NAMES as string[]).includes(name)) {
      problems.push(`COMPAT_PROFILE names an unknown profile "${name}": use ${PROFILE_NAMES.join(", ")}.`);
      continue;
    }
    names.push(name as ProfileName);
  }
  for (const [i, a] of names.entries()) {
    for (const b of names.slice(i + 1)) {
      const shared = PROFILE_ROUTES[a].filter((route) => (PROFILE_ROUTES[b] as readonly string[]).includes(route));
      if (shared.length > 0)
        problems.push(
          `COMPAT_PROFILE=${a},${b} cannot run together: both serve ${shared.join(", ")}. ` +
            "Run one worker per profile, or keep one of them.",
        );
    }
  }
  return names;
}
