import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["*.e2e.ts"],
    globalSetup: ["./driver.ts"],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    // One app window at a time.
    fileParallelism: false,
  },
});
