// Social sign-in end to end through a real OpenID Provider (oidc-provider on loopback): the flow, every
// check the relying party owes (state, browser binding, PKCE, nonce, audience, expiry, signature), the
// linking rules that keep accounts from being taken over, and the native-app code exchange.
import { describe, expect, it } from "vitest";
import { encodeBase64Url } from "../src/crypto/encoding";
import { sha256, sha256Hex } from "../src/crypto/hash";
import { generateToken } from "../src/crypto/random";
import { PASSWORD, signInByLink, signUpVerified } from "./support/accounts";
import { CookieJar, parseSetCookies } from "./support/cookies";
import { createHarness, json, randomIp } from "./support/harness";
import { uniqueEmail, useHarness } from "./support/setup";
import { followProvider, ISSUER, pageErrorCode, returnFrom, tamperNextIdToken, visitProvider } from "./support/social";

const h = useHarness();

const sessionCookie = (response: Response) =>
  parseSetCookies(response).find((c) => c.name === "session" && c.value !== "");

async function me(jar: CookieJar) {
  return json(await h.request("/v1/auth/me", { jar }));
}

async function usersWithEmail(email: string) {
  return h.sql.query("select id, email_verified_at from users where email = $1", [email]);
}

async function identitiesOf(userId: string) {
  return h.sql.query("select provider, subject, email from identities where user_id = $1", [userId]);
}

