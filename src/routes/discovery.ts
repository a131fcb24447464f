import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Config } from "../config";
import type { AppEnv } from "../context";
import { createRoute } from "./declare";
import { validationHook } from "./validation";

// RFC 8414 authorization server metadata: a resource server or an OAuth library finds the JWKS, the
// introspection endpoint and how to authenticate to it from the issuer alone. The document lives at
// /.well-known/oauth-authorization-server followed by the issuer's path (RFC 8414 §3.1).

const Metadata = z
  .object({
    issuer: z.string(),
    jwks_uri: z.string(),
    token_endpoint: z.string(),
    token_endpoint_auth_methods_supported: z.array(z.string()),
    grant_types_supported: z.array(z.string()),
    response_types_supported: z.array(z.string()),
    code_challenge_methods_supported: z.array(z.string()),
    introspection_endpoint: z.string(),
    introspection_endpoint_auth_methods_supported: z.array(z.string()),
    revocation_endpoint: z.string(),
    revocation_endpoint_auth_methods_supported: z.array(z.string()),
    scopes_supported: z.array(z.string()),
    service_documentation: z.string(),
  })
  .openapi("AuthorizationServerMetadata");

/** Where RFC 8414 puts the document for this issuer: the well-known prefix, then the issuer's path. */
export function metadataPath(config: Config): string {
  let path = "";
  try {
    path = new URL(config.jwt.issuer).pathname.replace(/\/$/, "");
  } catch {
    // A non-URL issuer (JWT_ISSUER is free text): the document stays at the bare well-known path.
  }
  return `/.well-known/oauth-authorization-server${path}`;
}

export function authorizationServerMetadata(config: Config): z.infer<typeof Metadata> {
  const origin = config.publicOrigin;
  return {
    issuer: config.jwt.issuer,
    jwks_uri: `${origin}/.well-known/jwks.json`,
    token_endpoint: `${origin}/v1/auth/token`,
    // Our token clients are public (apps, CLIs): no client authentication at the token endpoint.
    token_endpoint_auth_methods_supported: ["none"],
    grant_types_supported: ["password", "refresh_token", "authorization_code"],
    // No authorization endpoint of our own: the code comes from a social sign-in's app redirect.
    response_types_supported: [],
    code_challenge_methods_supported: ["S256"],
    introspection_endpoint: `${origin}/v1/oauth/introspect`,
    introspection_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    revocation_endpoint: `${origin}/v1/auth/token/revoke`,
    revocation_endpoint_auth_methods_supported: ["none"],
    scopes_supported: config.apiKeys.scopes,
    service_documentation: `${origin}/docs`,
  };
}

export function discoveryRoutes(config: Config) {
  const route = createRoute({
    method: "get",
    path: metadataPath(config),
    tags: ["Service"],
    summary: "OAuth authorization server metadata (RFC 8414): issuer, JWKS, token and introspection endpoints",
    responses: { 200: { description: "Metadata", content: { "application/json": { schema: Metadata } } } },
  });
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(route, (c) => {
    c.header("Cache-Control", "public, max-age=300");
    return c.json(authorizationServerMetadata(c.get("config")), 200);
  });
}
