// Outbound events (webhooks): how long a receiver gets, and which URLs an endpoint may have.
import type { Reader } from "./read";

export interface WebhooksConfig {
  /** WEBHOOK_TIMEOUT_SECONDS: one delivery attempt's deadline (default 10). */
  timeoutMs: number;
  /**
   * WEBHOOK_POLL_SECONDS: within each minute's Cron run, look for due deliveries this often (default 5;
   * 0: once per run). Lower is quicker delivery; each look is one Redis call and one SQL statement.
   */
  pollSeconds: number;
  /** WEBHOOK_EVENT_RETENTION_DAYS: events (and their deliveries) are kept this long for replay (default 30). */
  retentionDays: number;
  /**
   * Plain http:// to loopback receivers (127.0.0.1, localhost): outside production only, for local
   * development and tests. Everywhere else an endpoint is https://.
   */
  allowLoopback: boolean;
}

export function readWebhooks({ int }: Reader, environment: string): WebhooksConfig {
  return {
    timeoutMs: int("WEBHOOK_TIMEOUT_SECONDS", 10, 1, 30) * 1000,
    pollSeconds: int("WEBHOOK_POLL_SECONDS", 5, 0, 30),
    retentionDays: int("WEBHOOK_EVENT_RETENTION_DAYS", 30, 1, 365),
    allowLoopback: environment !== "production",
  };
}
