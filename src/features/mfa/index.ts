// Lazy group: second factors (authenticator apps, recovery codes, step-up). Loaded on first use.
export { mfaRoutes as routes } from "../../routes/mfa";
