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

  it("never shows a message id: nothing is painted until the language's catalog is in", async () => {
    fakeBackend({ os: "he" });
    const seen: string[] = [];
    const observer = new MutationObserver(() => seen.push(document.body.textContent ?? ""));
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
    const { container } = render(<App />);
    expect(container.textContent).toBe("");
    expect(await screen.findByText("משתמשים", { selector: "h1 *, h1" })).toBeTruthy();
    observer.disconnect();
    expect(seen.filter((text) => /\b(app|nav|page|error)\.[a-z]/.test(text))).toEqual([]);
    expect(document.documentElement.dir).toBe("rtl");
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

describe("sign-in", () => {
  it("first run: the demo, then sign in with the browser, then the frame with capabilities", async () => {
    const calls = fakeBackend({ os: "en", start: "firstRun" });
    render(<App />);
    fireEvent.click(await screen.findByTestId("use-demo"));
    expect(await screen.findByText("Sign in to the demo tenant")).toBeTruthy();
    expect(screen.getByText(/Password: demo/)).toBeTruthy();
    fireEvent.click(screen.getByTestId("sign-in-browser"));
    expect(await screen.findByTestId("capabilities")).toBeTruthy();
    expect(screen.getByText(/You can convert users and reset redemption status/)).toBeTruthy();
    expect(screen.getByTestId("account-menu").textContent).toContain("Ada Admin");
    expect(calls.map((c) => c.cmd)).toEqual(expect.arrayContaining(["use_demo", "sign_in_browser"]));
  });

  it("device code: shows the code and the page", async () => {
    fakeBackend({ os: "sv", start: "signIn" });
    render(<App />);
    fireEvent.click(await screen.findByTestId("sign-in-code"));
    expect((await screen.findByTestId("user-code")).textContent).toBe("ABCD2345E");
    expect(screen.getByText("http://127.0.0.1:1/devicelogin")).toBeTruthy();
    expect(screen.getByText("Kopiera koden")).toBeTruthy();
    fireEvent.click(screen.getByTestId("cancel-sign-in"));
    expect(await screen.findByText(/Inloggningen avbröts eller nekades/)).toBeTruthy();
    expect(screen.getByTestId("sign-in-browser")).toBeTruthy();
  });

  it("an organisation needs a GUID client ID; the error is translated", async () => {
    fakeBackend({ os: "en", start: "firstRun" });
    render(<App />);
    const input = (await screen.findByTestId("client-id")).querySelector("input") ?? screen.getByTestId("client-id");
    expect((input as HTMLInputElement).value).toBe("14d82eec-204b-4c2f-b7e8-296a70dab67e");
  });

  it("switches account and signs out from the header menu", async () => {
    const calls = fakeBackend({ os: "en" });
    render(<App />);
    fireEvent.click(await screen.findByTestId("account-menu"));
    fireEvent.click(await screen.findByLabelText("Switch to Hal Helpdesk"));
    await waitFor(() => expect(screen.getByTestId("account-menu").textContent).toContain("Hal Helpdesk"));
    // A permission known to be missing, and roles Graph hid: both said, each with what to do.
    expect(await screen.findByText(/User.ReadWrite.All has no consent/)).toBeTruthy();
    expect(screen.getByText(/hides the names of your roles/)).toBeTruthy();
    fireEvent.click(screen.getByTestId("account-menu"));
    fireEvent.click(await screen.findByTestId("sign-out"));
    await waitFor(() => expect(screen.getByTestId("account-menu").textContent).toContain("Ada Admin"));
    expect(calls).toContainEqual({ cmd: "sign_out", args: { id: "h1.t1" } });
  });
});
