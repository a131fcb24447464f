// Two workers on one global database (the local stack's simulated global Upstash, a replica 500 ms
// behind): "Frankfurt" reads at the primary, "Sydney" at the replica. Same Postgres, same Redis keys.
// A storefront customer signs in at one edge and calls from another at once.
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { createDeps } from "../src/compose";
import { parseConfig } from "../src/config";
import { createSmsOutbox } from "../src/sms/provider";
import { signInByLink } from "./support/accounts";
import { CookieJar } from "./support/cookies";
import { bindings, json, randomIp } from "./support/harness";
import { uniqueEmail, useHarness } from "./support/setup";

const global = bindings.GLOBAL_PRIMARY_URL ?? "";
const lag = Number(bindings.GLOBAL_LAG_MS);
const SHOP = "https://shop.example";

// Only where the machine has redis-server (CI does): the in-process engine has no replication.
describe.runIf(global)("a global database: sign in at one edge, use it at another", () => {
  const frankfurt = useHarness({
    UPSTASH_REDIS_REST_URL: global,
    UPSTASH_REDIS_REST_TOKEN: bindings.GLOBAL_TOKEN ?? "",
  });

  /** The same worker in another region: its Redis reads go to the lagging replica. */
  async function sydney() {
    const config = parseConfig({
      ...bindings,
      DATABASE_URL: frankfurt.config.database.url,
      REDIS_KEY_PREFIX: frankfurt.config.redis.keyPrefix,
      UPSTASH_REDIS_REST_URL: bindings.GLOBAL_REPLICA_URL ?? "",
      UPSTASH_REDIS_REST_TOKEN: bindings.GLOBAL_TOKEN ?? "",
    });
    const deps = await createDeps(config, { sms: (outbox, c) => createSmsOutbox(outbox, c, { quiet: true }) });
    const app = createApp({ config, deps });
    return (path: string, init: RequestInit & { jar?: CookieJar } = {}) => {
      const headers = new Headers(init.headers);
      if (init.jar) headers.set("cookie", init.jar.header());
      return app.request(`http://127.0.0.1:8787${path}`, { ...init, headers }, bindings, {
        waitUntil: () => undefined,
        passThroughOnException: () => undefined,
        props: {},
      } as unknown as ExecutionContext);
    };
  }

  it("a storefront customer's session works at once at the other edge; its logout reaches it within the lag", async () => {
    const owner = await signInByLink(frankfurt, uniqueEmail("merchant"));
    const created = await frankfurt.request("/v1/publishable-keys", {
      method: "POST",
      jar: owner.jar,
      json: { name: "shop", allowed_origins: [SHOP] },
    });
    const key = (await json(created)).data.id as string;
    const storefront = { "x-public-key": key, origin: SHOP };
    const contact = `+1415${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
    const sent = await frankfurt.request("/v1/storefront/auth/request-otp", {
      method: "POST",
      json: { contact },
      headers: storefront,
      ip: randomIp(),
    });
    expect(sent.status).toBe(200);
    const [message] = await frankfurt.outbox(contact);
    const jar = new CookieJar();
    const verified = await frankfurt.request("/v1/storefront/auth/verify-otp", {
      method: "POST",
      json: { contact, otp_code: message?.codes[0] },
      headers: storefront,
      jar,
    });
    expect(verified.status).toBe(200);

    const far = await sydney();
    const atOnce = await far("/v1/storefront/auth/status", { headers: storefront, jar });
    expect(atOnce.status, await atOnce.clone().text()).toBe(200);
    expect((await json(atOnce)).data).toMatchObject({ is_authenticated: true });

    // Logout at Frankfurt: Sydney's replica forgets the session within the lag (the stated bound).
    const out = await frankfurt.request("/v1/storefront/auth/logout", { method: "POST", headers: storefront, jar });
    expect(out.status).toBeLessThan(300);
    await new Promise((r) => setTimeout(r, lag + 300));
    const after = await far("/v1/storefront/auth/status", { headers: storefront, jar });
    expect((await json(after)).data?.is_authenticated ?? false).toBe(false);
  });
});
