// A real OpenID Provider on loopback (the certified `oidc-provider` package) for dev and tests: social
// sign-in is driven through it end to end. Its login page takes any address (and whether the address
// counts as verified); tests post that form. For checks a real provider would never fail, a test can
// ask that the next ID token be tampered with (re-signed with the provider's key, or with another key).
import { createHash, generateKeyPairSync } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type * as Jose from "jose";
import { freePort } from "./redis-engine.ts";
import { readBody } from "./upstash-shim.ts";

const require = createRequire(import.meta.url);

export interface LocalOpenIdProvider {
  issuer: string;
  /** Clients registered at start, by name: id and secret. */
  clients: Record<string, { id: string; secret: string }>;
  /**
   * The client named "apple" authenticates as Sign in with Apple does: its client_secret is an ES256
   * JWT signed with this key (iss the team, sub the client id, aud this issuer), checked here.
   */
  apple: { teamId: string; keyId: string; privateKeyPem: string };
  close(): Promise<void>;
}

/** The one directory tenant the Entra-shaped clients' tokens come from. */
export const ENTRA_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";

/** What the next token response's ID token gets: another audience, nonce, issuer, an expiry in the past, or a foreign signature. */
export type Tamper = "aud" | "nonce" | "iss" | "exp" | "signature";

