// Lazy group: passwords (signup, login, reset, change) and email verification. Loaded on first use.
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { emailVerificationRoutes } from "../../routes/email-verification";
import { passwordRoutes } from "../../routes/password";

export const routes = new OpenAPIHono<AppEnv>().route("/", passwordRoutes).route("/", emailVerificationRoutes);
