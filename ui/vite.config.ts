import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";
import { parse } from "@formatjs/icu-messageformat-parser";
import { fileURLToPath } from "node:url";
import type { Plugin } from "vite";

/**
 * The built app gets its message catalogs parsed already (react-intl takes the ICU syntax tree in
 * place of the string) and the runtime parser is left out: the window no longer parses, and
 * compiles, a parser for every message it shows. Tests and the dev server keep the strings.
 */
function precompiledMessages(): Plugin {
  return {
    name: "b2b-precompiled-messages",
    apply: "build",
    enforce: "pre",
    transform(code, id) {
      const language = /[\\/]src[\\/]i18n[\\/](en|fr|sv|he)\.json$/.exec(id)?.[1];
      if (!language) return null;
      const locale = new Intl.Locale(language);
      const messages = JSON.parse(code) as Record<string, string>;
      const compiled = Object.fromEntries(Object.entries(messages).map(([key, text]) => [key, parse(text, { locale })]));
      return { code: JSON.stringify(compiled), map: null };
    },
  };
}

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
const noParser = fileURLToPath(new URL("./node_modules/@formatjs/icu-messageformat-parser/no-parser.js", import.meta.url));

export default defineConfig(({ command }) => ({
  plugins: [react(), plainEntry(), precompiledMessages()],
  resolve: {
    alias: command === "build" ? { "@formatjs/icu-messageformat-parser": noParser } : ({} as Record<string, string>),
  },
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
}));
