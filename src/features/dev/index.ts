// Lazy group: the dev outbox, inbox and sign-in pages (AUTH_DEBUG=1 only; never documented).
export { devRoutes as routes } from "./routes";
