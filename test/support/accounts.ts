// Account helpers for tests: real HTTP calls through the app, links read from the dev outbox.
import { expect } from "vitest";
import { CookieJar } from "./cookies";
import { type Harness, json, randomIp } from "./harness";

export const PASSWORD = "correct horse battery staple";

export function tokenFromOutbox(link: string | undefined): string {
  if (!link) throw new Error("no link in the outbox");
  return new URL(link).searchParams.get("token") ?? "";
}

export async function latestLink(h: Harness, to: string, subject: RegExp): Promise<string | undefined> {
  return (await h.outbox(to)).find((m) => subject.test(m.subject ?? ""))?.links[0];
}

/** Signs up and proves the address, as a user would. */
export async function signUpVerified(
  h: Harness,
  email: string,
  password = PASSWORD,
  extra: Record<string, unknown> = {},
): Promise<void> {
  // Its own client IP, so account set-up never eats into a test's per-IP limits.
  const res = await h.request("/v1/auth/signup", {
    method: "POST",
    json: { email, password, ...extra },
    ip: randomIp(),
  });
  expect(res.status).toBe(201);
  const token = tokenFromOutbox(await latestLink(h, email, /Confirm your email/));
  const verified = await h.request("/v1/auth/verify-email", { method: "POST", json: { token } });
  expect(verified.status).toBe(200);
}

export async function login(h: Harness, email: string, password = PASSWORD): Promise<CookieJar> {
  const jar = new CookieJar();
  const res = await h.request("/v1/auth/login", { method: "POST", json: { email, password }, jar });
  expect(res.status, await res.clone().text()).toBe(200);
  return jar;
}

export async function passwordGrant(
  h: Harness,
  email: string,
  password = PASSWORD,
): Promise<{ access_token: string; refresh_token: string; user: { id: string } }> {
  const res = await h.request("/v1/auth/token", { method: "POST", json: { grant_type: "password", email, password } });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await json(res)).data;
}

export async function refresh(h: Harness, refreshToken: string): Promise<Response> {
  return h.request("/v1/auth/token", {
    method: "POST",
    json: { grant_type: "refresh_token", refresh_token: refreshToken },
  });
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export interface SignedIn {
  jar: CookieJar;
  user: { id: string; email: string };
  organization: { id: string; name: string };
}

/** Signs a (new or existing) user in with a magic link: no password hashing, so it is quick. */
export async function signInByLink(h: Harness, email: string, body: Record<string, unknown> = {}): Promise<SignedIn> {
  const token = await h.magicLinkToken(email, body);
  const jar = new CookieJar();
  const res = await h.request("/v1/auth/magic-link/verify", { method: "POST", json: { token }, jar });
  expect(res.status).toBe(200);
  const { data } = await json(res);
  return { jar, user: data.user, organization: data.organization };
}

export async function createKey(
  h: Harness,
  jar: CookieJar,
  body: Record<string, unknown> = { name: "ci" },
): Promise<{ id: string; api_key: string; scopes: string[] }> {
  const res = await h.request("/v1/api-keys", { method: "POST", jar, json: body });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await json(res)).data;
}

/** Invites `email` into `orgId` from `inviter`'s session and returns the invitation's emailed token. */
export async function inviteToken(
  h: Harness,
  inviter: CookieJar,
  orgId: string,
  email: string,
  role = "member",
): Promise<string> {
  const res = await h.request(`/v1/organizations/${orgId}/invitations`, {
    method: "POST",
    jar: inviter,
    json: { email, role },
  });
  expect(res.status, await res.clone().text()).toBe(202);
  const message = (await h.outbox(email.toLowerCase())).find((m) => /invited/.test(m.subject ?? ""));
  return tokenFromOutbox(message?.links[0]);
}

/**
 * Brings `email` into `orgId` the only way there is: an invitation from `inviter`, accepted through the
 * emailed link (which signs the invitee in, with that organization active).
 */
export async function joinOrganization(
  h: Harness,
  inviter: CookieJar,
  orgId: string,
  email: string,
  role = "member",
): Promise<SignedIn> {
  const token = await inviteToken(h, inviter, orgId, email, role);
  const jar = new CookieJar();
  const res = await h.request("/v1/auth/invitations/accept", { method: "POST", json: { token }, jar });
  expect(res.status, await res.clone().text()).toBe(200);
  const { data } = await json(res);
  expect(data.organization).toMatchObject({ id: orgId, role });
  // Joining moves no one: an existing account's session starts in its first organization, so act in
  // the joined one the way a client does, with the switch.
  if (data.active_organization_id !== orgId) {
    const switched = await h.request(`/v1/auth/organizations/${orgId}/switch`, { method: "POST", jar });
    expect(switched.status, await switched.clone().text()).toBe(200);
  }
  return { jar, user: data.user, organization: data.organization };
}

/** Makes an account a platform administrator the way an operator does (the flag), and drops its cached profile. */
export async function grantSuperuser(h: Harness, userId: string): Promise<void> {
  await h.sql.query("update users set is_superuser = true where id = $1", [userId]);
  await h.redis.del(h.keys.userSnapshot(userId));
}

/** Pairs a phone for the signed-in `jar`: a pairing code from its session, then the app's pair call. */
export async function pairPhone(
  h: Harness,
  jar: CookieJar,
  phone: { platform?: "ios" | "android"; name?: string } = {},
): Promise<{ device_id: string; token: string }> {
  const code = await h.request("/v1/pairing/code", { method: "POST", jar, json: {} });
  expect(code.status).toBe(201);
  const paired = await h.request("/v1/pairing/pair", {
    method: "POST",
    json: {
      pairing_token: (await json(code)).data.token,
      push_token: "fcm:test",
      platform: phone.platform ?? "android",
      device_name: phone.name ?? "Pixel",
    },
    ip: randomIp(),
  });
  expect(paired.status, await paired.clone().text()).toBe(201);
  return (await json(paired)).data;
}
