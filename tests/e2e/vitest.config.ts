import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // `cargo xtask bench-app` sets B2B_PERF and runs the whole-app figures instead of the tests;
    // the package test (B2B_PACKAGE_ROOT) starts the app unpacked from the .deb.
    include: process.env.B2B_PERF ? ["*.perf.ts"] : process.env.B2B_PACKAGE_ROOT ? ["*.package.ts"] : ["*.e2e.ts"],
    globalSetup: ["./driver.ts"],
    testTimeout: 300_000,
    hookTimeout: 60_000,
    // One app window at a time.
    fileParallelism: false,
  },
});
