// Issue 14.2 in a real browser: the Invite page looks the address up first, names the user who
// already holds it (with a link to them) and blocks; a new address is checked, confirmed and
// invited, the redeem link shown when no e-mail is sent. Axe-checked in all four languages.
import { expect, test } from "@playwright/test";
import type { Language } from "../../src/bindings/Language";
import { axe, open, dialogGone } from "./helpers";

const languages: Language[] = ["en", "fr", "sv", "he"];

for (const lang of languages) {
  test(`in ${lang}: an address already in the directory is shown with its user, a new one is invited; axe-clean`, async ({ page }) => {
    await open(page, lang);
    await page.getByTestId("nav-invite").click();
    await expect(page.getByTestId("page-invite")).toBeVisible();
    await axe(page);

    const panel = page.getByTestId("invite-panel");
    await panel.getByTestId("invite-email").fill("adele.adams@northwind.example");
    await expect(panel.getByTestId("invite-existing")).toBeVisible();
    await expect(panel.getByTestId("existing-u-ready")).toContainText("adele.adams@contoso.com");
    await expect(panel.getByTestId("check-not_in_directory")).toHaveAttribute("data-severity", "blocker");
    await expect(panel.getByTestId("invite-submit")).toHaveAttribute("aria-disabled", "true");
    await expect(panel.getByTestId("invite-why")).toHaveAttribute("data-reason", "convert.why.blocked");
    await axe(page);

    await panel.getByTestId("invite-email").fill("new.partner@fabrikam.example");
    await expect(panel.getByTestId("check-not_in_directory")).toHaveAttribute("data-severity", "ok");
    await expect(panel.getByTestId("invite-existing")).toHaveCount(0);
    await panel.getByTestId("invite-display-name").fill("New Partner");
    await panel.getByTestId("invite-member").click();
    await expect(panel.getByTestId("check-member_allowed")).toHaveAttribute("data-severity", "ok");
    await panel.getByTestId("send-mail").click();
    await panel.getByTestId("invite-submit").click();
    await expect(page.getByTestId("confirm")).toBeVisible();
    await axe(page, "[data-testid=confirm]");
    await page.getByTestId("confirm-yes").click();
    await dialogGone(page);
    // The dialog is gone (and with it the aria-hidden it puts on the rest of the page).
    await expect(page.getByTestId("confirm")).toHaveCount(0);
    await expect(page.locator("#root")).not.toHaveAttribute("aria-hidden", "true");
    const result = page.getByTestId("invite-result");
    await expect(result).toBeVisible();
    await expect(result).toContainText("new.partner_fabrikam.example#EXT#@contosodemo.onmicrosoft.com");
    await expect(result.getByTestId("invite-redeem-url")).toHaveText("https://login.microsoftonline.com/redeem?rd=fake-invite");
    await axe(page);

    // The same address again: now it is in the directory, and its link opens the new user.
    await panel.getByTestId("invite-email").fill("new.partner@fabrikam.example");
    await expect(panel.getByTestId("invite-existing")).toBeVisible();
    await panel.getByTestId("existing-open").click();
    await expect(page.getByTestId("user-page")).toBeVisible();
    await expect(page.getByTestId("user-page")).toContainText("New Partner");
  });
}

for (const lang of languages) {
  test(`in ${lang}: the Bulk page takes an invitation file (no user column) and says so; axe-clean`, async ({ page }) => {
    await open(page, lang);
    await page.getByTestId("nav-bulk").click();
    await expect(page.getByTestId("bulk-invite-template")).toBeVisible();
    await page.getByTestId("bulk-invite-template").click();
    await expect(page.getByTestId("exported-template")).toBeVisible();
    await page.getByTestId("bulk-file").setInputFiles({
      name: "invites.csv",
      mimeType: "text/csv",
      buffer: Buffer.from("email,displayName,userType\nnew.partner@fabrikam.example,New Partner,Guest\n"),
    });
    await expect(page.getByTestId("bulk-invite-file")).toBeVisible();
    await expect(page.getByTestId("bulk-row")).toHaveCount(3);
    await expect(page.getByTestId("bulk-row").first()).toContainText("New Partner");
    await axe(page);
  });
}
