// Measurements for `npm run bench`: upstream calls per request, CPU per request in bare workerd, and
// latency with a simulated distance to the stores.
import type { LatencyProxy } from "../../localstack/latency-proxy.ts";
import type { Stack } from "../../localstack/stack.ts";
import { processCpuMs } from "../../localstack/workerd.ts";
import type { Scenario } from "./scenarios.ts";

export const settle = () => new Promise((r) => setTimeout(r, 150));

/** Waits (at most 15 s) until neither store has seen a request for 300 ms. */
async function quiet(stack: Stack): Promise<void> {
  const started = Date.now();
  let last = JSON.stringify(stack.counters());
  while (Date.now() - started < 15_000) {
    await new Promise((r) => setTimeout(r, 300));
    const now = JSON.stringify(stack.counters());
    if (now === last) return;
    last = now;
  }
}

/** Upstream calls one request makes (deferred waitUntil work included, after it settles). */
export async function calls(stack: Stack, scenario: Scenario): Promise<{ redis: number; sql: number }> {
  // A load run before this one can leave requests queued in the isolate (50 hashed signups): wait
  // until the stores see no traffic, or their statements would be counted as this request's.
  await quiet(stack);
  // Warm caches the way production traffic would, and let that call's deferred work finish.
  await (await scenario.once(await scenario.prepare?.())).arrayBuffer();
  await settle();
  const input = await scenario.prepare?.();
  const before = stack.counters();
  const res = await scenario.once(input);
  await res.arrayBuffer();
  await settle();
  const after = stack.counters();
  return { redis: after.redis - before.redis, sql: after.sql - before.sql };
}

/**
 * CPU ms per request of the workerd process (Linux /proc, all its threads): the median over batches of
 * sequential requests, so one noisy batch (another process, a GC) does not move the figure. With a
 * `baseline`, each batch is paired with a batch of the baseline run just before it, and the median of
 * the differences is returned too: a distance from the runtime's floor that the machine's drift
 * between batches does not move.
 */
export async function cpuPerRequest(
  pid: number,
  send: (input?: string) => Promise<Response>,
  prepare: (() => Promise<string>) | undefined,
  perBatch: number,
  baseline?: () => Promise<Response>,
  batches = 7,
): Promise<{ ms: number; overBaseline: number | null } | null> {
  if (processCpuMs(pid) === null) return null;
  const batch = async (run: (input?: string) => Promise<Response>, inputs: Array<string | undefined>) => {
    await settle();
    const before = processCpuMs(pid) ?? 0;
    for (const input of inputs) await (await run(input)).arrayBuffer();
    await settle();
    return ((processCpuMs(pid) ?? 0) - before) / inputs.length;
  };
  // Warm the isolate (JIT, connection pools) before anything counts.
  for (let i = 0; i < Math.min(200, perBatch * 3); i++) await (await send(await prepare?.())).arrayBuffer();
  if (baseline) for (let i = 0; i < 200; i++) await (await baseline()).arrayBuffer();
  const figures: number[] = [];
  const differences: number[] = [];
  for (let b = 0; b < batches; b++) {
    const inputs: Array<string | undefined> = [];
    for (let i = 0; i < perBatch; i++) inputs.push(await prepare?.());
    const base = baseline ? await batch(baseline, Array(Math.max(perBatch, 200)).fill(undefined)) : 0;
    const figure = await batch(send, inputs);
    figures.push(figure);
    if (baseline) differences.push(figure - base);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  return { ms: median(figures), overBaseline: baseline ? median(differences) : null };
}

export interface Profile {
  name: string;
  redis: number;
  sql: number;
}

export const PROFILES: Profile[] = [
  { name: "RTT 0", redis: 0, sql: 0 },
  { name: "RTT 10 ms", redis: 10, sql: 10 },
  { name: "RTT 40 ms", redis: 40, sql: 40 },
  { name: "Redis 2 ms, Postgres 60 ms", redis: 2, sql: 60 },
];

/**
 * What the round trips alone cost under a profile: each step waits on its slowest store, plus the
 * simulation's own cost per trip (the proxy shares an event loop with the endpoints), calibrated.
 */
export function tripCost(scenario: Scenario, profile: Profile, perTripOverhead: number): number {
  return (scenario.steps ?? []).reduce(
    (sum, step) => sum + Math.max(...step.map((s) => profile[s]), 0) + perTripOverhead,
    0,
  );
}

export interface LatencyFigures {
  p50: number;
  p99: number;
  /** Median of (this profile's time - the same sample's time at RTT 0): the distance alone. */
  extra: number;
}

/**
 * Sequential requests with the stores `profile` away, the profiles interleaved sample by sample (so
 * drift on a shared machine moves them together) and each sample's extra time over RTT 0 kept.
 */
export async function latency(
  scenario: Scenario,
  proxies: { redis: LatencyProxy; sql: LatencyProxy },
  count: number,
): Promise<Map<string, LatencyFigures>> {
  const times = new Map<string, number[]>(PROFILES.map((p) => [p.name, []]));
  const extras = new Map<string, number[]>(PROFILES.map((p) => [p.name, []]));
  for (let i = 0; i < count + 2; i++) {
    let base = 0;
    for (const profile of PROFILES) {
      proxies.redis.setOneWay(0);
      proxies.sql.setOneWay(0);
      // Drain the previous request's deferred work (waitUntil) before the next one is timed.
      await new Promise((r) => setTimeout(r, 5));
      const input = await scenario.prepare?.();
      // Let the preparation's own deferred work (emails, login records) finish: a fetch still in flight
      // would make the timed request open a fresh connection, a round trip that is not its own.
      if (scenario.prepare) await new Promise((r) => setTimeout(r, 40));
      proxies.redis.setOneWay(profile.redis / 2);
      proxies.sql.setOneWay(profile.sql / 2);
      const start = performance.now();
      await (await scenario.once(input)).arrayBuffer();
      const ms = performance.now() - start;
      if (profile.redis === 0 && profile.sql === 0) base = ms;
      // The first rounds only warm connections through the proxies.
      if (i >= 2) {
        times.get(profile.name)?.push(ms);
        extras.get(profile.name)?.push(ms - base);
      }
    }
  }
  proxies.redis.setOneWay(0);
  proxies.sql.setOneWay(0);
  const at = (xs: number[] | undefined, q: number) => {
    const sorted = [...(xs ?? [])].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  };
  return new Map(
    PROFILES.map((p) => [
      p.name,
      { p50: at(times.get(p.name), 0.5), p99: at(times.get(p.name), 0.99), extra: at(extras.get(p.name), 0.5) },
    ]),
  );
}
