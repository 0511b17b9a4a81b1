import { expect, test } from "@playwright/test";
import type { Language } from "../../src/bindings/Language";
import type { PolicyView } from "../../src/bindings/PolicyView";
import { axe, open, dialogGone, load } from "./helpers";

const languages: Language[] = ["en", "fr", "sv", "he"];
const pages = ["users", "discover", "pending", "bulk", "history", "settings"] as const;

/** An organisation's policy with locked and recommended values and an ignored one. */
const policy: PolicyView = {
  entries: [
    { key: "ClientId", value: "11111111-2222-3333-4444-555555555555", level: "locked", source: "registry", origin: "HKLM\\SOFTWARE\\Policies\\B2BConvert" },
    { key: "AuthorityUrl", value: "https://login.microsoftonline.us", level: "recommended", source: "registry", origin: "HKLM\\SOFTWARE\\Policies\\B2BConvert\\Recommended" },
    { key: "InvitationMessage", value: "Welcome to Contoso", level: "locked", source: "registry", origin: "HKLM\\SOFTWARE\\Policies\\B2BConvert" },
    { key: "SendInvitationMessage", value: false, level: "locked", source: "registry", origin: "HKLM\\SOFTWARE\\Policies\\B2BConvert" },
    { key: "AllowDemoTenant", value: false, level: "locked", source: "registry", origin: "HKLM\\SOFTWARE\\Policies\\B2BConvert" },
  ],
  warnings: [
    { code: "invalid_url", key: "GraphUrl", source: "registry", origin: "HKCU\\SOFTWARE\\Policies\\B2BConvert", detail: "GraphUrl is not an https:// URL" },
  ],
};

for (const lang of languages) {
  test.describe(`in ${lang}`, () => {
    test("an organisation policy's first run passes axe at WCAG 2.1 AA", async ({ page }) => {
      await open(page, lang, "firstRun", policy);
      await expect(page.getByTestId("use-demo")).toHaveCount(0);
      await expect(page.getByTestId("client-id")).toBeDisabled();
      await axe(page);
    });

    test("an organisation policy in Settings and the convert panel passes axe at WCAG 2.1 AA", async ({ page }) => {
      await open(page, lang, "signedIn", policy);
      await page.getByTestId("nav-settings").click();
      await expect(page.getByTestId("policy-table")).toBeVisible();
      await expect(page.getByTestId("policy-warning-invalid_url")).toBeVisible();
      await axe(page);
      await page.getByTestId("nav-users").click();
      await page.getByTestId("open-adele.adams@contoso.com").click();
      await page.getByTestId("start-convert").click();
      await expect(page.getByTestId("checks")).toBeVisible();
      await expect(page.getByTestId("message")).toBeDisabled();
      await axe(page);
    });

    for (const id of pages) {
      test(`${id} page passes axe at WCAG 2.1 AA`, async ({ page }) => {
        await open(page, lang);
        await page.getByTestId(`nav-${id}`).click();
        await expect(page.getByTestId(`page-${id}`)).toBeVisible();
        await expect(page.locator("html")).toHaveAttribute("lang", lang);
        await expect(page.locator("h1")).toHaveCount(1);
        if (id === "settings") await expect(page.getByTestId("about-version")).toHaveText("B2B Convert 9.8.7");
        await axe(page);
      });
    }

    test("a conversion, a blocked user, a resend and History pass axe at WCAG 2.1 AA", async ({ page }) => {
      await open(page, lang);
      await expect(page.getByTestId("user-row")).toHaveCount(50);
      await page.getByTestId("open-henry.parker@contoso.com").click();
      await expect(page.getByTestId("synced-reason")).toBeVisible();
      await axe(page);
      await page.getByTestId("back").click();
      await page.getByTestId("open-adele.adams@contoso.com").click();
      await page.getByTestId("start-convert").click();
      await expect(page.getByTestId("checks")).toBeVisible();
      await page.getByTestId("redirect").fill("http://example.com");
      await expect(page.getByTestId("convert-submit")).toBeDisabled();
      await axe(page);
      await page.getByTestId("redirect").fill("");
      await page.getByTestId("send-mail").click();
      await page.getByTestId("convert-submit").click();
      await expect(page.getByTestId("confirm")).toBeVisible();
      await axe(page, '[role="dialog"]');
      await page.getByTestId("confirm-yes").click();
      await dialogGone(page);
      await expect(page.getByTestId("redeem-url")).toContainText("/redeem?rd=");
      // The page is reachable again once the dialog has gone.
      await expect(page.getByTestId("confirm")).toHaveCount(0);
      await expect(page.locator("#root")).not.toHaveAttribute("aria-hidden", "true");
      await axe(page);
      // Made without an e-mail, the link is there again once the page is left and opened again.
      const url = (await page.getByTestId("redeem-url").textContent()) ?? "";
      await page.getByTestId("back").click();
      await page.getByTestId("open-adele.adams@contoso.com").click();
      await expect(page.getByTestId("kept-link-url")).toHaveText(url);
      await expect(page.getByTestId("kept-link-url")).toHaveAttribute("dir", "ltr");
      await axe(page);
      await page.getByTestId("nav-pending").click();
      await page.getByTestId("resend-adele.campbell@contoso.com").click();
      await expect(page.getByTestId("resend-panel").getByTestId("checks")).toBeVisible();
      await axe(page);
      await page.getByTestId("nav-history").click();
      await expect(page.getByTestId("history-row")).toHaveCount(1);
      await page.getByTestId("export-history").click();
      await expect(page.getByTestId("exported")).toBeVisible();
      await axe(page);
    });

    test("bulk import, preview, run and report pass axe at WCAG 2.1 AA", async ({ page }) => {
      await open(page, lang);
      await page.getByTestId("nav-bulk").click();
      await page.getByTestId("bulk-file").setInputFiles({
        name: "partners.csv",
        mimeType: "text/csv",
        buffer: Buffer.from("user,email\nadele.adams@contoso.com,adele.adams@northwind.example\n"),
      });
      await expect(page.getByTestId("bulk-row")).toHaveCount(3);
      await axe(page);
      await page.getByTestId("bulk-run").click();
      await expect(page.getByTestId("bulk-confirm")).toBeVisible();
      await axe(page, '[role="dialog"]');
      await page.getByTestId("bulk-confirm-yes").click();
      await dialogGone(page);
      await expect(page.getByTestId("bulk-report-row")).toHaveCount(3);
      await expect(page.getByTestId("bulk-confirm")).toHaveCount(0);
      await page.getByTestId("bulk-export-report").click();
      await expect(page.getByTestId("exported-report")).toBeVisible();
      await axe(page);
    });

    test("first run and sign-in pass axe at WCAG 2.1 AA", async ({ page }) => {
      await open(page, lang, "firstRun");
      await expect(page.locator("html")).toHaveAttribute("lang", lang);
      await axe(page);
      await page.getByTestId("use-demo").click();
      await expect(page.getByTestId("sign-in")).toBeVisible();
      await axe(page);
      await page.getByTestId("sign-in-code").click();
      await expect(page.getByTestId("user-code")).toHaveText("ABCD2345E");
      await axe(page);
      await page.getByTestId("cancel-sign-in").click();
      await expect(page.getByTestId("sign-in-browser")).toBeVisible();
      await page.getByTestId("sign-in-browser").click();
      await expect(page.getByTestId("capabilities")).toBeVisible();
      await page.getByTestId("account-menu").click();
      await expect(page.getByTestId("sign-out")).toBeVisible();
      await axe(page);
    });
  });
}

