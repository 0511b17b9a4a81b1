import { afterEach, describe, expect, it } from "vitest";
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { clearMocks } from "@tauri-apps/api/mocks";
import { App } from "../App";
import { installFakeBackend as fakeBackend } from "../../tests/fakeBackend";

afterEach(() => {
  cleanup();
  clearMocks();
});

const sleep = (ms: number) => act(() => new Promise<void>((r) => setTimeout(r, ms)));

/** Disabled, but still focusable so that its reason next to it is read (aria-disabled). */
function isDisabled(el: HTMLElement): boolean {
  return el.getAttribute("aria-disabled") === "true" || (el as HTMLButtonElement).disabled;
}

function names(): string[] {
  return screen.queryAllByTestId("user-row").map((r) => r.querySelector("button")?.textContent ?? "");
}

describe("Users", () => {
  it("never lets a slow, older answer replace a newer one", async () => {
    // "ad" answers after 600 ms, "campb" at once: the older answer arrives last.
    const calls = fakeBackend({ os: "en", searchDelayMs: (q) => (q === "ad" ? 600 : 0) });
    render(<App />);
    const box = (await screen.findByTestId("user-search")) as HTMLInputElement;
    await waitFor(() => expect(names().length).toBe(50));
    fireEvent.change(box, { target: { value: "ad" } });
    await sleep(300); // debounced, then sent
    fireEvent.change(box, { target: { value: "campb" } });
    await waitFor(() => expect(names()).toEqual(["Adele Campbell"]));
    await sleep(700); // the "ad" answer has come back by now
    expect(names()).toEqual(["Adele Campbell"]);
    const searches = calls.filter((c) => c.cmd === "search_users").map((c) => (c.args as { query: string }).query);
    expect(searches).toEqual(["", "ad", "campb"]);
  });

  it("debounces typing into one request", async () => {
    const calls = fakeBackend({ os: "en" });
    render(<App />);
    const box = (await screen.findByTestId("user-search")) as HTMLInputElement;
    for (const v of ["h", "he", "hen", "henr"]) fireEvent.change(box, { target: { value: v } });
    await waitFor(() => expect(names()).toEqual(["Henry Parker"]));
    expect(calls.filter((c) => c.cmd === "search_users").length).toBe(2);
  });

  it("pages, filters by state and opens a user with the action that fits", async () => {
    fakeBackend({ os: "en" });
    render(<App />);
    await waitFor(() => expect(names().length).toBe(50));
    expect(screen.getByTestId("user-count").textContent).toBe("65 users");
    fireEvent.click(screen.getByTestId("load-more"));
    await waitFor(() => expect(names().length).toBe(65));
    fireEvent.change(screen.getByTestId("state-filter"), { target: { value: "pending" } });
    await waitFor(() => expect(names()).toEqual(["Adele Campbell"]));
    expect(screen.getByTestId("state-pending").textContent).toMatch(/Invitation pending.*since/);
    fireEvent.change(screen.getByTestId("state-filter"), { target: { value: "all" } });
    const henry = await screen.findByTestId("open-henry.parker@contoso.com");
    fireEvent.click(henry);
    expect((await screen.findByTestId("synced-reason")).textContent).toContain("henry.parker@corp.contoso.local");
    expect(screen.queryByTestId("start-convert")).toBeNull();
  });

  it("converts after the checks and a one-way confirmation, then shows what to tell the user", async () => {
    const calls = fakeBackend({ os: "en" });
    render(<App />);
    fireEvent.click(await screen.findByTestId("open-adele.adams@contoso.com"));
    fireEvent.click(await screen.findByTestId("start-convert"));
    const panel = await screen.findByTestId("convert-panel");
    await within(panel).findByTestId("checks");
    expect(within(panel).getByTestId("check-address_valid").dataset.severity).toBe("ok");
    fireEvent.click(within(panel).getByRole("switch"));
    fireEvent.change(within(panel).getByTestId("redirect"), {
      target: { value: "http://example.com" },
    });
    expect(await within(panel).findByText(/must start with https/)).toBeTruthy();
    expect(isDisabled(within(panel).getByTestId("convert-submit"))).toBe(true);
    fireEvent.change(within(panel).getByTestId("redirect"), { target: { value: "" } });
    fireEvent.change(within(panel).getByTestId("message"), { target: { value: "Welcome back" } });
    fireEvent.change(within(panel).getByTestId("language"), { target: { value: "fr-FR" } });
    fireEvent.click(within(panel).getByTestId("convert-submit"));
    const confirm = await screen.findByTestId("confirm");
    expect(confirm.textContent).toMatch(/cannot be undone/);
    fireEvent.click(within(confirm).getByTestId("confirm-yes"));
    const result = await screen.findByTestId("result");
    expect(within(result).getByTestId("redeem-url").textContent).toContain("/redeem?rd=");
    // In the invitation's language (French here), with the message and the tenant's name.
    await waitFor(() =>
      expect((within(result).getByTestId("ready-text") as HTMLTextAreaElement).value).toMatch(/^Bonjour Adele Adams,/),
    );
    expect((within(result).getByTestId("ready-text") as HTMLTextAreaElement).value).toContain("Welcome back");
    expect((within(result).getByTestId("ready-text") as HTMLTextAreaElement).value).toContain("Contoso Demo");
    expect(within(result).getByTestId("teams-link").textContent).toBe(
      "https://teams.microsoft.com/?tenantId=7e1c5a2e-3b1d-4c5e-9f0a-1b2c3d4e5f60",
    );
    const convert = calls.find((c) => c.cmd === "convert_user");
    expect(convert?.args).toMatchObject({
      user: "u-ready",
      address: "adele.adams@northwind.example",
      request: { sendMail: false, language: "fr-FR", message: "Welcome back", setGuest: false, redirectUrl: null },
    });
    // The card now offers a resend, and History has the conversion.
    expect(await screen.findByTestId("start-resend")).toBeTruthy();
    fireEvent.click(screen.getByTestId("nav-history"));
    const rows = await screen.findAllByTestId("history-row");
    expect(rows.length).toBe(1);
    expect(rows[0]?.textContent).toContain("adele.adams@contoso.com");
    fireEvent.click(screen.getByTestId("export-history"));
    expect((await screen.findByTestId("exported-path")).textContent).toContain("b2b-convert-history.csv");
  });

  it("asks before setting mail first when the address is not on the user", async () => {
    const calls = fakeBackend({ os: "en" });
    render(<App />);
    fireEvent.click(await screen.findByTestId("open-olivia.morgan@contoso.com"));
    fireEvent.click(await screen.findByTestId("start-convert"));
    const panel = await screen.findByTestId("convert-panel");
    fireEvent.change(within(panel).getByTestId("address"), { target: { value: "olivia@partner.example" } });
    await within(panel).findByTestId("checks");
    expect(within(panel).getByTestId("check-address_on_user").dataset.severity).toBe("warning");
    const submit = within(panel).getByTestId("convert-submit");
    expect(isDisabled(submit)).toBe(true);
    fireEvent.click(within(panel).getByTestId("set-mail-first"));
    await waitFor(() => expect(isDisabled(submit)).toBe(false));
    fireEvent.click(submit);
    fireEvent.click(within(await screen.findByTestId("confirm")).getByTestId("confirm-yes"));
    expect((await screen.findByTestId("result")).textContent).toContain("Their e-mail was set to olivia@partner.example first.");
    expect(calls.find((c) => c.cmd === "convert_user")?.args).toMatchObject({ address: "olivia@partner.example" });
  });

  it("resends from the pending list", async () => {
    const calls = fakeBackend({ os: "en" });
    render(<App />);
    fireEvent.click(await screen.findByTestId("nav-pending"));
    // The page's code loads first, then its data: wait for the count, not its loading text.
    await waitFor(() => expect(screen.getByTestId("pending-count").textContent).toBe("1 invitation is waiting."));
    expect(screen.getByTestId("pending-table").textContent).toContain("61 days");
    fireEvent.click(screen.getByTestId("resend-adele.campbell@contoso.com"));
    const panel = await screen.findByTestId("resend-panel");
    await within(panel).findByTestId("checks");
    fireEvent.click(within(panel).getByTestId("resend-submit"));
    fireEvent.click(within(await screen.findByTestId("confirm")).getByTestId("confirm-yes"));
    await screen.findByTestId("result");
    expect(calls.find((c) => c.cmd === "resend_invitation")?.args).toMatchObject({ user: "u-pending", slot: "mail" });
  });
});

