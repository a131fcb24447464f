// `npm run bench`: the deployable bundle in a bare `workerd serve` (no wrangler proxy, no inspector),
// as production runs it, against the local stack reached through latency proxies. Measures upstream
// calls per request, CPU per request beside the runtime's own floor, throughput and latency
// (autocannon), latency with the stores 10-60 ms away, the bundle and what each package adds; writes
// BENCHMARKS.md and exits 1 when a target is missed. `npm test` asserts the exact round-trip sequences.

import { execFileSync, spawnSync } from "node:child_process";
import { pbkdf2Sync } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { startLatencyProxy } from "../localstack/latency-proxy.ts";
import { startStack } from "../localstack/stack.ts";
import { workerVars } from "../localstack/worker.ts";
import { startBareWorkerd } from "../localstack/workerd.ts";
import { coldStartReport } from "./bench/cold-report.ts";
import { globalReport } from "./bench/global.ts";
import { calls, cpuPerRequest, latency, PROFILES, tripCost } from "./bench/measure.ts";
import { prepareScenarios } from "./bench/scenarios.ts";
import { BUNDLE_PATH, buildLibraries, buildWorker, LIBRARIES_PATH } from "./build.ts";

const require = createRequire(import.meta.url);
const autocannon = require("autocannon") as (
  opts: Record<string, unknown>,
) => Promise<{ requests: { average: number }; latency: { p50: number; p99: number } }>;
const root = fileURLToPath(new URL("..", import.meta.url));
const DURATION = Number(process.env.BENCH_SECONDS ?? 3);
const SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 25);
const failures: string[] = [];
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

const bundle = await buildWorker();
// This process (load, local endpoints) on core 0, workerd on core 1: steadier CPU figures.
const pinned = spawnSync("taskset", ["-cp", "0", String(process.pid)], { stdio: "ignore" }).status === 0;
const stack = await startStack({
  mode: "test",
  rootDir: root,
  redisUrl: process.env.REDIS_URL || undefined,
  databaseUrl: process.env.DATABASE_URL || undefined,
  log: () => undefined,
});
const benchVars = { ...workerVars(stack, 0), REQUIRE_EMAIL_VERIFICATION: "false" };
if (process.argv.includes("--global")) {
  const only = await globalReport(stack, benchVars, SAMPLES, DURATION);
  console.log(only.markdown);
  await stack.close();
  if (only.failures.length > 0) console.error(`\nMISSED TARGETS:\n- ${only.failures.join("\n- ")}`);
  process.exit(only.failures.length > 0 ? 1 : 0);
}
// Cold start first, before anything else loads the machine: bare workerd processes, started 9 times each.
const libraries = await buildLibraries();
const cold = await coldStartReport(bundle, {
  ...workerVars(stack, 0),
  REQUIRE_EMAIL_VERIFICATION: "false",
  // So the webhook group answers a refused signature (400), not the unconfigured 500.
  STRIPE_WEBHOOK_SECRET: "whsec_bench0123456789abcdefghijklmnopq",
});
failures.push(...cold.failures);
console.log(cold.markdown);
if (process.argv.includes("--cold-start")) {
  await stack.close();
  if (failures.length > 0) console.error(`\nMISSED TARGETS:\n- ${failures.join("\n- ")}`);
  process.exit(failures.length > 0 ? 1 : 0);
}
const proxies = {
  redis: await startLatencyProxy(stack.upstashUrl),
  sql: await startLatencyProxy(stack.neonSqlEndpoint),
};
const worker = await startBareWorkerd(
  BUNDLE_PATH,
  {
    ...workerVars(stack, 0),
    UPSTASH_REDIS_REST_URL: proxies.redis.url,
    NEON_HTTP_ENDPOINT: proxies.sql.url,
    REQUIRE_EMAIL_VERIFICATION: "false",
  },
  { cpu: pinned ? 1 : undefined },
);
const { scenarios } = await prepareScenarios(worker.origin, DURATION);
const get =
  (url: string, headers: Record<string, string> = {}) =>
  () =>
    fetch(url, { headers });