export async function startOpenIdProvider(options: {
  port?: number;
  /** Redirect URIs per client name (each client gets its own id and secret). */
  clients: Record<string, string[]>;
}): Promise<LocalOpenIdProvider> {
  // The package ships no types; the variable specifier keeps tsc from looking for them.
  const specifier = "oidc-provider";
  const { default: Provider } = (await import(specifier)) as { default: new (...args: unknown[]) => any };
  const jose = require("jose") as typeof Jose;
  const port = options.port ?? (await freePort());
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const KID = "local-op-1";
  const signingJwk = { ...privateKey.export({ format: "jwk" }), kid: KID, alg: "RS256", use: "sig" };
  /** An ID token re-signed under the provider's published key id (with its own key unless told otherwise). */
  const resign = (claims: Jose.JWTPayload, key = privateKey) =>
    new jose.SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: KID }).sign(key);
  const foreignKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;

  const appleKeys = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const apple = {
    teamId: "TEAM123456",
    keyId: "APPLEKEY01",
    privateKeyPem: appleKeys.privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
  };
  const clients: LocalOpenIdProvider["clients"] = {};
  for (const name of Object.keys(options.clients))
    clients[name] = { id: `client-${name}`, secret: createHash("sha256").update(`${name}:${port}`).digest("hex") };

  // Accounts are whoever signs in on the login page: the address, whether it counts as verified.
  const accounts = new Map<string, { email: string; verified: boolean; name: string }>();
  const accountId = (email: string) => `sub-${createHash("sha256").update(email).digest("hex").slice(0, 24)}`;
  let tamper: Tamper | null = null;

  // Its in-memory store is the point here (a throwaway provider); the package warns about it once.
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).includes("in-memory adapter")) warn(...args);
  };
  const provider = new Provider(issuer, {
    clients: Object.entries(options.clients).map(([name, redirectUris]) => ({
      client_id: clients[name]?.id,
      client_secret: clients[name]?.secret,
      redirect_uris: redirectUris,
      grant_types: ["authorization_code"],
      response_types: ["code"],
      ...(name === "apple" ? { token_endpoint_auth_method: "client_secret_post" } : {}),
    })),
    jwks: { keys: [signingJwk] },
    cookies: { keys: [createHash("sha256").update(`cookies:${port}`).digest("hex")] },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    pkce: { required: () => true },
    // Short lives, set explicitly (the package nags otherwise): this provider only ever serves tests and dev.
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 600, IdToken: 600, Interaction: 600, Session: 600 },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx: unknown, id: string) => {
      const account = accounts.get(id);
      if (!account) return undefined;
      return {
        accountId: id,
        claims: () => ({ sub: id, email: account.email, email_verified: account.verified, name: account.name }),
      };
    },
  });

  // Sign in with Apple's client authentication: the secret is a JWT signed with the team's key.
  const compare = provider.Client.prototype.compareClientSecret;
  provider.Client.prototype.compareClientSecret = async function (this: { clientId: string }, actual: string) {
    if (this.clientId !== clients.apple?.id) return compare.call(this, actual);
    try {
      await jose.jwtVerify(actual, appleKeys.publicKey, {
        algorithms: ["ES256"],
        issuer: apple.teamId,
        subject: clients.apple.id,
        audience: issuer,
        maxTokenAge: "10m",
      });
      return true;
    } catch {
      return false;
    }
  };

  // Clients named "microsoft*" get ID tokens shaped as Microsoft Entra's multi-tenant ones: a tenant
  // (`tid`), an issuer naming that tenant, and the address vouched for only by `xms_edov`.
  provider.use(async (ctx: any, next: () => Promise<void>) => {
    await next();
    const clientId = String(ctx.oidc?.client?.clientId ?? "");
    if (ctx.path !== "/token" || !clientId.startsWith("client-microsoft") || typeof ctx.body?.id_token !== "string")
      return;
    const claims = jose.decodeJwt(ctx.body.id_token);
    const account = accounts.get(String(claims.sub));
    const { email_verified: _, ...rest } = claims;
    const entra = {
      ...rest,
      tid: ENTRA_TENANT,
      iss: `${issuer}/ms/${ENTRA_TENANT}/v2.0`,
      email: account?.email,
      ...(account?.verified ? { xms_edov: true } : {}),
    };
    ctx.body = {
      ...ctx.body,
      id_token: await resign(entra),
    };
  });

  // Post-processes the token response: the ID token a misbehaving provider would send.
  provider.use(async (ctx: any, next: () => Promise<void>) => {
    await next();
    if (ctx.path !== "/token" || tamper === null || typeof ctx.body?.id_token !== "string") return;
    const claims = jose.decodeJwt(ctx.body.id_token);
    const kind = tamper;
    tamper = null;
    if (kind === "aud") claims.aud = "someone-else";
    if (kind === "nonce") claims.nonce = "not-the-nonce";
    if (kind === "iss") claims.iss = "http://127.0.0.1:1";
    if (kind === "exp") {
      claims.iat = Math.floor(Date.now() / 1000) - 7200;
      claims.exp = Math.floor(Date.now() / 1000) - 3600;
    }
    const key = kind === "signature" ? foreignKey : privateKey;
    ctx.body = {
      ...ctx.body,
      id_token: await resign(claims, key),
    };
  });

  const callback = provider.callback();
  const server = createServer((req, res) => {
    void route(req, res).catch((error: unknown) => {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(error));
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", issuer);
    if (req.method === "POST" && url.pathname === "/__tamper") {
      tamper = JSON.parse(await readBody(req)).tamper as Tamper;
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"ok":true}');
      return;
    }
    // Entra's multi-tenant discovery document: an issuer template instead of one issuer.
    const entra = /^\/ms\/([a-z]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
    if (req.method === "GET" && entra) {
      const document = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Record<
        string,
        unknown
      >;
      const { authorization_response_iss_parameter_supported: _, ...rest } = document;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ...rest, issuer: `${issuer}/ms/{tenantid}/v2.0` }));
      return;
    }
    // A provider that accepts the connection and never answers: the worker's deadline must end it.
    if (url.pathname.startsWith("/stall/")) {
      req.on("close", () => res.destroy());
      return;
    }
    const interaction = /^\/interaction\/([\w-]+)(\/login)?$/.exec(url.pathname);
    if (interaction && req.method === "GET" && !interaction[2]) return loginPage(req, res, interaction[1] ?? "");
    if (interaction && req.method === "POST" && interaction[2]) return login(req, res);
    callback(req, res);
  }

  function loginPage(_req: IncomingMessage, res: ServerResponse, uid: string): void {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><meta charset="utf-8"><title>Dev provider</title>
<h1>Local OpenID Provider</h1><p>Sign in as any address (nothing is checked: this is the dev provider).</p>
<form method="post" action="/interaction/${uid}/login">
<label>Email <input name="email" type="email" value="dev@example.com" required></label>
<label><input name="verified" type="checkbox" value="1" checked> the provider says this address is verified</label>
<button name="action" value="login">Sign in</button> <button name="action" value="deny">Cancel</button>
</form>`);
  }

  async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(req));
    if (form.get("action") === "deny") {
      await provider.interactionFinished(req, res, { error: "access_denied", error_description: "cancelled" });
      return;
    }
    const details = await provider.interactionDetails(req, res);
    const email = (form.get("email") ?? "").trim().toLowerCase();
    const id = accountId(email);
    accounts.set(id, {
      email,
      verified: form.get("verified") === "1",
      name: form.get("name") ?? email.split("@")[0] ?? "",
    });
    const grant = new provider.Grant({ accountId: id, clientId: details.params.client_id });
    grant.addOIDCScope(String(details.params.scope ?? "openid"));
    const grantId = await grant.save();
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: id }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  }

  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    issuer,
    clients,
    apple,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
