// Lazy group: the Stripe checkout webhook. Loaded on first use.
export { webhookRoutes as routes } from "./routes";