// The runtime's own floor: a trivial Hono worker, and the same with one subrequest to the Upstash endpoint.
const trivial = get(`${worker.floorOrigin}/`);
const ping = get(`${worker.floorOrigin}/fetch?url=${encodeURIComponent(stack.upstashUrl)}`, {
  "x-token": `Bearer ${stack.upstashToken}`,
});
const floor = (await cpuPerRequest(worker.pid, trivial, undefined, 400))?.ms ?? 0;
const floorFetch = (await cpuPerRequest(worker.pid, ping, undefined, 400))?.ms ?? 0;

const rows: string[] = [
  "| endpoint | Redis calls | SQL calls | target | CPU ms/req (bare workerd) | req/s @1 | p50 / p99 ms @1 | req/s @50 | p50 / p99 ms @50 |",
  "|---|---|---|---|---|---|---|---|---|",
  `| runtime floor: trivial Hono JSON worker | 0 | 0 | | ${floor.toFixed(3)} | | | | |`,
  `| runtime floor: the same + 1 subrequest | 0 | 0 | | ${floorFetch.toFixed(3)} | | | | |`,
];
// CPU first, before any load run leaves queued work behind in the isolate. The rows with a CPU target
// are measured paired with their floor (see cpuPerRequest).
const cpu = new Map<string, { ms: number; overBaseline: number | null }>();
const cpuTargets = [
  { name: "GET /v1/auth/me (session cookie)", baseline: ping, over: 0.25, of: "trivial + 1 subrequest" },
  { name: "GET /v1/auth/me (no credential)", baseline: trivial, over: 0.1, of: "trivial" },
];
for (const s of scenarios) {
  const perBatch = /login|signup/.test(s.name) ? 10 : s.prepare ? 60 : 300;
  const paired = cpuTargets.find((t) => t.name === s.name)?.baseline;
  const figure = await cpuPerRequest(worker.pid, s.once, s.prepare, perBatch, paired);
  if (figure) cpu.set(s.name, figure);
}

// CPU targets: a distance from the runtime's own floor, measured paired (absolute figures move with
// the machine; the distance is what the code controls).
const cpuRows = cpuTargets.map((t) => {
  const figure = cpu.get(t.name);
  const over = figure?.overBaseline ?? null;
  const ok = over !== null && over <= t.over;
  if (!ok) failures.push(`${t.name}: ${over?.toFixed(3)} ms CPU over the ${t.of} floor > ${t.over} ms`);
  return `| ${t.name} | ${figure?.ms.toFixed(3) ?? "n/a"} | ${t.of} | ${over?.toFixed(3) ?? "n/a"} | <= ${t.over}${ok ? "" : " **MISSED**"} |`;
});

// Latency with the stores far away: p50 must stay within compute + round trips x RTT + 2 ms.
const simulated = scenarios.filter((s) => s.steps !== undefined);
const latencyRows = [
  `| endpoint | sequential trips | ${PROFILES.map((p) => `${p.name}: p50 / p99 (bound)`).join(" | ")} |`,
];
latencyRows.push(`|---|---|${PROFILES.map(() => "---").join("|")}|`);
const measuredTrips = new Map<string, number>();
// Calibration: the trivial worker with one subrequest through the Redis proxy, per profile.
const calibration = {
  name: "calibration: trivial worker + 1 subrequest",
  target: null,
  steps: [["redis" as const]],
  once: get(`${worker.floorOrigin}/fetch?url=${encodeURIComponent(proxies.redis.url)}`, {
    "x-token": `Bearer ${stack.upstashToken}`,
  }),
  load: () => ({}),
};
const overhead = new Map<string, number>();
const calibrated = await latency(calibration, proxies, SAMPLES);
for (const profile of PROFILES)
  overhead.set(profile.name, Math.max(0, (calibrated.get(profile.name)?.extra ?? 0) - profile.redis));
