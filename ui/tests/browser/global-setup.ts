import { build } from "vite";
import { fileURLToPath } from "node:url";

export const mockBundle = fileURLToPath(new URL("../../test-results/mock/fake-backend.js", import.meta.url));

/** Bundles the fake backend (with @tauri-apps/api's mockIPC) for injection into the page. */
export default async function globalSetup() {
  await build({
    configFile: false,
    logLevel: "warn",
    build: {
      outDir: fileURLToPath(new URL("../../test-results/mock", import.meta.url)),
      emptyOutDir: true,
      minify: false,
      lib: {
        entry: fileURLToPath(new URL("./mock-entry.ts", import.meta.url)),
        formats: ["iife"],
        name: "B2BFakeBackend",
        fileName: () => "fake-backend.js",
      },
    },
  });
}