test("first run and sign-in load no Fluent UI; its chunk comes once somebody is signed in", async ({ page }) => {
  const scripts: string[] = [];
  page.on("request", (r) => {
    if (r.resourceType() === "script") scripts.push(new URL(r.url()).pathname);
  });
  const shell = (s: string) => /\/Shell-[^/]*\.js$/.test(s);
  await open(page, "en", "firstRun");
  // Fluent marks every component it renders with an fui- class; the plain screens have none.
  await expect(page.locator('[class*="fui-"]')).toHaveCount(0);
  await page.getByTestId("use-demo").click();
  await expect(page.getByTestId("sign-in")).toBeVisible();
  await expect(page.locator('[class*="fui-"]')).toHaveCount(0);
  expect(scripts.filter(shell)).toEqual([]);
  await page.getByTestId("sign-in-browser").click();
  await expect(page.getByTestId("account-area")).toBeVisible();
  expect(scripts.filter(shell)).toHaveLength(1);
  await expect(page.locator(".fui-FluentProvider").first()).toBeVisible();
});

test("dark mode: the plain first-run and sign-in screens follow the OS and pass axe", async ({ page }) => {
  await page.emulateMedia({ colorScheme: "dark" });
  await open(page, "en", "firstRun");
  const dark = async () => {
    const background = await page.locator("body").evaluate((el) => getComputedStyle(el).backgroundColor);
    const channels = (background.match(/\d+/g) ?? []).slice(0, 3).map(Number);
    expect(channels.length).toBe(3);
    expect(Math.max(...channels)).toBeLessThan(80);
  };
  await dark();
  await axe(page);
  await page.getByTestId("use-demo").click();
  await expect(page.getByTestId("sign-in")).toBeVisible();
  await dark();
  await axe(page);
});

