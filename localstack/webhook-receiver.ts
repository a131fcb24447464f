// Test mode only: a webhook receiver as an integrator writes one, verifying every request with the
// `standardwebhooks` package (the outside part our signatures must satisfy). Receivers are named
// (/hooks/<name>); the control endpoint gives each its secret, makes it fail its next N requests,
// reports what it got, and takes the whole receiver down and up again (a restart: connections refused).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { Webhook } from "standardwebhooks";
import { listen, readBody } from "./upstash-shim.ts";

export interface WebhookReceiver {
  /** Base URL of the receiving server: POST `${url}/hooks/<name>`. */
  url: string;
  controlUrl: string;
  close(): Promise<void>;
}

interface Received {
  id: string;
  timestamp: string;
  verified: boolean;
  type: string | null;
  body: unknown;
  at: number;
}

interface Receiver {
  secret: string | null;
  fail: number;
  attempts: number;
  received: Received[];
}

const send = (res: ServerResponse, status: number, body?: unknown) => {
  res.writeHead(status, body === undefined ? {} : { "content-type": "application/json" });
  res.end(body === undefined ? undefined : JSON.stringify(body));
};

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const receivers = new Map<string, Receiver>();
  const receiver = (name: string): Receiver => {
    let r = receivers.get(name);
    if (!r) {
      r = { secret: null, fail: 0, attempts: 0, received: [] };
      receivers.set(name, r);
    }
    return r;
  };

  const hooks = async (req: IncomingMessage, res: ServerResponse) => {
    const match = /^\/hooks\/([\w-]+)$/.exec(req.url ?? "");
    if (req.method !== "POST" || !match) return send(res, 404);
    const r = receiver(match[1] ?? "");
    const body = await readBody(req);
    r.attempts++;
    if (r.fail > 0) {
      r.fail--;
      return send(res, 500, { error: "failing on purpose" });
    }
    const headers = {
      "webhook-id": String(req.headers["webhook-id"] ?? ""),
      "webhook-timestamp": String(req.headers["webhook-timestamp"] ?? ""),
      "webhook-signature": String(req.headers["webhook-signature"] ?? ""),
    };
    let verified = false;
    let parsed: unknown = null;
    try {
      parsed = r.secret ? new Webhook(r.secret).verify(body, headers) : null;
      verified = r.secret !== null;
    } catch {
      parsed = JSON.parse(body);
    }
    const type = (parsed as { type?: unknown } | null)?.type;
    r.received.push({
      id: headers["webhook-id"],
      timestamp: headers["webhook-timestamp"],
      verified,
      type: typeof type === "string" ? type : null,
      body: parsed,
      at: Date.now(),
    });
    // As a real receiver does: an unverifiable request is refused (and retried by the sender).
    return send(res, verified ? 204 : 401);
  };

  let hookServer: Server = createServer((req, res) => void hooks(req, res));
  const hookPort = await listen(hookServer, 0);

  const control = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://local");
      const named = /^\/receivers\/([\w-]+)$/.exec(url.pathname);
      if (named && req.method === "PUT") {
        const r = receiver(named[1] ?? "");
        const given = JSON.parse((await readBody(req)) || "{}") as { secret?: string; fail?: number };
        if (given.secret !== undefined) r.secret = given.secret;
        if (given.fail !== undefined) r.fail = given.fail;
        return send(res, 200, { ok: true });
      }
      if (named && req.method === "GET") {
        const r = receiver(named[1] ?? "");
        return send(res, 200, { attempts: r.attempts, received: r.received });
      }
      if (url.pathname === "/down" && req.method === "POST") {
        await new Promise<void>((resolve) => {
          hookServer.close(() => resolve());
          hookServer.closeAllConnections();
        });
        return send(res, 200, { ok: true });
      }
      if (url.pathname === "/up" && req.method === "POST") {
        if (!hookServer.listening) {
          hookServer = createServer((rq, rs) => void hooks(rq, rs));
          await listen(hookServer, hookPort);
        }
        return send(res, 200, { ok: true });
      }
      send(res, 404);
    })();
  });
  const controlPort = await listen(control, 0);
  const stop = (server: Server) =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return {
    url: `http://127.0.0.1:${hookPort}`,
    controlUrl: `http://127.0.0.1:${controlPort}`,
    close: async () => {
      await stop(hookServer);
      await stop(control);
    },
  };
}
