// Shared by the package tests: a packaged app started as a user starts it.
import { expect } from "vitest";
import { join } from "node:path";
import { openWindow } from "./driver";

const artefacts = process.env.B2B_ARTEFACTS ?? join(process.cwd(), "artefacts");

/** Starts `application` until its first-run window shows, titled as the app, and saves a
 * screenshot as `shot` in the artefacts. */
export async function startsToFirstRun(application: string, shot: string): Promise<void> {
  const browser = await openWindow(application);
  try {
    await browser.$('[data-testid="first-run"]').waitForDisplayed({ timeout: 30_000 });
    expect(await browser.getTitle()).toBe("B2B Convert");
    await browser.saveScreenshot(join(artefacts, shot));
  } finally {
    await browser.deleteSession();
  }
}
