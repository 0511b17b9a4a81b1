// The real app, built with the UI embedded, driven through tauri-driver under Xvfb, with a real
// keychain (a throw-away gnome-keyring) and the demo tenant started inside the app. The "system
// browser" is sim-browser (B2B_BROWSER), which fills in the demo tenant's sign-in page.
// Every page visited is saved as a screenshot in $B2B_ARTEFACTS (git-ignored).
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DRIVER_PORT, openWindow } from "./driver";

const binary = process.env.B2B_APP_BINARY ?? "";
const artefacts = process.env.B2B_ARTEFACTS ?? join(process.cwd(), "artefacts");
mkdirSync(artefacts, { recursive: true });

const pages = ["users", "discover", "pending", "bulk", "history", "settings"] as const;
type Browser = WebdriverIO.Browser;

async function launch(ready: "first-run" | "sign-in" | "nav"): Promise<Browser> {
  const browser = await openWindow(binary);
  try {
    await browser.$(`[data-testid="${ready}"]`).waitForDisplayed({ timeout: 30_000 });
  } catch (e) {
    // One window at a time: a window that did not show what was expected is closed first.
    await browser.deleteSession();
    throw e;
  }
  return browser;
}

async function shot(browser: Browser, name: string): Promise<void> {
  await browser.saveScreenshot(join(artefacts, `${name}.png`));
}

async function visit(browser: Browser, id: (typeof pages)[number], name: string): Promise<void> {
  await browser.$(`[data-testid="nav-${id}"]`).click();
  await browser.$(`[data-testid="page-${id}"]`).waitForDisplayed({ timeout: 10_000 });
  await shot(browser, name);
}

/** Replaces a search box's text as a person does. WebKitGTK's WebDriver clears an input without
 * an input event, so React keeps the old value and `setValue` would append to it; and Back keeps
 * the search, so the box is not empty when the list comes back. */
async function retype(browser: Browser, selector: string, text: string): Promise<void> {
  await browser.$(selector).click();
  await browser.keys(["Control", "a"]);
  await browser.keys(["Backspace"]);
  // One character per action: WebKitGTK's driver drops the second of two equal characters sent
  // in one action ("Brooks" arrived as "Broks").
  for (const c of text) await browser.keys(c);
}

async function htmlAttr(browser: Browser, name: "lang" | "dir"): Promise<string> {
  return browser.execute((n) => document.documentElement.getAttribute(n) ?? "", name);
}

/** The entry script's `blocking` tokens, and whether the engine supports "render". */
async function renderBlockingEntry(browser: Browser): Promise<{ tokens: string | null; supported: boolean }> {
  return browser.execute(() => {
    const entry = document.querySelector('script[type="module"][src^="/assets/index-"]');
    const list = (entry as { blocking?: DOMTokenList } | null)?.blocking;
    return { tokens: entry?.getAttribute("blocking") ?? null, supported: list?.supports("render") ?? false };
  });
}

/** What the app handed the window before its script ran (`window.__B2B_BOOT__`), as JSON. */
async function bootData(browser: Browser): Promise<string> {
  return browser.execute(() => JSON.stringify((window as { __B2B_BOOT__?: unknown }).__B2B_BOOT__ ?? null));
}

/** Asks the real backend, from the window, for everything it tells the UI about the session. */
async function ipcAnswers(browser: Browser): Promise<string[]> {
  return browser.executeAsync((done: (r: string[]) => void) => {
    const internals = (window as unknown as { __TAURI_INTERNALS__: { invoke: (c: string) => Promise<unknown> } })
      .__TAURI_INTERNALS__;
    Promise.all(["get_session", "get_language", "app_info"].map((c) => internals.invoke(c))).then(
      (all) => done(all.map((a) => JSON.stringify(a))),
      (e: unknown) => done([`error: ${String(e)}`]),
    );
  });
}

