// Issue 12 in a real browser: three clicks from the Users page to a converted user, a whole
// conversion by keyboard, focus that is always visible and comes back on Escape, and every page
// at 800×600 in all four languages (axe-checked, and saved as screenshots in English and Hebrew).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { expect, test, type Locator, type Page } from "@playwright/test";
import type { Language } from "../../src/bindings/Language";
import { axe, open, dialogGone } from "./helpers";

const languages: Language[] = ["en", "fr", "sv", "he"];
const small = { width: 800, height: 600 };
// `B2B_SCREENSHOTS=../docs/screenshots/small` refreshes the README's pictures.
const shots = process.env.B2B_SCREENSHOTS ?? "test-results/screenshots/small";

/** The focused element: not the page itself, and at least partly inside the window. */
async function expectFocusVisible(page: Page) {
  const where = await page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const r = el.getBoundingClientRect();
    return { top: r.top, bottom: r.bottom, left: r.left, right: r.right, w: innerWidth, h: innerHeight };
  });
  expect(where, "focus is on the page body").not.toBeNull();
  if (!where) return;
  expect(where.bottom > 0 && where.top < where.h && where.right > 0 && where.left < where.w, JSON.stringify(where)).toBe(
    true,
  );
}

/** The element is inside the window, top to bottom. */
async function expectInView(locator: Locator, page: Page) {
  const box = await locator.boundingBox();
  const view = page.viewportSize();
  expect(box && view).toBeTruthy();
  if (!box || !view) return;
  expect(box.y).toBeGreaterThanOrEqual(0);
  expect(box.y).toBeLessThan(view.height);
}

async function go(page: Page, id: string) {
  if (await page.getByTestId("nav-toggle").isVisible()) await page.getByTestId("nav-toggle").click();
  await page.getByTestId(`nav-${id}`).click();
  await expect(page.getByTestId(`page-${id}`)).toBeVisible();
}

