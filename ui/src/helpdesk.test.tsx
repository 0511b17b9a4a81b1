// What a helpdesk person meets (issue 12): nothing lost, nothing untrue, every disabled action
// explained. Each test would have caught the problem it is named after.
import { afterEach, describe, expect, it } from "vitest";
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { clearMocks } from "@tauri-apps/api/mocks";
import { App } from "./App";
import { forgetLastLoad } from "./pages/BulkPage";
import { installFakeBackend as fakeBackend } from "../tests/fakeBackend";

afterEach(() => {
  cleanup();
  clearMocks();
  forgetLastLoad();
});

const sleep = (ms: number) => act(() => new Promise<void>((r) => setTimeout(r, ms)));
const csv = () =>
  new File(["user,email\nadele.adams@contoso.com,adele.adams@northwind.example\n"], "partners.csv", { type: "text/csv" });
const rowCount = () => screen.queryAllByTestId("user-row").length;

async function switchTo(name: string) {
  fireEvent.click(screen.getByTestId("account-menu"));
  fireEvent.click(await screen.findByLabelText(`Switch to ${name}`));
  await waitFor(() => expect(screen.getByTestId("account-menu").textContent).toContain(name));
}

describe("3: what was computed for one account is not shown for another", () => {
  it("a bulk preview and its 'exported' message are checked again as the new account", async () => {
    const calls = fakeBackend({ os: "en" });
    render(<App />);
    fireEvent.click(await screen.findByTestId("nav-bulk"));
    fireEvent.change(await screen.findByTestId("bulk-file"), { target: { files: [csv()] } });
    await screen.findByTestId("bulk-ready");
    fireEvent.click(screen.getByTestId("bulk-export-preview"));
    await screen.findByTestId("exported-preview");
    await switchTo("Hal Helpdesk");
    // The preview is made again by Hal, and says so; Ada's export message is gone.
    expect(await screen.findByTestId("bulk-rechecked")).toBeTruthy();
    expect(screen.getByTestId("bulk-rechecked").textContent).toContain("Hal Helpdesk");
    expect(screen.queryByTestId("exported-preview")).toBeNull();
    expect(calls.filter((c) => c.cmd === "bulk_load")).toHaveLength(2);
  });

  it("choosing another file clears the message about the previous one's export", async () => {
    fakeBackend({ os: "en" });
    render(<App />);
    fireEvent.click(await screen.findByTestId("nav-bulk"));
    fireEvent.change(await screen.findByTestId("bulk-file"), { target: { files: [csv()] } });
    await screen.findByTestId("bulk-ready");
    fireEvent.click(screen.getByTestId("bulk-export-preview"));
    await screen.findByTestId("exported-preview");
    fireEvent.change(screen.getByTestId("bulk-file"), { target: { files: [csv()] } });
    await waitFor(() => expect(screen.queryByTestId("exported-preview")).toBeNull());
    await screen.findByTestId("bulk-ready");
  });

  it("an open user and a search are not carried to another account", async () => {
    fakeBackend({ os: "en" });
    render(<App />);
    fireEvent.click(await screen.findByTestId("open-adele.adams@contoso.com"));
    await screen.findByTestId("user-page");
    await switchTo("Hal Helpdesk");
    await waitFor(() => expect(screen.queryByTestId("user-page")).toBeNull());
    expect((screen.getByTestId("user-search") as HTMLInputElement).value).toBe("");
    expect(screen.getByTestId("account-notice").textContent).toContain("You now act as Hal Helpdesk");
  });
});

