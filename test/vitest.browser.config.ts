import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// `npm run test:browser`: real headless Chromium against the real worker (wrangler's dev server) and
// the local stack. Needs Debian's `chromium` (or CHROMIUM_PATH); .ci/run installs it.
const root = fileURLToPath(new URL("..", import.meta.url));

export default defineConfig({
  root,
  test: {
    include: ["test/browser/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