latencyRows.push(
  `| ${calibration.name} (the simulation's own cost per trip) | 1 | ${PROFILES.map((p) => `+${overhead.get(p.name)?.toFixed(2)} ms`).join(" | ")} |`,
);
for (const s of simulated) {
  const figures = await latency(s, proxies, SAMPLES);
  const compute = figures.get(PROFILES[0]?.name ?? "")?.p50 ?? 0;
  const cells = PROFILES.map((profile) => {
    const f = figures.get(profile.name) ?? { p50: 0, p99: 0, extra: 0 };
    const allowance = tripCost(s, profile, overhead.get(profile.name) ?? 0) + 2;
    const ok = f.extra <= allowance;
    if (!ok)
      failures.push(`${s.name} @ ${profile.name}: +${f.extra.toFixed(1)} ms over RTT 0 > ${allowance.toFixed(1)} ms`);
    if (profile.name === "RTT 40 ms")
      measuredTrips.set(s.name, Math.round(f.extra / (40 + (overhead.get(profile.name) ?? 0))));
    return `${f.p50.toFixed(1)} / ${f.p99.toFixed(1)} (${(compute + allowance).toFixed(1)})${ok ? "" : " **MISSED**"}`;
  });
  latencyRows.push(`| ${s.name} | ${s.steps?.length} | ${cells.join(" | ")} |`);
  console.log(latencyRows[latencyRows.length - 1]);
}
const floorRows = simulated.map(
  (s) => `| ${s.name} | ${measuredTrips.get(s.name) ?? "?"} | ${s.floor ?? "?"} | ${s.why ?? ""} |`,
);

// Load runs last: 50 concurrent logins trip the per-account failure gate on purpose, which would
// otherwise leave the latency runs measuring refusals.
for (const s of scenarios) {
  const counted = await calls(stack, s);
  const ms = cpu.get(s.name)?.ms;
  const ok = s.target === null || (counted.redis <= s.target.redis && counted.sql <= s.target.sql);
  if (!ok && s.target)
    failures.push(
      `${s.name}: ${counted.redis} Redis / ${counted.sql} SQL calls, target ${s.target.redis} / ${s.target.sql}`,
    );
  const [one, fifty] = [
    await autocannon({ ...s.load(1), connections: 1, duration: s.seconds ?? DURATION }),
    await autocannon({ ...s.load(50), connections: 50, duration: s.seconds ?? DURATION }),
  ];
  rows.push(
    `| ${s.name} | ${counted.redis} | ${counted.sql} | ${s.target?.note ?? "(reported)"}${ok ? "" : " **MISSED**"} | ${ms?.toFixed(3) ?? "n/a"} | ${one.requests.average.toFixed(0)} | ${one.latency.p50} / ${one.latency.p99} | ${fifty.requests.average.toFixed(0)} | ${fifty.latency.p50} / ${fifty.latency.p99} |`,
  );
  console.log(rows[rows.length - 1]);
}

// A global database: the same routes at an edge with a near replica and a far primary.
const global = await globalReport(stack, benchVars, SAMPLES, DURATION);
failures.push(...global.failures);

