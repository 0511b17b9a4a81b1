import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import type { AppInfo } from "./bindings/AppInfo";
import type { Language } from "./bindings/Language";
import type { LanguageView } from "./bindings/LanguageView";
import { App } from "./App";

const appInfo: AppInfo = {
  name: "B2B Convert",
  version: "9.8.7",
  os: { family: "windows", name: "Windows", version: "11", arch: "x86_64", locale: "sv-SE" },
  build: { profile: "release", commit: "abc123", target: "x86_64-pc-windows-msvc", rustc: "rustc 1.95.0", tauri: "2.9.0" },
};

function fakeBackend(os: Language, failSave = false) {
  let chosen: Language | null = null;
  const calls: { cmd: string; args: unknown }[] = [];
  const view = (): LanguageView => ({ effective: chosen ?? os, chosen, os });
  mockIPC((cmd, args) => {
    calls.push({ cmd, args });
    switch (cmd) {
      case "app_info":
        return appInfo;
      case "get_language":
        return view();
      case "set_language":
        if (failSave) throw { code: "settings_io", message: "disk full" };
        chosen = (args as { language: Language | null }).language;
        return view();
      default:
        throw new Error(`unexpected command ${cmd}`);
    }
  });
  return calls;
}

afterEach(() => {
  cleanup();
  clearMocks();
});

describe("App", () => {
  it("follows the OS language and shows the frame", async () => {
    fakeBackend("sv");
    render(<App />);
    expect(await screen.findByText("Användare", { selector: "h1 *, h1" })).toBeTruthy();
    expect(document.documentElement.lang).toBe("sv");
    expect(document.documentElement.dir).toBe("ltr");
    expect(screen.getByRole("navigation", { name: "Huvudnavigering" })).toBeTruthy();
  });

  it("switches to Hebrew from Settings, right to left, and shows About from app_info", async () => {
    const calls = fakeBackend("en");
    render(<App />);
    fireEvent.click(await screen.findByText("Settings"));
    await screen.findByText("B2B Convert 9.8.7");
    expect(screen.getByTestId("about-build").textContent).toContain("abc123");
    fireEvent.change(screen.getByTestId("language-select"), { target: { value: "he" } });
    await waitFor(() => expect(document.documentElement.dir).toBe("rtl"));
    expect(document.documentElement.lang).toBe("he");
    expect(calls).toContainEqual({ cmd: "set_language", args: { language: "he" } });
    expect(await screen.findByText("השפה נשמרה.")).toBeTruthy();
    // Back to following the OS.
    fireEvent.change(screen.getByTestId("language-select"), { target: { value: "system" } });
    await waitFor(() => expect(document.documentElement.dir).toBe("ltr"));
    expect(calls).toContainEqual({ cmd: "set_language", args: { language: null } });
  });

  it("translates an error by its code and keeps the current language", async () => {
    fakeBackend("fr", true);
    render(<App />);
    fireEvent.click(await screen.findByText("Paramètres"));
    fireEvent.change(await screen.findByTestId("language-select"), { target: { value: "he" } });
    expect(await screen.findByText(/Vos paramètres n’ont pas pu être enregistrés/)).toBeTruthy();
    expect(screen.getByText(/Code d’erreur : settings_io/)).toBeTruthy();
    expect(document.documentElement.lang).toBe("fr");
  });
});