describe("4: the newest search owns the list, its paging included", () => {
  it("a 'load more' of the previous search, answered late, is not appended to the new one", async () => {
    // The next page of "" answers after 700 ms; the search for "adele" after the debounce.
    const calls = fakeBackend({ os: "en", moreDelayMs: 700 });
    render(<App />);
    await waitFor(() => expect(rowCount()).toBe(50));
    const box = screen.getByTestId("user-search") as HTMLInputElement;
    // Type, then ask for more before the new answer is in: the old link must not be used.
    fireEvent.change(box, { target: { value: "adele" } });
    const more = screen.queryByTestId("load-more");
    if (more) fireEvent.click(more);
    await waitFor(() => expect(screen.getByTestId("user-count").textContent).toBe("2 users"));
    await sleep(900);
    expect(rowCount()).toBe(2);
    expect(calls.filter((c) => c.cmd === "more_users")).toHaveLength(0);
  });

  it("a 'load more' sent before typing is dropped when its answer arrives after the new search's", async () => {
    fakeBackend({ os: "en", moreDelayMs: 700 });
    render(<App />);
    await waitFor(() => expect(rowCount()).toBe(50));
    fireEvent.click(screen.getByTestId("load-more"));
    fireEvent.change(screen.getByTestId("user-search"), { target: { value: "adele" } });
    await waitFor(() => expect(screen.getByTestId("user-count").textContent).toBe("2 users"));
    await sleep(900);
    expect(rowCount()).toBe(2);
  });
});

describe("5, 6: bulk reasons said in full, in the user's language", () => {
  it("no empty parentheses, no raw codes, and the user and address of a rejected row", async () => {
    for (const os of ["en", "fr"] as const) {
      fakeBackend({ os });
      render(<App />);
      fireEvent.click(await screen.findByTestId("nav-bulk"));
      fireEvent.change(await screen.findByTestId("bulk-file"), { target: { files: [csv()] } });
      const rows = await screen.findAllByTestId("bulk-row");
      const text = rows.map((r) => r.textContent ?? "").join("\n");
      expect(text).not.toContain("()");
      expect(text).not.toMatch(/invalid_email|not_synced_from_on_premises|duplicate_user/);
      expect(rows[1]?.textContent).toContain("x@contoso.com");
      expect(rows[1]?.textContent).toContain("not-an-address");
      fireEvent.click(screen.getByTestId("bulk-run"));
      fireEvent.click(within(await screen.findByTestId("bulk-confirm")).getByTestId("bulk-confirm-yes"));
      const report = await screen.findAllByTestId("bulk-report-details");
      const details = report.map((r) => r.textContent ?? "").join("\n");
      expect(details).not.toMatch(/invalid_email|not_synced_from_on_premises/);
      expect(details).not.toContain("()");
      expect(details).toContain(os === "en" ? "not a valid e-mail address" : "n’est pas une adresse e-mail valide");
      cleanup();
      clearMocks();
      forgetLastLoad();
    }
  });
});

describe("7: synced users", () => {
  it("the list says they cannot be converted here and offers no Convert; the page says what Microsoft documents", async () => {
    fakeBackend({ os: "en" });
    render(<App />);
    const henry = (await screen.findByTestId("open-henry.parker@contoso.com")).closest("tr");
    expect(henry?.textContent).toContain("cannot be converted here");
    expect(screen.queryByTestId("convert-henry.parker@contoso.com")).toBeNull();
    expect(screen.getByTestId("convert-adele.adams@contoso.com")).toBeTruthy();
    fireEvent.click(screen.getByTestId("open-henry.parker@contoso.com"));
    const reason = (await screen.findByTestId("synced-reason")).textContent ?? "";
    expect(reason).toContain("onPremisesUserPrincipalName");
    expect(reason).toContain("stop syncing");
    expect(reason).toContain("source of authority");
    expect(reason).not.toMatch(/convert it in on-premises/i);
  });
});

