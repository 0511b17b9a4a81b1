import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { clearMocks } from "@tauri-apps/api/mocks";
import { App } from "./App";
import type { PolicyView } from "./bindings/PolicyView";
import { installFakeBackend as fakeBackend } from "../tests/fakeBackend";

afterEach(() => {
  cleanup();
  clearMocks();
});

const CLIENT = "11111111-2222-3333-4444-555555555555";
const FILE = "/etc/b2b-convert/policy.json";

function inputOf(testId: string): HTMLInputElement {
  const el = screen.getByTestId(testId);
  return (el.querySelector("input") ?? el) as HTMLInputElement;
}

describe("organisation policy", () => {
  it("first run: a locked client ID and tenant are fixed, the demo is hidden, national cloud endpoints shown", async () => {
    const policy: PolicyView = {
      entries: [
        { key: "ClientId", value: CLIENT, level: "locked", source: "registry", origin: "HKLM\\SOFTWARE\\Policies\\B2BConvert" },
        { key: "TenantId", value: "contoso.com", level: "locked", source: "registry", origin: "HKLM\\SOFTWARE\\Policies\\B2BConvert" },
        { key: "AuthorityUrl", value: "https://login.microsoftonline.us", level: "recommended", source: "registry", origin: "HKLM\\SOFTWARE\\Policies\\B2BConvert\\Recommended" },
        { key: "AllowDemoTenant", value: false, level: "locked", source: "registry", origin: "HKLM\\SOFTWARE\\Policies\\B2BConvert" },
      ],
      warnings: [],
    };
    const calls = fakeBackend({ os: "en", start: "firstRun", policy });
    render(<App />);
    await screen.findByTestId("first-run");
    expect(screen.queryByTestId("demo-card")).toBeNull();
    expect(screen.queryByTestId("use-demo")).toBeNull();
    expect(inputOf("client-id").value).toBe(CLIENT);
    expect(inputOf("client-id").disabled).toBe(true);
    expect(inputOf("tenant").value).toBe("contoso.com");
    expect(inputOf("tenant").disabled).toBe(true);
    expect(inputOf("endpoint-AuthorityUrl").value).toBe("https://login.microsoftonline.us");
    expect(screen.getAllByText("Set by your organisation").length).toBe(3);
    fireEvent.click(screen.getByTestId("connect-org"));
    await waitFor(() => expect(calls.some((c) => c.cmd === "connect_organisation")).toBe(true));
    expect(calls.find((c) => c.cmd === "connect_organisation")?.args).toEqual({ clientId: CLIENT, tenant: "contoso.com" });
  });

  it("first run: recommended values are starting values the admin may change", async () => {
    const policy: PolicyView = {
      entries: [{ key: "TenantId", value: "fabrikam.com", level: "recommended", source: "file", origin: FILE }],
      warnings: [],
    };
    fakeBackend({ os: "en", start: "firstRun", policy });
    render(<App />);
    await screen.findByTestId("first-run");
    expect(screen.getByTestId("use-demo")).toBeTruthy();
    expect(inputOf("tenant").value).toBe("fabrikam.com");
    expect(inputOf("tenant").disabled).toBe(false);
    expect(inputOf("client-id").value).toBe("14d82eec-204b-4c2f-b7e8-296a70dab67e");
    expect(screen.queryByText("Set by your organisation")).toBeNull();
  });

  it("Settings lists each value in force and where it came from, and the ignored ones, translated", async () => {
    const policy: PolicyView = {
      entries: [
        { key: "UiLanguage", value: "fr", level: "locked", source: "managedPreferences", origin: "com.b2bconvert.app" },
        { key: "SendInvitationMessage", value: false, level: "recommended", source: "file", origin: FILE },
      ],
      warnings: [
        { code: "invalid_client_id", key: "ClientId", source: "file", origin: FILE, detail: "ClientId is not a GUID" },
      ],
    };
    const calls = fakeBackend({ os: "sv", policy });
    render(<App />);
    // The locked language wins over the OS's.
    fireEvent.click(await screen.findByText("Paramètres"));
    expect(document.documentElement.lang).toBe("fr");
    const select = (await screen.findByTestId("language-select")) as HTMLSelectElement;
    expect(select.disabled).toBe(true);
    expect(select.value).toBe("fr");
    expect(screen.getByText("Défini par votre organisation")).toBeTruthy();
    const table = screen.getByTestId("policy-table");
    const language = within(table).getByTestId("policy-UiLanguage");
    expect(language.textContent).toContain("Langue de l’application");
    expect(language.textContent).toContain("Verrouillé");
    expect(language.textContent).toContain("Préférences gérées (profil de configuration)");
    expect(language.textContent).toContain("com.b2bconvert.app");
    const send = within(table).getByTestId("policy-SendInvitationMessage");
    expect(send.textContent).toContain("Non");
    expect(send.textContent).toContain("Recommandé");
    expect(send.textContent).toContain("Fichier de stratégie");
    expect(screen.getByTestId("policy-warning-invalid_client_id").textContent).toBe(
      `ClientId dans ${FILE} : ce n’est pas un GUID.`,
    );
    expect(calls.some((c) => c.cmd === "set_language")).toBe(false);
  });

  it("Settings says when no policy applies, and a recommended language is the default choice", async () => {
    const policy: PolicyView = {
      entries: [{ key: "UiLanguage", value: "sv", level: "recommended", source: "file", origin: FILE }],
      warnings: [],
    };
    fakeBackend({ os: "en", policy });
    render(<App />);
    fireEvent.click(await screen.findByText("Inställningar"));
    const select = (await screen.findByTestId("language-select")) as HTMLSelectElement;
    expect(select.disabled).toBe(false);
    expect(select.value).toBe("system");
    expect(screen.getByText("Organisationens standard (Svenska)")).toBeTruthy();
    cleanup();
    clearMocks();
    fakeBackend({ os: "en" });
    render(<App />);
    fireEvent.click(await screen.findByText("Settings"));
    expect((await screen.findByTestId("policy-none")).textContent).toBe("No organisation policy applies to this computer.");
    expect(screen.queryByTestId("policy-table")).toBeNull();
  });

  it("the convert panel starts from the policy; locked options can't be changed", async () => {
    const policy: PolicyView = {
      entries: [
        { key: "InviteRedirectUrl", value: "https://intranet.contoso.com/welcome", level: "locked", source: "file", origin: FILE },
        { key: "InvitationMessage", value: "Welcome to Contoso", level: "recommended", source: "file", origin: FILE },
        { key: "InvitationLanguage", value: "de-AT", level: "recommended", source: "file", origin: FILE },
        { key: "SendInvitationMessage", value: false, level: "locked", source: "file", origin: FILE },
      ],
      warnings: [],
    };
    const calls = fakeBackend({ os: "en", policy });
    render(<App />);
    fireEvent.click(await screen.findByTestId("open-adele.adams@contoso.com"));
    fireEvent.click(await screen.findByTestId("start-convert"));
    const panel = await screen.findByTestId("convert-panel");
    await within(panel).findByTestId("checks");
    const sendMail = within(panel).getByRole("switch") as HTMLInputElement;
    expect(sendMail.checked).toBe(false);
    expect(sendMail.disabled).toBe(true);
    expect(within(panel).getByTestId("send-mail-policy").textContent).toBe("Set by your organisation");
    const redirect = (within(panel).getByTestId("redirect").querySelector("input") ??
      within(panel).getByTestId("redirect")) as HTMLInputElement;
    expect(redirect.value).toBe("https://intranet.contoso.com/welcome");
    expect(redirect.disabled).toBe(true);
    const language = within(panel).getByTestId("language") as HTMLSelectElement;
    expect(language.value).toBe("de-AT");
    expect(language.disabled).toBe(false);
    const message = within(panel).getByTestId("message") as HTMLTextAreaElement;
    expect(message.value).toBe("Welcome to Contoso");
    fireEvent.change(message, { target: { value: "Welcome back" } });
    fireEvent.click(within(panel).getByTestId("convert-submit"));
    fireEvent.click(within(await screen.findByTestId("confirm")).getByTestId("confirm-yes"));
    await screen.findByTestId("result");
    expect(calls.find((c) => c.cmd === "convert_user")?.args).toMatchObject({
      request: {
        sendMail: false,
        language: "de-AT",
        message: "Welcome back",
        redirectUrl: "https://intranet.contoso.com/welcome",
      },
    });
  });
});
