// The cold-start table of `npm run bench`: spawn -> first answer in bare workerd for the runtime's
// floor (a trivial Hono worker), the fixed libraries alone and our entry module, then each lazy
// group's first request (what its first user pays to load it), with the targets of the cold-start issue.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { floorWorker } from "../../localstack/workerd.ts";
import { BUNDLE_PATH, type BuiltWorker, LIBRARIES_PATH } from "../build.ts";
import { coldStarts, type WorkerUnderTest } from "./cold-start.ts";

const json =
  (body: unknown): (() => RequestInit) =>
  () => ({
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

/** One request per lazy group that loads it (and needs no credential): the first and a warm one are timed. */
const GROUPS: NonNullable<WorkerUnderTest["groups"]> = [
  { name: "accounts (passwords, email verification)", path: "/v1/auth/login", init: json({}) },
  { name: "social sign-in, identities", path: "/v1/auth/oauth/providers" },
  { name: "mfa", path: "/v1/auth/mfa/verify", init: json({}) },
  { name: "passkeys + the WebAuthn library", path: "/v1/auth/passkeys/sign-in/options", init: json({}) },
  { name: "organizations, invitations", path: `/v1/organizations/org_${"0".repeat(26)}/members` },
  { name: "API key management", path: "/v1/api-keys" },
  { name: "admin", path: "/v1/admin/users" },
  { name: "publishable keys", path: "/v1/publishable-keys" },
  { name: "devices", path: "/v1/devices" },
  { name: "billing (Stripe webhook)", path: "/v1/webhooks/stripe", init: json({}) },
  { name: "hosted pages (/sign-in)", path: "/sign-in" },
  { name: "OpenAPI document", path: "/openapi.json" },
  { name: "/docs page", path: "/docs" },
  // Loaded after an isolate's first answer (src/index.ts), so this is what a later first SQL request pays.
  { name: "the Neon driver (first SQL statement: /healthz)", path: "/healthz" },
];
const COMPAT = { name: "compatibility profiles (coreplexml)", path: "/api/auth/login", init: json({}) };

export interface ColdReport {
  markdown: string;
  failures: string[];
}

export async function coldStartReport(bundle: BuiltWorker, vars: Record<string, string>): Promise<ColdReport> {
  const dir = mkdtempSync(join(tmpdir(), "cold-floor-"));
  try {
    // The benchmarks' own floor worker (localstack/workerd.ts), alone in its directory.
    mkdirSync(join(dir, "floor"));
    const floorEntry = await floorWorker(join(dir, "floor"));
    const first = { path: "/v1/auth/me" };
    const workers: WorkerUnderTest[] = [
      { name: "floor", entry: floorEntry, vars: {}, first },
      { name: "libraries", entry: LIBRARIES_PATH, vars: {}, first },
      { name: "entry", entry: BUNDLE_PATH, vars, first, groups: GROUPS },
      // An isolate whose very first request needs SQL: the entry plus the driver, before the answer.
      { name: "sql-first", entry: BUNDLE_PATH, vars, first: { path: "/healthz" } },
      { name: "compat", entry: BUNDLE_PATH, vars: { ...vars, COMPAT_PROFILE: "coreplexml" }, first, groups: [COMPAT] },
    ];
    // BENCH_BEFORE_BUNDLE=<an earlier build's single worker.js>: the same measures, for a before/after.
    const before = process.env.BENCH_BEFORE_BUNDLE;
    if (before) workers.push({ name: "before", entry: before, vars, first, groups: GROUPS });
    const figures = await coldStarts(workers, { runs: 9 });
    const at = (name: string) => figures.get(name) ?? { wallMs: Number.NaN, cpuMs: Number.NaN, groups: new Map() };
    const [floor, libraries, entry] = [at("floor"), at("libraries"), at("entry")];
    const failures: string[] = [];
    const ratio = (a: number, b: number) => a / b;
    const overLibraries = ratio(entry.wallMs, libraries.wallMs);
    const overFloor = ratio(entry.wallMs, floor.wallMs);
    if (!(overLibraries <= 1.5)) failures.push(`entry cold start ${overLibraries.toFixed(2)}x the libraries' > 1.5x`);
    if (!(overFloor <= 3)) failures.push(`entry cold start ${overFloor.toFixed(2)}x the floor's > 3x`);
    if (!(bundle.entry.gzipBytes <= 200 * 1024))
      failures.push(`entry module ${(bundle.entry.gzipBytes / 1024).toFixed(1)} KiB gzip > 200 KiB`);
    const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
    const row = (label: string, f: { wallMs: number; cpuMs: number }, target: string) =>
      `| ${label} | ${f.wallMs.toFixed(1)} | ${f.cpuMs.toFixed(1)} | ${target} |`;
    const groups = [...entry.groups, ...at("compat").groups].map(([name, f]) => {
      const ok = f.wallMs <= 15;
      if (!ok) failures.push(`first request of ${name} adds ${f.wallMs.toFixed(1)} ms > 15 ms`);
      return `| ${name} | +${f.wallMs.toFixed(1)} | +${f.cpuMs.toFixed(1)} | <= 15 ms${ok ? "" : " **MISSED**"} |`;
    });
    const markdown = `## Cold start

A fresh \`workerd serve\` process per start (bare, no wrangler), timed from spawn to the first answer of
\`GET /v1/auth/me\` with no credential, and the process's CPU (all threads, /proc schedstat) at that
moment: the median of 9 starts per worker, the workers interleaved start by start. Then, in each
started process, every lazy group's first request against the same request again (warm): what the
first user of a group pays to load it (the median of the 9 differences).

| worker | wall ms to first answer | CPU ms | target |
|---|---|---|---|
${row("runtime floor: a trivial Hono worker", floor, "")}
${row("the fixed libraries alone (dist/libraries/index.js)", libraries, "")}
${row(`our entry module (dist/worker/index.js + the ${bundle.entry.modules - 1} chunks it imports; ${kib(bundle.entry.gzipBytes)} gzip)`, entry, `<= 1.5x libraries (${overLibraries.toFixed(2)}x), <= 3x floor (${overFloor.toFixed(2)}x)${overLibraries <= 1.5 && overFloor <= 3 ? "" : " **MISSED**"}`)}
${row("our entry, when the first request needs SQL (GET /healthz: the Neon driver loads before the answer)", at("sql-first"), "")}
${before ? `${row(`before the split (${before.split("/").slice(-3).join("/")}: one module)`, at("before"), "")}\n` : ""}
| lazy group: first request | extra wall ms | extra CPU ms | target |
|---|---|---|---|
${groups.join("\n")}
${
  before
    ? `
The same requests before the split (everything in one module, evaluated at start): the first request of
each was then already loaded, apart from work done on first use inside it (the WebAuthn library was
already imported dynamically, the OpenAPI document built on first request).

| before the split: first request | extra wall ms | extra CPU ms |
|---|---|---|
${[...at("before").groups].map(([name, f]) => `| ${name} | +${f.wallMs.toFixed(1)} | +${f.cpuMs.toFixed(1)} |`).join("\n")}
`
    : ""
}
| module (first use adds) | minified | gzip |
|---|---|---|
| entry: index.js + its static chunks | ${kib(bundle.entry.bytes)} | ${kib(bundle.entry.gzipBytes)} (budget 200 KiB${bundle.entry.gzipBytes <= 200 * 1024 ? "" : " **MISSED**"}) |
${bundle.lazy.map((m) => `| ${m.role} | + ${kib(m.bytes)} | + ${kib(m.gzipBytes)} |`).join("\n")}
`;
    return { markdown, failures };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
