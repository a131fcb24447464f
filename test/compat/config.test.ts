// COMPAT_PROFILE: which profiles run together, the defaults each one sets, and profiles side by side.
import { describe, expect, it, vi } from "vitest";
import { ConfigError, parseConfig } from "../../src/config";
import worker from "../../src/index";
import { createHarness, json, bindings as testBindings } from "../support/harness";
import { useHarness } from "../support/setup";

const bindings = { ...testBindings };

function problems(env: Record<string, string>): string[] {
  try {
    parseConfig({ ...bindings, ...env });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe("COMPAT_PROFILE", () => {
  it("refuses profiles that claim the same route, naming it, and unknown names", () => {
    const clash = problems({ COMPAT_PROFILE: "simplaix,phy" });
    expect(clash).toHaveLength(1);
    expect(clash[0]).toContain("COMPAT_PROFILE=simplaix,phy cannot run together");
    expect(clash[0]).toContain("POST /api/v1/auth/login");
    expect(problems({ COMPAT_PROFILE: "phy,cimplify" })).toEqual([]);
    expect(problems({ COMPAT_PROFILE: "simulix, coreplexml,cimplify,simplaix" })).toEqual([]);
    expect(problems({ COMPAT_PROFILE: "stripe" })[0]).toContain('unknown profile "stripe"');
  });

  it("the worker answers every request with 500 config_invalid when the combination collides", async () => {
    const res = await worker.fetch(
      new Request("http://127.0.0.1:8787/healthz"),
      { ...bindings, COMPAT_PROFILE: "phy,simplaix" },
      {} as ExecutionContext,
    );
    expect(res.status).toBe(500);
    const body = await json(res);
    expect(body.error.code).toBe("config_invalid");
    expect(body.error.details[0].message).toContain("POST /api/v1/auth/login");
  });

  it("sets the defaults each source document states; an explicit variable wins", () => {
    const https = { PUBLIC_URL: "https://auth.example.com", AUTH_DEBUG: "", ENVIRONMENT: "test" };
    expect(parseConfig({ ...bindings, COMPAT_PROFILE: "simulix" }).cookies.sessionName).toBe("simulix_session");
    expect(
      parseConfig({ ...bindings, COMPAT_PROFILE: "simulix", SESSION_COOKIE_NAME: "sid" }).cookies.sessionName,
    ).toBe("sid");
    expect(parseConfig({ ...bindings, COMPAT_PROFILE: "phy" }).tokens.accessTtlSeconds).toBe(3600);
    expect(
      parseConfig({ ...bindings, COMPAT_PROFILE: "phy", ACCESS_TOKEN_TTL_MINUTES: "15" }).tokens.accessTtlSeconds,
    ).toBe(900);
    const core = parseConfig({ ...bindings, ...https, COMPAT_PROFILE: "coreplexml" });
    expect(core.apiKeys.scopes).toEqual(["read", "write", "predict", "admin"]);
    // CorePlexML's keys are cp_…; keys minted under the built-in prefixes keep verifying.
    expect(core.apiKeys.prefix).toBe("cp_");
    expect(core.apiKeys.accepted).toEqual(["cp_", "sk_live_", "sk_test_"]);
    const own = parseConfig({ ...bindings, COMPAT_PROFILE: "coreplexml", API_KEY_PREFIX: "acme_,cp_" }).apiKeys;
    expect(own).toMatchObject({ prefix: "acme_", accepted: ["acme_", "cp_", "sk_live_", "sk_test_"] });
    expect(parseConfig({ ...bindings }).apiKeys).toMatchObject({
      prefix: "sk_test_",
      accepted: ["sk_test_", "sk_live_"],
    });
    for (const bad of ["ey_", "pk_", "Cp_", "cp", "c_", "cp_live"])
      expect(problems({ API_KEY_PREFIX: bad }).join(" "), bad).toContain("API_KEY_PREFIX");
    expect(core.cookies.csrfName).toBe("csrf_token");
    // Emailed links follow the profile's paths; an override must stay on an origin the deployment trusts.
    expect(core.links.verifyEmail).toBe("https://auth.example.com/api/auth/verify-email");
    expect(core.links.magicLink).toBe("https://auth.example.com/v1/auth/magic-link/verify");
    const trusting = { ...bindings, ...https, TRUSTED_ORIGINS: "https://app.example.com" };
    const custom = parseConfig({ ...trusting, RESET_PASSWORD_URL: "https://app.example.com/reset?lang=en" }).links;
    expect(custom.resetPassword).toBe("https://app.example.com/reset?lang=en");
    expect(problems({ ...trusting, RESET_PASSWORD_URL: "https://evil.example/reset" })[0]).toContain("TRUSTED_ORIGINS");
    expect(problems({ ...trusting, MAGIC_LINK_URL: "https://app.example.com/cb#x" })[0]).toContain("fragment");
    const plain = parseConfig({ ...bindings, ...https });
    expect(plain.cookies.csrfName).toBe("__Host-csrf_token");
    expect(plain.tokens.accessTtlSeconds).toBe(900);
    expect(plain.compat).toEqual([]);
  });
});

describe("several profiles in one worker", () => {
  const h = useHarness({ COMPAT_PROFILE: "simulix,coreplexml,cimplify" });

  it("each serves its own routes; /v1 and unknown paths answer as without profiles", async () => {
    const register = await h.request("/api/auth/register", {
      method: "POST",
      json: { email: "side.by.side@example.com", name: "Side", password: "s3cure!Pass" },
    });
    expect(register.status).toBe(201);
    const status = await h.request("/api/v1/auth/status");
    expect(status.status).toBe(401);
    expect((await json(status)).error.code).toBe("UNAUTHORIZED");
    const signup = await h.request("/v1/auth/signup", {
      method: "POST",
      json: { email: "v1.user@example.com", password: "s3cure!Pass" },
    });
    expect(signup.status).toBe(201);
    const missing = await h.request("/api/v1/auth/login", { method: "POST", json: {} });
    expect(missing.status).toBe(404);
    expect((await json(missing)).error.code).toBe("not_found");
    const health = await h.request("/healthz");
    expect(health.status).toBe(200);
  });
});

describe("every profile's 503 carries a correlation id (header and body) that matches our log", () => {
  it("simplaix, phy, coreplexml and simulix with Redis unreachable", async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void lines.push(args.join(" ")));
    try {
      for (const [profile, path] of [
        ["simplaix", "/api/v1/auth/login"],
        ["phy", "/api/v1/auth/login"],
        ["coreplexml", "/api/auth/login"],
        ["simulix", "/v1/auth/magic-link/request"],
      ] as const) {
        const down = await createHarness({ COMPAT_PROFILE: profile, UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9" });
        try {
          const res = await down.request(path, {
            method: "POST",
            json: { email: "a@example.com", password: "whatever it is" },
          });
          expect(res.status, profile).toBe(503);
          const id = res.headers.get("x-correlation-id");
          expect(id, profile).toMatch(/^corr_/);
          expect(JSON.stringify(await json(res)), profile).toContain(id!);
          expect(
            lines.some((l) => l.includes(id!)),
            profile,
          ).toBe(true);
        } finally {
          await down.close();
        }
      }
    } finally {
      spy.mockRestore();
    }
  });
});
