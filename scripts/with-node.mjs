#!/usr/bin/env node
// Plain JavaScript on purpose: it must run on the machine's own Node, however old. The project needs
// Node >= 22 (TypeScript scripts run natively, vitest 5, wrangler). On an older Node this provisions
// Node 24 from the npm registry (package node-<platform>-<arch>, as .ci/run does), caches it under
// .tools/ (offline once cached), and runs the command with it; where it cannot, it says so in one sentence.
//
//   node scripts/with-node.mjs <script.ts | node_modules/...mjs> [args...]
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const MIN_MAJOR = 22;

function cachedNode() {
  const bin =
    process.platform === "win32"
      ? join(root, ".tools", "node", "node.exe")
      : join(root, ".tools", "node", "bin", "node");
  return existsSync(bin) ? bin : null;
}

function provision() {
  const arch = { x64: "x64", arm64: "arm64" }[process.arch];
  const platform = { linux: "linux", darwin: "darwin", win32: "win" }[process.platform];
  if (!arch || !platform) return null;
  const pkg = `node-${platform}-${arch}`;
  const dir = mkdtempSync(join(tmpdir(), "with-node-"));
  try {
    console.error(
      `[node] Node ${process.versions.node} is too old (this project needs ${MIN_MAJOR}+): installing Node 24 (${pkg}) into .tools/ once`,
    );
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const result = spawnSync(npm, ["install", "--no-save", "--no-package-lock", "--loglevel=error", `${pkg}@24`], {
      cwd: dir,
      stdio: ["ignore", "ignore", "inherit"],
    });
    if (result.status !== 0) return null;
    rmSync(join(root, ".tools", "node"), { recursive: true, force: true });
    cpSync(join(dir, "node_modules", pkg), join(root, ".tools", "node"), { recursive: true });
    return cachedNode();
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const major = Number(process.versions.node.split(".")[0]);
let node = process.execPath;
if (major < MIN_MAJOR) {
  node = cachedNode() ?? provision();
  if (!node) {
    console.error(
      `This project needs Node ${MIN_MAJOR} or newer and could not install one here (no npm registry?): install Node 24 and run the command again.`,
    );
    process.exit(1);
  }
}

const args = process.argv.slice(2);
if (args.length === 0) {
  console.error("usage: node scripts/with-node.mjs <script> [args...]");
  process.exit(2);
}
// The chosen Node first on PATH, so anything the command starts (vitest workers, wrangler) uses it too.
const env = {
  ...process.env,
  PATH: `${dirname(node)}${process.platform === "win32" ? ";" : ":"}${process.env.PATH ?? ""}`,
};
const child = spawn(node, args, { stdio: "inherit", env });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
