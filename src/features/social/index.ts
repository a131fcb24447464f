// Lazy group: social sign-in (OAuth/OIDC with oauth4webapi) and linked identities. Loaded on first use.
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { identityRoutes } from "../../routes/identities";
import { socialRoutes } from "../../routes/social";

export const routes = new OpenAPIHono<AppEnv>().route("/", socialRoutes).route("/", identityRoutes);