describe("social sign-in with an OpenID Provider", () => {
  it("lists the configured providers with their start URLs", async () => {
    const body = await json(await h.request("/v1/auth/oauth/providers"));
    expect(body.data.map((p: { name: string }) => p.name)).toEqual([
      "dev",
      "dev2",
      "down",
      "slow",
      "github",
      "apple",
      "microsoft",
      "microsoft-other",
    ]);
    expect(body.data[0].start_url).toBe("http://127.0.0.1:8787/v1/auth/oauth/dev/start");
  });

  it("start sends the browser to the provider with state, PKCE S256 and a nonce, bound by an HttpOnly cookie", async () => {
    const jar = new CookieJar();
    const res = await h.request("/v1/auth/oauth/dev/start", { jar });
    expect(res.status).toBe(302);
    const url = new URL(res.headers.get("location") ?? "");
    expect(url.searchParams.get("response_type")).toBe("code");
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get("state")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get("nonce")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get("redirect_uri")).toBe("http://127.0.0.1:8787/v1/auth/oauth/dev/callback");
    const binding = parseSetCookies(res).find((c) => c.name === "oauth_binding");
    expect(binding?.attributes.httponly).toBe(true);
    expect(binding?.attributes.samesite).toBe("Lax");
    expect(binding?.attributes.path).toBe("/v1/auth/oauth");
    // Redis holds the state's hash, never the state.
    const state = url.searchParams.get("state") ?? "";
    expect(await h.redisKeysMatching(`ott:oauth_state:${await sha256Hex(state)}`)).toHaveLength(1);
    expect(await h.redisKeysMatching(`*${state}*`)).toHaveLength(0);
  });

  it("over HTTPS the binding cookie is __Host- (no sibling subdomain can plant one), Path=/ and Secure", async () => {
    const secure = await createHarness({ PUBLIC_URL: "https://auth.example.com", AUTH_DEBUG: "0" });
    try {
      const res = await secure.request("/v1/auth/oauth/dev/start", { ip: randomIp() });
      expect(res.status).toBe(302);
      const binding = parseSetCookies(res).find((c) => c.name.endsWith("oauth_binding"));
      expect(binding?.name).toBe("__Host-oauth_binding");
      expect(binding?.attributes).toMatchObject({ path: "/", secure: true, httponly: true, samesite: "Lax" });
      expect(binding?.attributes.domain).toBeUndefined();
    } finally {
      await secure.close();
    }
  });

  it("a new verified address gets an account with a personal organization, signed in; the same person again gets the same account", async () => {
    const email = uniqueEmail("social");
    const visit = await visitProvider(h, { email, query: { redirect_to: "/dashboard" } });
    const res = await returnFrom(h, visit);
    expect(res.status, await res.clone().text()).toBe(303);
    expect(res.headers.get("location")).toBe("http://127.0.0.1:8787/dashboard");
    expect(sessionCookie(res)).toBeDefined();
    const { data } = await me(visit.jar);
    expect(data.user.email).toBe(email);
    expect(data.user.email_verified).toBe(true);
    expect(data.organization.is_personal_account).toBe(true);
    const [identity] = await identitiesOf(data.user.id);
    expect(identity).toMatchObject({ provider: "dev", email });

    const again = await visitProvider(h, { email });
    expect((await returnFrom(h, again)).status).toBe(200);
    expect((await me(again.jar)).data.user.id).toBe(data.user.id);
    expect(await identitiesOf(data.user.id)).toHaveLength(1);
    expect(await usersWithEmail(email)).toHaveLength(1);
  });

  it("a state works once: the callback replayed is refused without a session", async () => {
    const visit = await visitProvider(h, { email: uniqueEmail("replay") });
    expect((await returnFrom(h, visit)).status).toBe(200);
    const replay = await returnFrom(h, visit, new CookieJar());
    expect(replay.status).toBe(401);
    expect(await pageErrorCode(replay)).toBe("oauth_failed");
    expect(sessionCookie(replay)).toBeUndefined();
  });

  it("20 parallel callbacks with one state give exactly one session", async () => {
    const email = uniqueEmail("race");
    const visit = await visitProvider(h, { email });
    const jars = Array.from({ length: 20 }, () => {
      const jar = new CookieJar();
      jar.set("oauth_binding", visit.jar.get("oauth_binding") ?? "");
      return jar;
    });
    const answers = await Promise.all(jars.map((jar) => returnFrom(h, visit, jar)));
    expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
    expect(answers.filter((r) => sessionCookie(r))).toHaveLength(1);
    const [user] = await usersWithEmail(email);
    expect(await h.redis.hlen(h.keys.userSessions(String(user?.id)))).toBe(1);
  });

  it("a callback in another browser (no binding cookie, or its own) is refused: no login CSRF", async () => {
    const visit = await visitProvider(h, { email: uniqueEmail("victim") });
    const bare = await returnFrom(h, visit, new CookieJar());
    expect(bare.status).toBe(401);
    expect(await pageErrorCode(bare)).toBe("oauth_failed");
    const other = new CookieJar();
    await h.request("/v1/auth/oauth/dev/start", { jar: other });
    const foreign = await returnFrom(h, visit, other);
    expect(foreign.status).toBe(401);
    expect(sessionCookie(foreign)).toBeUndefined();
  });

  it("a state started for one provider is refused at another provider's callback", async () => {
    const visit = await visitProvider(h, { email: uniqueEmail("mixup") });
    const url = new URL(visit.callback);
    const res = await h.request(`/v1/auth/oauth/dev2/callback${url.search}`, { jar: visit.jar });
    expect(res.status).toBe(401);
    expect(await pageErrorCode(res)).toBe("oauth_failed");
  });

  it("the code is bound to the PKCE verifier: a changed verifier fails at the provider", async () => {
    const visit = await visitProvider(h, { email: uniqueEmail("pkce") });
    const state = new URL(visit.callback).searchParams.get("state") ?? "";
    const key = h.keys.oneTimeToken("oauth_state", await sha256Hex(state));
    const record = JSON.parse(String(await h.redis.get(key))) as { data: Record<string, string> };
    record.data.verifier = generateToken(32);
    await h.redis.set(key, JSON.stringify(record), { ex: 600 });
    const res = await returnFrom(h, visit);
    expect(res.status).toBe(401);
    expect(await pageErrorCode(res)).toBe("oauth_failed");
  });

  for (const [tamper, what] of [
    ["nonce", "a nonce that is not this sign-in's"],
    ["aud", "an ID token for another client"],
    ["iss", "an ID token from another issuer"],
    ["exp", "an expired ID token"],
    ["signature", "an ID token signed with a key the issuer does not publish"],
  ] as const) {
    it(`refuses ${what}`, async () => {
      const email = uniqueEmail(`tamper-${tamper}`);
      const visit = await visitProvider(h, { email });
      await tamperNextIdToken(tamper);
      const res = await returnFrom(h, visit);
      expect(res.status).toBe(401);
      expect(await pageErrorCode(res)).toBe("oauth_failed");
      expect(sessionCookie(res)).toBeUndefined();
      expect(await usersWithEmail(email)).toHaveLength(0);
    });
  }

  it("a cancelled sign-in at the provider ends in oauth_failed", async () => {
    const visit = await visitProvider(h, { email: uniqueEmail("deny"), deny: true });
    const res = await returnFrom(h, visit);
    expect(res.status).toBe(401);
    expect(await pageErrorCode(res)).toBe("oauth_failed");
  });

  it("a provider that is down or never answers is a clear 503 within the deadline, nothing stored", async () => {
    for (const name of ["down", "slow"]) {
      const started = Date.now();
      const res = await h.request(`/v1/auth/oauth/${name}/start`, { ip: randomIp() });
      expect(res.status, name).toBe(503);
      expect((await json(res)).error.code).toBe("provider_unavailable");
      expect(Date.now() - started).toBeLessThan(8000);
    }
  });

  it("two first sign-ins of the same new person at once make one account and one identity", async () => {
    const email = uniqueEmail("twin");
    const visits = [await visitProvider(h, { email }), await visitProvider(h, { email })];
    const answers = await Promise.all(visits.map((v) => returnFrom(h, v)));
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    const users = await usersWithEmail(email);
    expect(users).toHaveLength(1);
    expect(await identitiesOf(String(users[0]?.id))).toHaveLength(1);
    const orgs = await h.sql.query("select count(*)::int as n from memberships where user_id = $1", [users[0]?.id]);
    expect(orgs[0]?.n).toBe(1);
  });

  it("an unknown provider is 404; an off-site redirect_to is refused before anything is stored", async () => {
    expect((await h.request("/v1/auth/oauth/nope/start")).status).toBe(404);
    const res = await h.request("/v1/auth/oauth/dev/start?redirect_to=//evil.example");
    expect(res.status).toBe(400);
    expect((await json(res)).error.code).toBe("validation_error");
  });
});