test.describe("three clicks to a converted user", () => {
  for (const size of [small, { width: 1280, height: 800 }]) {
    test(`from the signed-in Users page at ${size.width}×${size.height}, with focus always visible`, async ({ page }) => {
      await page.setViewportSize(size);
      await open(page, "en");
      let clicks = 0;
      const click = async (l: Locator) => {
        clicks += 1;
        await l.click();
      };
      // Signed in, the search box has focus: typing the name needs no click.
      await expect(page.getByTestId("user-search")).toBeFocused();
      await page.keyboard.type("Adele Adams");
      await expect(page.getByTestId("user-row")).toHaveCount(1);
      await click(page.getByTestId("convert-adele.adams@contoso.com"));
      // The panel is in view with focus in it, the address prefilled, the pre-flight already run.
      const panel = page.getByTestId("convert-panel");
      await expect(panel.getByTestId("address")).toBeFocused();
      await expect(panel.getByTestId("address")).toHaveValue("adele.adams@northwind.example");
      await expectInView(panel, page);
      await expectFocusVisible(page);
      await expect(panel.getByTestId("checks")).toBeVisible();
      await expect(panel.getByTestId("convert-submit")).toBeEnabled();
      await click(panel.getByTestId("convert-submit"));
      await expect(page.getByTestId("confirm")).toBeVisible();
      await expectFocusVisible(page);
      await click(page.getByTestId("confirm-yes"));
      await dialogGone(page);
      await expect(page.getByTestId("result")).toBeVisible();
      await expect(page.getByTestId("result")).toBeFocused();
      await expectFocusVisible(page);
      await expect(page.getByTestId("user-page").getByTestId("state-pending")).toBeVisible();
      expect(clicks).toBeLessThanOrEqual(3);
    });
  }

  test("a whole conversion by keyboard, at 800×600 in Hebrew", async ({ page }) => {
    await page.setViewportSize(small);
    await open(page, "he");
    await expect(page.getByTestId("user-search")).toBeFocused();
    await page.keyboard.type("Adele Adams");
    await expect(page.getByTestId("user-row")).toHaveCount(1);
    // Search box -> state filter -> the user's name -> the row's Convert.
    for (let i = 0; i < 3; i++) await page.keyboard.press("Tab");
    await expect(page.getByTestId("convert-adele.adams@contoso.com")).toBeFocused();
    await expectFocusVisible(page);
    await page.keyboard.press("Enter");
    const panel = page.getByTestId("convert-panel");
    await expect(panel.getByTestId("address")).toBeFocused();
    await expect(panel.getByTestId("convert-submit")).toBeEnabled();
    // Enter in the form asks for the confirmation; Enter on its first button converts.
    await page.keyboard.press("Enter");
    await expect(page.getByTestId("confirm")).toBeVisible();
    await expect(page.getByTestId("confirm-yes")).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(page.getByTestId("result")).toBeFocused();
    await expectFocusVisible(page);
  });

  test("Escape returns focus where it came from", async ({ page }) => {
    await page.setViewportSize(small);
    await open(page, "en");
    await page.keyboard.type("Adele");
    await expect(page.getByTestId("user-row")).toHaveCount(2);
    // From the row's Convert: Escape closes the panel and goes back to that button.
    const convert = page.getByTestId("convert-adele.adams@contoso.com");
    await convert.focus();
    await page.keyboard.press("Enter");
    await expect(page.getByTestId("convert-panel").getByTestId("address")).toBeFocused();
    await page.keyboard.press("Escape");
    await expect(page.getByTestId("user-page")).toHaveCount(0);
    await expect(convert).toBeFocused();
    await expect(page.getByTestId("user-search")).toHaveValue("Adele");
    // From the user's name: Escape on the user's page comes back to the name.
    const name = page.getByTestId("open-adele.adams@contoso.com");
    await name.focus();
    await page.keyboard.press("Enter");
    await expect(page.getByTestId("start-convert")).toBeVisible();
    await page.getByTestId("start-convert").focus();
    await page.keyboard.press("Enter");
    await expect(page.getByTestId("convert-panel").getByTestId("address")).toBeFocused();
    // In the panel opened on the page: Escape closes it and focus is back on its button.
    await page.keyboard.press("Escape");
    await expect(page.getByTestId("start-convert")).toBeFocused();
    await page.keyboard.press("Escape");
    await expect(name).toBeFocused();
    await expectFocusVisible(page);
    // A dialog's Escape closes only the dialog.
    await page.getByTestId("convert-adele.adams@contoso.com").click();
    await expect(page.getByTestId("convert-submit")).toBeEnabled();
    await page.getByTestId("convert-submit").click();
    await expect(page.getByTestId("confirm")).toBeVisible();
    await page.keyboard.press("Escape");
    await expect(page.getByTestId("confirm")).toHaveCount(0);
    await expect(page.getByTestId("convert-panel")).toBeVisible();
  });
});

/** Nothing spills out of a table cell: a header or a badge wider than its column runs into the
 * next one. Cells that cut an address with an ellipsis do so inside themselves. */
async function expectNoCellOverflow(page: Page) {
  const spills = await page.evaluate(() =>
    [...document.querySelectorAll("main th, main td")]
      .filter((c) => (c as HTMLElement).offsetParent !== null)
      .filter((c) => c.scrollWidth > c.clientWidth + 1)
      .map((c) => `${c.tagName} "${(c.textContent ?? "").slice(0, 40)}" ${c.scrollWidth}>${c.clientWidth}`),
  );
  expect(spills).toEqual([]);
}

/** The page never scrolls sideways: a wide table scrolls in its own box. */
async function expectNoPageOverflow(page: Page) {
  const over = await page.evaluate(() => {
    const main = document.querySelector("main");
    return main ? main.scrollWidth - main.clientWidth : 0;
  });
  expect(over).toBeLessThanOrEqual(1);
}

/** In Hebrew, every address and id is laid out left to right, so its start is never cut. */
async function expectLtrValues(page: Page) {
  const wrong = await page.evaluate(() =>
    [...document.querySelectorAll("[data-ltr], bdi[dir=ltr], input[type=email]")]
      .filter((e) => getComputedStyle(e).direction !== "ltr")
      .map((e) => e.outerHTML.slice(0, 80)),
  );
  expect(wrong).toEqual([]);
}

