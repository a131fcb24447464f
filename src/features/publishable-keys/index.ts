// Lazy group: managing storefront publishable keys (the storefront itself is in the entry). Loaded on first use.
export { publishableKeyRoutes as routes } from "./routes";