// The password hash at the configured parameters, and the bundle's global-scope evaluation.
const hashStart = performance.now();
for (let i = 0; i < 10; i++) pbkdf2Sync("password", "salt-salt-salt-s", 100_000, 64, "sha512");
const hashMs = (performance.now() - hashStart) / 10;
// Each in a fresh Node process (a warm one has compiled shared code already): the median of five.
const evaluation = (file: string) => {
  const script = `const t=performance.now();await import(${JSON.stringify(file)});console.log(performance.now()-t)`;
  const runs = Array.from({ length: 5 }, () =>
    Number(execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" })),
  ).sort((a, b) => a - b);
  return runs[2] ?? Number.NaN;
};
const evalMs = evaluation(BUNDLE_PATH);
const librariesEvalMs = evaluation(LIBRARIES_PATH);
if (evalMs > 1000) failures.push(`bundle evaluation ${evalMs.toFixed(0)} ms > 1000 ms`);
const total = bundle.shares.reduce((sum, s) => sum + s.bytes, 0);
const shareRows = bundle.shares
  .filter((s) => s.bytes >= 1024)
  .map((s) => `| ${s.name} | ${kib(s.bytes)} | ${((100 * s.bytes) / total).toFixed(1)}% |`);

const machine = `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
const report = `# Benchmarks

Generated by \`npm run bench\` (${DURATION} s per load run) on ${machine}. The deployable worker
(\`dist/worker/\`, its modules) runs in a bare \`workerd serve\` (generated config, same bindings, no wrangler proxy,
no inspector${pinned ? "; pinned to its own core" : ""}) with the production clients, against the local stack
(${stack.redis}; ${stack.postgres}) reached through latency proxies. Upstream calls are counted at the
local Upstash and Neon endpoints and include work deferred with \`waitUntil\`; the exact sequences are
asserted in \`npm test\`. Load runs for verify and refresh replay an invalid token (each real token works
once), so they measure the rejection path, as do the webhook and logout rows; their call counts come
from real single uses.

${cold.markdown}
## Per endpoint

CPU is the workerd process's own (Linux /proc, all threads), the median of batches of sequential
requests; the two floor rows are a trivial Hono worker in the same process, without and with one
subrequest to the local Upstash endpoint.

${rows.join("\n")}

## CPU against the runtime's floor

| endpoint | CPU ms/req | paired floor | ms over that floor (median of paired batches) | target |
|---|---|---|---|---|
${cpuRows.join("\n")}

A route that needs one store round trip cannot cost less than the runtime's own price of one incoming
request plus one subrequest (the second floor row), so targets are set as a distance from the floors
measured in the same run; absolute figures move with the machine.

## Latency with the stores far away

A TCP proxy in front of each local endpoint holds every chunk RTT/2 in each direction, so each HTTP
call from the worker to Upstash or Neon costs one simulated round trip, as from an edge location to a
store in another region (placed at the HTTP endpoints because a Neon HTTP call is one round trip from
the edge whatever statements it runs). ${SAMPLES} sequential requests per cell, the profiles interleaved
request by request; the bound in brackets is compute (p50 at RTT 0) + sequential
round trips x RTT + 2 ms, checked on the median of each request's extra time over its RTT 0 twin, a step that waits on both stores
costing the slower one, and each trip also the simulation's own cost (the proxies share one Node event
loop with the local endpoints and the load generator), calibrated in the first row with a trivial
worker that makes one subrequest.

${latencyRows.join("\n")}

## A global database: reads at a near replica

The same worker at an edge far from the data (\`scripts/bench/global.ts\`), in two setups: a
single-region Upstash 40 ms away, and a global Upstash with a read replica 2 ms away and the primary
40 ms away, the replica 500 ms behind (\`localstack/global-redis.ts\`: Redis replication through a
delaying link; the replica's endpoint answers read-only commands and passes writes and scripts on to
the primary). Postgres is 40 ms away in both (Neon lives in one region). Calls are counted at the
endpoints for one request after a warm-up and past the replica's lag, deferred work included (the API
key's and device's once-a-minute last-use check is a deferred write at the primary). ${SAMPLES} sequential
requests per setup, interleaved. Target: no route slower with the global database than with one region
as far as its primary, beyond the near hop each forwarded call takes.

${global.markdown}
Reads that decide whether a credential is valid (session cookie, access token, API key, device token,
storefront key and customer session) are answered at the replica; whatever must see every write
(spending a one-time secret, rotating a refresh token, rate limits, sign-in, sign-out) runs as a
script at the primary, wherever the request arrived. docs/deploy.md states what each read may miss and
for how long.

## Round trips against the floor of a correct design

Measured = (p50 at RTT 40 ms - p50 at RTT 0) / (40 ms + the calibrated cost per trip), rounded.

| endpoint | sequential round trips (measured) | floor | why any gap remains |
|---|---|---|---|
${floorRows.join("\n")}

## Bundle

| measure | value | target |
|---|---|---|
| password hash (PBKDF2-SHA-512, 100,000 iterations, Node) | ${hashMs.toFixed(1)} ms | fits Workers Paid; over the Free plan's 10 ms CPU |
| all modules (\`dist/worker/\`, ${bundle.modules.length} files) | ${kib(bundle.bytes)}, ${kib(bundle.gzipBytes)} gzip | (Workers: 3 MiB gzip free, 10 MiB paid) |
| the entry and its static chunks (what a cold start evaluates) | ${kib(bundle.entry.bytes)}, ${kib(bundle.entry.gzipBytes)} gzip | <= 200 KiB gzip |
| entry evaluation (global scope, fresh Node process, median of 5) | ${evalMs.toFixed(0)} ms | well under 1 s |
| the libraries alone: the fixed stack, oauth4webapi, @simplewebauthn/server, @oslojs/otp (same build and measure, no code of ours) | ${kib(libraries.bytes)}, ${kib(libraries.gzipBytes)} gzip; evaluation ${librariesEvalMs.toFixed(0)} ms | (what no change to src/ goes below) |

What each package adds (minified, before gzip; esbuild metafile):

| package | minified | share |
|---|---|---|
${shareRows.join("\n")}

The libraries the stack fixes (Hono with zod and its OpenAPI generator, drizzle-orm, @upstash/redis,
jose), imported exactly as src/ imports them, are most of the entry; the route declarations' zod
schemas of the hot routes are most of the rest of its evaluation. Decisions, measured in the cold-start
table above:

- **Lazy modules instead of one bundle.** Each capability most requests never use is a module loaded
  on its first request (src/features/*, the profiles, the OpenAPI document); its routes are still
  declared once, in their group, and a generated manifest lets the entry route to them unloaded.
- **The OpenAPI document is built at build time** (\`npm run client:generate\`, checked for drift in CI):
  building it at run time cost an isolate about 100 ms of CPU on its first \`/openapi.json\`.
- **The Neon driver is loaded on the first SQL statement, or after an isolate's first answer**: its
  module also holds the WebSocket client we never use (tree-shaking cannot split it), ~46 KiB gzip and
  ~15 ms of evaluation; drizzle now only builds the SQL (its dialect), the driver's HTTP client runs it.
- **WebAuthn verification stays @simplewebauthn/server's**, loaded on first verification (~87 KiB gzip,
  its X.509/ASN.1 stack, ~20 ms); the sign-in options (a JSON object, asked for on every passkey
  sign-in page) are built by us, tested equal to the library's builder, which reaches that stack
  through a namespace import.
- **zod stays in the entry**: every route declaration validates and documents with it
  (\`@hono/zod-openapi\` registers each route's schemas at declaration time); the lighter import
  path does not apply (\`zod/mini\` lacks the classic methods, \`.openapi()\` among them, that the
  declarations use), and the lazy groups' declarations are no longer evaluated at start.
${failures.length > 0 ? `\n**Missed targets:**\n${failures.map((f) => `- ${f}`).join("\n")}\n` : "\nAll targets met.\n"}`;
writeFileSync(`${root}BENCHMARKS.md`, report);
console.log(`\nhash ${hashMs.toFixed(1)} ms, bundle ${kib(bundle.gzipBytes)} gzip, evaluation ${evalMs.toFixed(0)} ms`);
await worker.stop();
await proxies.redis.close();
await proxies.sql.close();
await stack.close();
if (failures.length > 0) {
  console.error(`\nMISSED TARGETS:\n- ${failures.join("\n- ")}`);
  process.exit(1);
}
console.log("all targets met; wrote BENCHMARKS.md");
