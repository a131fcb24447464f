import { describe, expect, it } from "vitest";
import { decodeBase64Url, encodeBase64Url } from "../src/crypto/encoding";
import { generateId, generateToken, randomBytes } from "../src/crypto/random";
import { signInOptions as buildSignInOptions } from "../src/features/passkeys/options";
import { login, PASSWORD, signUpVerified } from "./support/accounts";
import { CookieJar } from "./support/cookies";
import { json } from "./support/harness";
import { enrolled } from "./support/mfa";
import { uniqueEmail, useHarness } from "./support/setup";
import { assertCredential, createCredential, type Lies, type SoftCredential } from "./support/webauthn";

const h = useHarness();
const ORIGIN = "http://localhost:8787";

interface WithPasskey {
  email: string;
  userId: string;
  jar: CookieJar;
  credential: SoftCredential;
  passkeyId: string;
  recovery: string[] | null;
}

async function registerOptions(jar: CookieJar) {
  const res = await h.request("/v1/auth/passkeys/register/options", { method: "POST", jar, json: {} });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await json(res)).data;
}

async function withPasskey(label: string, lies: Lies = {}): Promise<WithPasskey> {
  const email = uniqueEmail(label);
  await signUpVerified(h, email);
  const jar = await login(h, email);
  const options = await registerOptions(jar);
  const { credential, response } = await createCredential(options, ORIGIN, lies);
  const res = await h.request("/v1/auth/passkeys", { method: "POST", jar, json: { response } });
  expect(res.status, await res.clone().text()).toBe(201);
  const { data } = await json(res);
  const [user] = await h.sql.query("select id from users where email = $1", [email]);
  return { email, userId: user!.id, jar, credential, passkeyId: data.passkey.id, recovery: data.recovery_codes };
}

async function signInOptions() {
  const res = await h.request("/v1/auth/passkeys/sign-in/options", { method: "POST" });
  expect(res.status).toBe(200);
  return (await json(res)).data;
}

const signIn = (response: unknown, jar = new CookieJar()) =>
  h.request("/v1/auth/passkeys/sign-in", { method: "POST", json: { response }, jar });

