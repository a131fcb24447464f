import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// `npm run test:e2e`: the deployable bundle under wrangler's dev server against the local stack, driven
// by outside clients: real headless Chromium (Debian's `chromium`, or CHROMIUM_PATH; .ci/run installs
// it), oauth4webapi, and the packed client installed into fresh apps.
const root = fileURLToPath(new URL("..", import.meta.url));

export default defineConfig({
  root,
  test: {
    include: ["test/e2e/**/*.test.ts"],
    environment: "node",
    // One local stack and one bundled worker for every file.
    globalSetup: ["test/e2e/global-setup.ts"],
    // One file at a time: they share that worker, and the burst test's claim (a busy isolate answers
    // 429, never 503) is about one burst, not a burst beside a browser walking the hosted pages.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
