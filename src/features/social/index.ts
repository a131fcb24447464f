// Lazy group: social sign-in (OAuth/OIDC with oauth4webapi) and linked identities. Loaded on first use.
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { identityRoutes } from "./identity-routes";
import { socialRoutes } from "./routes";

export const routes = new OpenAPIHono<AppEnv>().route("/", socialRoutes).route("/", identityRoutes);