describe("9, 12: a disabled action says why; the confirmation says whether an e-mail goes out", () => {
  it("Convert says to tick 'set as e-mail first', next to it", async () => {
    fakeBackend({ os: "en" });
    render(<App />);
    fireEvent.click(await screen.findByTestId("convert-olivia.morgan@contoso.com"));
    const panel = await screen.findByTestId("convert-panel");
    fireEvent.change(within(panel).getByTestId("address"), { target: { value: "olivia@partner.example" } });
    await within(panel).findByTestId("set-mail-first");
    const submit = within(panel).getByTestId("convert-submit");
    expect(submit.getAttribute("aria-disabled")).toBe("true");
    const why = within(panel).getByTestId("convert-why");
    expect(submit.getAttribute("aria-describedby")).toBe("convert-why");
    expect(why.textContent).toContain("Set olivia@partner.example as the user's e-mail first");
    fireEvent.click(within(panel).getByTestId("set-mail-first"));
    await waitFor(() => expect(within(panel).queryByTestId("convert-why")).toBeNull());
    fireEvent.click(submit);
    expect((await screen.findByTestId("confirm-mail")).textContent).toBe("An invitation e-mail goes to olivia@partner.example.");
  });

  it("with the e-mail off: the copy field steps aside, the language and message say what they are for, the confirmation says no e-mail", async () => {
    fakeBackend({ os: "en" });
    render(<App />);
    fireEvent.click(await screen.findByTestId("convert-adele.adams@contoso.com"));
    const panel = await screen.findByTestId("convert-panel");
    fireEvent.click(within(panel).getByTestId("send-mail"));
    expect(within(panel).queryByTestId("cc")).toBeNull();
    expect(within(panel).getByTestId("cc-not-used")).toBeTruthy();
    expect(within(panel).getByText("Language of the ready-to-send text")).toBeTruthy();
    expect(within(panel).getByText(/the message is added to the ready-to-send text/)).toBeTruthy();
    await within(panel).findByTestId("checks");
    await waitFor(() => expect(within(panel).getByTestId("convert-submit").getAttribute("aria-disabled")).not.toBe("true"));
    fireEvent.click(within(panel).getByTestId("convert-submit"));
    expect((await screen.findByTestId("confirm-mail")).textContent).toMatch(/^No e-mail goes out/);
  });

  it("names the forbidden character in the address", async () => {
    fakeBackend({ os: "sv" });
    render(<App />);
    fireEvent.click(await screen.findByTestId("convert-adele.adams@contoso.com"));
    const panel = await screen.findByTestId("convert-panel");
    fireEvent.change(within(panel).getByTestId("address"), { target: { value: "adele#x@northwind.example" } });
    await waitFor(() => expect(panel.textContent).toContain("“#” är inte tillåtet i en inbjudningsadress"));
    fireEvent.change(within(panel).getByTestId("address"), { target: { value: "adele x@northwind.example" } });
    await waitFor(() => expect(panel.textContent).toContain("Ett mellanslag är inte tillåtet"));
  });

  it("Export in History says why it is not available", async () => {
    fakeBackend({ os: "en" });
    render(<App />);
    fireEvent.click(await screen.findByTestId("nav-history"));
    expect((await screen.findByTestId("export-history-why")).textContent).toContain("History is empty");
    expect(screen.getByTestId("export-history").getAttribute("aria-describedby")).toBe("export-history-why");
  });
});

describe("12: smaller untruths", () => {
  it("the template is a template, not '1 entry exported'; an empty CSV is told it is empty", async () => {
    const calls = fakeBackend({ os: "en" });
    render(<App />);
    fireEvent.click(await screen.findByTestId("nav-bulk"));
    fireEvent.click(await screen.findByTestId("bulk-template"));
    const saved = await screen.findByTestId("exported-template");
    expect(saved.textContent).toContain("The CSV template was saved to");
    expect(saved.textContent).not.toMatch(/entry exported/);
    fireEvent.change(screen.getByTestId("bulk-file"), { target: { files: [new File(["\uFEFF \r\n"], "empty.csv")] } });
    expect((await screen.findByTestId("bulk-empty")).textContent).toContain("The file is empty");
    expect(screen.queryByText(/needs a user column/)).toBeNull();
    expect(calls.filter((c) => c.cmd === "bulk_load")).toHaveLength(0);
  });

  it("the device-code screen does not say a browser opens here", async () => {
    fakeBackend({ os: "en", start: "signIn" });
    render(<App />);
    fireEvent.click(await screen.findByTestId("sign-in-code"));
    await screen.findByTestId("user-code");
    expect(screen.getByTestId("sign-in").textContent).not.toMatch(/browser opens/i);
  });

  it("the demo's size is what the demo tenant holds", async () => {
    fakeBackend({ os: "en", start: "firstRun" });
    render(<App />);
    expect((await screen.findByTestId("demo-card")).textContent).toContain("324 made-up users, 156 groups and 4 contacts");
  });

  it("Graph's values are said in the user's language", async () => {
    fakeBackend({ os: "fr" });
    render(<App />);
    fireEvent.click(await screen.findByTestId("open-adele.campbell@contoso.com"));
    expect((await screen.findByTestId("user-type")).textContent).toBe("Membre");
    expect(screen.getByTestId("external-state").textContent).toBe("En attente d’acceptation");
    expect(screen.getByTestId("user-page").textContent).not.toMatch(/PendingAcceptance|Member\b/);
  });
});

