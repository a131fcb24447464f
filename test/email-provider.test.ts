import { describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { createDeps } from "../src/compose";
import { DeliveryError } from "../src/email/provider";
import { createResendProvider } from "../src/email/resend";
import { createTwilioProvider } from "../src/sms/provider";
import { json } from "./support/harness";
import { uniqueEmail, useHarness } from "./support/setup";

const message = { to: "ada@example.com", subject: "Your sign-in link", text: "open https://x/y", html: "<p>open</p>" };

describe("Resend provider (production email over fetch)", () => {
  it("posts one message with one recipient and the bearer key", async () => {
    const calls: Array<{ url: string; init: RequestInit }> = [];
    const provider = createResendProvider({
      apiKey: "re_test_123",
      from: "Acme <login@acme.com>",
      apiUrl: "https://api.resend.test/",
      fetch: async (url, init) => {
        calls.push({ url: String(url), init: init! });
        return Response.json({ id: "email_1" });
      },
    });
    await provider.send(message);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe("https://api.resend.test/emails");
    expect(new Headers(calls[0]!.init.headers).get("authorization")).toBe("Bearer re_test_123");
    expect(JSON.parse(String(calls[0]!.init.body))).toEqual({
      from: "Acme <login@acme.com>",
      to: ["ada@example.com"],
      subject: "Your sign-in link",
      text: "open https://x/y",
      html: "<p>open</p>",
    });
  });

  it("turns an error status or a network failure into DeliveryError", async () => {
    const refusing = createResendProvider({
      apiKey: "k",
      from: "f",
      apiUrl: "https://r",
      fetch: async () => new Response("quota", { status: 429 }),
    });
    await expect(refusing.send(message)).rejects.toBeInstanceOf(DeliveryError);
    const offline = createResendProvider({
      apiKey: "k",
      from: "f",
      apiUrl: "https://r",
      fetch: async () => {
        throw new TypeError("fetch failed");
      },
    });
    await expect(offline.send(message)).rejects.toThrow("email provider unreachable");
  });
});

describe("a Resend outage through the app", () => {
  const h = useHarness();

  it("answers 503 email_delivery_failed and leaves no usable link behind", async () => {
    const deps = await createDeps(h.config, {
      clock: h.clock,
      email: () =>
        createResendProvider({
          apiKey: "k",
          from: "f",
          apiUrl: "https://r",
          fetch: async () => new Response("down", { status: 500 }),
        }),
    });
    const app = createApp({ config: h.config, deps });
    const email = uniqueEmail("resend");
    const before = await h.redisKeysMatching("ott:magic_link:*");
    const res = await app.request("/v1/auth/magic-link/request", {
      method: "POST",
      headers: { "content-type": "application/json", "cf-connecting-ip": h.ip },
      body: JSON.stringify({ email }),
    });
    expect(res.status).toBe(503);
    const body = await json(res);
    expect(body.error.code).toBe("email_delivery_failed");
    expect(body.meta.correlation_id).toMatch(/^corr_/);
    expect((await h.redisKeysMatching("ott:magic_link:*")).sort()).toEqual(before.sort());
  });
});

describe("Twilio provider (production SMS over fetch)", () => {
  it("posts a form with basic auth to the Messages API; errors become DeliveryError", async () => {
    const calls: Array<{ url: string; init: RequestInit }> = [];
    const provider = createTwilioProvider({
      accountSid: "AC123",
      authToken: "secret",
      from: "+15550001111",
      apiUrl: "https://api.twilio.test",
      fetch: async (url, init) => {
        calls.push({ url: String(url), init: init! });
        return Response.json({ sid: "SM1" }, { status: 201 });
      },
    });
    await provider.send({ to: "+14155550123", text: "Your sign-in code is 123456." });
    expect(calls[0]!.url).toBe("https://api.twilio.test/2010-04-01/Accounts/AC123/Messages.json");
    const headers = new Headers(calls[0]!.init.headers);
    expect(headers.get("authorization")).toBe(`Basic ${btoa("AC123:secret")}`);
    expect(headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(new URLSearchParams(String(calls[0]!.init.body)))).toEqual({
      To: "+14155550123",
      Body: "Your sign-in code is 123456.",
      From: "+15550001111",
    });
    const viaService = createTwilioProvider({
      accountSid: "AC1",
      authToken: "t",
      from: "MG42",
      apiUrl: "https://x",
      fetch: async (_u, init) => {
        expect(new URLSearchParams(String(init!.body)).get("MessagingServiceSid")).toBe("MG42");
        return new Response("{}", { status: 201 });
      },
    });
    await viaService.send({ to: "+14155550123", text: "x" });
    const failing = createTwilioProvider({
      accountSid: "AC1",
      authToken: "t",
      from: "+1",
      apiUrl: "https://x",
      fetch: async () => new Response("bad", { status: 400 }),
    });
    await expect(failing.send({ to: "+14155550123", text: "x" })).rejects.toBeInstanceOf(DeliveryError);
  });
});
