// Lazy group: passkeys (WebAuthn registration, sign-in, management). Loaded on first use (lazy-routes.ts).
export { passkeyRoutes as routes } from "./routes";
