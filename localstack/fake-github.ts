// Test mode only: a local endpoint speaking the GitHub OAuth and user APIs the worker calls (the
// authorize page, the token exchange with PKCE, GET /user and /user/emails). GitHub is outside world
// with a non-standard API, so it is faked; the OpenID flows use a real provider instead.
import { createHash, randomBytes } from "node:crypto";
import { createServer, type ServerResponse } from "node:http";
import { listen, readBody } from "./upstash-shim.ts";

export interface FakeGitHub {
  url: string;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

interface GitHubUser {
  id: number;
  login: string;
  name: string | null;
  emails: Array<{ email: string; primary: boolean; verified: boolean }>;
}

export async function startFakeGitHub(): Promise<FakeGitHub> {
  const clientId = "Iv1.fakegithub";
  const clientSecret = randomBytes(20).toString("hex");
  const codes = new Map<string, { user: GitHubUser; challenge: string; redirectUri: string }>();
  const tokens = new Map<string, GitHubUser>();
  let nextId = 1000;
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://local");
      if (req.method === "GET" && url.pathname === "/login/oauth/authorize") {
        // GitHub's consent page, reduced to a form: the login, its primary address and whether GitHub verified it.
        const hidden = ["redirect_uri", "state", "code_challenge", "client_id"]
          .map((n) => `<input type="hidden" name="${n}" value="${escapeAttribute(url.searchParams.get(n) ?? "")}">`)
          .join("");
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        res.end(`<!doctype html><title>Fake GitHub</title><form method="post" action="/login/oauth/authorize">${hidden}
<input name="login" value="octocat"><input name="email" value="octocat@example.com">
<input type="checkbox" name="verified" value="1" checked><button>Authorize</button></form>`);
        return;
      }
      if (req.method === "POST" && url.pathname === "/login/oauth/authorize") {
        const form = new URLSearchParams(await readBody(req));
        if (form.get("client_id") !== clientId) return send(res, 404, { message: "Not Found" });
        const login = form.get("login") ?? "octocat";
        const user: GitHubUser = {
          id: Number(form.get("id") ?? 0) || userIds.get(login) || nextId++,
          login,
          name: login,
          emails: [{ email: form.get("email") ?? "", primary: true, verified: form.get("verified") === "1" }],
        };
        userIds.set(login, user.id);
        const code = randomBytes(10).toString("hex");
        codes.set(code, {
          user,
          challenge: form.get("code_challenge") ?? "",
          redirectUri: form.get("redirect_uri") ?? "",
        });
        const back = new URL(form.get("redirect_uri") ?? "");
        back.searchParams.set("code", code);
        back.searchParams.set("state", form.get("state") ?? "");
        res.writeHead(302, { location: back.href });
        res.end();
        return;
      }
      if (req.method === "POST" && url.pathname === "/login/oauth/access_token") {
        const form = new URLSearchParams(await readBody(req));
        const basic = Buffer.from(String(req.headers.authorization ?? "").replace(/^Basic /, ""), "base64").toString();
        const [id, secret] = basic.split(":").map(decodeURIComponent);
        // GitHub answers its errors with 200 and an `error` field.
        if (id !== clientId || secret !== clientSecret)
          return send(res, 200, { error: "incorrect_client_credentials" });
        const entry = codes.get(form.get("code") ?? "");
        codes.delete(form.get("code") ?? "");
        const verifier = form.get("code_verifier") ?? "";
        const challenge = createHash("sha256").update(verifier).digest("base64url");
        if (!entry || entry.challenge !== challenge || entry.redirectUri !== form.get("redirect_uri"))
          return send(res, 200, { error: "bad_verification_code" });
        const token = `gho_${randomBytes(16).toString("hex")}`;
        tokens.set(token, entry.user);
        return send(res, 200, { access_token: token, token_type: "bearer", scope: "read:user,user:email" });
      }
      const user = tokens.get(String(req.headers.authorization ?? "").replace(/^Bearer /, ""));
      if (req.method === "GET" && (url.pathname === "/user" || url.pathname === "/user/emails")) {
        if (!user) return send(res, 401, { message: "Bad credentials" });
        if (url.pathname === "/user")
          return send(res, 200, { id: user.id, login: user.login, name: user.name, email: null });
        return send(res, 200, user.emails);
      }
      send(res, 404, { message: "Not Found" });
    })().catch((error: unknown) => send(res, 500, { message: String(error) }));
  });
  const userIds = new Map<string, number>();
  const port = await listen(server, 0);
  return {
    url: `http://127.0.0.1:${port}`,
    clientId,
    clientSecret,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function escapeAttribute(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