describe("registering a passkey", () => {
  it("asks for a discoverable, user-verified credential for PUBLIC_URL's host, and stores it", async () => {
    const email = uniqueEmail("register");
    await signUpVerified(h, email);
    const jar = await login(h, email);
    const options = await registerOptions(jar);
    expect(options.rp.id).toBe("localhost");
    expect(options.authenticatorSelection).toMatchObject({ residentKey: "required", userVerification: "required" });
    expect(options.attestation).toBe("none");
    expect(options.challenge).toMatch(/^[\w-]{43}$/);
    expect(options.user.name).toBe(email);
    const { response } = await createCredential(options, ORIGIN);
    const res = await h.request("/v1/auth/passkeys", { method: "POST", jar, json: { response, name: "Laptop" } });
    expect(res.status).toBe(201);
    const { data } = await json(res);
    expect(data.passkey).toMatchObject({ name: "Laptop", device_type: "singleDevice", backed_up: false });
    expect(data.recovery_codes).toHaveLength(10);
    const [row] = await h.sql.query("select counter, public_key from passkeys where id = $1", [data.passkey.id]);
    expect(Number(row!.counter)).toBe(0);
    expect(row!.public_key.length).toBeGreaterThan(60);
    const factors = await json(await h.request("/v1/auth/mfa/factors", { jar }));
    expect(factors.data).toMatchObject({ methods: ["passkey"], passkeys: 1, recovery_codes_remaining: 10 });
    expect((await h.outbox(email)).some((m) => m.subject === "A passkey was added")).toBe(true);

    // The challenge was single use: the same response again is refused.
    const again = await h.request("/v1/auth/passkeys", { method: "POST", jar, json: { response } });
    expect((await json(again)).error.code).toBe("passkey_invalid");
  });

  it("refuses a wrong origin, a wrong relying party, no user verification, or another user's challenge", async () => {
    const email = uniqueEmail("register-bad");
    await signUpVerified(h, email);
    const jar = await login(h, email);
    for (const lies of [
      { origin: "https://evil.example" },
      { rpId: "evil.example" },
      { userVerified: false },
      { type: "webauthn.get" },
    ] satisfies Lies[]) {
      const { response } = await createCredential(await registerOptions(jar), ORIGIN, lies);
      const res = await h.request("/v1/auth/passkeys", { method: "POST", jar, json: { response } });
      expect(res.status, JSON.stringify(lies)).toBe(401);
      expect((await json(res)).error.code).toBe("passkey_invalid");
    }
    const other = (await withPasskey("other-user")).jar;
    const { response } = await createCredential(await registerOptions(other), ORIGIN);
    const stolen = await h.request("/v1/auth/passkeys", { method: "POST", jar, json: { response } });
    expect((await json(stolen)).error.code).toBe("passkey_invalid");
    expect(
      await h.sql.query("select 1 from passkeys p join users u on u.id = p.user_id where u.email = $1", [email]),
    ).toHaveLength(0);
  });

  it("after another second factor: no new recovery codes, and a second passkey too", async () => {
    const user = await enrolled(h, "passkey-after-totp");
    const add = async () => {
      const { response } = await createCredential(await registerOptions(user.jar), ORIGIN);
      return h.request("/v1/auth/passkeys", { method: "POST", jar: user.jar, json: { response } });
    };
    for (const n of [1, 2]) {
      const res = await add();
      expect(res.status, await res.clone().text()).toBe(201);
      const { data } = await json(res);
      expect(data.recovery_codes).toBeNull();
      expect(data.passkey.name).toBe(`Security key ${n}`);
    }
    const codes = await h.sql.query("select 1 from recovery_codes where user_id = $1 and used_at is null", [
      user.userId,
    ]);
    expect(codes).toHaveLength(10);
    expect(await h.sql.query("select 1 from passkeys where user_id = $1", [user.userId])).toHaveLength(2);
  });

  it("needs a recent sign-in", async () => {
    const email = uniqueEmail("register-stale");
    await signUpVerified(h, email);
    const jar = await login(h, email);
    h.clock.advance(11 * 60_000);
    const res = await h.request("/v1/auth/passkeys/register/options", { method: "POST", jar, json: {} });
    expect(res.status).toBe(403);
    expect((await json(res)).error.code).toBe("reauth_required");
    const ok = await h.request("/v1/auth/passkeys/register/options", {
      method: "POST",
      jar,
      json: { current_password: PASSWORD },
    });
    expect(ok.status).toBe(200);
  });
});