describe("15: who acts, searches kept", () => {
  it("Sign out names the account, and then says who is signed out and who acts now", async () => {
    fakeBackend({ os: "en" });
    render(<App />);
    fireEvent.click(await screen.findByTestId("account-menu"));
    expect((await screen.findByTestId("sign-out")).textContent).toBe("Sign out Ada Admin (admin@contoso.com)");
    fireEvent.click(screen.getByTestId("sign-out"));
    const notice = await screen.findByTestId("account-notice");
    expect(notice.textContent).toContain("Ada Admin (admin@contoso.com) is signed out.");
    expect(notice.textContent).toContain("You now act as Hal Helpdesk (helpdesk@contoso.com · Contoso Demo).");
  });

  it("the last sign-out says so on the sign-in page", async () => {
    fakeBackend({ os: "en" });
    render(<App />);
    for (const name of ["Ada Admin", "Hal Helpdesk"]) {
      await waitFor(() => expect(screen.getByTestId("account-menu").textContent).toContain(name));
      fireEvent.click(screen.getByTestId("account-menu"));
      fireEvent.click(await screen.findByTestId("sign-out"));
    }
    await screen.findByTestId("sign-in");
    expect(screen.getByTestId("account-notice").textContent).toContain("Hal Helpdesk (helpdesk@contoso.com) is signed out.");
  });

  it("pending invitations can be searched", async () => {
    fakeBackend({ os: "en" });
    render(<App />);
    fireEvent.click(await screen.findByTestId("nav-pending"));
    await waitFor(() => expect(screen.getAllByTestId("pending-row")).toHaveLength(1));
    fireEvent.change(screen.getByTestId("pending-search"), { target: { value: "nobody" } });
    await waitFor(() => expect(screen.queryAllByTestId("pending-row")).toHaveLength(0));
    expect(screen.getByTestId("pending-count").textContent).toContain("None matches the search.");
    fireEvent.change(screen.getByTestId("pending-search"), { target: { value: "campbell" } });
    await waitFor(() => expect(screen.getAllByTestId("pending-row")).toHaveLength(1));
  });

  it("Back to the list keeps the search and shows the user's new state", async () => {
    fakeBackend({ os: "en" });
    render(<App />);
    fireEvent.change(await screen.findByTestId("user-search"), { target: { value: "adele" } });
    await waitFor(() => expect(rowCount()).toBe(2));
    fireEvent.click(screen.getByTestId("convert-adele.adams@contoso.com"));
    const panel = await screen.findByTestId("convert-panel");
    await within(panel).findByTestId("checks");
    await waitFor(() => expect(within(panel).getByTestId("convert-submit").getAttribute("aria-disabled")).not.toBe("true"));
    fireEvent.click(within(panel).getByTestId("convert-submit"));
    fireEvent.click(within(await screen.findByTestId("confirm")).getByTestId("confirm-yes"));
    await screen.findByTestId("result");
    fireEvent.click(screen.getByTestId("back"));
    await waitFor(() => expect(screen.queryByTestId("user-page")).toBeNull());
    expect((screen.getByTestId("user-search") as HTMLInputElement).value).toBe("adele");
    expect(rowCount()).toBe(2);
    const row = screen.getByTestId("open-adele.adams@contoso.com").closest("tr");
    expect(row?.textContent).toContain("Invitation pending");
  });
});
