// Test mode only: a Redis of the fault tests' own, behind its own local Upstash endpoint, with a
// control endpoint that injects real faults into it: pause (SIGSTOP: connections stay open, nothing
// answers), resume (SIGCONT), stop (SIGKILL: connections refused) and start (a fresh, empty server on
// the same port: everything it held is lost). Without redis-server on PATH the same faults are played
// by the in-process engine (requests held, refused, data dropped). Shared Redis stays untouched.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
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

  const spawnServer = async (): Promise<void> => {
    child = spawn(server!, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: "ignore",
    });
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

  const act = async (action: string): Promise<void> => {
    if (action === "pause") {
      mode = "paused";
      child?.kill("SIGSTOP");
    } else if (action === "resume") {
      mode = "up";
      child?.kill("SIGCONT");
      for (const r of release.splice(0)) r();
    } else if (action === "stop") {
      mode = "stopped";
      if (child) {
        const exited = new Promise((resolve) => child!.once("exit", resolve));
        child.kill("SIGCONT");
        child.kill("SIGKILL");
        await exited;
      }
    } else if (action === "start") {
      if (server && mode === "stopped") await spawnServer();
      else if (!server) await engine.command(["FLUSHALL"]);
      mode = "up";
      for (const r of release.splice(0)) r();
      // Wait until the endpoint's own connection is back, so the next request sees a working Redis.
      for (let i = 0; i < 100; i++) {
        if (
          await engine.command(["PING"]).then(
            () => true,
            () => false,
          )
        )
          break;
        await new Promise((r) => setTimeout(r, 50));
      }
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