describe("signing in with a passkey", () => {
  it("signs in with no email typed, moves the counter, and refuses the same assertion twice", async () => {
    const user = await withPasskey("signin");
    const options = await signInOptions();
    expect(options.rpId).toBe("localhost");
    expect(options.userVerification).toBe("required");
    expect(options.allowCredentials ?? []).toEqual([]);
    const assertion = await assertCredential(user.credential, options, ORIGIN);
    const jar = new CookieJar();
    const res = await signIn(assertion, jar);
    expect(res.status, await res.clone().text()).toBe(200);
    expect((await json(res)).data.user.id).toBe(user.userId);
    expect((await h.request("/v1/auth/me", { jar })).status).toBe(200);
    const [row] = await h.sql.query("select counter, last_used_at from passkeys where id = $1", [user.passkeyId]);
    expect(Number(row!.counter)).toBe(1);
    expect(row!.last_used_at).not.toBeNull();

    const replay = await signIn(assertion);
    expect(replay.status).toBe(401);
    expect((await json(replay)).error.code).toBe("passkey_invalid");
  });

  it("refuses a counter that did not move (a cloned authenticator)", async () => {
    const user = await withPasskey("clone");
    expect((await signIn(await assertCredential(user.credential, await signInOptions(), ORIGIN))).status).toBe(200);
    const cloned = await assertCredential(user.credential, await signInOptions(), ORIGIN, { counter: 1 });
    expect((await json(await signIn(cloned))).error.code).toBe("passkey_invalid");
    const [row] = await h.sql.query("select counter from passkeys where id = $1", [user.passkeyId]);
    expect(Number(row!.counter)).toBe(1);
  });

  it.each([
    ["a wrong origin", { origin: "https://evil.example" }],
    ["a wrong relying party", { rpId: "evil.example" }],
    ["no user verification", { userVerified: false }],
    ["a made-up challenge", { challenge: "q8Vf2Lw0ZrJm4Xc9bN1sT6yH3gK7dP5aE0uR2iO8wQe" }],
    ["a registration's client data", { type: "webauthn.create" }],
  ] as Array<[string, Lies]>)("refuses %s", async (_label, lies) => {
    const user = await withPasskey("lies");
    const res = await signIn(await assertCredential(user.credential, await signInOptions(), ORIGIN, lies));
    expect(res.status).toBe(401);
    expect((await json(res)).error.code).toBe("passkey_invalid");
    expect(res.headers.getSetCookie().join()).not.toContain("session=");
  });

  it("stores a synced passkey's backup flags, and refuses a credential whose backup eligibility changed", async () => {
    const synced = await withPasskey("synced", { backedUp: true });
    const [row] = await h.sql.query("select device_type, backed_up from passkeys where id = $1", [synced.passkeyId]);
    expect(row).toMatchObject({ device_type: "multiDevice", backed_up: true });
    // Synced passkeys keep no counter: 0 every time is accepted.
    for (let i = 0; i < 2; i++) {
      const again = await assertCredential(synced.credential, await signInOptions(), ORIGIN, {
        backedUp: true,
        counter: 0,
      });
      expect((await signIn(again)).status).toBe(200);
    }
    const user = await withPasskey("backup-flag");
    const changed = await assertCredential(user.credential, await signInOptions(), ORIGIN, { backedUp: true });
    expect((await json(await signIn(changed))).error.code).toBe("passkey_invalid");
  });

  it("refuses an unknown credential", async () => {
    const { credential } = await createCredential(
      { challenge: "x", rp: { id: "localhost" }, user: { id: "dXNy" } },
      ORIGIN,
    );
    const res = await signIn(await assertCredential(credential, await signInOptions(), ORIGIN));
    expect((await json(res)).error.code).toBe("passkey_invalid");
  });

  it("refuses the credential of a disabled account", async () => {
    const user = await withPasskey("disabled");
    await h.sql.query("update users set disabled_at = now() where id = $1", [user.userId]);
    const res = await signIn(await assertCredential(user.credential, await signInOptions(), ORIGIN));
    expect((await json(res)).error.code).toBe("passkey_invalid");
  });
});

describe("a passkey as the second step", () => {
  it("completes a password sign-in, with only the user's own passkeys allowed", async () => {
    const user = await withPasskey("stepup");
    const first = await h.request("/v1/auth/login", {
      method: "POST",
      json: { email: user.email, password: PASSWORD },
    });
    const challenge = (await json(first)).data;
    expect(challenge).toMatchObject({ mfa_required: true, methods: ["passkey", "recovery_code"] });
    const optionsRes = await h.request("/v1/auth/mfa/passkey/options", {
      method: "POST",
      json: { mfa_token: challenge.mfa_token },
    });
    const options = (await json(optionsRes)).data;
    expect(options.allowCredentials.map((c: { id: string }) => c.id)).toEqual([user.credential.id]);

    // A passkey challenge from the sign-in options is not this step's: refused.
    const foreign = await assertCredential(user.credential, await signInOptions(), ORIGIN);
    const refused = await h.request("/v1/auth/mfa/verify", {
      method: "POST",
      json: { mfa_token: challenge.mfa_token, passkey: foreign },
    });
    expect((await json(refused)).error.code).toBe("passkey_invalid");

    // The options are only for the client that passed the first factor.
    const elsewhere = await h.request("/v1/auth/mfa/passkey/options", {
      method: "POST",
      json: { mfa_token: challenge.mfa_token },
      headers: { "user-agent": "another client" },
    });
    expect((await json(elsewhere)).error.code).toBe("token_invalid");

    const assertion = await assertCredential(user.credential, options, ORIGIN);
    const jar = new CookieJar();
    const done = await h.request("/v1/auth/mfa/verify", {
      method: "POST",
      json: { mfa_token: challenge.mfa_token, passkey: assertion },
      jar,
    });
    expect(done.status, await done.clone().text()).toBe(200);
    expect((await h.request("/v1/auth/me", { jar })).status).toBe(200);
  });
});

