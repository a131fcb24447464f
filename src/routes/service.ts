import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../context";
import { createRoute } from "./declare";
import { validationHook } from "./validation";

const healthRoute = createRoute({
  method: "get",
  path: "/healthz",
  tags: ["Service"],
  summary: "Redis and Postgres reachability",
  responses: {
    200: { description: "Both reachable", content: { "application/json": { schema: HealthBody() } } },
    503: { description: "At least one unreachable", content: { "application/json": { schema: HealthBody() } } },
  },
});

function HealthBody() {
  return z.object({
    success: z.boolean(),
    data: z.object({ redis: z.enum(["ok", "down"]), postgres: z.enum(["ok", "down"]) }),
  });
}

const jwksRoute = createRoute({
  method: "get",
  path: "/.well-known/jwks.json",
  tags: ["Service"],
  summary: "Public signing keys (Ed25519, with kid); older keys stay listed after rotation",
  responses: {
    200: {
      description: "JWK set",
      content: { "application/json": { schema: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }) } },
    },
  },
});

const probe = (p: { ping(): Promise<void> }): Promise<"ok" | "down"> =>
  Promise.race([
    p.ping().then(
      () => "ok" as const,
      () => "down" as const,
    ),
    new Promise<"down">((resolve) => setTimeout(() => resolve("down"), 3000)),
  ]);

export const serviceRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(healthRoute, async (c) => {
    const [redis, postgres] = await Promise.all([
      probe(c.get("deps").health.redis),
      probe(c.get("deps").health.postgres),
    ]);
    const healthy = redis === "ok" && postgres === "ok";
    return c.json({ success: healthy, data: { redis, postgres } }, healthy ? 200 : 503);
  })
  .openapi(jwksRoute, (c) => {
    c.header("Cache-Control", "public, max-age=300");
    return c.json({ keys: c.get("deps").keys.signing.jwks as Record<string, unknown>[] }, 200);
  });
