// Small verb interfaces between services and stores (single use is a port verb, `consume`, never
// get-then-delete), one file per capability; adapters live in storage/upstash and storage/neon.
// Types only. Everything is re-exported here, so `../ports` is the one import path.
export type * from "../domain";
export type * from "../factor-ports";
export type { ProviderProfile } from "../oauth/types";
export type * from "./accounts";
export type * from "./basics";
export type * from "./deps";
export type * from "./devices";
export type * from "./keys";
export type * from "./messages";
export type * from "./organizations";
export type * from "./sessions";
export type * from "./storefront";
export type * from "./webhooks";
