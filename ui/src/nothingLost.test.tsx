// Issue 12, points 1, 2, 10 and 11: links kept or made again, a lost answer settled, a progress
// line true in every state, and throttling said. Each test would have caught its problem.
import { afterEach, describe, expect, it } from "vitest";
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { clearMocks } from "@tauri-apps/api/mocks";
import { IntlProvider } from "react-intl";
import { App } from "./App";
import { forgetLastLoad, ProgressLine } from "./pages/BulkPage";
import type { Progress } from "./bindings/Progress";
import en from "./i18n/en.json";
import he from "./i18n/he.json";
import { installFakeBackend as fakeBackend } from "../tests/fakeBackend";

afterEach(() => {
  cleanup();
  clearMocks();
  forgetLastLoad();
});

const csv = () =>
  new File(["user,email,sendMail\nadele.adams@contoso.com,adele.adams@northwind.example,no\n"], "partners.csv", { type: "text/csv" });

async function runBulk() {
  render(<App />);
  fireEvent.click(await screen.findByTestId("nav-bulk"));
  fireEvent.change(await screen.findByTestId("bulk-file"), { target: { files: [csv()] } });
  await screen.findByTestId("bulk-ready");
  fireEvent.click(screen.getByTestId("bulk-run"));
  fireEvent.click(within(await screen.findByTestId("bulk-confirm")).getByTestId("bulk-confirm-yes"));
}

const line = () => screen.getByTestId("bulk-progress-text");

async function convertAdele() {
  render(<App />);
  fireEvent.click(await screen.findByTestId("convert-adele.adams@contoso.com"));
  const panel = await screen.findByTestId("convert-panel");
  await within(panel).findByTestId("checks");
  await waitFor(() => expect(within(panel).getByTestId("convert-submit").getAttribute("aria-disabled")).not.toBe("true"));
  fireEvent.click(within(panel).getByTestId("convert-submit"));
  fireEvent.click(within(await screen.findByTestId("confirm")).getByTestId("confirm-yes"));
  return panel;
}

describe("10: the bulk progress line is true in every state", () => {
  const base: Progress = {
    done: 4,
    total: 8,
    succeeded: 4,
    failed: 0,
    attempted: 4,
    toAttempt: 8,
    perMinute: 12,
    etaS: 20,
    state: "running",
    concurrency: 6,
    throttled: 0,
    stopReason: null,
  };
  const shown = (p: Progress, messages: Record<string, string> = en, locale = "en") => {
    render(
      <IntlProvider locale={locale} messages={messages}>
        <ProgressLine progress={p} />
      </IntlProvider>,
    );
    const text = line().textContent ?? "";
    cleanup();
    return text;
  };

  it("running counts down; paused, cancelling and finished never do, and never say 'done' before the report", () => {
    expect(shown(base)).toBe("4 of 8 rows · 12 per minute · about 0 min 20 s left");
    const paused = shown({ ...base, state: "paused", etaS: null });
    expect(paused).toMatch(/^Paused · 4 of 8 rows/);
    expect(paused).not.toMatch(/left|per minute/);
    expect(shown({ ...base, state: "cancelling", etaS: null })).toMatch(/^Cancelling… 4 of 8 rows/);
    // A run that stops itself says why, not that somebody cancelled it.
    expect(shown({ ...base, state: "cancelling", etaS: null, stopReason: "link_not_kept" })).toMatch(
      /^Stopping… 4 of 8 rows\. A redeem link could not be saved on this computer/,
    );
    // All rows have a result but the report is not written yet: not "8 of 8 done".
    expect(shown({ ...base, done: 8, etaS: 0 })).toBe("8 of 8 rows · writing the report…");
    expect(shown({ ...base, done: 8, state: "finished", etaS: null })).toMatch(/^Finished: 8 of 8 rows have a result/);
    // A resume whose first rows came from the journal has no rate yet: none is made up.
    expect(shown({ ...base, attempted: 0, perMinute: 0, etaS: null })).toBe("4 of 8 rows · measuring the rate…");
    expect(shown({ ...base, state: "paused", etaS: null }, he, "he")).toMatch(/^מושהה/);
  });

  it("Pause shows Paused at once; Cancel asks first, then says Cancelling…, then the report", async () => {
    fakeBackend({ os: "en", slowBulk: true });
    await runBulk();
    await waitFor(() => expect(line().textContent).toContain("per minute"));
    fireEvent.click(screen.getByTestId("bulk-pause"));
    await waitFor(() => expect(line().getAttribute("data-state")).toBe("paused"));
    expect(line().textContent).toMatch(/^Paused/);
    expect(line().textContent).not.toContain("left");
    fireEvent.click(screen.getByTestId("bulk-continue"));
    await waitFor(() => expect(line().getAttribute("data-state")).toBe("running"));

    // Cancel asks first; "Keep running" keeps it running.
    fireEvent.click(screen.getByTestId("bulk-cancel"));
    const dialog = await screen.findByTestId("bulk-cancel-confirm");
    expect(dialog.textContent).toContain("the other rows are not run");
    fireEvent.click(within(dialog).getByTestId("bulk-cancel-no"));
    await waitFor(() => expect(screen.queryByTestId("bulk-cancel-confirm")).toBeNull());
    expect(line().getAttribute("data-state")).toBe("running");

    fireEvent.click(screen.getByTestId("bulk-cancel"));
    fireEvent.click(within(await screen.findByTestId("bulk-cancel-confirm")).getByTestId("bulk-cancel-yes"));
    await waitFor(() => expect(line().textContent).toMatch(/^Cancelling…/));
    expect(screen.queryByTestId("bulk-cancel")).toBeNull();
    expect(screen.queryByTestId("bulk-pause")).toBeNull();
    await screen.findByTestId("bulk-report");
    expect(line().textContent).toMatch(/^Finished: 2 of 3 rows/);
    expect(screen.getByTestId("bulk-report-summary").textContent).toContain("1 not run");
  });
});

