import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { IntlProvider } from "react-intl";
import { catalogs } from "../i18n/catalogs";
import type { ConvertRequest } from "../bindings/ConvertRequest";
import type { ConvertResult } from "../bindings/ConvertResult";
import { ResultCard, textLanguage } from "./ResultCard";

const converted: ConvertResult = {
  userId: "u1",
  invitationId: "inv-1",
  redeemUrl: null,
  status: "PendingAcceptance",
  confirmedByReread: false,
  mailSet: false,
  otherMailsSet: false,
  userTypeSetToGuest: false,
  requestId: "req-1",
  sponsorsSet: [],
  warnings: ["user_type_not_set"],
};

const mailed: ConvertRequest = { sendMail: true, message: null, language: null, cc: null, redirectUrl: null, setGuest: true, sponsors: [] };

afterEach(cleanup);

function card(props: Partial<Parameters<typeof ResultCard>[0]>, locale: "en" | "sv" = "en") {
  return render(
    <IntlProvider locale={locale} messages={catalogs[locale]}>
      <ResultCard
        kind="convert"
        result={converted}
        displayName="Sam"
        address="sam@x.example"
        request={mailed}
        tenantId="t"
        tenantName="Contoso Demo"
        onPremHistory={false}
        {...props}
      />
    </IntlProvider>,
  );
}

describe("ResultCard: a success is never reported as a failure", () => {
  it("a refused follow-up step is a warning under the success", () => {
    card({});
    expect(screen.getByText(/Sam is now an external user/)).toBeTruthy();
    const warning = screen.getByTestId("result-warning");
    expect(warning.textContent).toContain("refused to change their user type to Guest");
    expect(screen.queryByText(/Their user type was changed to Guest/)).toBeNull();
  });
});

describe("ResultCard: nothing untrue", () => {
  it("a resend is not called a conversion, and Graph's status is said in words", () => {
    card({ kind: "resend" });
    expect(screen.queryByText(/is now an external user/)).toBeNull();
    expect(screen.getByText(/The invitation to Sam was sent again/)).toBeTruthy();
    expect(screen.getByTestId("result-status").textContent).toBe("Waiting for acceptance");
    expect(screen.getByTestId("result-status").dataset.value).toBe("PendingAcceptance");
  });

  it("a reset without e-mail says so", () => {
    card({ kind: "resend", request: { ...mailed, sendMail: false }, result: { ...converted, redeemUrl: "https://x/redeem" } });
    expect(screen.getByText(/Sam can accept the invitation again/)).toBeTruthy();
  });

  it("warns about an on-premises password only for an account that came from on-premises", () => {
    card({});
    expect(screen.queryByTestId("password-reminder")).toBeNull();
    cleanup();
    card({ onPremHistory: true });
    expect(screen.getByTestId("password-reminder").textContent).toMatch(/came from on-premises/);
  });

  it("writes the ready-to-send text in the invitation's language, with the message and the tenant's name", async () => {
    const request = { ...mailed, sendMail: false, language: "fr-FR", message: "Bienvenue chez nous !" };
    // The admin reads Swedish; the person gets French.
    card({ request, result: { ...converted, redeemUrl: "https://login.example/redeem?rd=1" } }, "sv");
    const text = (await screen.findByTestId("ready-text")) as HTMLTextAreaElement;
    await waitFor(() => expect(text.value).toMatch(/^Bonjour Sam,/));
    expect(text.value).toContain("Bienvenue chez nous !");
    expect(text.value).toContain("Contoso Demo a configuré votre compte");
    expect(text.value).toContain("https://login.example/redeem?rd=1");
    expect(text.value).not.toMatch(/notre organisation|our organisation/i);
    expect(text.lang).toBe("fr");
  });

  it("in Hebrew the text runs right to left; other invitation languages fall back to English", async () => {
    card({ request: { ...mailed, sendMail: false, language: "he-IL" }, result: { ...converted, redeemUrl: "https://r" } });
    const text = (await screen.findByTestId("ready-text")) as HTMLTextAreaElement;
    await waitFor(() => expect(text.value).toMatch(/^שלום Sam,/));
    expect(text.dir).toBe("rtl");
    expect(textLanguage("de-DE")).toBe("en");
    expect(textLanguage(null)).toBe("en");
    expect(textLanguage("sv-SE")).toBe("sv");
  });
});
