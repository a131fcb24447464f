// Lazy group: the platform administrators' API (/v1/admin/*). Loaded on first use.
export { adminRoutes as routes } from "./routes";