describe("Bulk", () => {
  it("imports a file, previews, runs with progress, reports and exports", async () => {
    const calls = fakeBackend({ os: "en" });
    render(<App />);
    fireEvent.click(await screen.findByTestId("nav-bulk"));
    fireEvent.click(await screen.findByTestId("bulk-template"));
    expect((await screen.findByTestId("exported-template-path")).textContent).toContain("template.csv");
    const file = new File(["user,email\nadele.adams@contoso.com,adele.adams@northwind.example\n"], "partners.csv", {
      type: "text/csv",
    });
    fireEvent.change(screen.getByTestId("bulk-file"), { target: { files: [file] } });
    expect((await screen.findByTestId("bulk-ready")).textContent).toBe("1 ready");
    expect(screen.getByTestId("bulk-needs-fix").textContent).toBe("1 needs a fix");
    const rows = screen.getAllByTestId("bulk-row");
    expect(rows.map((r) => r.dataset.status)).toEqual(["ready", "needsFix", "blocked"]);
    expect(rows[1]?.textContent).toContain("not a valid e-mail address");
    const load = calls.find((c) => c.cmd === "bulk_load")?.args as { fileName: string; bytes: number[] };
    expect(load.fileName).toBe("partners.csv");
    expect(new TextDecoder().decode(new Uint8Array(load.bytes))).toContain("adele.adams@northwind.example");
    fireEvent.click(screen.getByTestId("bulk-run"));
    fireEvent.click(within(await screen.findByTestId("bulk-confirm")).getByTestId("bulk-confirm-yes"));
    expect((await screen.findByTestId("bulk-progress")).textContent).toContain("Finished: 3 of 3 rows have a result");
    expect((await screen.findByTestId("bulk-report-summary")).textContent).toContain("1 converted");
    expect(screen.getAllByTestId("bulk-report-row").map((r) => r.dataset.outcome)).toEqual(["converted", "skipped", "skipped"]);
    // The same file does not run twice from here; loading it again offers Resume.
    expect(isDisabled(screen.getByTestId("bulk-run"))).toBe(true);
    fireEvent.click(screen.getByTestId("bulk-export-report"));
    expect((await screen.findByTestId("exported-report-path")).textContent).toContain("report.csv");
    expect(calls.some((c) => c.cmd === "bulk_start")).toBe(true);
    // Leaving the page and coming back shows the run as it stands.
    fireEvent.click(screen.getByTestId("nav-history"));
    await screen.findByTestId("history-count");
    fireEvent.click(screen.getByTestId("nav-bulk"));
    expect((await screen.findByTestId("bulk-report-summary")).textContent).toContain("1 converted");
    expect(screen.getByTestId("bulk-ready").textContent).toBe("1 ready");
  });

  it("reports an invitation file's run as invitations, not conversions", async () => {
    fakeBackend({ os: "en" });
    render(<App />);
    fireEvent.click(await screen.findByTestId("nav-bulk"));
    const file = new File(["email,displayName\nnew.partner@fabrikam.example,New Partner\n"], "invites.csv", { type: "text/csv" });
    fireEvent.change(await screen.findByTestId("bulk-file"), { target: { files: [file] } });
    await screen.findByTestId("bulk-invite-file");
    fireEvent.click(screen.getByTestId("bulk-run"));
    fireEvent.click(within(await screen.findByTestId("bulk-confirm")).getByTestId("bulk-confirm-yes"));
    const summary = (await screen.findByTestId("bulk-report-summary")).textContent ?? "";
    expect(summary).toContain("1 invited");
    expect(summary).not.toContain("converted");
  });
});
