import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render, screen } from "@testing-library/react";
import { IntlProvider } from "react-intl";
import { catalogs } from "../i18n/catalogs";
import type { Capabilities } from "../bindings/Capabilities";
import { CapabilitiesCard } from "./CapabilitiesCard";

const base: Capabilities = {
  roles: ["User Administrator"],
  rolesKnown: true,
  scopes: ["User.Invite.All", "User.ReadWrite.All"],
  scopesKnown: true,
  canConvert: true,
  canReset: true,
  confirmed: true,
  canUpdateUsers: true,
  missing: [],
  unconfirmed: [],
};

function show(c: Capabilities) {
  render(
    <IntlProvider locale="en" messages={catalogs.en}>
      <CapabilitiesCard capabilities={c} />
    </IntlProvider>,
  );
  return screen.getByTestId("capabilities");
}

afterEach(cleanup);

describe("CapabilitiesCard: confirmed, not confirmed, or missing", () => {
  it("says confirmed with the roles", () => {
    const card = show(base);
    expect(card.dataset.state).toBe("confirmed");
    expect(card.textContent).toContain("User Administrator");
  });

  it("hidden roles are not confirmed, not refused: Microsoft decides", () => {
    const card = show({ ...base, roles: [], rolesKnown: false, confirmed: false, canUpdateUsers: null, unconfirmed: ["roles_unknown"] });
    expect(card.dataset.state).toBe("unconfirmed");
    expect(card.textContent).toContain("Microsoft decides");
    expect(card.textContent).toContain("not visible to the app");
    expect(card.textContent).toContain("RoleManagement.Read.Directory");
  });

  it("a handed-in token's scopes are unknown", () => {
    const card = show({ ...base, scopes: [], scopesKnown: false, confirmed: false, unconfirmed: ["scopes_unknown"] });
    expect(card.dataset.state).toBe("unconfirmed");
    expect(card.textContent).toContain("access token from elsewhere");
  });

  it("a permission known to be missing is said with the fix", () => {
    const card = show({
      ...base,
      scopes: ["User.Invite.All"],
      canConvert: false,
      canReset: false,
      confirmed: false,
      missing: ["scope_user_readwrite_all"],
    });
    expect(card.dataset.state).toBe("missing");
    expect(card.textContent).toContain("User.ReadWrite.All has no consent");
  });
});