describe("managing passkeys", () => {
  it("lists, renames and removes one's own; another user's is not found", async () => {
    const user = await withPasskey("manage");
    const other = await withPasskey("manage-other");
    const list = await json(await h.request("/v1/auth/passkeys", { jar: user.jar }));
    expect(list.data.map((p: { id: string }) => p.id)).toEqual([user.passkeyId]);
    const renamed = await h.request(`/v1/auth/passkeys/${user.passkeyId}`, {
      method: "PATCH",
      jar: user.jar,
      json: { name: "Phone" },
    });
    expect((await json(renamed)).data.name).toBe("Phone");
    const foreign = await h.request(`/v1/auth/passkeys/${other.passkeyId}`, { method: "DELETE", jar: user.jar });
    expect(foreign.status).toBe(404);
    expect(
      (await h.request(`/v1/auth/passkeys/${other.passkeyId}`, { method: "PATCH", jar: user.jar, json: { name: "x" } }))
        .status,
    ).toBe(404);
    const removed = await h.request(`/v1/auth/passkeys/${user.passkeyId}`, { method: "DELETE", jar: user.jar });
    expect(removed.status).toBe(204);
    expect(await h.sql.query("select 1 from passkeys where user_id = $1", [user.userId])).toHaveLength(0);
    expect(await h.sql.query("select 1 from recovery_codes where user_id = $1", [user.userId])).toHaveLength(0);
    expect((await h.outbox(user.email)).some((m) => m.subject === "A passkey was removed")).toBe(true);
  });

  it("count as a way in: a provider can be unlinked when a passkey remains", async () => {
    const user = await withPasskey("unlink");
    const identity = generateId("idn");
    await h.sql.query("insert into identities (id, user_id, provider, subject) values ($1, $2, 'dev', $3)", [
      identity,
      user.userId,
      `sub-${identity}`,
    ]);
    await h.sql.query("update users set password_hash = null, email_verified_at = null where id = $1", [user.userId]);
    const res = await h.request(`/v1/auth/identities/${identity}`, { method: "DELETE", jar: user.jar });
    expect(res.status, await res.clone().text()).toBe(204);
  });

  it("never removes the last way in", async () => {
    const user = await withPasskey("last");
    await h.sql.query("update users set password_hash = null, email_verified_at = null where id = $1", [user.userId]);
    const res = await h.request(`/v1/auth/passkeys/${user.passkeyId}`, { method: "DELETE", jar: user.jar });
    expect(res.status).toBe(409);
    expect(await h.sql.query("select 1 from passkeys where id = $1", [user.passkeyId])).toHaveLength(1);
  });
});

describe("sign-in options", () => {
  it("are exactly what @simplewebauthn/server's generateAuthenticationOptions returns", async () => {
    const { generateAuthenticationOptions } = await import("@simplewebauthn/server");
    const challenge = generateToken(32);
    const allow = [
      { id: encodeBase64Url(randomBytes(32)), transports: ["internal", "hybrid"] },
      { id: encodeBase64Url(randomBytes(16)), transports: [] },
    ];
    for (const allowCredentials of [undefined, allow]) {
      const library = await generateAuthenticationOptions({
        rpID: "auth.example.com",
        challenge: decodeBase64Url(challenge) as Uint8Array<ArrayBuffer>,
        userVerification: "required",
        timeout: 300_000,
        allowCredentials: allowCredentials?.map((c) => ({ id: c.id, transports: c.transports as never })),
      });
      const ours = buildSignInOptions({ rpId: "auth.example.com", challenge, timeout: 300_000, allowCredentials });
      expect(JSON.parse(JSON.stringify(ours))).toEqual(JSON.parse(JSON.stringify(library)));
    }
  });
});
