// Test mode only: a Redis of the fault tests' own, behind its own local Upstash endpoint, with a
// control endpoint that injects real faults into it: pause (SIGSTOP: connections stay open, nothing
// answers), resume (SIGCONT), stop (SIGKILL: connections refused) and start (a fresh, empty server on
// the same port: everything it held is lost), save (SAVE, then a copy of the dump kept as a backup)
// and restore (stopped, the backup put back, started: Redis as it was at the save). Without redis-server on PATH the same faults are played
// by the in-process engine (requests held, refused, data dropped). Shared Redis stays untouched.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  connectRedis,
  findRedisServer,
  freePort,
  inProcessEngine,
  type RedisEngine,
  waitForPort,
} from "./redis-engine.ts";
import { listen, startUpstashShim } from "./upstash-shim.ts";

export interface FaultRedis {
  upstashUrl: string;
  upstashToken: string;
  controlUrl: string;
  description: string;
  close(): Promise<void>;
}

type Mode = "up" | "paused" | "stopped";

export async function startFaultRedis(): Promise<FaultRedis> {
  const server = findRedisServer();
  let mode: Mode = "up";
  let child: ChildProcess | null = null;
  let port = 0;
  let engine: RedisEngine;
  const release: Array<() => void> = [];

  const dir = mkdtempSync(join(tmpdir(), "fault-redis-"));
  const spawnServer = async (): Promise<void> => {
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
    child = spawn(server!, [...args, "--dir", dir, "--dbfilename", "dump.rdb"], { stdio: "ignore" });
    const started = child;
    process.once("exit", () => started.kill("SIGKILL"));
    await waitForPort(port, child);
  };

  if (server) {
    port = await freePort();
    await spawnServer();
    engine = await connectRedis(`redis://127.0.0.1:${port}`, `fault redis-server on 127.0.0.1:${port}`);
  } else {
    const memory = inProcessEngine();
    // The in-process engine plays the faults itself.
    const gate = async (): Promise<void> => {
      if (mode === "stopped") throw new Error("connect ECONNREFUSED (fault: stopped)");
      if (mode === "paused") await new Promise<void>((resolve) => release.push(resolve));
    };
    engine = {
      description: "fault in-process Redis engine",
      command: async (args) => {
        await gate();
        return memory.command(args);
      },
      transaction: async (commands) => {
        await gate();
        return memory.transaction(commands);
      },
      close: () => memory.close(),
    };
  }
  const upstash = await startUpstashShim({ engine, token: randomBytes(24).toString("base64url") });

  const stopServer = async (): Promise<void> => {
    if (!child) return;
    const exited = new Promise((resolve) => child!.once("exit", resolve));
    child.kill("SIGCONT");
    child.kill("SIGKILL");
    await exited;
  };
  const waitForEngine = async (): Promise<void> => {
    // Wait until the endpoint's own connection is back, so the next request sees a working Redis.
    for (let i = 0; i < 100; i++) {
      if (
        await engine.command(["PING"]).then(
          () => true,
          () => false,
        )
      )
        return;
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const act = async (action: string): Promise<void> => {
    if ((action === "save" || action === "restore") && !server)
      throw new Error("save and restore need redis-server on PATH");
    if (action === "save") {
      await engine.command(["SAVE"]);
      copyFileSync(join(dir, "dump.rdb"), join(dir, "backup.rdb"));
    } else if (action === "restore") {
      await stopServer();
      copyFileSync(join(dir, "backup.rdb"), join(dir, "dump.rdb"));
      await spawnServer();
      mode = "up";
      await waitForEngine();
    } else if (action === "pause") {
      mode = "paused";
      child?.kill("SIGSTOP");
    } else if (action === "resume") {
      mode = "up";
      child?.kill("SIGCONT");
      for (const r of release.splice(0)) r();
    } else if (action === "stop") {
      mode = "stopped";
      await stopServer();
    } else if (action === "start") {
      // Empty, whatever a save left behind: this is a Redis that lost its data.
      if (server && mode === "stopped") rmSync(join(dir, "dump.rdb"), { force: true });
      if (server && mode === "stopped") await spawnServer();
      else if (!server) await engine.command(["FLUSHALL"]);
      mode = "up";
      for (const r of release.splice(0)) r();
      await waitForEngine();
    } else {
      throw new Error(`unknown fault action ${action}`);
    }
  };

  const control = createServer((req, res) => {
    const action = (req.url ?? "").replace(/^\/redis\//, "");
    act(action).then(
      () => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ mode }));
      },
      (error: unknown) => {
        res.writeHead(400, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: String(error) }));
      },
    );
  });
  const controlPort = await listen(control, 0);
  return {
    upstashUrl: upstash.url,
    upstashToken: upstash.token,
    controlUrl: `http://127.0.0.1:${controlPort}`,
    description: engine.description,
    async close() {
      child?.kill("SIGCONT");
      for (const r of release.splice(0)) r();
      await upstash.close();
      await engine.close();
      control.closeAllConnections();
      await new Promise((resolve) => control.close(resolve));
      child?.kill("SIGKILL");
    },
  };
}
