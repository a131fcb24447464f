import type { OpenAPIHono } from "@hono/zod-openapi";
import { createApp } from "./app";
import { createDeps } from "./compose";
import { type Config, ConfigError, parseConfig } from "./config";
import type { AppEnv } from "./context";
import { AuthError, errorBody } from "./errors";
import type { Deps } from "./ports";
import { neonDriver } from "./storage/neon/db";

// Built once per isolate from the env bindings; a bad config answers every request with a clear 500.
let built: { env: object; parts: Promise<{ config: Config; deps: Deps }>; app: Promise<OpenAPIHono<AppEnv>> } | null =
  null;

function partsFor(env: Record<string, unknown>) {
  if (built?.env !== env) {
    const config = parseConfig(env);
    const parts = createDeps(config).then((deps) => ({ config, deps }));
    const app = parts.then(createApp);
    app.catch(() => (built = null));
    built = { env, parts, app };
  }
  return built;
}

const appFor = (env: Record<string, unknown>): Promise<OpenAPIHono<AppEnv>> => partsFor(env).app;

/**
 * After an isolate's first answer (not before it): load the SQL driver, which most requests never
 * need but a refresh or a cache miss does, so the first of those does not pay its evaluation either.
 */
let warmed = false;
const warmUp = () =>
  neonDriver().then(
    () => undefined,
    () => undefined,
  );

export default {
  async fetch(request: Request, env: Record<string, unknown>, ctx: ExecutionContext): Promise<Response> {
    let app: OpenAPIHono<AppEnv>;
    try {
      app = await appFor(env);
    } catch (error) {
      const problems = error instanceof ConfigError ? error.problems : [String(error)];
      console.error(`Configuration error:\n- ${problems.join("\n- ")}`);
      const details = problems.map((message) => ({ field: "env", message }));
      return Response.json(errorBody(new AuthError("config_invalid", { details }), "unknown"), { status: 500 });
    }
    const response = await app.fetch(request, env, ctx);
    if (!warmed) {
      warmed = true;
      ctx.waitUntil(warmUp());
    }
    return response;
  },
  /**
   * The Cron Trigger (wrangler.toml, every minute): the event outbox's consumer, loaded only here
   * (a request never evaluates it). Runs for most of the minute, polling every WEBHOOK_POLL_SECONDS.
   */
  async scheduled(controller: ScheduledController, env: Record<string, unknown>, ctx: ExecutionContext): Promise<void> {
    const { config, deps } = await partsFor(env).parts;
    const { runConsumer } = await import("./features/webhooks/consumer");
    try {
      await runConsumer({ config, deps, waitUntil: (task) => ctx.waitUntil(task) }, controller.scheduledTime);
    } catch (error) {
      // The next minute's run retries everything (nothing is lost); the failure is visible in the logs.
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      console.error(JSON.stringify({ event: "webhook.consumer_failed", at: new Date().toISOString(), reason }));
      throw error;
    }
  },
} satisfies ExportedHandler<Record<string, unknown>>;
