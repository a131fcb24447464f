// The deployable bundle's Cron handler (the webhook consumer, a lazy module with standardwebhooks)
// delivering to a receiver in this process that verifies with the `standardwebhooks` package.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeSql, env, magicLink } from "./support/browser.ts";

let receiver: Server;
let secret = "";
const got: Array<{ id: string; type: string; data: Record<string, unknown> } | "refused"> = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      try {
        const event = new Webhook(secret).verify(body, req.headers as Record<string, string>) as {
          type: string;
          data: Record<string, unknown>;
        };
        got.push({ id: String(req.headers["webhook-id"]), ...event });
        res.writeHead(204).end();
      } catch {
        got.push("refused");
        res.writeHead(401).end();
      }
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
});

afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
  await closeSql();
});

describe("webhooks from the deployable bundle", () => {
  it("a change made through the API reaches the receiver, signed, when the Cron handler runs", async () => {
    const origin = env().origin;
    const token = new URL(await magicLink(`hooks.${Date.now()}@example.com`)).searchParams.get("token");
    const verified = await fetch(`${origin}/v1/auth/magic-link/verify`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token }),
    });
    expect(verified.status).toBe(200);
    const cookies = verified.headers.getSetCookie().map((c) => c.split(";")[0]!);
    const csrf = cookies.find((c) => c.startsWith("csrf_token="))!.split("=")[1]!;
    const headers = { cookie: cookies.join("; "), "x-csrf-token": csrf, "content-type": "application/json" };
    const { port } = receiver.address() as AddressInfo;
    const created = await fetch(`${origin}/v1/webhook-endpoints`, {
      method: "POST",
      headers,
      body: JSON.stringify({ url: `http://127.0.0.1:${port}/hook`, event_types: ["user.updated"] }),
    });
    expect(created.status).toBe(201);
    secret = ((await created.json()) as { data: { secret: string } }).data.secret;
    const changed = await fetch(`${origin}/v1/auth/me`, {
      method: "PATCH",
      headers,
      body: JSON.stringify({ name: "From The Bundle" }),
    });
    expect(changed.status).toBe(200);
    const run = await fetch(`${origin}/cdn-cgi/local/scheduled?cron=*+*+*+*+*`);
    expect(run.status, await run.clone().text()).toBe(200);
    await expect.poll(() => got.length, { timeout: 5000 }).toBe(1);
    expect(got[0]).toMatchObject({ type: "user.updated", data: { name: "From The Bundle" } });
    expect(got[0]).not.toBe("refused");
  });
});
