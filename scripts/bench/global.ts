// `npm run bench`, global database part: the same worker at an edge far from the data, once with a
// single-region Upstash 40 ms away and once with a global one (a read replica 2 ms away, the primary
// 40 ms away, replicating 500 ms behind: localstack/global-redis.ts). Postgres is 40 ms away in both
// (Neon lives in one region). Per hot route: where its Redis calls went and p50 in each setup.
import { startGlobalRedis } from "../../localstack/global-redis.ts";
import { startLatencyProxy } from "../../localstack/latency-proxy.ts";
import type { Stack } from "../../localstack/stack.ts";
import { startBareWorkerd } from "../../localstack/workerd.ts";
import { BUNDLE_PATH } from "../build.ts";
import { settle } from "./measure.ts";
import { prepareScenarios, type Scenario } from "./scenarios.ts";

const FAR = 40;
const NEAR = 2;

/** The hot routes: every scenario with a round-trip plan, plus the device and storefront reads. */
const hot = (s: Scenario) => s.steps !== undefined || /device token|storefront\/auth\/status/.test(s.name);

export async function globalReport(
  stack: Stack,
  vars: Record<string, string>,
  samples: number,
  duration: number,
): Promise<{ markdown: string; failures: string[] }> {
  const database = await startGlobalRedis({ lagMs: 500 });
  if (!database) return { markdown: "(skipped: no redis-server on this machine)\n", failures: [] };
  const near = await startLatencyProxy(database.replicaUrl);
  const sql = await startLatencyProxy(stack.neonSqlEndpoint);
  const worker = await startBareWorkerd(BUNDLE_PATH, {
    ...vars,
    UPSTASH_REDIS_REST_URL: near.url,
    UPSTASH_REDIS_REST_TOKEN: database.token,
    NEON_HTTP_ENDPOINT: sql.url,
    REQUIRE_EMAIL_VERIFICATION: "false",
    REDIS_KEY_PREFIX: `global${Date.now()}:`,
  });
  const failures: string[] = [];
  const rows: string[] = [];
  // Where the data is: "single" = one region 40 ms away for every call; "global" = reads at a replica
  // 2 ms away, writes and scripts at the primary 40 ms away; "none" (set-up) = everything local.
  const place = (setup: "none" | "single" | "global") => {
    near.setOneWay(setup === "single" ? FAR / 2 : setup === "global" ? NEAR / 2 : 0);
    database.setPrimaryDistance(setup === "global" ? FAR / 2 : 0);
    sql.setOneWay(setup === "none" ? 0 : FAR / 2);
  };
  try {
    const { scenarios } = await prepareScenarios(worker.origin, duration);
    for (const s of scenarios.filter(hot)) {
      place("none");
      // Calls of one request (deferred work included), after a warm-up request and its deferred work.
      await (await s.once(await s.prepare?.())).arrayBuffer();
      await settle();
      const input = await s.prepare?.();
      // Past the replica's lag: caches filled by the warm-up (at the primary) are at the replica too.
      await new Promise((r) => setTimeout(r, 700));
      const before = { ...database.counters(), sql: stack.counters().sql };
      await (await s.once(input)).arrayBuffer();
      await settle();
      const after = { ...database.counters(), sql: stack.counters().sql };
      const calls = { near: after.near - before.near, far: after.far - before.far, sql: after.sql - before.sql };
      const times = { single: [] as number[], global: [] as number[] };
      for (let i = 0; i < samples + 2; i++)
        for (const setup of ["single", "global"] as const) {
          place("none");
          const prepared = await s.prepare?.();
          if (s.prepare) await new Promise((r) => setTimeout(r, 40));
          place(setup);
          const start = performance.now();
          await (await s.once(prepared)).arrayBuffer();
          if (i >= 2) times[setup].push(performance.now() - start);
        }
      const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
      const [single, global] = [p50(times.single), p50(times.global)];
      // A global database must not make a route slower than one region as far away as its primary,
      // beyond the hop every forwarded call takes through the near endpoint (as Upstash's does).
      const allowance = calls.far * (NEAR + 1.5) + 2;
      if (global > single + allowance)
        failures.push(`${s.name}: global p50 ${global.toFixed(1)} > single ${single.toFixed(1)} + ${allowance} ms`);
      rows.push(
        `| ${s.name} | ${calls.near + calls.far} + ${calls.sql} SQL | ${single.toFixed(1)} | ${calls.near} | ${calls.far} | ${calls.sql} | ${global.toFixed(1)} |`,
      );
      console.log(rows[rows.length - 1]);
    }
  } finally {
    place("none");
    await worker.stop();
    await near.close();
    await sql.close();
    await database.close();
  }
  const markdown = `| endpoint | one region 40 ms away: calls | p50 ms | global: reads at the replica (${NEAR} ms) | calls to the primary (${FAR} ms) | SQL (${FAR} ms) | p50 ms |
|---|---|---|---|---|---|---|
${rows.join("\n")}
`;
  return { markdown, failures };
}