describe("linking without takeover", () => {
  it("an address the provider does not vouch for creates nothing", async () => {
    const email = uniqueEmail("unverified");
    const res = await returnFrom(h, await visitProvider(h, { email, verified: false }));
    expect(res.status).toBe(403);
    expect(await pageErrorCode(res)).toBe("email_not_verified");
    expect(await usersWithEmail(email)).toHaveLength(0);
  });

  it("links to an existing account only when both the provider and the account have proven the address", async () => {
    const email = uniqueEmail("both-verified");
    await signUpVerified(h, email);
    const visit = await visitProvider(h, { email });
    expect((await returnFrom(h, visit)).status).toBe(200);
    const [user] = await usersWithEmail(email);
    expect((await me(visit.jar)).data.user.id).toBe(user?.id);
    expect(await identitiesOf(String(user?.id))).toHaveLength(1);
    // A new way into an existing account: its owner is told.
    const notices = (await h.outbox(email)).filter((m) => /can now sign in/.test(m.subject ?? ""));
    expect(notices).toHaveLength(1);
    expect(notices[0]?.text).toContain("If this wasn't you");
  });

  it("an account whose address was never proven is not merged (pre-account takeover): account_exists", async () => {
    const email = uniqueEmail("squatted");
    // Someone registered the address with a password and never proved it.
    const signup = await h.request("/v1/auth/signup", {
      method: "POST",
      json: { email, password: PASSWORD },
      ip: randomIp(),
    });
    expect(signup.status).toBe(201);
    const res = await returnFrom(h, await visitProvider(h, { email }));
    expect(res.status).toBe(409);
    expect(await pageErrorCode(res)).toBe("account_exists");
    const [user] = await usersWithEmail(email);
    expect(await identitiesOf(String(user?.id))).toHaveLength(0);
  });

  it("a provider that does not vouch for an address that has an account cannot link to it", async () => {
    const email = uniqueEmail("claimed");
    await signUpVerified(h, email);
    const res = await returnFrom(h, await visitProvider(h, { email, verified: false }));
    expect(res.status).toBe(403);
    const [user] = await usersWithEmail(email);
    expect(await identitiesOf(String(user?.id))).toHaveLength(0);
  });

  it("a signed-in user links a provider account with another address, then signs in with it", async () => {
    const owner = await signInByLink(h, uniqueEmail("linker"));
    const start = await h.request("/v1/auth/oauth/dev/link", { method: "POST", json: {}, jar: owner.jar });
    expect(start.status).toBe(200);
    const url = (await json(start)).data.authorization_url as string;
    expect(url).toContain("code_challenge=");
    // The browser goes to the provider, signs in there with a work address, and comes back.
    const work = uniqueEmail("work");
    const visit = await followProvider(url, owner.jar, { email: work });
    const back = await returnFrom(h, visit);
    expect(back.status).toBe(200);
    expect(await back.text()).toContain("is linked");
    const list = await json(await h.request("/v1/auth/identities", { jar: owner.jar }));
    expect(list.data).toHaveLength(1);
    expect(list.data[0]).toMatchObject({ provider: "dev", email: work });
    // A fresh browser signing in with that provider account lands in the owner's account.
    const fresh = await visitProvider(h, { email: work });
    expect((await returnFrom(h, fresh)).status).toBe(200);
    expect((await me(fresh.jar)).data.user.id).toBe(owner.user.id);
    expect(await usersWithEmail(work)).toHaveLength(0);
  });

  it("a provider account linked to someone else cannot be linked again (409), and linking needs a session", async () => {
    const taken = uniqueEmail("taken");
    await returnFrom(h, await visitProvider(h, { email: taken }));
    const other = await signInByLink(h, uniqueEmail("other"));
    const start = await h.request("/v1/auth/oauth/dev/link", { method: "POST", json: {}, jar: other.jar });
    const visit = await followProvider((await json(start)).data.authorization_url, other.jar, { email: taken });
    const res = await returnFrom(h, visit);
    expect(res.status).toBe(409);
    expect(await pageErrorCode(res)).toBe("conflict");
    const anonymous = await h.request("/v1/auth/oauth/dev/link", { method: "POST", json: {} });
    expect(anonymous.status).toBe(401);
  });

  it("unlinks, but never the last way in", async () => {
    const email = uniqueEmail("unlink");
    const visit = await visitProvider(h, { email });
    await returnFrom(h, visit);
    const list = await json(await h.request("/v1/auth/identities", { jar: visit.jar }));
    const id = list.data[0].id as string;
    // Without a proven address or password, this identity is the only way in.
    await h.sql.query("update users set email_verified_at = null where email = $1", [email]);
    const refused = await h.request(`/v1/auth/identities/${id}`, { method: "DELETE", jar: visit.jar });
    expect(refused.status).toBe(409);
    expect((await json(refused)).error.code).toBe("conflict");
    await h.sql.query("update users set email_verified_at = now() where email = $1", [email]);
    const done = await h.request(`/v1/auth/identities/${id}`, { method: "DELETE", jar: visit.jar });
    expect(done.status).toBe(204);
    expect((await h.outbox(email)).map((m) => m.subject)).toContain("dev was unlinked");
    expect((await json(await h.request("/v1/auth/identities", { jar: visit.jar }))).data).toHaveLength(0);
    const missing = await h.request(`/v1/auth/identities/${id}`, { method: "DELETE", jar: visit.jar });
    expect(missing.status).toBe(404);
  });
});

