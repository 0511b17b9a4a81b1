// Issue 14.4 in a real browser over the fake backend: the Pending page marks overdue invitations
// (days control, default 14), shows the newly accepted with their date, and "Resend to all
// overdue" hands the list to the Bulk page's preview, confirmation, run and report, worded as a
// resend; every step axe-clean in all four languages.
import { expect, test } from "@playwright/test";
import type { Language } from "../../src/bindings/Language";
import { axe, open, dialogGone } from "./helpers";

const languages: Language[] = ["en", "fr", "sv", "he"];

for (const lang of languages) {
  test(`overdue invitations and newly accepted in ${lang}`, async ({ page }) => {
    await open(page, lang);
    await page.getByTestId("nav-pending").click();
    await expect(page.getByTestId("pending-row")).toHaveCount(1);
    // The fake's pending user waits 61 days: overdue at the default 14.
    await expect(page.getByTestId("overdue-days")).toHaveValue("14");
    await expect(page.getByTestId("overdue-badge")).toHaveCount(1);
    await expect(page.getByTestId("pending-row")).toHaveAttribute("data-overdue", "true");
    await expect(page.getByTestId("newly-row")).toHaveCount(1);
    await expect(page.getByTestId("newly-accepted")).toContainText("Emily Silva");
    await axe(page);

    // At 100 days nothing is overdue: the bulk resend is disabled and says why.
    await page.getByTestId("overdue-days").fill("100");
    await page.getByTestId("overdue-days").press("Enter");
    await expect(page.getByTestId("overdue-badge")).toHaveCount(0);
    await expect(page.getByTestId("resend-overdue")).toHaveAttribute("aria-disabled", "true");
    await expect(page.getByTestId("overdue-why")).toBeVisible();
    await axe(page);

    await page.getByTestId("overdue-days").fill("30");
    await page.getByTestId("overdue-days").press("Enter");
    await expect(page.getByTestId("overdue-badge")).toHaveCount(1);
    await page.getByTestId("resend-overdue").click();
    // The Bulk page previews the overdue list as a resend.
    await expect(page.getByTestId("bulk-row")).toHaveCount(1);
    await expect(page.getByTestId("bulk-ready")).toBeVisible();
    await axe(page);
    await page.getByTestId("bulk-run").click();
    await expect(page.getByTestId("bulk-confirm")).toBeVisible();
    await axe(page, '[role="dialog"]');
    await page.getByTestId("bulk-confirm-yes").click();
    await dialogGone(page);
    await expect(page.getByTestId("bulk-report-row")).toHaveCount(1);
    await expect(page.getByTestId("bulk-report-row")).toHaveAttribute("data-outcome", "converted");
    if (lang === "en") {
      await expect(page.getByTestId("bulk-report-row")).toContainText("Resent");
      await expect(page.getByTestId("bulk-report-summary")).toContainText("1 resent");
    }
    // The page is reachable again once the dialog has gone.
    await expect(page.getByTestId("bulk-confirm")).toHaveCount(0);
    await expect(page.locator("#root")).not.toHaveAttribute("aria-hidden", "true");
    await axe(page);
  });
}
