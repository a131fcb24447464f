// A TCP proxy that holds every chunk for a one-way delay in each direction: put in front of the local
// Upstash and Neon endpoints, each HTTP call from the worker costs one simulated round trip, as a call
// from an edge location to a store in another region does. The delay can change between runs.
import { connect, createServer, type Socket } from "node:net";
import { freePort } from "./redis-engine.ts";

export interface LatencyProxy {
  /** The proxied URL (same path and scheme as the target, the proxy's port). */
  url: string;
  /** One-way delay in ms (a round trip costs twice this). */
  setOneWay(ms: number): void;
  close(): Promise<void>;
}

/**
 * Forwards `from` to `to`, each chunk held `delay()` ms. setTimeout alone fires up to a millisecond or
 * two late, which over several round trips would read as extra trips; so a timer wakes the pump just
 * before the chunk is due and setImmediate finishes the wait (sub-millisecond).
 */
function relay(from: Socket, to: Socket, delay: () => number): void {
  const queue: Array<{ due: number; chunk: Buffer | null }> = [];
  let pumping = false;
  const pump = (): void => {
    const head = queue[0];
    if (!head) {
      pumping = false;
      return;
    }
    const wait = head.due - performance.now();
    if (wait > 4) {
      setTimeout(pump, wait - 4);
      return;
    }
    if (wait > 0) {
      setImmediate(pump);
      return;
    }
    queue.shift();
    if (head.chunk === null) to.end();
    else to.write(head.chunk);
    pump();
  };
  const push = (chunk: Buffer | null): void => {
    const ms = delay();
    if (ms <= 0 && queue.length === 0) {
      if (chunk === null) to.end();
      else to.write(chunk);
      return;
    }
    queue.push({ due: performance.now() + ms, chunk });
    if (!pumping) {
      pumping = true;
      pump();
    }
  };
  from.on("data", (chunk: Buffer) => push(chunk));
  from.on("end", () => push(null));
  from.on("error", () => to.destroy());
}

export async function startLatencyProxy(target: string): Promise<LatencyProxy> {
  const url = new URL(target);
  const port = await freePort();
  let oneWay = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(url.port), url.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.setNoDelay(true);
    }
    relay(client, upstream, () => oneWay);
    relay(upstream, client, () => oneWay);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const proxied = new URL(target);
  proxied.port = String(port);
  return {
    url: proxied.toString().replace(/\/$/, target.endsWith("/") ? "/" : ""),
    setOneWay: (ms) => {
      oneWay = ms;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
