import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";
import type { Plugin } from "vite";
import { readdirSync, readFileSync } from "node:fs";

/**
 * Fails the build when the first paint would load Fluent UI: the entry chunk and every chunk it
 * imports statically. The first-run and sign-in screens stay plain; Fluent comes with the
 * signed-in frame (src/Shell.tsx), a dynamic import.
 */
function plainEntry(): Plugin {
  return {
    name: "b2b-plain-entry",
    apply: "build",
    generateBundle(_, bundle) {
      const chunks = new Map(
        Object.values(bundle).flatMap((c) => (c.type === "chunk" ? [[c.fileName, c] as const] : [])),
      );
      const loaded = [...chunks.values()].filter((c) => c.isEntry).map((c) => c.fileName);
      // The loop also visits what it appends: the static imports, transitively.
      for (const file of loaded) {
        for (const next of chunks.get(file)?.imports ?? []) if (!loaded.includes(next)) loaded.push(next);
        const fluent = (chunks.get(file)?.moduleIds ?? []).filter((id) => /[\\/]@fluentui[\\/]|[\\/]@griffel[\\/]/.test(id));
        if (fluent.length > 0) {
          this.error(`${file}, loaded at start, holds Fluent UI (${fluent.length} modules, first ${fluent[0]}): import it from src/Shell.tsx or a lazy page`);
        }
      }
    },
  };
}

/**
 * Each message catalog also as dist/i18n/<language>.json, under a fixed name: the app reads the
 * one in use from its embedded files and hands it to the window before the entry script runs
 * (src-tauri/app/lib.rs, `boot_script`). Switching language loads the catalog's chunk as before.
 */
function catalogFiles(): Plugin {
  const dir = new URL("./src/i18n/", import.meta.url);
  return {
    name: "b2b-catalog-files",
    apply: "build",
    generateBundle() {
      for (const file of readdirSync(dir).filter((f) => /^[a-z]{2}\.json$/.test(f))) {
        const source = JSON.stringify(JSON.parse(readFileSync(new URL(file, dir), "utf8")));
        this.emitFile({ type: "asset", fileName: `i18n/${file}`, source });
      }
    },
  };
}

/**
 * Marks the entry script render-blocking (`blocking="render"`), so WebKit, WebView2 and WKWebView
 * paint nothing before it has run. The entry renders the first screen before it returns (main.tsx),
 * so the window's first frame is that screen. Without it WebKit sometimes painted the empty page
 * while the script loaded; that extra frame kept a second window-sized buffer (7-9 MB under Xvfb)
 * for as long as the window lived. Engines without the attribute (before Safari 18.2) ignore it.
 */
function renderBlockingEntry(): Plugin {
  const entry = /<script type="module" crossorigin src="/g;
  return {
    name: "b2b-render-blocking-entry",
    apply: "build",
    transformIndexHtml: {
      order: "post",
      handler(html) {
        const found = html.match(entry)?.length ?? 0;
        if (found !== 1) throw new Error(`index.html: expected one entry script tag, found ${found}`);
        return html.replace(entry, '<script type="module" crossorigin blocking="render" src="');
      },
    },
  };
}

// Tauri serves the built files; the dev server is only for `cargo xtask dev`.
export default defineConfig({
  plugins: [react(), plainEntry(), catalogFiles(), renderBlockingEntry()],
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
