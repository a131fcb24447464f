// Password hashing is the one CPU-heavy step (PBKDF2, 100,000 iterations, tens of ms), and an isolate
// runs one thing at a time: a burst of sign-ups hashing at once starves everything else in the
// isolate, so store calls already on the wire miss their deadlines and answer 503 while the stores
// are healthy. The gate lets a few derivations run, queues a bounded number, and refuses the rest at
// once (the caller answers 429 with Retry-After): CPU pressure is a busy signal, never an outage.

export class GateFull extends Error {
  constructor() {
    super("too many password checks in progress");
    this.name = "GateFull";
  }
}

export interface WorkGate {
  run<T>(work: () => Promise<T>): Promise<T>;
}

export function createWorkGate(options: { running: number; waiting: number }): WorkGate {
  let running = 0;
  const queue: Array<() => void> = [];
  const release = () => {
    const next = queue.shift();
    if (next) next();
    else running--;
  };
  return {
    async run(work) {
      if (running >= options.running) {
        if (queue.length >= options.waiting) throw new GateFull();
        // The slot is handed over by release(): `running` stays counted for the next in line.
        await new Promise<void>((resolve) => queue.push(resolve));
      } else {
        running++;
      }
      try {
        // A derivation blocks the isolate until it is done, and the next one would start in the same
        // microtask chain: a turn of the event loop first lets store answers already here be read.
        await new Promise((resolve) => setTimeout(resolve, 0));
        return await work();
      } finally {
        release();
      }
    },
  };
}
