import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render, screen } from "@testing-library/react";
import { IntlProvider } from "react-intl";
import { catalogs } from "./i18n/catalogs";
import { parseSponsors, SponsorList, sponsorsProblem } from "./sponsors";

afterEach(cleanup);

describe("sponsors as typed", () => {
  it("split on |, commas, semicolons and spaces, without duplicates", () => {
    expect(parseSponsors(" ann@contoso.com|bob@contoso.com ; ANN@contoso.com,  c@contoso.com ")).toEqual([
      "ann@contoso.com",
      "bob@contoso.com",
      "c@contoso.com",
    ]);
    expect(parseSponsors("  |  ")).toEqual([]);
  });

  it("are five at most, each a UPN or an object id", () => {
    expect(sponsorsProblem(parseSponsors("a@x.com b@x.com c@x.com d@x.com e@x.com"))).toBeNull();
    expect(sponsorsProblem(parseSponsors("a@x.com b@x.com c@x.com d@x.com e@x.com f@x.com"))).toEqual({ kind: "tooMany" });
    expect(sponsorsProblem(["0b7a2f1c-1d2e-4f3a-8b9c-0d1e2f3a4b5c"])).toBeNull();
    expect(sponsorsProblem(["a@x.com", "bob"])).toEqual({ kind: "invalid", entry: "bob" });
  });
});

describe("a user's sponsors", () => {
  const show = (sponsors: Parameters<typeof SponsorList>[0]["sponsors"], locale: "en" | "he" = "en") =>
    render(
      <IntlProvider locale={locale} messages={catalogs[locale]}>
        <SponsorList sponsors={sponsors} />
      </IntlProvider>,
    );

  it("that could not be read are unknown, not none", () => {
    show(null);
    expect(screen.getByTestId("sponsors-unknown").textContent).toContain("Could not be read");
    cleanup();
    show([]);
    expect(screen.getByTestId("sponsors-none").textContent).toBe("None");
  });

  it("name users by name and UPN, and groups as groups", () => {
    show(
      [
        { id: "u1", kind: "user", displayName: "Ada Admin", userPrincipalName: "admin@contoso.com" },
        { id: "g1", kind: "group", displayName: null, userPrincipalName: null },
      ],
      "he",
    );
    const items = screen.getAllByTestId("sponsor");
    expect(items[0]?.textContent).toBe("Ada Admin (admin@contoso.com)");
    expect(items[1]?.textContent).toBe("g1 · קבוצה");
  });
});