async function checkSmall(page: Page, lang: Language, name: string) {
  await expectNoCellOverflow(page);
  await expectNoPageOverflow(page);
  if (lang === "he") await expectLtrValues(page);
  await axe(page);
  if (lang === "en" || lang === "he") {
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: join(shots, `${name}-${lang}.png`) });
  }
}

for (const lang of languages) {
  test.describe(`at 800×600 in ${lang}`, () => {
    test.use({ viewport: small });

    test("first run and sign-in", async ({ page }) => {
      await open(page, lang, "firstRun");
      await checkSmall(page, lang, "01-first-run");
      await page.getByTestId("use-demo").click();
      await expect(page.getByTestId("sign-in")).toBeVisible();
      await checkSmall(page, lang, "02-sign-in");
    });

    test("the navigation folds into a menu and every page fits", async ({ page }) => {
      await open(page, lang);
      await expect(page.getByTestId("nav-toggle")).toBeVisible();
      await expect(page.getByTestId("nav-users")).toBeHidden();
      const main = await page.locator("main").boundingBox();
      expect(main && main.width).toBeGreaterThan(760);
      await expect(page.getByTestId("user-row")).toHaveCount(50);
      await checkSmall(page, lang, "03-users");
      await page.getByTestId("nav-toggle").click();
      await expect(page.getByTestId("nav-users")).toBeVisible();
      await axe(page);
      await page.keyboard.press("Escape");
      await expect(page.getByTestId("nav-users")).toBeHidden();

      await page.getByTestId("user-search").fill("Henry");
      await expect(page.getByTestId("user-row")).toHaveCount(1);
      await page.getByTestId("open-henry.parker@contoso.com").click();
      await expect(page.getByTestId("synced-reason")).toBeVisible();
      await checkSmall(page, lang, "04-user-synced");
      await page.getByTestId("back").click();
      await page.getByTestId("user-search").fill("Adele Adams");
      await expect(page.getByTestId("user-row")).toHaveCount(1);
      await page.getByTestId("convert-adele.adams@contoso.com").click();
      await expect(page.getByTestId("checks")).toBeVisible();
      await page.getByTestId("send-mail").click();
      await checkSmall(page, lang, "05-convert-panel");
      await page.getByTestId("convert-submit").click();
      await expect(page.getByTestId("confirm")).toBeVisible();
      await axe(page, '[role="dialog"]');
      if (lang === "en" || lang === "he") await page.screenshot({ path: join(shots, `06-confirm-${lang}.png`) });
      await page.getByTestId("confirm-yes").click();
      await dialogGone(page);
      await expect(page.getByTestId("ready-text")).not.toHaveValue("");
      await checkSmall(page, lang, "07-converted");

      await go(page, "pending");
      await expect(page.getByTestId("pending-row")).toHaveCount(2);
      await checkSmall(page, lang, "08-pending");

      await go(page, "bulk");
      await page.getByTestId("bulk-file").setInputFiles({
        name: "partners.csv",
        mimeType: "text/csv",
        buffer: Buffer.from("user,email\nadele.adams@contoso.com,adele.adams@northwind.example\n"),
      });
      await expect(page.getByTestId("bulk-row")).toHaveCount(3);
      await checkSmall(page, lang, "09-bulk-preview");
      await page.getByTestId("bulk-run").click();
      await page.getByTestId("bulk-confirm-yes").click();
      await dialogGone(page);
      await expect(page.getByTestId("bulk-report-row")).toHaveCount(3);
      await checkSmall(page, lang, "10-bulk-report");

      await go(page, "history");
      await expect(page.getByTestId("history-row")).toHaveCount(1);
      await checkSmall(page, lang, "11-history");

      await go(page, "settings");
      await checkSmall(page, lang, "12-settings");
    });

    test("discovery's accounts by domain fit", async ({ page }) => {
      await open(page, lang);
      await go(page, "discover");
      await page.getByTestId("discover-scan").click();
      await expect(page.getByTestId("discover-group")).toHaveCount(2);
      await checkSmall(page, lang, "13-discover");
    });
  });
}