describe("1: a row converted without an e-mail whose link was lost gets a new one", () => {
  it("the report says which rows have no link and makes new ones without an e-mail", async () => {
    const calls = fakeBackend({ os: "en", linksLost: true });
    await runBulk();
    const lost = await screen.findByTestId("bulk-links-lost");
    expect(lost.textContent).toContain("1 row was converted without an e-mail and has no redeem link");
    fireEvent.click(within(lost).getByTestId("bulk-relink"));
    await waitFor(() => expect(screen.queryByTestId("bulk-links-lost")).toBeNull());
    expect(calls.filter((c) => c.cmd === "bulk_relink")).toHaveLength(1);
    const details = screen.getAllByTestId("bulk-report-details")[0];
    expect(details?.textContent).toContain("https://login.microsoftonline.com/redeem?rd=new");
  });
});

describe("1b: a run that could not keep a redeem link stops and shows the links it made", () => {
  it("the report says why it stopped and holds the row's link to copy", async () => {
    fakeBackend({ os: "en", linkNotKept: true });
    await runBulk();
    const stopped = await screen.findByTestId("bulk-stopped");
    expect(stopped.textContent).toContain("Stopped: a redeem link could not be saved on this computer");
    expect(stopped.textContent).toContain("open the same file to send the rest");
    const details = screen.getAllByTestId("bulk-report-details")[0];
    expect(details?.textContent).toContain("https://login.microsoftonline.com/redeem?rd=unkept");
  });

  it("a report without a stop reason says nothing about stopping", async () => {
    fakeBackend({ os: "en" });
    await runBulk();
    await screen.findByTestId("bulk-report");
    expect(screen.queryByTestId("bulk-stopped")).toBeNull();
  });
});

describe("2: an unknown outcome is settled by reading the user", () => {
  it("after a lost answer the page reads the user at once and shows the settled state and badge", async () => {
    const calls = fakeBackend({ os: "en", unknownOutcome: true });
    const reads = () => calls.filter((c) => c.cmd === "get_user").length;
    await convertAdele();
    const before = reads();
    const check = await screen.findByTestId("outcome-check");
    expect(reads()).toBeGreaterThan(before - 1);
    expect(check.getAttribute("data-outcome")).toBe("succeeded");
    expect(check.textContent).toContain("Settled: reading the user shows the change sent at");
    expect(check.textContent).toContain("History records it as succeeded");
    expect(screen.getByTestId("user-page").textContent).toContain("Invitation pending");
    expect(screen.queryByTestId("convert-panel")).toBeNull();
  });
});

