import { expect, type Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import type { Language } from "../../src/bindings/Language";
import type { PolicyView } from "../../src/bindings/PolicyView";
import { mockBundle } from "./global-setup";

type Start = "signedIn" | "firstRun" | "signIn";

/** Opens the app on the fake backend and waits for its first screen. */
export async function open(page: Page, os: Language, start: Start = "signedIn", policy?: PolicyView) {
  await load(page, os, start, policy);
  const ready = { signedIn: "account-area", firstRun: "first-run", signIn: "sign-in" }[start];
  await expect(page.getByTestId(ready)).toBeVisible();
}

/** Opens the app on the fake backend, without waiting for any screen. */
export async function load(page: Page, os: Language, start: Start = "signedIn", policy?: PolicyView) {
  await page.addInitScript(
    ({ lang, begin, rules }) => {
      const w = window as Window & {
        __B2B_FAKE_OS_LANGUAGE__?: string;
        __B2B_FAKE_START__?: string;
        __B2B_FAKE_POLICY__?: PolicyView;
      };
      w.__B2B_FAKE_OS_LANGUAGE__ = lang;
      w.__B2B_FAKE_START__ = begin;
      if (rules) w.__B2B_FAKE_POLICY__ = rules;
    },
    { lang: os, begin: start, rules: policy },
  );
  await page.addInitScript({ path: mockBundle });
  await page.goto("/");
}

/** After a confirmation's button: waits until its dialog is gone. Until then Fluent keeps the page
 * behind it aria-hidden (the exit animation may not have started when `axe` waits for animations),
 * and a whole-page check would report that. */
export async function dialogGone(page: Page) {
  await expect(page.locator('[role="dialog"], [role="alertdialog"]')).toHaveCount(0);
  await expect(page.locator("#root")).not.toHaveAttribute("aria-hidden", "true");
}

/** `within`: only that part of the page, e.g. an open modal dialog. Fluent hides the rest of the
 * page behind a modal with aria-hidden while its focus trap keeps focus inside, which axe's
 * aria-hidden-focus reports on #root; the dialog itself is what a user can reach then. */
export async function axe(page: Page, within?: string) {
  // Colours are judged at rest: a button caught mid-transition (enabled once its data arrived)
  // shows neither state's colours. Finite animations only; a spinner's never ends.
  await page.evaluate(() =>
    Promise.all(
      document
        .getAnimations()
        .filter((a) => a.effect?.getComputedTiming().endTime !== Infinity)
        .map((a) => a.finished.catch(() => undefined)),
    ),
  );
  let builder = new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]);
  if (within) builder = builder.include(within);
  const results = await builder.analyze();
  // Fluent's focus manager (Tabster) adds aria-hidden focus sentinels that pass focus on at once;
  // Microsoft's own scanners treat them as a false positive of aria-hidden-focus. Only those nodes
  // are dropped: any other node of that rule, or of any rule, fails.
  const violations = results.violations
    .map((v) =>
      v.id === "aria-hidden-focus" ? { ...v, nodes: v.nodes.filter((n) => !n.html.includes("data-tabster-dummy")) } : v,
    )
    .filter((v) => v.nodes.length > 0);
  const summary = violations.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes
        .map((n) => `${n.target.join(" ")} ${n.html.slice(0, 160)} ${n.any.map((c) => c.message).join("; ")}`)
        .join("\n  ")}`,
  );
  expect(summary, summary.join("\n")).toEqual([]);
}