function keychainEntries(): string {
  try {
    return execFileSync("secret-tool", ["search", "--all", "service", "com.b2bconvert.app"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (e) {
    // secret-tool exits 1 when nothing matches.
    return (e as { stdout?: string }).stdout ?? "";
  }
}

/** An admin's access token from the demo tenant's test hook, to read its directory as a list. */
async function adminToken(demo: string): Promise<string> {
  const answer = await fetch(`${demo}/_sim/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin@contoso.com", scope: "User.Read User.ReadWrite.All" }),
  });
  return ((await answer.json()) as { access_token: string }).access_token;
}

/** A Graph GET on the demo tenant as its admin, the way an admin's script reads the directory. */
async function graphGet<T>(demo: string, path: string): Promise<T> {
  const token = await adminToken(demo);
  return (await (await fetch(`${demo}${path}`, { headers: { authorization: `Bearer ${token}` } })).json()) as T;
}

/** The e-mails the demo tenant sent, oldest first. */
async function outbox<T = Record<string, unknown>>(demo: string): Promise<T[]> {
  return ((await (await fetch(`${demo}/_sim/outbox`)).json()) as { value: T[] }).value;
}

/** A user of the demo tenant that converts without a warning: its mail is its own external
 * address, held by nobody else, not synced, never invited. Skips Adele Adams (the click flow). */
async function firstReadyUser(demo: string): Promise<{ displayName: string; userPrincipalName: string }> {
  const users = (
    await graphGet<{
      value: {
        displayName: string;
        userPrincipalName: string;
        mail: string | null;
        externalUserState: string | null;
        onPremisesUserPrincipalName: string | null;
        proxyAddresses: string[];
      }[];
    }>(
      demo,
      "/v1.0/users?$top=999&$select=displayName,userPrincipalName,mail,externalUserState,onPremisesUserPrincipalName,proxyAddresses,otherMails",
    )
  ).value;
  const names = new Map<string, number>();
  for (const u of users) names.set(u.displayName, (names.get(u.displayName) ?? 0) + 1);
  const found = users.find(
    (u) =>
      u.userPrincipalName !== "adele.adams@contoso.com" &&
      names.get(u.displayName) === 1 &&
      u.mail?.endsWith(".example") &&
      !u.externalUserState &&
      !u.onPremisesUserPrincipalName &&
      u.proxyAddresses.every((p) => !p.startsWith("SMTP:") || p.endsWith(".example")),
  );
  if (!found) throw new Error("the demo tenant has no second ready user");
  return found;
}

const dataDir = join(process.env.XDG_DATA_HOME ?? "", "com.b2bconvert.app");
const settingsFile = join(dataDir, "settings.json");
/** Tauri's app log dir on Linux: the local data dir (XDG data home here) + identifier + logs. */
const appLog = join(dataDir, "logs", "b2b-convert.log");

/** The demo tenant of the app's latest launch: the address in the log's last "listening" line. */
function currentDemo(): string {
  const starts = [...readFileSync(appLog, "utf8").matchAll(/demo tenant listening on (http:\/\/127\.0\.0\.1:\d+)/g)];
  const demo = starts.at(-1)?.[1] ?? "";
  expect(demo).toMatch(/^http:/);
  return demo;
}
/** Every token the demo tenant issues is a JWT: "eyJ" is the start of any of them. */
const TOKEN = /eyJ[A-Za-z0-9_-]{10,}/;

describe("B2B Convert window", () => {
  it("first run: the demo tenant, sign-in in the browser, every page, the real app_info", async () => {
    const browser = await launch("first-run");
    try {
      expect(await browser.getTitle()).toBe("B2B Convert");
      expect(await htmlAttr(browser, "lang")).toBe("en");
      // The first screen's data came before the script: the first-run session and English words.
      const boot = await bootData(browser);
      expect(JSON.parse(boot)).toMatchObject({
        language: { effective: "en" },
        session: { connection: null, accounts: [] },
        catalog: { "app.loading": "Starting B2B Convert…" },
      });
      expect(boot).not.toMatch(TOKEN);
      // The entry script blocks rendering and this WebKit knows the attribute: the window's first
      // frame is the first screen, not the empty page (ui/vite.config.ts, renderBlockingEntry).
      expect(await renderBlockingEntry(browser)).toEqual({ tokens: "render", supported: true });
      await shot(browser, "00-first-run");
      await browser.$('[data-testid="use-demo"]').click();
      await browser.$('[data-testid="sign-in"]').waitForDisplayed({ timeout: 10_000 });
      await shot(browser, "01-sign-in");
      await browser.$('[data-testid="sign-in-browser"]').click();
      await browser.$('[data-testid="capabilities"]').waitForDisplayed({ timeout: 30_000 });
      expect(await browser.$('[data-testid="account-menu"]').getAttribute("aria-label")).toBe("Account: Ada Admin");
      expect(await browser.$('[data-testid="capabilities"]').getText()).toContain("You can convert users");
      for (const [i, id] of pages.entries()) await visit(browser, id, `0${i + 2}-${id}-en`);
      const version = browser.$('[data-testid="about-version"]');
      await version.waitForDisplayed({ timeout: 10_000 });
      expect(await version.getText()).toBe("B2B Convert 0.1.0");
      expect(await browser.$('[data-testid="about-build"]').getText()).toMatch(
        /^debug build, commit \S+, x86_64-unknown-linux-gnu$/,
      );
      const answers = await ipcAnswers(browser);
      expect(answers.some((a) => a.includes("admin@contoso.com"))).toBe(true);
      expect(answers.filter((a) => TOKEN.test(a))).toEqual([]);
      expect(keychainEntries()).toContain("account.");
    } finally {
      await browser.deleteSession();
    }
  });

  it("restarts still signed in, switches to Hebrew, mirrors, and remembers it", async () => {
    let browser = await launch("nav");
    try {
      await browser.$('[data-testid="capabilities"]').waitForDisplayed({ timeout: 30_000 });
      await visit(browser, "settings", "10-settings-after-restart");
      await browser.$('[data-testid="language-select"]').selectByAttribute("value", "he");
      await browser.waitUntil(async () => (await htmlAttr(browser, "dir")) === "rtl", { timeout: 10_000 });
      expect(await htmlAttr(browser, "lang")).toBe("he");
      expect(await browser.$("h1").getText()).toBe("הגדרות");
      const nav = await browser.$('[data-testid="nav"]').getLocation();
      const main = await browser.$("main").getLocation();
      expect(nav.x).toBeGreaterThan(main.x);
      await shot(browser, "11-settings-he");
    } finally {
      await browser.deleteSession();
    }
    browser = await launch("nav");
    try {
      expect(await htmlAttr(browser, "lang")).toBe("he");
      expect(await htmlAttr(browser, "dir")).toBe("rtl");
      // Signed in: the boot data holds the words, not the session (that needs the keychain).
      const boot = JSON.parse(await bootData(browser)) as { session: unknown; catalog: Record<string, string> };
      expect(boot.session).toBeNull();
      expect(boot.catalog["nav.label"]).not.toBe("Main navigation");
      await visit(browser, "users", "12-users-he-after-restart");
      // Back to the OS language, so that the next test starts in English.
      await visit(browser, "settings", "13-settings-he");
      await browser.$('[data-testid="language-select"]').selectByAttribute("value", "system");
      await browser.waitUntil(async () => (await htmlAttr(browser, "dir")) === "ltr", { timeout: 10_000 });
    } finally {
      await browser.deleteSession();
    }
  });

  it("finds and converts a user, explains blocked ones, resends, lists pending, exports History", async () => {
    const browser = await launch("nav");
    try {
      await browser.$('[data-testid="capabilities"]').waitForDisplayed({ timeout: 30_000 });
      const demo = currentDemo();

      // Three clicks from the signed-in Users page to a converted user, plus typing the name.
      // Every click is counted; typing goes to the search box, which has focus on arrival.
      let clicks = 0;
      const click = async (selector: string) => {
        clicks += 1;
        await browser.$(selector).click();
      };
      await browser.$('[data-testid="user-row"]').waitForDisplayed({ timeout: 20_000 });
      expect(await browser.$('[data-testid="user-search"]').isFocused()).toBe(true);
      await browser.keys("Adele Adams");
      const convertRow = '[data-testid="convert-adele.adams@contoso.com"]';
      await browser.$(convertRow).waitForDisplayed({ timeout: 20_000 });
      await browser.waitUntil(async () => (await browser.$$('[data-testid="user-row"]').length) === 1, { timeout: 10_000 });
      await shot(browser, "30-search");
      await click(convertRow);
      // The panel opens in view with focus in it, the address prefilled, the pre-flight run.
      const address = browser.$('[data-testid="convert-panel"] [data-testid="address"]');
      await address.waitForDisplayed({ timeout: 20_000 });
      await browser.waitUntil(async () => address.isFocused(), { timeout: 10_000 });
      expect(await address.isDisplayed({ withinViewport: true })).toBe(true);
      await browser.$('[data-testid="checks"]').waitForDisplayed({ timeout: 20_000 });
      expect(await browser.$$('[data-testid="checks"] [data-severity="blocker"]').length).toBe(0);
      const submit = browser.$('[data-testid="convert-submit"]');
      await browser.waitUntil(async () => (await submit.getAttribute("aria-disabled")) !== "true", { timeout: 20_000 });
      await shot(browser, "31-convert-panel");
      await click('[data-testid="convert-submit"]');
      await browser.$('[data-testid="confirm"]').waitForDisplayed({ timeout: 10_000 });
      expect(await browser.$('[data-testid="confirm-mail"]').getText()).toContain("An invitation e-mail goes to");
      await shot(browser, "32-confirm");
      await click('[data-testid="confirm-yes"]');
      await browser.$('[data-testid="result"]').waitForDisplayed({ timeout: 20_000 });
      expect(clicks).toBeLessThanOrEqual(3);
      expect(await browser.$('[data-testid="result-status"]').getAttribute("data-value")).toBe("PendingAcceptance");
      expect(await browser.$('[data-testid="result"]').isFocused()).toBe(true);
      // The e-mail went out: no link to pass on by hand.
      expect(await browser.$('[data-testid="redeem-url"]').isExisting()).toBe(false);
      await browser.$('[data-testid="start-resend"]').waitForDisplayed({ timeout: 10_000 });
      await shot(browser, "33-converted");
      const sent = await outbox(demo);
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({ to: "adele.adams@wingtiptoys.example" });

      // A whole conversion by keyboard, without an e-mail: the link and a text to send instead.
      await browser.keys("Escape");
      await browser.$('[data-testid="user-page"]').waitForExist({ reverse: true, timeout: 10_000 });
      const keyboardUser = await firstReadyUser(demo);
      await retype(browser, '[data-testid="user-search"]', keyboardUser.displayName);
      const row = `[data-testid="convert-${keyboardUser.userPrincipalName}"]`;
      await browser.$(row).waitForDisplayed({ timeout: 20_000 });
      await browser.waitUntil(async () => (await browser.$$('[data-testid="user-row"]').length) === 1, { timeout: 10_000 });
      // From the search box: the state filter, the user's name, then the row's Convert.
      await browser.keys(["Tab"]);
      await browser.keys(["Tab"]);
      await browser.keys(["Tab"]);
      expect(await browser.$(row).isFocused()).toBe(true);
      await browser.keys(["Enter"]);
      await browser.waitUntil(async () => address.isFocused(), { timeout: 20_000 });
      await browser.waitUntil(async () => (await submit.getAttribute("aria-disabled")) !== "true", { timeout: 20_000 });
      // Address -> the e-mail switch (Space turns it off) -> language -> message.
      await browser.keys(["Tab"]);
      await browser.keys([" "]);
      await browser.keys(["Tab"]);
      await browser.keys(["Tab"]);
      await browser.keys("Welcome to Contoso");
      // No copy field without an e-mail: the next field is the redirect URL, where Enter asks
      // for the confirmation.
      await browser.keys(["Tab"]);
      expect(await browser.$('[data-testid="redirect"]').isFocused()).toBe(true);
      await browser.keys(["Enter"]);
      await browser.$('[data-testid="confirm"]').waitForDisplayed({ timeout: 10_000 });
      expect(await browser.$('[data-testid="confirm-mail"]').getText()).toMatch(/^No e-mail goes out/);
      expect(await browser.$('[data-testid="confirm-yes"]').isFocused()).toBe(true);
      await browser.keys(["Enter"]);
      await browser.$('[data-testid="result"]').waitForDisplayed({ timeout: 20_000 });
      expect(await browser.$('[data-testid="result"]').isFocused()).toBe(true);
      expect(await browser.$('[data-testid="redeem-url"]').getText()).toMatch(/^https?:\/\//);
      const text = browser.$('[data-testid="ready-text"]');
      await browser.waitUntil(async () => (await text.getValue()).includes("Welcome to Contoso"), { timeout: 10_000 });
      expect(await text.getValue()).toContain(keyboardUser.displayName);
      await shot(browser, "33b-converted-by-keyboard");
      expect(await outbox(demo)).toHaveLength(1);

      // Blocked cases are explained on screen, and nothing can be sent.
      await browser.$('[data-testid="back"]').click();
      await retype(browser, '[data-testid="user-search"]', "Henry Parker");
      await browser.$('[data-testid="open-henry.parker@contoso.com"]').waitForDisplayed({ timeout: 20_000 });
      await browser.$('[data-testid="open-henry.parker@contoso.com"]').click();
      expect(await browser.$('[data-testid="synced-reason"]').getText()).toContain("Microsoft Entra Connect");
      await shot(browser, "34-blocked-synced");
      await browser.$('[data-testid="back"]').click();
      await retype(browser, '[data-testid="user-search"]', "Adele Brooks");
      await browser.$('[data-testid="open-adele.brooks@contoso.com"]').waitForDisplayed({ timeout: 20_000 });
      await browser.$('[data-testid="open-adele.brooks@contoso.com"]').click();
      await browser.$('[data-testid="start-convert"]').click();
      const internal = browser.$('[data-testid="check-address_not_internal"]');
      await internal.waitForDisplayed({ timeout: 20_000 });
      expect(await internal.getAttribute("data-severity")).toBe("blocker");
      expect(await internal.getText()).toContain("verified domains");
      // Disabled, but reachable by keyboard, and it says why next to it.
      expect(await browser.$('[data-testid="convert-submit"]').getAttribute("aria-disabled")).toBe("true");
      await browser.waitUntil(async () => (await browser.$("#convert-why").isDisplayed()), { timeout: 10_000 });
      expect(await browser.$("#convert-why").getText()).not.toBe("");
      await shot(browser, "35-blocked-verified-domain");

      // Pending invitations, and a resend from the list.
      await visit(browser, "pending", "36-pending");
      await browser.$('[data-testid="pending-row"]').waitForDisplayed({ timeout: 20_000 });
      await shot(browser, "36-pending");
      const rows = await browser.$$('[data-testid="pending-row"]').length;
      expect(rows).toBeGreaterThanOrEqual(13);
      // The list can be searched.
      await retype(browser, '[data-testid="pending-search"]', "adele.campbell");
      await browser.waitUntil(async () => (await browser.$$('[data-testid="pending-row"]').length) === 1, { timeout: 10_000 });
      await browser.$('[data-testid="resend-adele.campbell@contoso.com"]').click();
      await browser.$('[data-testid="resend-panel"] [data-testid="checks"]').waitForDisplayed({ timeout: 20_000 });
      await browser.$('[data-testid="resend-submit"]').click();
      await browser.$('[data-testid="confirm-yes"]').click();
      await browser.$('[data-testid="result"]').waitForDisplayed({ timeout: 20_000 });
      await shot(browser, "37-resent");
      const after = await outbox(demo);
      expect(after).toHaveLength(2);
      expect(after[1]?.to).toMatch(/^adele\.campbell@/);
      expect(await browser.$('[data-testid="result"]').getText()).not.toContain("is now an external user");

      // History, and its export.
      await visit(browser, "history", "38-history");
      await browser.$('[data-testid="history-row"]').waitForDisplayed({ timeout: 10_000 });
      await shot(browser, "38-history");
      expect(await browser.$$('[data-testid="history-row"]').length).toBe(3);
      await browser.$('[data-testid="export-history"]').click();
      const path = await browser.$('[data-testid="exported-path"]');
      await path.waitForDisplayed({ timeout: 10_000 });
      const csv = readFileSync(await path.getText(), "utf8");
      expect(csv.split("\n")[0]).toContain("request id");
      expect(csv).toContain("adele.adams@contoso.com");
      expect(csv).toContain("adele.campbell@contoso.com");
      expect(csv).toContain(keyboardUser.userPrincipalName);
      expect(TOKEN.test(csv)).toBe(false);
      expect(TOKEN.test(readFileSync(join(dataDir, "history.jsonl"), "utf8"))).toBe(false);
    } finally {
      await browser.deleteSession();
    }
  });

  it("bulk: imports a CSV, previews, runs, reports, and History has every conversion", async () => {
    const browser = await launch("nav");
    try {
      await browser.$('[data-testid="capabilities"]').waitForDisplayed({ timeout: 30_000 });
      const demo = currentDemo();
      // Pick ready users from the demo tenant itself, as an admin exporting a list would.
      const users = (
        await graphGet<{ value: { userPrincipalName: string; mail: string | null; externalUserState: string | null; onPremisesUserPrincipalName: string | null; proxyAddresses: string[] }[] }>(
          demo,
          "/v1.0/users?$top=999&$select=userPrincipalName,mail,externalUserState,onPremisesUserPrincipalName,proxyAddresses",
        )
      ).value;
      const ready = users
        .filter((u) => u.mail?.endsWith(".example") && !u.externalUserState && !u.onPremisesUserPrincipalName)
        .filter((u) => u.proxyAddresses.every((p) => !p.startsWith("SMTP:") || p.endsWith(".example")))
        .slice(0, 8);
      expect(ready).toHaveLength(8);
      const csv = ["user;email", ...ready.map((u) => `${u.userPrincipalName};${u.mail}`), "henry.parker@contoso.com;henry@adatum.example", "bad@contoso.com;not-an-address"].join("\r\n");

      await visit(browser, "bulk", "40-bulk");
      // The file picker is the OS's; hand the input a file the way a drop would.
      await browser.execute((text: string) => {
        const input = document.querySelector('[data-testid="bulk-file"]') as HTMLInputElement;
        const data = new DataTransfer();
        data.items.add(new File([text], "partners.csv", { type: "text/csv" }));
        input.files = data.files;
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }, csv);
      await browser.$('[data-testid="bulk-ready"]').waitForDisplayed({ timeout: 30_000 });
      expect(await browser.$('[data-testid="bulk-ready"]').getText()).toBe("8 ready");
      expect(await browser.$('[data-testid="bulk-needs-fix"]').getText()).toBe("1 needs a fix");
      expect(await browser.$('[data-testid="bulk-blocked"]').getText()).toBe("1 blocked");
      await shot(browser, "41-bulk-preview");
      await browser.$('[data-testid="bulk-run"]').click();
      await browser.$('[data-testid="bulk-confirm-yes"]').click();
      const summary = browser.$('[data-testid="bulk-report-summary"]');
      await summary.waitForDisplayed({ timeout: 60_000 });
      expect(await summary.getText()).toContain("8 converted");
      await shot(browser, "42-bulk-report");
      const sent = await outbox<{ to: string }>(demo);
      expect(sent.map((m) => m.to).sort()).toEqual(ready.map((u) => u.mail).sort());
      await browser.$('[data-testid="bulk-export-report"]').click();
      const path = browser.$('[data-testid="exported-report-path"]');
      await path.waitForDisplayed({ timeout: 10_000 });
      const report = readFileSync(await path.getText(), "utf8");
      expect(report.split("\n").filter((l) => l.includes(",converted,"))).toHaveLength(8);
      await visit(browser, "history", "43-history-after-bulk");
      await browser.$('[data-testid="history-row"]').waitForDisplayed({ timeout: 10_000 });
      expect(await browser.$$('[data-testid="history-row"]').length).toBeGreaterThanOrEqual(8);
    } finally {
      await browser.deleteSession();
    }
  });

  it("discovers partner accounts by domain and hands the ready ones to the bulk preview", async () => {
    const browser = await launch("nav");
    try {
      await browser.$('[data-testid="capabilities"]').waitForDisplayed({ timeout: 30_000 });
      await visit(browser, "discover", "55-discover");
      await browser.$('[data-testid="discover-scan"]').click();
      await browser.$('[data-testid="discover-summary"]').waitForDisplayed({ timeout: 60_000 });
      const domains = await browser.$$('[data-testid="discover-group"] h2').map((h) => h.getText());
      expect(domains).toContain("northwind.example");
      expect(domains.length).toBeGreaterThanOrEqual(3);
      const ready = await browser.$('[data-testid="discover-ready"]').getText();
      expect(ready).toMatch(/^\d+ ready$/);
      await shot(browser, "56-discover-found");
      await browser.$('[data-testid="discover-convert"]').click();
      // The bulk preview's full checks, as the current account, agree with the scan's verdicts.
      await browser.$('[data-testid="bulk-ready"]').waitForDisplayed({ timeout: 60_000 });
      expect(await browser.$('[data-testid="bulk-ready"]').getText()).toBe(ready);
      expect(await browser.$('[data-testid="page-bulk"]').getText()).toContain("discovered-");
      await shot(browser, "57-discover-to-bulk");
    } finally {
      await browser.deleteSession();
    }
  });

  it("signs out and leaves nothing in the keychain, and no token anywhere on disk or in the logs", async () => {
    const browser = await launch("nav");
    try {
      await browser.$('[data-testid="account-menu"]').click();
      await browser.$('[data-testid="sign-out"]').waitForDisplayed({ timeout: 10_000 });
      await shot(browser, "20-account-menu");
      await browser.$('[data-testid="sign-out"]').click();
      await browser.$('[data-testid="sign-in"]').waitForDisplayed({ timeout: 10_000 });
      await shot(browser, "21-signed-out");
    } finally {
      await browser.deleteSession();
    }
    expect(keychainEntries()).toBe("");
    expect(existsSync(settingsFile)).toBe(true);
    const settings = readFileSync(settingsFile, "utf8");
    expect(settings).toMatch(/"mode":\s*"demo"/);
    expect(TOKEN.test(settings)).toBe(false);
    const log = readFileSync(appLog, "utf8");
    expect(log).toContain("demo tenant listening on");
    expect(TOKEN.test(log)).toBe(false);
    expect(log).not.toMatch(/code_verifier|refresh_token=/);
  });

  it("enforces the CSP and the command allow-list", async () => {
    const browser = await launch("sign-in");
    try {
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
        const internals = (
          window as unknown as { __TAURI_INTERNALS__: { invoke: (c: string, a: object) => Promise<unknown> } }
        ).__TAURI_INTERNALS__;
        internals.invoke("plugin:store|load", { path: "settings.json" }).then(
          () => done("allowed"),
          (e: unknown) => done(`denied: ${String(e)}`),
        );
      });
      expect(denied).toMatch(/^denied: .*not allowed/);
    } finally {
      await browser.deleteSession();
    }
  });
  it("invites a new external user after the directory check, then finds the address already there", async () => {
    // The sign-out test left the app signed out: sign in again (the tests after this one stay signed in).
    const browser = await launch("sign-in");
    try {
      await browser.$('[data-testid="sign-in-browser"]').click();
      await browser.$('[data-testid="capabilities"]').waitForDisplayed({ timeout: 30_000 });
      await browser.$('[data-testid="nav-invite"]').click();
      await browser.$('[data-testid="page-invite"]').waitForDisplayed({ timeout: 10_000 });
      const address = "e2e.invitee@fabrikam.example";
      await retype(browser, '[data-testid="invite-email"]', address);
      const clear = browser.$('[data-testid="check-not_in_directory"]');
      await clear.waitForDisplayed({ timeout: 15_000 });
      // Nobody holds it; the demo sign-in can't read groups and contacts, so that part is unknown:
      // a warning, never a blocker (Microsoft decides).
      expect(["ok", "warning"]).toContain(await clear.getAttribute("data-severity"));
      await retype(browser, '[data-testid="invite-display-name"]', "E2E Invitee");
      await browser.$('[data-testid="send-mail"]').click();
      await shot(browser, "50-invite-checked");
      const submit = browser.$('[data-testid="invite-submit"]');
      await browser.waitUntil(async () => (await submit.getAttribute("aria-disabled")) !== "true", { timeout: 20_000 });
      await submit.click();
      await browser.$('[data-testid="confirm-yes"]').waitForDisplayed({ timeout: 10_000 });
      await browser.$('[data-testid="confirm-yes"]').click();
      const result = browser.$('[data-testid="invite-result"]');
      await result.waitForDisplayed({ timeout: 30_000 });
      expect(await result.getText()).toContain("e2e.invitee_fabrikam.example#EXT#@");
      expect(await browser.$('[data-testid="invite-redeem-url"]').getText()).toMatch(/\/redeem\?rd=/);
      await shot(browser, "51-invited");
      // The same address again: the directory check finds the new user and blocks.
      await retype(browser, '[data-testid="invite-email"]', address);
      await browser.$('[data-testid="invite-existing"]').waitForDisplayed({ timeout: 15_000 });
      expect(await browser.$('[data-testid="check-not_in_directory"]').getAttribute("data-severity")).toBe("blocker");
      await shot(browser, "52-invite-already-there");
      await browser.$('[data-testid="existing-open"]').click();
      await browser.$('[data-testid="user-page"]').waitForDisplayed({ timeout: 15_000 });
      expect(await browser.$('[data-testid="user-page"]').getText()).toContain("E2E Invitee");
    } finally {
      await browser.deleteSession();
    }
  });
  it("pending: marks overdue invitations, resends to all overdue as a bulk run, shows who accepted since", async () => {
    const browser = await launch("nav");
    try {
      await browser.$('[data-testid="capabilities"]').waitForDisplayed({ timeout: 30_000 });
      const demo = currentDemo();
      // The tenant's pending invitations and their ages, as Graph gives them (every one: no paging
      // at $top=999 in the demo tenant), cut at 100 days as the page will be.
      const pending = (
        await graphGet<{ value: { id: string; displayName: string; userPrincipalName: string; mail: string; externalUserStateChangeDateTime: string }[] }>(
          demo,
          "/v1.0/users?$top=999&$filter=externalUserState%20eq%20'PendingAcceptance'&$select=id,displayName,userPrincipalName,mail,externalUserStateChangeDateTime",
        )
      ).value;
      const day = 24 * 3600 * 1000;
      const overdue = pending.filter((u) => Math.floor((Date.now() - Date.parse(u.externalUserStateChangeDateTime)) / day) >= 100);
      expect(overdue.length).toBeGreaterThan(0);
      expect(overdue.length).toBeLessThan(pending.length);
      const mailsBefore = (await outbox(demo)).length;

      await visit(browser, "pending", "60-pending-overdue");
      await browser.$('[data-testid="pending-row"]').waitForDisplayed({ timeout: 20_000 });
      expect(await browser.$('[data-testid="overdue-days"]').getValue()).toBe("14");
      await retype(browser, '[data-testid="overdue-days"]', "100");
      await browser.keys(["Enter"]);
      await browser.waitUntil(async () => (await browser.$$('[data-testid="overdue-badge"]').length) === overdue.length, {
        timeout: 10_000,
      });
      expect(await browser.$('[data-testid="overdue-count"]').getText()).toContain(`${overdue.length}`);
      await shot(browser, "60-pending-overdue");

      // Resend to all overdue: the Bulk page previews the list, then runs it as a resend.
      await browser.$('[data-testid="resend-overdue"]').click();
      await browser.$('[data-testid="bulk-ready"]').waitForDisplayed({ timeout: 30_000 });
      expect(await browser.$('[data-testid="bulk-ready"]').getText()).toBe(`${overdue.length} ready`);
      await shot(browser, "61-overdue-preview");
      await browser.$('[data-testid="bulk-run"]').click();
      await browser.$('[data-testid="bulk-confirm-yes"]').click();
      const summary = browser.$('[data-testid="bulk-report-summary"]');
      await summary.waitForDisplayed({ timeout: 60_000 });
      expect(await summary.getText()).toContain(`${overdue.length} resent`);
      await shot(browser, "62-overdue-report");
      const sent = (await outbox<{ userId: string }>(demo)).slice(mailsBefore);
      expect(sent.map((m) => m.userId).sort()).toEqual(overdue.map((u) => u.id).sort());

      // One of them accepts; back on the Pending page they are newly accepted, and History says so.
      const accepting = overdue[0];
      if (!accepting) throw new Error("no overdue user");
      const redeemed = await fetch(`${demo}/_sim/redeem`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ user_id: accepting.id }),
      });
      expect(redeemed.ok).toBe(true);
      // The demo tenant lags a second behind its writes (replication).
      await browser.pause(1500);
      await visit(browser, "users", "53-users");
      await visit(browser, "pending", "64-newly-accepted");
      await browser.$('[data-testid="newly-row"]').waitForDisplayed({ timeout: 20_000 });
      const newly = await browser.$$('[data-testid="newly-row"]').map((r) => r.getText());
      expect(newly).toHaveLength(1);
      expect(newly[0]).toContain(accepting.displayName);
      expect(newly[0]).toContain("Recorded in History");
      await shot(browser, "64-newly-accepted");
      await visit(browser, "history", "55-history-accepted");
      await browser.$('[data-testid="history-row"]').waitForDisplayed({ timeout: 10_000 });
      const history = await browser.$$('[data-testid="history-row"]').map((r) => r.getText());
      const accepted = history.filter((t) => t.includes("Accepted"));
      expect(accepted, history.join("\n")).toHaveLength(1);
    } finally {
      await browser.deleteSession();
    }
  });

  it("names sponsors: the default from Settings fills the panel, the demo tenant holds them, the admin is not left as one", async () => {
    const browser = await launch("nav");
    try {
      await browser.$('[data-testid="capabilities"]').waitForDisplayed({ timeout: 30_000 });
      const demo = currentDemo();

      await visit(browser, "settings", "70-settings-sponsors");
      await retype(browser, '[data-testid="default-sponsors"]', "global@contoso.com");
      await browser.$('[data-testid="default-sponsors-save"]').click();
      await browser.waitUntil(async () => (await browser.$('[data-testid="settings-sponsors"]').getText()).includes("Saved."), {
        timeout: 10_000,
      });
      expect(readFileSync(settingsFile, "utf8")).toContain("global@contoso.com");

      await visit(browser, "users", "71-users");
      const target = await firstReadyUser(demo);
      await retype(browser, '[data-testid="user-search"]', target.displayName);
      const open = `[data-testid="open-${target.userPrincipalName}"]`;
      await browser.$(open).waitForDisplayed({ timeout: 20_000 });
      await browser.$(open).click();
      await browser.$('[data-testid="sponsors-none"]').waitForDisplayed({ timeout: 20_000 });
      await browser.$('[data-testid="start-convert"]').click();
      const sponsors = browser.$('[data-testid="sponsors-input"]');
      await sponsors.waitForDisplayed({ timeout: 20_000 });
      await browser.waitUntil(async () => (await sponsors.getValue()) === "global@contoso.com", { timeout: 10_000 });
      const submit = browser.$('[data-testid="convert-submit"]');
      await browser.waitUntil(async () => (await submit.getAttribute("aria-disabled")) !== "true", { timeout: 20_000 });
      await shot(browser, "72-convert-with-sponsor");
      await submit.click();
      await browser.$('[data-testid="confirm"]').waitForDisplayed({ timeout: 10_000 });
      expect(await browser.$('[data-testid="confirm-sponsors"]').getText()).toContain("global@contoso.com");
      await browser.$('[data-testid="confirm-yes"]').click();
      await browser.$('[data-testid="result"]').waitForDisplayed({ timeout: 20_000 });
      expect(await browser.$('[data-testid="result-sponsors"]').getText()).toContain("Gil Global");
      expect(await browser.$$('[data-testid="result-warning"]').length).toBe(0);
      await shot(browser, "73-converted-with-sponsor");

      // The demo tenant holds exactly the sponsor named: not the admin who converted. Its reads lag
      // a second behind the sponsor changes (replication), so they are read until they settle.
      const held = async () =>
        (
          await graphGet<{ value: { userPrincipalName: string }[] }>(
            demo,
            `/v1.0/users/${encodeURIComponent(target.userPrincipalName)}/sponsors?$select=id,userPrincipalName`,
          )
        ).value.map((v) => v.userPrincipalName);
      await browser.waitUntil(async () => (await held()).join() === "global@contoso.com", {
        timeout: 10_000,
        timeoutMsg: "the sponsors never settled on the one named",
      });
      expect(await held()).toEqual(["global@contoso.com"]);
    } finally {
      await browser.deleteSession();
    }
  });
});
