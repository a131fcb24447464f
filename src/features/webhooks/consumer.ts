import type { Config } from "../../config";
import type { Deps } from "../../ports";
import type { ServiceContext } from "../../services/context";
import { type DrainReport, drainEvents } from "./deliver";

// What the Cron Trigger runs each minute (src/index.ts `scheduled`); `npm run dev` fires it every
// second with WEBHOOK_POLL_SECONDS=0 (one pass per run).

/** Runs stop this long before the next minute's run starts, so two runs rarely overlap (they may: claims are safe). */
const RUN_MS = 50_000;

export interface ConsumerParts {
  config: Config;
  deps: Deps;
  waitUntil(task: Promise<unknown>): void;
}

function serviceContext({ config, deps, waitUntil }: ConsumerParts): ServiceContext {
  return {
    config,
    deps,
    now: () => deps.clock.now(),
    ip: "",
    userAgent: "",
    requestId: `cron_${Date.now().toString(36)}`,
    defer: (_label, task) => waitUntil(task()),
  };
}

/**
 * True when some endpoint may receive events. While none exists the run leaves Postgres alone (an
 * idle Neon compute stays suspended) and drops stream entries older than a minute: nobody could
 * have received them.
 */
async function anyoneListening(ctx: ServiceContext): Promise<boolean> {
  const { deps } = ctx;
  let any = await deps.eventStream.subscribers();
  if (any === null) {
    any = await deps.webhooks.anyEnabled();
    await deps.eventStream.noteSubscribers(any);
  }
  if (!any) await deps.eventStream.trimBefore(Date.now() - 60_000);
  return any;
}

export async function runConsumer(parts: ConsumerParts, startedAt = Date.now()): Promise<DrainReport[]> {
  const ctx = serviceContext(parts);
  const pollMs = parts.config.webhooks.pollSeconds * 1000;
  const reports: DrainReport[] = [];
  for (;;) {
    if (!(await anyoneListening(ctx))) return reports;
    const left = startedAt + RUN_MS - Date.now();
    reports.push(await drainEvents(ctx, { budgetMs: Math.max(left, 5000), prune: reports.length === 0 }));
    if (pollMs === 0 || Date.now() + pollMs > startedAt + RUN_MS) return reports;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
