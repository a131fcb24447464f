// Test mode only: Cloudflare Turnstile's siteverify, as its documentation describes it. The secret is
// `test-turnstile-secret`; a token `pass-<anything>` succeeds once (a second use answers
// timeout-or-duplicate, as Cloudflare's does), anything else is invalid-input-response;
// `stall-<anything>` never answers (the deadline's test). Cloudflare is outside world, so it is faked.
import { createServer } from "node:http";
import { listen, readBody } from "./upstash-shim.ts";

export const FAKE_TURNSTILE_SECRET = "test-turnstile-secret";

export interface FakeTurnstile {
  url: string;
  close(): Promise<void>;
}

export async function startFakeTurnstile(): Promise<FakeTurnstile> {
  const spent = new Set<string>();
  const server = createServer((req, res) => {
    void (async () => {
      if (req.method !== "POST" || req.url !== "/turnstile/v0/siteverify") {
        res.writeHead(404).end();
        return;
      }
      const form = new URLSearchParams(await readBody(req));
      const token = form.get("response") ?? "";
      if (token.startsWith("stall-")) return; // holds the connection: the caller's deadline must end it
      let answer: Record<string, unknown>;
      if (form.get("secret") !== FAKE_TURNSTILE_SECRET)
        answer = { success: false, "error-codes": ["invalid-input-secret"] };
      else if (!token.startsWith("pass-")) answer = { success: false, "error-codes": ["invalid-input-response"] };
      else if (spent.has(token)) answer = { success: false, "error-codes": ["timeout-or-duplicate"] };
      else {
        spent.add(token);
        answer = { success: true, challenge_ts: new Date().toISOString(), hostname: "localhost", "error-codes": [] };
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(answer));
    })();
  });
  const port = await listen(server, 0);
  return {
    url: `http://127.0.0.1:${port}/turnstile/v0/siteverify`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
