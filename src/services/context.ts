import type { Config } from "../config";
import type { Deps } from "../ports";

/** Work that must not delay or shape the response (emails whose timing would reveal an account). */
export type Defer = (label: string, task: () => Promise<unknown>) => void;

/**
 * What every service verb receives first: the stores and configuration, the clock, who is asking from
 * where, and a way to finish work after the response. Built once per request (middleware/request-context);
 * services never see Hono.
 */
export interface ServiceContext {
  deps: Deps;
  config: Config;
  now(): number;
  /** The client IP (CF-Connecting-IP), for rate limits and audit lines. */
  ip: string;
  userAgent: string;
  requestId: string;
  defer: Defer;
}