describe("unlinking a provider removes a way in", () => {
  it("needs recent authentication, like removing a passkey or an authenticator app", async () => {
    const email = uniqueEmail("unlink-stale");
    const visit = await visitProvider(h, { email });
    await returnFrom(h, visit);
    const id = (await json(await h.request("/v1/auth/identities", { jar: visit.jar }))).data[0].id as string;
    h.clock.advance(11 * 60_000);
    const stale = await h.request(`/v1/auth/identities/${id}`, { method: "DELETE", jar: visit.jar });
    expect(stale.status).toBe(403);
    expect((await json(stale)).error.code).toBe("reauth_required");
    expect(await h.sql.query("select 1 from identities where id = $1", [id])).toHaveLength(1);
  });
});

describe("provider tokens", () => {
  it("are not kept by default; a provider configured to keep them stores them sealed for their owner only", async () => {
    const plain = await visitProvider(h, { email: uniqueEmail("nokeep") });
    await returnFrom(h, plain);
    const [mine] = (await json(await h.request("/v1/auth/identities", { jar: plain.jar }))).data;
    const none = await h.request(`/v1/auth/identities/${mine.id}/tokens`, { jar: plain.jar });
    expect(none.status).toBe(404);
    expect(
      (await h.sql.query("select tokens_sealed from identities where id = $1", [mine.id]))[0]?.tokens_sealed,
    ).toBeNull();

    const keep = await visitProvider(h, { email: uniqueEmail("keep"), provider: "dev2" });
    expect((await returnFrom(h, keep)).status).toBe(200);
    const [identity] = (await json(await h.request("/v1/auth/identities", { jar: keep.jar }))).data;
    const res = await h.request(`/v1/auth/identities/${identity.id}/tokens`, { jar: keep.jar });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const tokens = (await json(res)).data;
    // A real token: the provider's UserInfo answers it.
    const info = await fetch(`${ISSUER}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(info.status).toBe(200);
    const [row] = await h.sql.query("select tokens_sealed from identities where id = $1", [identity.id]);
    expect(row?.tokens_sealed).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(row?.tokens_sealed).not.toContain(tokens.access_token);
    // Someone else's session cannot read them.
    expect((await h.request(`/v1/auth/identities/${identity.id}/tokens`, { jar: plain.jar })).status).toBe(404);
  });
});

describe("native apps: a single-use code bound to the app's PKCE verifier", () => {
  async function appSignIn(email: string, verifier: string) {
    const challenge = encodeBase64Url(await sha256(verifier));
    const visit = await visitProvider(h, {
      email,
      query: { redirect_to: "authapp://signed-in", code_challenge: challenge },
    });
    const res = await returnFrom(h, visit);
    expect(res.status).toBe(302);
    return new URL(res.headers.get("location") ?? "");
  }

  it("the app's redirect gets a code that its verifier exchanges once for tokens", async () => {
    const verifier = generateToken(32);
    const email = uniqueEmail("app");
    const redirect = await appSignIn(email, verifier);
    expect(redirect.protocol).toBe("authapp:");
    const code = redirect.searchParams.get("code") ?? "";
    const exchange = (v: string) =>
      h.request("/v1/auth/token", {
        method: "POST",
        json: { grant_type: "authorization_code", code, code_verifier: v },
      });
    const res = await exchange(verifier);
    expect(res.status).toBe(200);
    const tokens = (await json(res)).data;
    expect(tokens.user.email).toBe(email);
    const who = await h.request("/v1/auth/me", { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect((await json(who)).data.user.email).toBe(email);
    const again = await exchange(verifier);
    expect(again.status).toBe(401);
    expect((await json(again)).error.code).toBe("token_invalid");
  });

  it("another verifier cannot spend the code (another app on the same scheme)", async () => {
    const redirect = await appSignIn(uniqueEmail("app-steal"), generateToken(32));
    const res = await h.request("/v1/auth/token", {
      method: "POST",
      json: {
        grant_type: "authorization_code",
        code: redirect.searchParams.get("code"),
        code_verifier: generateToken(32),
      },
    });
    expect(res.status).toBe(401);
    expect((await json(res)).error.code).toBe("token_invalid");
  });

  it("an app redirect without a PKCE challenge is refused; app failures go to the app's redirect", async () => {
    const res = await h.request("/v1/auth/oauth/dev/start?redirect_to=authapp://signed-in");
    expect(res.status).toBe(400);
    expect((await json(res)).error.details[0].field).toBe("code_challenge");
    const challenge = encodeBase64Url(await sha256(generateToken(32)));
    const visit = await visitProvider(h, {
      email: uniqueEmail("app-unverified"),
      verified: false,
      query: { redirect_to: "authapp://signed-in", code_challenge: challenge },
    });
    const back = await returnFrom(h, visit);
    expect(back.status).toBe(302);
    const target = new URL(back.headers.get("location") ?? "");
    expect(target.protocol).toBe("authapp:");
    expect(target.searchParams.get("error")).toBe("email_not_verified");
    expect(target.searchParams.get("code")).toBeNull();
  });
});

describe("GitHub (OAuth 2.0 plus its user API)", () => {
  /** Start -> GitHub's authorize form -> back to our callback, as the browser that started. */
  async function viaGitHub(login: string, email: string, verified = true, id?: number) {
    const jar = new CookieJar();
    const ip = randomIp();
    const start = await h.request("/v1/auth/oauth/github/start", { jar, ip });
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get("location") ?? "");
    expect(authorize.pathname).toBe("/login/oauth/authorize");
    expect(authorize.searchParams.get("scope")).toBe("read:user user:email");
    expect(authorize.searchParams.get("nonce")).toBeNull();
    const form = new URLSearchParams({
      login,
      email,
      ...(verified ? { verified: "1" } : {}),
      ...(id ? { id: String(id) } : {}),
    });
    for (const name of ["redirect_uri", "state", "code_challenge", "client_id"])
      form.set(name, authorize.searchParams.get(name) ?? "");
    const consent = await fetch(`${authorize.origin}/login/oauth/authorize`, {
      method: "POST",
      body: form,
      redirect: "manual",
    });
    const back = new URL(consent.headers.get("location") ?? "");
    return { jar, response: await h.request(`${back.pathname}${back.search}`, { jar, ip }) };
  }

  it("signs in by GitHub's numeric id with its verified primary address, and stays that user when the address changes", async () => {
    const login = `octo${generateToken(16).replace(/[^a-z0-9]/gi, "")}`;
    const email = uniqueEmail("octo");
    const first = await viaGitHub(login, email);
    expect(first.response.status).toBe(200);
    const user = (await me(first.jar)).data.user;
    expect(user.email).toBe(email);
    const [identity] = await identitiesOf(user.id);
    expect(identity?.provider).toBe("github");
    expect(identity?.subject).toMatch(/^\d+$/);
    const moved = await viaGitHub(login, uniqueEmail("octo-moved"));
    expect((await me(moved.jar)).data.user.id).toBe(user.id);
  });

  it("an address GitHub has not verified creates nothing", async () => {
    const email = uniqueEmail("octo-unverified");
    const { response } = await viaGitHub(`u${generateToken(16).replace(/[^a-z0-9]/gi, "")}`, email, false);
    expect(response.status).toBe(403);
    expect(await pageErrorCode(response)).toBe("email_not_verified");
    expect(await usersWithEmail(email)).toHaveLength(0);
  });
});

describe("Sign in with Apple (form_post, a JWT client secret, the name sent once)", () => {
  it("the provider's cross-site form POST signs in, with the name from Apple's first-consent user field", async () => {
    const email = uniqueEmail("apple");
    const jar = new CookieJar();
    const visit = await visitProvider(h, { email, provider: "apple", jar });
    const start = parseSetCookies(await h.request("/v1/auth/oauth/apple/start", { ip: randomIp() })).find(
      (c) => c.name === "oauth_binding",
    );
    // The binding must ride a cross-site POST, so it is SameSite=None (and Secure over HTTPS).
    expect(start?.attributes.samesite).toBe("None");
    expect(visit.form?.get("code")).toBeTruthy();
    visit.form?.set("user", JSON.stringify({ name: { firstName: "Ada", lastName: "Lovelace" }, email }));
    const res = await returnFrom(h, visit);
    expect(res.status, await res.clone().text()).toBe(200);
    const { data } = await me(jar);
    expect(data.user.email).toBe(email);
    expect(data.user.name).toBe("Ada Lovelace");
    expect((await identitiesOf(data.user.id))[0]?.provider).toBe("apple");
  });

  it("a forged form POST (another browser's state, no binding) is refused despite the Origin exemption", async () => {
    const visit = await visitProvider(h, { email: uniqueEmail("apple-forged"), provider: "apple" });
    const res = await returnFrom(h, visit, new CookieJar());
    expect(res.status).toBe(401);
    expect(await pageErrorCode(res)).toBe("oauth_failed");
    expect(sessionCookie(res)).toBeUndefined();
  });
});

describe("Microsoft Entra ID, multi-tenant (an issuer per tenant, the address vouched for by xms_edov)", () => {
  it("signs in with the token's own tenant issuer; the address counts only with xms_edov", async () => {
    const email = uniqueEmail("entra");
    const visit = await visitProvider(h, { email, provider: "microsoft" });
    const res = await returnFrom(h, visit);
    expect(res.status, await res.clone().text()).toBe(200);
    const { data } = await me(visit.jar);
    expect(data.user.email).toBe(email);
    expect((await identitiesOf(data.user.id))[0]?.provider).toBe("microsoft");
    // Without xms_edov, Entra's `email` is whatever the tenant's admin typed: nothing is created.
    const other = uniqueEmail("entra-unverified");
    const refused = await returnFrom(
      h,
      await visitProvider(h, { email: other, provider: "microsoft", verified: false }),
    );
    expect(refused.status).toBe(403);
    expect(await pageErrorCode(refused)).toBe("email_not_verified");
    expect(await usersWithEmail(other)).toHaveLength(0);
  });

  it("a tenant outside OAUTH_<NAME>_ALLOWED_TENANTS is refused", async () => {
    const email = uniqueEmail("entra-tenant");
    const res = await returnFrom(h, await visitProvider(h, { email, provider: "microsoft-other" }));
    expect(res.status).toBe(401);
    expect(await pageErrorCode(res)).toBe("oauth_failed");
    expect(await usersWithEmail(email)).toHaveLength(0);
  });
});
