// The real app, built with the UI embedded, driven through tauri-driver under Xvfb.
// Every page visited is saved as a screenshot in $B2B_ARTEFACTS (git-ignored).
import { afterEach, describe, expect, it } from "vitest";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { remote } from "webdriverio";
import { DRIVER_PORT } from "./driver";

const binary = process.env.B2B_APP_BINARY ?? "";
const artefacts = process.env.B2B_ARTEFACTS ?? join(process.cwd(), "artefacts");
mkdirSync(artefacts, { recursive: true });

const pages = ["users", "pending", "bulk", "history", "settings"] as const;
type Browser = WebdriverIO.Browser;

let session: Browser | undefined;

async function launch(): Promise<Browser> {
  session = await remote({
    hostname: "127.0.0.1",
    port: DRIVER_PORT,
    logLevel: "warn",
    capabilities: {
      browserName: "wry",
      "tauri:options": { application: binary },
      // WebKitWebDriver speaks classic WebDriver only.
      "wdio:enforceWebDriverClassic": true,
    } as WebdriverIO.Capabilities,
  });
  await session.$('[data-testid="nav"]').waitForDisplayed({ timeout: 20_000 });
  return session;
}

async function quit(): Promise<void> {
  await session?.deleteSession();
  session = undefined;
}

afterEach(quit);

async function visit(browser: Browser, id: (typeof pages)[number], shot: string): Promise<void> {
  await browser.$(`[data-testid="nav-${id}"]`).click();
  await browser.$(`[data-testid="page-${id}"]`).waitForDisplayed({ timeout: 10_000 });
  await browser.saveScreenshot(join(artefacts, `${shot}.png`));
}

async function htmlAttr(browser: Browser, name: "lang" | "dir"): Promise<string> {
  return browser.execute((n) => document.documentElement.getAttribute(n) ?? "", name);
}

describe("B2B Convert window", () => {
  it("shows every page and the real app_info on Settings > About", async () => {
    const browser = await launch();
    expect(await browser.getTitle()).toBe("B2B Convert");
    expect(await htmlAttr(browser, "lang")).toBe("en");
    for (const [i, id] of pages.entries()) await visit(browser, id, `0${i + 1}-${id}-en`);
    const version = browser.$('[data-testid="about-version"]');
    await version.waitForDisplayed({ timeout: 10_000 });
    expect(await version.getText()).toBe("B2B Convert 0.1.0");
    expect(await browser.$('[data-testid="about-build"]').getText()).toMatch(/^debug build, commit \S+, x86_64-unknown-linux-gnu$/);
    expect(await browser.$('[data-testid="about-os"]').getText()).toMatch(/\(x86_64\)$/);
  });

  it("switches to Hebrew, mirrors the frame, and remembers the choice after a restart", async () => {
    let browser = await launch();
    await visit(browser, "settings", "10-settings-before-hebrew");
    await browser.$('[data-testid="language-select"]').selectByAttribute("value", "he");
    await browser.waitUntil(async () => (await htmlAttr(browser, "dir")) === "rtl", { timeout: 10_000 });
    expect(await htmlAttr(browser, "lang")).toBe("he");
    expect(await browser.$("h1").getText()).toBe("הגדרות");
    const nav = await browser.$('[data-testid="nav"]').getLocation();
    const main = await browser.$("main").getLocation();
    expect(nav.x).toBeGreaterThan(main.x);
    await browser.saveScreenshot(join(artefacts, "11-settings-he.png"));

    await quit();
    browser = await launch();
    expect(await htmlAttr(browser, "lang")).toBe("he");
    expect(await htmlAttr(browser, "dir")).toBe("rtl");
    await visit(browser, "users", "12-users-he-after-restart");

    // Back to the OS language, so that the next run starts in English.
    await visit(browser, "settings", "13-settings-he-after-restart");
    await browser.$('[data-testid="language-select"]').selectByAttribute("value", "system");
    await browser.waitUntil(async () => (await htmlAttr(browser, "dir")) === "ltr", { timeout: 10_000 });
  });

  it("enforces the CSP and the command allow-list", async () => {
    const browser = await launch();
    // connect-src allows Tauri IPC only: even a loopback server is out of reach.
    const fetched = await browser.executeAsync((port: number, done: (r: string) => void) => {
      fetch(`http://127.0.0.1:${port}/status`).then(
        () => done("reached"),
        (e: unknown) => done(`blocked: ${String(e)}`),
      );
    }, DRIVER_PORT);
    expect(fetched).toMatch(/^blocked/);
    // The store plugin is driven from Rust; the window has no permission for it.
    const denied = await browser.executeAsync((done: (r: string) => void) => {
      const internals = (window as unknown as { __TAURI_INTERNALS__: { invoke: (c: string, a: object) => Promise<unknown> } })
        .__TAURI_INTERNALS__;
      internals.invoke("plugin:store|load", { path: "settings.json" }).then(
        () => done("allowed"),
        (e: unknown) => done(`denied: ${String(e)}`),
      );
    });
    expect(denied).toMatch(/^denied: .*not allowed/);
  });
});
