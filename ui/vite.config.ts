import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";
import type { Plugin } from "vite";

/**
 * Fails the build when the entry chunk holds Fluent UI: the first-run and sign-in screens are the
 * window's first paint and stay plain; Fluent comes with the signed-in frame (src/Shell.tsx).
 */
function plainEntry(): Plugin {
  return {
    name: "b2b-plain-entry",
    apply: "build",
    generateBundle(_, bundle) {
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== "chunk" || !chunk.isEntry) continue;
        const fluent = chunk.moduleIds.filter((id) => /[\\/]@fluentui[\\/]|[\\/]@griffel[\\/]/.test(id));
        if (fluent.length > 0) {
          this.error(`the entry chunk ${chunk.fileName} holds Fluent UI (${fluent.length} modules, first ${fluent[0]}): import it from src/Shell.tsx or a lazy page`);
        }
      }
    },
  };
}

// Tauri serves the built files; the dev server is only for `cargo xtask dev`.
export default defineConfig({
  plugins: [react(), plainEntry()],
  clearScreen: false,
  server: { port: 5173, strictPort: true, host: "127.0.0.1" },
  build: { target: "es2022", sourcemap: false, chunkSizeWarningLimit: 2048 },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test-setup.ts"],
    // Pages are lazy chunks: on a busy machine their first load takes more than the defaults.
    testTimeout: 20_000,
  },
});
