// Vitest global setup: starts tauri-driver (which starts WebKitWebDriver) and waits for both.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { remote } from "webdriverio";

/** Everything tauri-driver, WebKitWebDriver and the app print: checked for secrets by the tests. */
export const LOG_PATH = join(process.env.B2B_ARTEFACTS ?? join(process.cwd(), "artefacts"), "app.log");

// `cargo xtask test` passes free ports, so that a stray driver never breaks a run.
export const DRIVER_PORT = Number(process.env.B2B_DRIVER_PORT ?? 4444);
const NATIVE_PORT = Number(process.env.B2B_NATIVE_PORT ?? 4445);

/** A WebDriver session on a new window of `application`: the app, or a package's copy of it. */
export function openWindow(application: string): Promise<WebdriverIO.Browser> {
  return remote({
    hostname: "127.0.0.1",
    port: DRIVER_PORT,
    logLevel: "warn",
    capabilities: {
      browserName: "wry",
      "tauri:options": { application },
      // WebKitWebDriver speaks classic WebDriver only.
      "wdio:enforceWebDriverClassic": true,
    } as WebdriverIO.Capabilities,
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await portOpen(port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

let driver: ChildProcess | undefined;

export async function setup(): Promise<void> {
  if (!process.env.B2B_APP_BINARY) {
    throw new Error("B2B_APP_BINARY is not set: run the end-to-end tests through `cargo xtask test`");
  }
  if (await portOpen(DRIVER_PORT)) throw new Error(`port ${DRIVER_PORT} is taken: is another tauri-driver running?`);
  mkdirSync(join(LOG_PATH, ".."), { recursive: true });
  const log = createWriteStream(LOG_PATH);
  driver = spawn("tauri-driver", ["--port", String(DRIVER_PORT), "--native-port", String(NATIVE_PORT)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  driver.stdout?.pipe(log);
  driver.stderr?.pipe(log);
  driver.on("error", (e) => console.error(`tauri-driver could not start: ${e.message}`));
  // tauri-driver accepts before WebKitWebDriver listens: wait for both.
  await waitForPort(DRIVER_PORT, 15_000);
  await waitForPort(NATIVE_PORT, 15_000);
}

export async function teardown(): Promise<void> {
  driver?.kill("SIGTERM");
}