test("dark mode follows the OS and passes axe", async ({ page }) => {
  await page.emulateMedia({ colorScheme: "dark" });
  await open(page, "en");
  const background = await page.locator("main").evaluate((el) => getComputedStyle(el.closest(".fui-FluentProvider") ?? el).backgroundColor);
  // webDarkTheme's neutral background is dark: every channel well below the middle.
  const channels = (background.match(/\d+/g) ?? []).slice(0, 3).map(Number);
  expect(channels.length).toBe(3);
  expect(Math.max(...channels)).toBeLessThan(80);
  await axe(page);
  await page.getByTestId("nav-settings").click();
  await axe(page);
});

test("Hebrew mirrors the frame: navigation on the right, right-to-left text", async ({ page }) => {
  await open(page, "en");
  const navLtr = await page.getByTestId("nav").boundingBox();
  const mainLtr = await page.locator("main").boundingBox();
  expect(navLtr && mainLtr && navLtr.x < mainLtr.x).toBe(true);

  await page.getByTestId("nav-settings").click();
  await page.getByTestId("language-select").selectOption("he");
  await expect(page.locator("html")).toHaveAttribute("dir", "rtl");
  await expect(page.locator("html")).toHaveAttribute("lang", "he");
  await expect(page.locator(".fui-FluentProvider").first()).toHaveAttribute("dir", "rtl");
  await expect(page.locator("h1")).toHaveText("הגדרות");

  const nav = await page.getByTestId("nav").boundingBox();
  const main = await page.locator("main").boundingBox();
  const viewport = page.viewportSize();
  expect(nav && main && viewport).toBeTruthy();
  if (!nav || !main || !viewport) return;
  expect(nav.x).toBeGreaterThan(main.x);
  expect(Math.round(nav.x + nav.width)).toBe(viewport.width);
  // The product name starts the header on the right; the account area ends it on the left.
  const name = await page.locator("header").getByText("B2B Convert").boundingBox();
  const account = await page.getByTestId("account-area").boundingBox();
  expect(name && account && name.x > account.x).toBe(true);
  await axe(page);
});

test("loads only the active language's catalog and each page's code when it is opened", async ({ page }) => {
  const scripts: string[] = [];
  page.on("request", (r) => {
    const name = new URL(r.url()).pathname.split("/").pop() ?? "";
    if (name.endsWith(".js")) scripts.push(name);
  });
  await open(page, "he");
  await expect(page.locator("h1")).toHaveText("משתמשים");
  const catalogs = () => scripts.filter((s) => /^(en|fr|sv|he)-[\w-]+\.js$/.test(s)).map((s) => s.slice(0, 2));
  const pageChunks = () => scripts.filter((s) => /^[A-Za-z]+Page-[\w-]+\.js$/.test(s)).map((s) => s.split("-")[0]);
  expect(catalogs()).toEqual(["he"]);
  expect(pageChunks()).toEqual([]);
  await page.getByTestId("nav-bulk").click();
  await expect(page.getByTestId("bulk-file")).toBeAttached();
  expect(pageChunks()).toEqual(["BulkPage"]);
  // Switching language fetches that one catalog.
  await page.getByTestId("nav-settings").click();
  await page.getByTestId("language-select").selectOption("fr");
  await expect(page.locator("h1")).toHaveText("Paramètres");
  await expect(page.locator("html")).toHaveAttribute("dir", "ltr");
  expect(catalogs()).toEqual(["he", "fr"]);
  expect(pageChunks()).toEqual(["BulkPage", "SettingsPage"]);
});

test("a page whose code fails to load says so and offers a reload; the frame and other pages stay", async ({ page }) => {
  await page.route(/\/HistoryPage-[^/]*\.js$/, (route) => route.abort());
  await open(page, "fr");
  await page.getByTestId("nav-history").click();
  const failed = page.getByTestId("window-failed");
  await expect(failed).toContainText("Une partie de la fenêtre n’a pas pu s’afficher");
  await expect(failed).toContainText("ui_failed");
  await expect(page.getByTestId("nav")).toBeVisible();
  await axe(page);
  // Another page opens as usual, and the error is gone.
  await page.getByTestId("nav-bulk").click();
  await expect(page.getByTestId("bulk-file")).toBeAttached();
  await expect(failed).toHaveCount(0);
});

test("the signed-in frame failing to load leaves a reload button that brings the window back", async ({ page }) => {
  const shell = /\/Shell-[^/]*\.js$/;
  await page.route(shell, (route) => route.abort());
  await load(page, "en");
  const failed = page.getByTestId("window-failed");
  await expect(failed).toContainText("Part of the window could not be shown");
  await page.unroute(shell);
  await failed.getByRole("button", { name: "Reload the window" }).click();
  await expect(page.getByTestId("account-area")).toBeVisible();
  await expect(failed).toHaveCount(0);
});
