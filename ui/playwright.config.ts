import { defineConfig } from "@playwright/test";

// Debian's Chromium: Playwright's own browser downloads are not available on our machines.
const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
// `cargo xtask test` passes a free port, so that a stray server never breaks a run.
const port = Number(process.env.B2B_UI_PORT ?? 4173);

export default defineConfig({
  testDir: "tests/browser",
  globalSetup: "./tests/browser/global-setup.ts",
  fullyParallel: true,
  workers: 2,
  forbidOnly: !!process.env.CI,
  reporter: [["list"]],
  outputDir: "test-results/playwright",
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    headless: true,
    viewport: { width: 1280, height: 800 },
    // Menus and dialogs fade in; axe must see them at full opacity.
    contextOptions: { reducedMotion: "reduce" },
    launchOptions: {
      executablePath,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: {
    command: `npx vite preview --host 127.0.0.1 --port ${port} --strictPort`,
    url: `http://127.0.0.1:${port}`,
    reuseExistingServer: !process.env.CI,
  },
});
