// Second-factor helpers: set up an authenticator app as a user would, and read its current code.
import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { expect } from "vitest";
import { totpCode, totpStep } from "../../src/crypto/totp";
import { login, signUpVerified } from "./accounts";
import type { CookieJar } from "./cookies";
import { type Harness, json } from "./harness";
import { uniqueEmail } from "./setup";

export interface Enrolled {
  email: string;
  userId: string;
  secret: Uint8Array;
  recovery: string[];
  jar: CookieJar;
}

/** The authenticator app's code at the harness clock's now, `offsetSteps` 30-second steps away. */
export const codeAt = (h: Harness, secret: Uint8Array, offsetSteps = 0) =>
  totpCode(secret, totpStep(h.clock.now()) + offsetSteps);

/** Signs up, signs in (a fresh session counts as recent authentication) and sets up an authenticator app. */
export async function enrolled(h: Harness, label: string): Promise<Enrolled> {
  const email = uniqueEmail(label);
  await signUpVerified(h, email);
  const jar = await login(h, email);
  const started = await h.request("/v1/auth/mfa/totp", { method: "POST", jar, json: {} });
  expect(started.status, await started.clone().text()).toBe(200);
  const { data } = await json(started);
  const secret = decodeBase32IgnorePadding(data.secret);
  const confirmed = await h.request("/v1/auth/mfa/totp/confirm", {
    method: "POST",
    jar,
    json: { code: codeAt(h, secret) },
  });
  expect(confirmed.status, await confirmed.clone().text()).toBe(200);
  const recovery = (await json(confirmed)).data.recovery_codes as string[];
  const [user] = await h.sql.query("select id from users where email = $1", [email]);
  // Later codes must come from a later step: the confirming code's step is spent.
  h.clock.advance(30_000);
  return { email, userId: user!.id, secret, recovery, jar };
}
