// Issue 14, point 1: the Discover page scans, shows accounts by domain with their verdict, chooses
// the ready ones, and hands the chosen ones straight to the bulk preview or to a bulk CSV.
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { clearMocks } from "@tauri-apps/api/mocks";
import { App } from "../App";
import { forgetLastLoad } from "./BulkPage";
import { installFakeBackend as fakeBackend } from "../../tests/fakeBackend";

afterEach(() => {
  cleanup();
  clearMocks();
  forgetLastLoad();
});

async function scanned() {
  const calls = fakeBackend({ os: "en" });
  render(<App />);
  fireEvent.click(await screen.findByTestId("nav-discover"));
  fireEvent.click(await screen.findByTestId("discover-scan"));
  await screen.findByTestId("discover-summary");
  return calls;
}

describe("Discover", () => {
  it("lists the accounts by domain with their verdict and why, ready ones chosen, blocked ones not choosable", async () => {
    await scanned();
    const groups = screen.getAllByTestId("discover-group");
    expect(groups.map((g) => within(g).getByRole("heading").textContent)).toEqual(["northwind.example", "adatum.example"]);
    expect(screen.getByTestId("discover-summary").textContent).toContain("412 members read: 3 look like partners");
    expect(screen.getByText(/Another user, group or contact already holds this address/)).toBeTruthy();
    const boxes = screen.getAllByRole("checkbox", { name: /^Convert / });
    expect(boxes.map((b) => (b as HTMLInputElement).checked)).toEqual([true, false, false]);
    expect((boxes[2] as HTMLInputElement).disabled).toBe(true);
    expect(screen.getByTestId("discover-convert").textContent).toBe("Convert this account…");
  });

  it("hands the chosen accounts to the bulk preview without a file", async () => {
    const calls = await scanned();
    const [, shared] = screen.getAllByRole("checkbox", { name: /^Convert / });
    if (!shared) throw new Error("no second account");
    fireEvent.click(shared);
    expect(screen.getByTestId("discover-convert").textContent).toBe("Convert these 2 accounts…");
    fireEvent.click(screen.getByTestId("discover-convert"));
    await screen.findByTestId("bulk-ready");
    expect(screen.getByText(/discovered-20261130\.csv/)).toBeTruthy();
    const handed = calls.find((c) => c.cmd === "discover_to_bulk");
    expect(handed?.args).toEqual({ ids: ["u-ready", "u-shared"] });
  });

  it("saves the chosen accounts as a bulk CSV and keeps the scan when the page is opened again", async () => {
    const calls = await scanned();
    fireEvent.click(screen.getByTestId("discover-export"));
    await screen.findByTestId("discover-exported");
    expect(calls.find((c) => c.cmd === "discover_export")?.args).toEqual({ ids: ["u-ready"] });
    fireEvent.click(screen.getByTestId("nav-users"));
    fireEvent.click(await screen.findByTestId("nav-discover"));
    await screen.findByTestId("discover-summary");
    await waitFor(() => expect(screen.getAllByTestId("discover-row")).toHaveLength(3));
  });
});
