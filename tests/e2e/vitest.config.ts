import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // `cargo xtask bench-app` sets B2B_PERF and runs the whole-app figures instead of the tests.
    include: process.env.B2B_PERF ? ["*.perf.ts"] : ["*.e2e.ts"],
    globalSetup: ["./driver.ts"],
    testTimeout: 300_000,
    hookTimeout: 60_000,
    // One app window at a time.
    fileParallelism: false,
  },
});
