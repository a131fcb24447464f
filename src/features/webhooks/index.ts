// Lazy group: webhook endpoints (organization and platform) and the event types. Loaded on first use;
// the consumer (consumer.ts, deliver.ts) is loaded by the Cron Trigger alone.
export { webhookRoutes as routes } from "./routes";
