import { webhookDisabledEmail } from "../../email/templates";
import type { DueDelivery } from "../../ports";
import { logAuthEvent } from "../../services/audit";
import type { ServiceContext } from "../../services/context";
import { openSecret } from "./service";

// The outbox's consumer: a Cron Trigger runs it in production (src/index.ts `scheduled`), the local
// stack asks the dev worker to run the same function every second. It moves events announced on the
// Redis stream into Postgres, then sends due deliveries, signed as Standard Webhooks specifies.
// At least once: an attempt is claimed (its count raised) before it is sent and settled after, so a
// consumer that dies mid-send leaves it to the next one once its lease passes.

/** The wait after each failed attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (~27 h in all, as Svix). */
export const RETRY_SCHEDULE_MS = [5e3, 3e5, 1.8e6, 7.2e6, 1.8e7, 3.6e7, 3.6e7];
/** Attempts in all: the first, then one per wait. */
export const MAX_ATTEMPTS = RETRY_SCHEDULE_MS.length + 1;
const BATCH = 25;
const STREAM_BATCH = 200;

export interface DrainReport {
  moved: number;
  attempted: number;
  delivered: number;
  failed: number;
  disabled: number;
}

type Outcome = { ok: boolean; status: number | null; error: string | null };

/** One attempt: POST the payload with the Standard Webhooks headers; 2xx is success, anything else a failure. */
async function send(ctx: ServiceContext, delivery: DueDelivery): Promise<Outcome> {
  const secret = await openSecret(ctx, delivery.endpointId, delivery.secretSealed);
  if (!secret) return { ok: false, status: null, error: "the signing secret could not be opened" };
  // A CommonJS package: the deploy bundle (esbuild, ESM) exposes it as the default export only.
  const loaded = (await import("standardwebhooks")) as typeof import("standardwebhooks") & {
    default?: typeof import("standardwebhooks");
  };
  const Webhook = loaded.Webhook ?? loaded.default?.Webhook;
  const payload = JSON.stringify({ type: delivery.type, timestamp: delivery.createdAt, data: delivery.data });
  // The receiver checks this timestamp against its own clock (replay window), so it is the wall clock.
  const sentAt = new Date();
  const headers = {
    "content-type": "application/json",
    "user-agent": "edge-auth-worker-webhooks/1",
    "webhook-id": delivery.eventId,
    "webhook-timestamp": String(Math.floor(sentAt.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(delivery.eventId, sentAt, payload),
  };
  try {
    const response = await fetch(delivery.url, {
      method: "POST",
      headers,
      body: payload,
      // A redirect is a failure: following it would send signed events somewhere nobody registered.
      redirect: "manual",
      signal: AbortSignal.timeout(ctx.config.webhooks.timeoutMs),
    });
    await response.body?.cancel();
    const ok = response.status >= 200 && response.status < 300;
    return { ok, status: response.status, error: ok ? null : `HTTP ${response.status}` };
  } catch (error) {
    const name = error instanceof Error ? error.name : "";
    const reason = name === "TimeoutError" || name === "AbortError" ? "timed out" : "connection failed";
    return { ok: false, status: null, error: reason };
  }
}

/** Moves the Redis stream's events into Postgres (each once), then acknowledges them. */
async function moveStreamEvents(ctx: ServiceContext): Promise<number> {
  let moved = 0;
  for (;;) {
    const batch = await ctx.deps.eventStream.take(STREAM_BATCH);
    if (batch.length === 0) return moved;
    await ctx.deps.webhooks.importEvents(batch);
    await ctx.deps.eventStream.ack(batch.map((e) => e.entryId));
    moved += batch.length;
    if (batch.length < STREAM_BATCH) return moved;
  }
}

async function tellOwners(ctx: ServiceContext, endpointId: string, url: string, notify: string[]): Promise<void> {
  logAuthEvent("webhook.endpoint_disabled", { reason: endpointId }, ctx.deps.clock.now());
  for (const to of notify) {
    try {
      await ctx.deps.email.send(webhookDisabledEmail(to, url, endpointId));
    } catch {
      logAuthEvent("webhook.notice_failed", { reason: endpointId }, ctx.deps.clock.now());
    }
  }
}

/**
 * Runs the consumer until nothing is due or `budgetMs` is spent. Safe to run in several places at
 * once: claims skip rows another consumer holds.
 */
export async function drainEvents(
  ctx: ServiceContext,
  options: { budgetMs?: number; prune?: boolean } = {},
): Promise<DrainReport> {
  const { deps, config } = ctx;
  const started = Date.now();
  const report: DrainReport = {
    moved: await moveStreamEvents(ctx),
    attempted: 0,
    delivered: 0,
    failed: 0,
    disabled: 0,
  };
  const lease = config.webhooks.timeoutMs + 5000;
  while (Date.now() - started < (options.budgetMs ?? 20_000)) {
    const due = await deps.webhooks.claimDue(deps.clock.now(), lease, BATCH);
    if (due.length === 0) break;
    await Promise.all(
      due.map(async (delivery) => {
        const outcome = await send(ctx, delivery);
        const now = deps.clock.now();
        const wait = RETRY_SCHEDULE_MS[delivery.attempt - 1];
        const retryAt = outcome.ok || wait === undefined ? null : now + wait;
        const settled = await deps.webhooks.settle({ ...delivery, ...outcome, retryAt, now });
        report.attempted++;
        if (outcome.ok) report.delivered++;
        else {
          report.failed++;
          logAuthEvent(
            "webhook.delivery_failed",
            { reason: `${delivery.endpointId} ${delivery.eventId} attempt ${delivery.attempt}: ${outcome.error}` },
            now,
          );
        }
        if (settled.disabled) {
          report.disabled++;
          await tellOwners(ctx, delivery.endpointId, settled.url, settled.notify);
        }
      }),
    );
  }
  if (options.prune !== false)
    await deps.webhooks.prune(deps.clock.now() - config.webhooks.retentionDays * 86_400_000, 500);
  return report;
}
