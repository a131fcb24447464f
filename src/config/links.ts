// Where emailed links point. Each is a base URL to which `?token=…` is added. A profile moves them to
// its document's paths (CorePlexML's activation link is GET /api/auth/verify-email; Simulix's magic
// link lands on the dashboard's /auth/callback); MAGIC_LINK_URL, VERIFY_EMAIL_URL, RESET_PASSWORD_URL
// and INVITATION_URL override. A one-time token is only ever mailed to PUBLIC_URL or a trusted origin.

export interface LinkConfig {
  magicLink: string;
  verifyEmail: string;
  resetPassword: string;
  invitation: string;
}

export function readLinks(
  str: (name: string) => string | null,
  problems: string[],
  ctx: { publicOrigin: string; appOrigin: string | null; trustedOrigins: string[]; compat: readonly string[] },
): LinkConfig {
  const base = (name: string, fallback: string): string => {
    const raw = str(name);
    if (raw === null) return fallback;
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      problems.push(`${name} must be an absolute URL such as https://app.example.com/auth/confirm.`);
      return fallback;
    }
    if (parsed.origin !== ctx.publicOrigin && !ctx.trustedOrigins.includes(parsed.origin)) {
      problems.push(`${name} must be on PUBLIC_URL or an origin in TRUSTED_ORIGINS: it receives one-time tokens.`);
      return fallback;
    }
    if (parsed.hash !== "" || parsed.searchParams.has("token")) {
      problems.push(`${name} must have no #fragment and no token parameter (the token is added to it).`);
      return fallback;
    }
    return parsed.toString();
  };
  const own = (path: string) => `${ctx.publicOrigin}${path}`;
  const simulixDashboard = ctx.compat.includes("simulix") && ctx.appOrigin ? `${ctx.appOrigin}/auth/callback` : null;
  return {
    magicLink: base("MAGIC_LINK_URL", simulixDashboard ?? own("/v1/auth/magic-link/verify")),
    verifyEmail: base(
      "VERIFY_EMAIL_URL",
      own(ctx.compat.includes("coreplexml") ? "/api/auth/verify-email" : "/v1/auth/verify-email"),
    ),
    resetPassword: base("RESET_PASSWORD_URL", own("/v1/auth/reset-password")),
    invitation: base("INVITATION_URL", own("/v1/auth/invitations/accept")),
  };
}

/** The link for one token: the base with `token` added to its query. */
export function linkWithToken(base: string, token: string): string {
  return `${base}${base.includes("?") ? "&" : "?"}token=${token}`;
}
