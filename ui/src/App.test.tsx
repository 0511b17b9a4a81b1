import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { clearMocks } from "@tauri-apps/api/mocks";
import { App } from "./App";
import { installFakeBackend as fakeBackend } from "../tests/fakeBackend";

afterEach(() => {
  cleanup();
  clearMocks();
});

describe("App", () => {
  it("follows the OS language and shows the frame", async () => {
    fakeBackend({ os: "sv" });
    render(<App />);
    expect(await screen.findByText("Användare", { selector: "h1 *, h1" })).toBeTruthy();
    expect(document.documentElement.lang).toBe("sv");
    expect(document.documentElement.dir).toBe("ltr");
    expect(screen.getByRole("navigation", { name: "Huvudnavigering" })).toBeTruthy();
  });

  it("switches to Hebrew from Settings, right to left, and shows About from app_info", async () => {
    const calls = fakeBackend({ os: "en" });
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
    fakeBackend({ os: "fr", failSave: true });
    render(<App />);
    fireEvent.click(await screen.findByText("Paramètres"));
    fireEvent.change(await screen.findByTestId("language-select"), { target: { value: "he" } });
    expect(await screen.findByText(/Vos paramètres n’ont pas pu être enregistrés/)).toBeTruthy();
    expect(screen.getByText(/Code d’erreur : settings_io/)).toBeTruthy();
    expect(document.documentElement.lang).toBe("fr");
  });
});