describe("2: a bulk row whose answer was lost is reported unknown, never failed", () => {
  it("the report says it was sent, is not sent again and how it settles; its badge says unknown", async () => {
    fakeBackend({ os: "en", bulkUnknown: true });
    await runBulk();
    const unknown = await screen.findByTestId("bulk-unknown");
    expect(unknown.textContent).toContain("1 row was sent, but Microsoft's answer was lost");
    expect(unknown.textContent).toContain("They are not sent again");
    expect(screen.getByTestId("bulk-report-summary").textContent).toContain("0 failed");
    expect(screen.getByText("Outcome unknown")).toBeTruthy();
    expect(screen.queryByText("Failed")).toBeNull();
    const details = screen.getAllByTestId("bulk-report-details")[0];
    expect(details?.textContent).toContain("The change was sent but no clear answer came back");
  });
});

describe("2: a change whose answer is lost is not offered again until it settles", () => {
  it("while reads do not show it, the page says so and Convert is disabled", async () => {
    const calls = fakeBackend({ os: "en", unknownOutcome: "unsettled" });
    await convertAdele();
    const check = await screen.findByTestId("outcome-check");
    expect(check.getAttribute("data-outcome")).toBe("unknown");
    expect(check.textContent).toContain("do not try again before it says");
    const start = await screen.findByTestId("start-convert");
    expect(start.getAttribute("aria-disabled")).toBe("true");
    expect(start.getAttribute("aria-describedby")).toBe("outcome-check");
    fireEvent.click(start);
    expect(screen.queryByTestId("convert-panel")).toBeNull();
    expect(calls.filter((c) => c.cmd === "convert_user")).toHaveLength(1);
  });
});

describe("1: a redeem link made without an e-mail is shown again after the page is left", () => {
  it("back on the list and into the user again, the link and its copy button are there", async () => {
    fakeBackend({ os: "en" });
    render(<App />);
    fireEvent.click(await screen.findByTestId("convert-adele.adams@contoso.com"));
    const panel = await screen.findByTestId("convert-panel");
    await within(panel).findByTestId("checks");
    fireEvent.click(within(panel).getByTestId("send-mail"));
    await waitFor(() => expect(within(panel).getByTestId("convert-submit").getAttribute("aria-disabled")).not.toBe("true"));
    fireEvent.click(within(panel).getByTestId("convert-submit"));
    fireEvent.click(within(await screen.findByTestId("confirm")).getByTestId("confirm-yes"));
    const url = (await screen.findByTestId("redeem-url")).textContent ?? "";
    expect(url).toContain("/redeem?rd=");
    expect(screen.queryByTestId("kept-link")).toBeNull();
    fireEvent.click(screen.getByTestId("back"));
    fireEvent.click(await screen.findByTestId("open-adele.adams@contoso.com"));
    const kept = await screen.findByTestId("kept-link");
    expect(within(kept).getByTestId("kept-link-url").textContent).toBe(url);
    expect(kept.textContent).toContain("Invitation link, made without an e-mail on");
    expect(within(kept).getByTestId("copy-kept-link-url")).toBeTruthy();
  });
});

describe("11: throttling during a conversion is said, with when the app tries again", () => {
  it("says Microsoft asked to slow down and the time of the next try, then the result", async () => {
    fakeBackend({ os: "en", throttleMs: 1500 });
    const panel = await convertAdele();
    const notice = await within(panel).findByTestId("convert-throttled");
    expect(notice.textContent).toMatch(/Microsoft asked B2B Convert to slow down\. Nothing was changed yet; it tries again at .+ \(in 2 seconds\)\./);
    await act(() => new Promise<void>((r) => setTimeout(r, 1700)));
    await screen.findByTestId("result");
    expect(screen.queryByTestId("convert-throttled")).toBeNull();
  });
});
