// Issue 14.3 in a real browser: the sponsors the admin names when converting (checked, confirmed,
// shown after), a user's sponsors on their page (unknown is not none), and the default sponsors
// in Settings, the organisation's policy locking them. Axe-checked in English and Hebrew.
import { expect, test, type Page } from "@playwright/test";
import type { Language } from "../../src/bindings/Language";
import type { PolicyView } from "../../src/bindings/PolicyView";
import { axe, open, dialogGone } from "./helpers";

async function openUser(page: Page, name: string, upn: string) {
  await page.getByTestId("user-search").fill(name);
  await expect(page.getByTestId("user-row")).toHaveCount(1);
  await page.getByTestId(`open-${upn}`).click();
  await expect(page.getByTestId("user-page")).toBeVisible();
}

async function go(page: Page, id: string) {
  if (await page.getByTestId("nav-toggle").isVisible()) await page.getByTestId("nav-toggle").click();
  await page.getByTestId(`nav-${id}`).click();
  await expect(page.getByTestId(`page-${id}`)).toBeVisible();
}

for (const lang of ["en", "he"] as Language[]) {
  test(`a user's sponsors, and sponsors named when converting (${lang})`, async ({ page }) => {
    await open(page, lang);
    await openUser(page, "Emily Silva", "emily.silva@contoso.com");
    const shown = page.getByTestId("user-page").getByTestId("sponsors");
    await expect(shown.getByTestId("sponsor")).toHaveCount(2);
    await expect(shown.getByTestId("sponsor").first()).toContainText("admin@contoso.com");
    await expect(shown.locator('[data-kind="group"]')).toContainText("Partner desk");
    await axe(page);
    await page.getByTestId("back").click();

    await openUser(page, "Adele Campbell", "adele.campbell@contoso.com");
    await expect(page.getByTestId("sponsors-unknown")).toBeVisible();
    await page.getByTestId("back").click();

    await openUser(page, "Adele Adams", "adele.adams@contoso.com");
    await expect(page.getByTestId("sponsors-none")).toBeVisible();
    await page.getByTestId("start-convert").click();
    const panel = page.getByTestId("convert-panel");
    await expect(panel.getByTestId("convert-submit")).toBeEnabled();
    const field = panel.getByTestId("sponsors-input");
    await expect(field).toHaveValue("");
    // Six is one too many, and the action says why it can't go on.
    await field.fill("a@contoso.com|b@contoso.com c@contoso.com;d@contoso.com e@contoso.com f@contoso.com");
    await expect(panel.getByTestId("convert-submit")).toHaveAttribute("aria-disabled", "true");
    await expect(panel.getByTestId("convert-why")).toBeVisible();
    await axe(page);
    await field.fill("global@contoso.com bob");
    await expect(panel.getByTestId("convert-submit")).toHaveAttribute("aria-disabled", "true");
    await field.fill("global@contoso.com 0b7a2f1c-1d2e-4f3a-8b9c-0d1e2f3a4b5c");
    await expect(panel.getByTestId("convert-submit")).toBeEnabled();
    await panel.getByTestId("convert-submit").click();
    await expect(page.getByTestId("confirm-sponsors")).toContainText("global@contoso.com, 0b7a2f1c-1d2e-4f3a-8b9c-0d1e2f3a4b5c");
    await axe(page, '[data-testid="confirm"]');
    await page.getByTestId("confirm-yes").click();
    await dialogGone(page);
    await expect(page.getByTestId("result-sponsors")).toContainText("Gil Global");
    await expect(page.getByTestId("user-page").getByTestId("sponsors").getByTestId("sponsor")).toHaveCount(2);
    await axe(page);
    // History keeps who was named.
    await page.getByTestId("nav-history").click();
    await expect(page.getByTestId("history-sponsors")).toContainText("global@contoso.com, 0b7a2f1c-1d2e-4f3a-8b9c-0d1e2f3a4b5c");
    await axe(page);
  });
}

test("an unknown sponsor is said plainly, and nothing is converted", async ({ page }) => {
  await open(page, "fr");
  await openUser(page, "Adele Adams", "adele.adams@contoso.com");
  await page.getByTestId("start-convert").click();
  const panel = page.getByTestId("convert-panel");
  await panel.getByTestId("sponsors-input").fill("nobody@contoso.com");
  await expect(panel.getByTestId("convert-submit")).toBeEnabled();
  await panel.getByTestId("convert-submit").click();
  await page.getByTestId("confirm-yes").click();
  await dialogGone(page);
  await expect(panel.getByText("Un parrain n'est ni un utilisateur ni un groupe de ce locataire")).toBeVisible();
  await expect(panel.getByText("sponsor_not_found")).toBeVisible();
  await expect(page.getByTestId("result")).toHaveCount(0);
  await axe(page);
});

test("default sponsors: saved in Settings, they fill the convert panel", async ({ page }) => {
  await open(page, "sv");
  await go(page, "settings");
  const input = page.getByTestId("default-sponsors");
  await input.fill("global@contoso.com | helpdesk@contoso.com");
  await page.getByTestId("default-sponsors-save").click();
  await expect(page.getByTestId("settings-sponsors")).toContainText("Sparat.");
  await axe(page);
  await go(page, "users");
  await openUser(page, "Adele Adams", "adele.adams@contoso.com");
  await page.getByTestId("start-convert").click();
  await expect(page.getByTestId("sponsors-input")).toHaveValue("global@contoso.com helpdesk@contoso.com");
  await expect(page.getByTestId("sponsors-input")).toBeEnabled();
});

test("default sponsors locked by the organisation (Hebrew)", async ({ page }) => {
  const policy: PolicyView = {
    entries: [{ key: "DefaultSponsors", value: "global@contoso.com", level: "locked", source: "file", origin: "/etc/b2b-convert/policy.json" }],
    warnings: [],
  };
  await open(page, "he", "signedIn", policy);
  await go(page, "settings");
  await expect(page.getByTestId("default-sponsors")).toHaveValue("global@contoso.com");
  await expect(page.getByTestId("default-sponsors")).toBeDisabled();
  await expect(page.getByTestId("default-sponsors-save")).toHaveCount(0);
  await expect(page.getByTestId("policy-DefaultSponsors")).toContainText("נותני חסות כברירת מחדל");
  await axe(page);
  await go(page, "users");
  await openUser(page, "Adele Adams", "adele.adams@contoso.com");
  await page.getByTestId("start-convert").click();
  await expect(page.getByTestId("sponsors-input")).toHaveValue("global@contoso.com");
  await expect(page.getByTestId("sponsors-input")).toBeDisabled();
  await axe(page);
});
