// Lazy group: organizations, members and invitations. Loaded on first use.
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { invitationRoutes } from "../../routes/invitations";
import { organizationRoutes } from "../../routes/organizations";

export const routes = new OpenAPIHono<AppEnv>().route("/", organizationRoutes).route("/", invitationRoutes);
