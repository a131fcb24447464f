import { afterAll, beforeAll } from "vitest";
import { generateToken } from "../../src/crypto/random";
import { createHarness, type Harness } from "./harness";

/**
 * One harness per test file (fresh database and Redis prefix, dropped when the file is done). The
 * returned object forwards to the harness, which exists from beforeAll on.
 */
export function useHarness(overrides: Record<string, string> = {}, sameStoresAs?: Harness): Harness {
  let harness: Harness | undefined;
  beforeAll(async () => {
    harness = await createHarness(overrides, { sameStoresAs });
  });
  afterAll(async () => {
    await harness?.close();
  });
  return new Proxy({} as Harness, {
    get(_target, property) {
      if (!harness) throw new Error("useHarness(): the harness is ready only inside tests and hooks");
      // Harness methods close over their state, so values are forwarded as they are (no bind).
      return harness[property as keyof Harness];
    },
  });
}

/** A fresh, valid address: tests never share accounts or rate-limit buckets by accident. */
export function uniqueEmail(label: string): string {
  return `${label}.${generateToken(16)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "")
    .slice(0, 16)}@example.com`;
}
