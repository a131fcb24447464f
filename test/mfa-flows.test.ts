// The step-up on the sign-in paths that are not a password: social (browser and native app) and
// invitation links. The password, magic-link and credential-check paths are in mfa.test.ts.
import { describe, expect, it } from "vitest";
import { encodeBase64Url } from "../src/crypto/encoding";
import { sha256 } from "../src/crypto/hash";
import { generateToken } from "../src/crypto/random";
import { inviteToken, signInByLink } from "./support/accounts";
import { CookieJar, parseSetCookies } from "./support/cookies";
import { json } from "./support/harness";
import { codeAt, enrolled } from "./support/mfa";
import { uniqueEmail, useHarness } from "./support/setup";
import { returnFrom, visitProvider } from "./support/social";

const h = useHarness();
const form = (fields: Record<string, string>) => ({
  method: "POST",
  body: new URLSearchParams(fields),
  headers: { "content-type": "application/x-www-form-urlencoded" },
});

describe("social sign-in of a user with a second factor", () => {
  it("browser: the callback goes to the code page, and the code finishes with the session", async () => {
    const user = await enrolled(h, "social-mfa");
    const visit = await visitProvider(h, { email: user.email });
    const back = await returnFrom(h, visit);
    expect(back.status).toBe(303);
    expect(back.headers.get("location")).toBe("/v1/auth/mfa");
    const names = parseSetCookies(back).map((c) => c.name);
    expect(names).toContain("mfa_pending");
    expect(names).not.toContain(h.config.cookies.sessionName);
    const done = await h.request("/v1/auth/mfa/verify", {
      ...form({ code: codeAt(h, user.secret) }),
      jar: visit.jar,
      ip: visit.ip,
    });
    expect([200, 303]).toContain(done.status);
    const me = await h.request("/v1/auth/me", { jar: visit.jar });
    expect((await json(me)).data.user.id).toBe(user.userId);
  });

  it("native app: the code exchange answers the challenge, and the second factor gives the tokens", async () => {
    const user = await enrolled(h, "app-mfa");
    const verifier = generateToken(32);
    const visit = await visitProvider(h, {
      email: user.email,
      query: { redirect_to: "authapp://signed-in", code_challenge: encodeBase64Url(await sha256(verifier)) },
    });
    const back = await returnFrom(h, visit);
    expect(back.status).toBe(302);
    const code = new URL(back.headers.get("location") ?? "").searchParams.get("code") ?? "";
    const exchanged = await h.request("/v1/auth/token", {
      method: "POST",
      json: { grant_type: "authorization_code", code, code_verifier: verifier },
    });
    const challenge = (await json(exchanged)).data;
    expect(challenge).toMatchObject({ mfa_required: true });
    expect(challenge.access_token).toBeUndefined();
    const tokens = await h.request("/v1/auth/mfa/verify", {
      method: "POST",
      json: { mfa_token: challenge.mfa_token, code: codeAt(h, user.secret) },
    });
    expect(tokens.status).toBe(200);
    expect((await json(tokens)).data).toMatchObject({ token_type: "Bearer", user: { id: user.userId } });
  });
});

describe("invitation links for a user with a second factor", () => {
  it("accept (the link proved the address) but sign in only after the code, where any sign-in starts", async () => {
    const owner = await signInByLink(h, uniqueEmail("inviter"));
    const created = await h.request("/v1/organizations", { method: "POST", jar: owner.jar, json: { name: "Team" } });
    const orgId = (await json(created)).data.id as string;
    const user = await enrolled(h, "invitee-mfa");
    const token = await inviteToken(h, owner.jar, orgId, user.email);
    const jar = new CookieJar();
    const res = await h.request("/v1/auth/invitations/accept", { method: "POST", json: { token }, jar });
    const challenge = (await json(res)).data;
    expect(challenge).toMatchObject({ mfa_required: true });
    expect(jar.get(h.config.cookies.sessionName)).toBeUndefined();
    const [membership] = await h.sql.query("select role from memberships where organization_id = $1 and user_id = $2", [
      orgId,
      user.userId,
    ]);
    expect(membership?.role).toBe("member");
    const done = await h.request("/v1/auth/mfa/verify", {
      method: "POST",
      json: { mfa_token: challenge.mfa_token, code: codeAt(h, user.secret) },
      jar,
    });
    // Joining moves no one: the session starts in the user's own organization, the team one switch away.
    const home = (await json(done)).data.organization;
    expect(home).toMatchObject({ is_personal_account: true, role: "owner" });
    expect((await json(await h.request("/v1/auth/me", { jar }))).data.organization.id).toBe(home.id);
    const switched = await h.request(`/v1/auth/organizations/${orgId}/switch`, { method: "POST", jar });
    expect((await json(switched)).data).toMatchObject({ id: orgId, role: "member" });
  });
});
