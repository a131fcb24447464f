// Every upstream call has a deadline: a stalled Redis or a locked table must end in a quick 503
// (store_unavailable, Retry-After), never in a request that hangs for as long as the stall lasts.

export class StoreTimeout extends Error {
  constructor(store: string, ms: number) {
    super(`${store} did not answer within ${ms} ms`);
    this.name = "StoreTimeout";
  }
}

/**
 * How long before the worker's own timer the store itself must give up. A timer in the worker only
 * stops waiting; the store would still finish the work later (a paused Redis runs the queued script
 * when it resumes, a statement behind a lock commits when the lock goes), and the 503 would lie. So
 * every write carries an absolute deadline that the store enforces (Postgres: statement_timeout and
 * lock_timeout in the statement's own transaction; Redis: each script compares TIME with it first),
 * set this much earlier than the worker's timer: the slack covers the answer's way back and clock skew.
 */
export const storeSlackMs = (timeoutMs: number): number => Math.min(1000, Math.max(50, Math.round(timeoutMs / 5)));

/** The absolute time (epoch ms) after which the store must refuse to start or finish a write. */
export const storeDeadline = (timeoutMs: number, now = Date.now()): number => now + timeoutMs - storeSlackMs(timeoutMs);

export function withTimeout<T>(work: PromiseLike<T>, ms: number, store: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreTimeout(store, ms)), ms);
  });
  return Promise.race([Promise.resolve(work), expired]).finally(() => clearTimeout(timer));
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as { then?: unknown } | null)?.then === "function";

/**
 * Wraps a client (the Upstash Redis client) so that every call returning a promise settles within
 * `ms`. Objects returned synchronously that are executed later (a MULTI pipeline's `exec`) are
 * wrapped too.
 */
export function withDeadline<T extends object>(target: T, ms: number, store: string): T {
  const wrap = (value: unknown): unknown => {
    if (isThenable(value)) return withTimeout(value, ms, store);
    if (value !== null && typeof value === "object" && typeof (value as { exec?: unknown }).exec === "function")
      return withDeadline(value as object, ms, store);
    return value;
  };
  return new Proxy(target, {
    get(obj, property, receiver) {
      const value = Reflect.get(obj, property, receiver);
      if (typeof value !== "function" || property === "constructor") return value;
      return (...args: unknown[]) => wrap((value as (...a: unknown[]) => unknown).apply(obj, args));
    },
  });
}
