// Test mode only: an HTTP endpoint speaking the one Stripe API call the worker makes (a Checkout
// Session's line items), with fixtures the tests register. Stripe is outside world, so it is faked.
import { createServer } from "node:http";
import { listen, readBody } from "./upstash-shim.ts";

export interface FakeStripe {
  url: string;
  close(): Promise<void>;
}

type Fixture = { price_id: string | null } | { fail: number };

export async function startFakeStripe(): Promise<FakeStripe> {
  const fixtures = new Map<string, Fixture>();
  const send = (res: import("node:http").ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://local");
      const fixture = /^\/__fixtures\/checkout\/sessions\/([^/]+)$/.exec(url.pathname);
      if (req.method === "PUT" && fixture) {
        fixtures.set(decodeURIComponent(fixture[1] ?? ""), JSON.parse(await readBody(req)) as Fixture);
        return send(res, 200, { ok: true });
      }
      const items = /^\/v1\/checkout\/sessions\/([^/]+)\/line_items$/.exec(url.pathname);
      if (req.method === "GET" && items) {
        if (!/^Bearer (sk|rk)_test_\w+$/.test(String(req.headers.authorization ?? ""))) {
          return send(res, 401, { error: { type: "invalid_request_error", message: "Invalid API Key provided" } });
        }
        const id = decodeURIComponent(items[1] ?? "");
        const found = fixtures.get(id);
        if (!found)
          return send(res, 404, {
            error: { type: "invalid_request_error", message: `No such checkout.session: '${id}'` },
          });
        if ("fail" in found) return send(res, found.fail, { error: { type: "api_error", message: "fake failure" } });
        const data =
          found.price_id === null
            ? []
            : [{ id: `li_${id}`, object: "item", price: { id: found.price_id, object: "price" }, quantity: 1 }];
        return send(res, 200, { object: "list", data, has_more: false, url: url.pathname });
      }
      send(res, 404, { error: { type: "invalid_request_error", message: "Unrecognized request URL" } });
    })();
  });
  const port = await listen(server, 0);
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
