// The built bundle in a bare `workerd serve` (no wrangler proxy, no inspector), as production runs it:
// a generated config with the same bindings, plus a trivial Hono worker beside it as the runtime's own
// floor. `npm run bench` measures CPU per request from this process's /proc entry.
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type * as Esbuild from "esbuild";
import { freePort } from "./redis-engine.ts";

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL("..", import.meta.url));

export interface BareWorkerd {
  /** The auth worker. */
  origin: string;
  /** A trivial Hono JSON worker in the same process: the runtime's floor. */
  floorOrigin: string;
  pid: number;
  stop(): Promise<void>;
}

export function workerdBinary(): string {
  const pkg = require.resolve("workerd/package.json", { paths: [require.resolve("wrangler/package.json")] });
  return join(pkg, "..", "bin", "workerd");
}

const capnpString = (value: string) => JSON.stringify(value);

export function compatibilityDate(): string {
  return /compatibility_date\s*=\s*"([^"]+)"/.exec(readFileSync(`${root}wrangler.toml`, "utf8"))?.[1] ?? "2026-10-20";
}

/**
 * Copies a built worker into `dir` (capnp embeds resolve relative to the config file): the entry, then
 * every other .js module beside it (the chunks it imports). Returns the module names, entry first.
 */
export function copyModules(entry: string, dir: string): string[] {
  const from = dirname(entry);
  const others = readdirSync(from).filter((f) => f.endsWith(".js") && f !== basename(entry));
  const names = [basename(entry), ...others.sort()];
  for (const name of names) copyFileSync(join(from, name), join(dir, name));
  return names;
}

/** One worker of a workerd config: its ES modules, text bindings, Node compatibility, network access. */
export function workerConfig(id: string, modules: string[], vars: Record<string, string>): string {
  const bindings = Object.entries(vars)
    .map(([name, value]) => `(name = ${capnpString(name)}, text = ${capnpString(value)})`)
    .join(",\n      ");
  return `const ${id} :Workerd.Worker = (
  modules = [${modules.map((name) => `(name = ${capnpString(name)}, esModule = embed ${capnpString(name)})`).join(", ")}],
  compatibilityDate = ${capnpString(compatibilityDate())},
  compatibilityFlags = ["nodejs_compat"],
  bindings = [
      ${bindings}
  ],
  globalOutbound = "net",
);
`;
}

/** `workerd serve <config>`, pinned to one core when asked (and taskset exists). */
export function serveCommand(configPath: string, cpu?: number): { command: string; args: string[] } {
  const args = ["serve", configPath, "--experimental"];
  if (cpu === undefined || !existsSync("/usr/bin/taskset")) return { command: workerdBinary(), args };
  return { command: "/usr/bin/taskset", args: ["-c", String(cpu), workerdBinary(), ...args] };
}

/** A trivial Hono worker (floor.js in `dir`): the runtime's own floor for the benchmarks. */
export async function floorWorker(dir: string): Promise<string> {
  const esbuild = require("esbuild") as typeof Esbuild;
  const path = join(dir, "floor.js");
  await esbuild.build({
    stdin: {
      // GET / answers JSON; GET /fetch?url= also makes one POST subrequest first (the floor of a 1-trip route).
      contents: `import { Hono } from "hono";
        export default new Hono()
          .get("/fetch", async (c) => {
            const r = await fetch(c.req.query("url"), { method: "POST", body: '["PING"]', headers: { authorization: c.req.header("x-token") } });
            return c.json({ ok: true, upstream: await r.json() });
          })
          .get("*", (c) => c.json({ ok: true }));`,
      resolveDir: root,
      loader: "ts",
    },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "neutral",
    outfile: path,
    logLevel: "error",
  });
  return path;
}

export async function startBareWorkerd(
  bundlePath: string,
  vars: Record<string, string>,
  options: { inspector?: number; cpu?: number } = {},
): Promise<BareWorkerd> {
  const dir = mkdtempSync(join(tmpdir(), "workerd-bench-"));
  const [port, floorPort] = [await freePort(), await freePort()];
  await floorWorker(dir);
  const modules = copyModules(bundlePath, dir);
  const config = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "auth", worker = .auth),
    (name = "floor", worker = .floor),
    (name = "net", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [
    (name = "auth", address = "127.0.0.1:${port}", http = (), service = "auth"),
    (name = "floor", address = "127.0.0.1:${floorPort}", http = (), service = "floor"),
  ],
);
${workerConfig("auth", modules, { ...vars, PUBLIC_URL: `http://127.0.0.1:${port}` })}
const floor :Workerd.Worker = (
  modules = [(name = "floor.js", esModule = embed "floor.js")],
  compatibilityDate = ${capnpString(compatibilityDate())},
  globalOutbound = "net",
);
`;
  const configPath = join(dir, "config.capnp");
  writeFileSync(configPath, config);
  // Pinned to one core (the load generator and the stores get the other): steadier CPU figures.
  const { command, args } = serveCommand(configPath, options.cpu);
  if (options.inspector) args.push(`--inspector-addr=127.0.0.1:${options.inspector}`);
  const child: ChildProcess = spawn(command, args, {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += String(chunk);
  });
  const origin = `http://127.0.0.1:${port}`;
  const floorOrigin = `http://127.0.0.1:${floorPort}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`workerd exited: ${stderr.slice(0, 2000)}`);
    try {
      if ((await fetch(`${floorOrigin}/`)).ok && (await fetch(`${origin}/healthz`)).status < 500) break;
    } catch {
      // not listening yet
    }
    if (i > 100) throw new Error(`workerd did not start: ${stderr.slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    origin,
    floorOrigin,
    pid: child.pid as number,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 200));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** CPU time (user + system, ms) of one process so far, from /proc; null off Linux. */
export function processCpuMs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10; // USER_HZ 100
  } catch {
    return null;
  }
}
