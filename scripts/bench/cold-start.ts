// Cold start as a user meets it: a fresh `workerd serve` process (bare, no wrangler) per start, timed
// from spawn to the first answer of one request, with the process's CPU (all threads, ns precision
// from /proc/<pid>/task/*/schedstat) at that moment. Then, in the same process, the first request of
// each lazy group against its second (warm) one: the extra a group's first user pays for loading it.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../localstack/redis-engine.ts";
import { copyModules, serveCommand, workerConfig } from "../../localstack/workerd.ts";

export interface WorkerUnderTest {
  name: string;
  /** The entry module; every other .js file in its directory is loaded beside it. */
  entry: string;
  vars: Record<string, string>;
  /** The request whose answer ends the cold start. */
  first: { path: string; init?: RequestInit };
  /** Lazy groups: one request each, timed on first use and again warm. */
  groups?: Array<{ name: string; path: string; init?: () => RequestInit }>;
}

export interface ColdFigures {
  wallMs: number;
  cpuMs: number;
  /** Per group: wall and CPU of the first request minus the second (medians). */
  groups: Map<string, { wallMs: number; cpuMs: number }>;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** CPU ns of a process so far, all threads (schedstat: ns on CPU); null off Linux. */
function cpuNs(pid: number): number | null {
  try {
    let total = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
    }
    return total;
  } catch {
    return null;
  }
}

function config(worker: WorkerUnderTest, port: number, dir: string): string {
  const modules = copyModules(worker.entry, dir);
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "w", worker = .w), (name = "net", network = (allow = ["public", "private", "local"]))],
  sockets = [(name = "w", address = "127.0.0.1:${port}", http = (), service = "w")],
);
${workerConfig("w", modules, { ...worker.vars, PUBLIC_URL: `http://127.0.0.1:${port}` })}`;
}

async function oneStart(worker: WorkerUnderTest, cpu: number | undefined) {
  const dir = mkdtempSync(join(tmpdir(), "cold-start-"));
  const port = await freePort();
  writeFileSync(join(dir, "config.capnp"), config(worker, port, dir));
  const { command, args } = serveCommand(join(dir, "config.capnp"), cpu);
  const origin = `http://127.0.0.1:${port}`;
  const start = performance.now();
  const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += String(chunk);
  });
  const pid = child.pid as number;
  try {
    let wallMs = Number.NaN;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`workerd exited: ${stderr.slice(0, 1500)}`);
      if (performance.now() - start > 20_000) throw new Error(`no answer in 20 s: ${stderr.slice(0, 1500)}`);
      const res = await fetch(`${origin}${worker.first.path}`, worker.first.init).catch(() => null);
      if (res) {
        await res.arrayBuffer();
        wallMs = performance.now() - start;
        break;
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    const cpuMs = (cpuNs(pid) ?? Number.NaN) / 1e6;
    const groups = new Map<string, { wallMs: number; cpuMs: number }>();
    for (const group of worker.groups ?? []) {
      const timed = async () => {
        const before = cpuNs(pid) ?? 0;
        const t = performance.now();
        const res = await fetch(`${origin}${group.path}`, group.init?.());
        await res.arrayBuffer();
        const wall = performance.now() - t;
        // Work the answer left behind (waitUntil) is not the group's load.
        return { wall, cpu: ((cpuNs(pid) ?? 0) - before) / 1e6, status: res.status };
      };
      const first = await timed();
      if (first.status >= 500) throw new Error(`${group.name}: ${group.path} answered ${first.status}`);
      await new Promise((r) => setTimeout(r, 20));
      const second = await timed();
      groups.set(group.name, { wallMs: first.wall - second.wall, cpuMs: first.cpu - second.cpu });
      await new Promise((r) => setTimeout(r, 20));
    }
    return { wallMs, cpuMs, groups };
  } finally {
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Medians over `runs` process starts of each worker, interleaved start by start (w1, w2, w3, w1...) so
 * the machine's drift during the run moves every worker alike and ratios stay comparable.
 */
export async function coldStarts(
  workers: WorkerUnderTest[],
  options: { runs?: number; cpu?: number } = {},
): Promise<Map<string, ColdFigures>> {
  const runs = options.runs ?? 9;
  const samples = new Map(workers.map((w) => [w.name, [] as Awaited<ReturnType<typeof oneStart>>[]]));
  // One unrecorded start each: the binary and the files into the page cache.
  for (const w of workers) await oneStart(w, options.cpu);
  for (let i = 0; i < runs; i++) for (const w of workers) samples.get(w.name)?.push(await oneStart(w, options.cpu));
  return new Map(
    workers.map((w) => {
      const list = samples.get(w.name) ?? [];
      const groups = new Map(
        (w.groups ?? []).map((g) => [
          g.name,
          {
            wallMs: median(list.map((s) => s.groups.get(g.name)?.wallMs ?? Number.NaN)),
            cpuMs: median(list.map((s) => s.groups.get(g.name)?.cpuMs ?? Number.NaN)),
          },
        ]),
      );
      return [w.name, { wallMs: median(list.map((s) => s.wallMs)), cpuMs: median(list.map((s) => s.cpuMs)), groups }];
    }),
  );
}
