import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { clearMocks } from "@tauri-apps/api/mocks";
import { App } from "./App";
import { readBoot, type Boot } from "./boot";
import { catalogs } from "./i18n/catalogs";
import { api } from "./ipc";
import { installFakeBackend as fakeBackend } from "../tests/fakeBackend";

afterEach(() => {
  cleanup();
  clearMocks();
  delete (window as { __B2B_BOOT__?: unknown }).__B2B_BOOT__;
});

/** What boot_script hands the window: here, what the fake backend says now. */
async function bootFromBackend(): Promise<Boot> {
  const language = await api.getLanguage();
  return {
    language,
    policy: await api.getPolicy(),
    session: await api.getSession(),
    catalog: catalogs[language.effective],
  };
}

describe("boot data", () => {
  it("draws the first-run screen within the first render, and the IPC answers change nothing", async () => {
    const calls = fakeBackend({ os: "he", start: "firstRun" });
    const boot = await bootFromBackend();
    calls.length = 0;
    const changes: MutationRecord[] = [];
    const observer = new MutationObserver((records) => changes.push(...records));
    const { container } = render(<App boot={boot} />);
    // No await: the screen is there when render returns, in the boot's language.
    expect(screen.getByTestId("use-demo").textContent).toBe(catalogs.he["firstRun.demo.action"]);
    observer.observe(container, { childList: true, subtree: true, characterData: true, attributes: true });
    await waitFor(() => expect(calls.map((c) => c.cmd)).toEqual(expect.arrayContaining(["get_language", "get_session", "get_policy"])));
    // Let the answers land and any render they cause commit.
    await new Promise((resolve) => setTimeout(resolve, 50));
    observer.disconnect();
    expect(changes).toEqual([]);
  });

  it("yields to what the backend says now: a reload repeats the data from the app's start", async () => {
    fakeBackend({ os: "en", start: "firstRun" });
    const stale = await bootFromBackend();
    clearMocks();
    fakeBackend({ os: "en", start: "signIn" });
    render(<App boot={stale} />);
    expect(screen.getByTestId("use-demo")).toBeTruthy();
    expect(await screen.findByTestId("sign-in-browser")).toBeTruthy();
    expect(screen.queryByTestId("use-demo")).toBeNull();
  });

  it("without a session (somebody is signed in) shows the loading screen in words, then the frame", async () => {
    fakeBackend({ os: "fr" });
    const boot = { ...(await bootFromBackend()), session: null };
    render(<App boot={boot} />);
    expect(screen.getByText(catalogs.fr["app.loading"])).toBeTruthy();
    expect(await screen.findByRole("navigation", { name: catalogs.fr["nav.label"] })).toBeTruthy();
  });
});

describe("readBoot", () => {
  const set = (value: unknown) => ((window as { __B2B_BOOT__?: unknown }).__B2B_BOOT__ = value);
  const good = {
    language: { effective: "sv", chosen: null, os: "sv", organisation: null, locked: false },
    policy: { entries: [], warnings: [] },
    session: null,
    catalog: { "app.loading": "Läser in…" },
  };

  it("takes data of the expected shape", () => {
    set(good);
    expect(readBoot()).toEqual(good);
  });

  it("ignores what is missing or malformed: the window then asks over IPC", () => {
    expect(readBoot()).toBeNull();
    for (const bad of [null, "boot", {}, { ...good, language: { effective: "de" } }, { ...good, policy: {} }, { language: good.language, policy: good.policy }]) {
      set(bad);
      expect(readBoot()).toBeNull();
    }
    set({ ...good, catalog: "not a catalog" });
    expect(readBoot()?.catalog).toBeUndefined();
  });
});
