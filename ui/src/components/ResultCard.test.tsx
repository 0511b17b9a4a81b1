import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render, screen } from "@testing-library/react";
import { IntlProvider } from "react-intl";
import { catalogs } from "../i18n/catalogs";
import type { ConvertResult } from "../bindings/ConvertResult";
import { ResultCard } from "./ResultCard";

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
  warnings: ["user_type_not_set"],
};

afterEach(cleanup);

describe("ResultCard: a success is never reported as a failure", () => {
  it("a refused follow-up step is a warning under the success", () => {
    render(
      <IntlProvider locale="en" messages={catalogs.en}>
        <ResultCard result={converted} displayName="Sam" address="sam@x.example" tenantId="t" mailSent />
      </IntlProvider>,
    );
    expect(screen.getByText(/Sam is now an external user/)).toBeTruthy();
    const warning = screen.getByTestId("result-warning");
    expect(warning.textContent).toContain("refused to change their user type to Guest");
    expect(screen.queryByText(/Their user type was changed to Guest/)).toBeNull();
  });
});
