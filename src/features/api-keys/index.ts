// Lazy group: managing API keys (verifying them is in the entry). Loaded on first use.
export { apiKeyRoutes as routes } from "../../routes/api-keys";
