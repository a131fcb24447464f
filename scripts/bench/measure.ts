// Measurements for `npm run bench`: upstream calls per request, CPU per request in bare workerd, and
// latency with a simulated distance to the stores.
import type { LatencyProxy } from "../../localstack/latency-proxy.ts";
import type { Stack } from "../../localstack/stack.ts";
import { processCpuMs } from "../../localstack/workerd.ts";
import type { Scenario } from "./scenarios.ts";

export const settle = () => new Promise((r) => setTimeout(r, 150));

/** Upstream calls one request makes (deferred waitUntil work included, after it settles). */
export async function calls(stack: Stack, scenario: Scenario): Promise<{ redis: number; sql: number }> {
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
  for (let i = 0; i < Math.min(50, perBatch); i++) await (await send(await prepare?.())).arrayBuffer();
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

/** p50 and p99 (ms) of `count` sequential requests, the stores `profile` away. */
export async function latency(
  scenario: Scenario,
  profile: Profile,
  proxies: { redis: LatencyProxy; sql: LatencyProxy },
  count: number,
): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < count + 3; i++) {
    // Drain the previous request's deferred work (waitUntil) before the next one is timed.
    if (scenario.steps?.length) await new Promise((r) => setTimeout(r, 5));
    proxies.redis.setOneWay(0);
    proxies.sql.setOneWay(0);
    const input = await scenario.prepare?.();
    proxies.redis.setOneWay(profile.redis / 2);
    proxies.sql.setOneWay(profile.sql / 2);
    const start = performance.now();
    await (await scenario.once(input)).arrayBuffer();
    // The first few only warm connections through the proxy.
    if (i >= 3) times.push(performance.now() - start);
  }
  proxies.redis.setOneWay(0);
  proxies.sql.setOneWay(0);
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99) };
}
