// Starts the local stack in a child Node process (Node-only packages stay out of Vite's module runner)
// and hands its endpoints to the workerd test runtime through provide().
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const child = spawn(process.execPath, ["localstack/stack.ts", "test"], {
    cwd: root,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const info = await new Promise<Record<string, string>>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      if (line.startsWith("LOCALSTACK "))
        resolve(JSON.parse(line.slice("LOCALSTACK ".length)) as Record<string, string>);
    });
    child.once("exit", (code) => reject(new Error(`local stack exited early (code ${code}); see the lines above`)));
  });
  console.log(`[localstack] ${info.redis}; ${info.postgres}`);
  project.provide("stack", info);
  return async () => {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.stdin.end();
    child.kill("SIGTERM");
    await exited;
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    stack: Record<string, string>;
  }
}
