// Lazy group: mobile device pairing and device tokens management. Loaded on first use.
export { deviceRoutes as routes } from "./routes";
