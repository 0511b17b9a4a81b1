import { MessageBar, MessageBarBody, MessageBarTitle } from "@fluentui/react-components";
import { FormattedMessage, useIntl } from "react-intl";
import type { Capabilities } from "../bindings/Capabilities";
import type { MessageId } from "../i18n";

const known = new Set(["scope_user_invite_all", "scope_user_readwrite_all", "role_user_administrator"]);

/** What the signed-in admin can do, said up front, with how to get what is missing. */
export function CapabilitiesCard({ capabilities }: { capabilities: Capabilities }) {
  const intl = useIntl();
  const roles = capabilities.roles.length > 0 ? capabilities.roles.join(", ") : intl.formatMessage({ id: "caps.noRoles" });
  if (capabilities.canConvert && capabilities.canReset) {
    return (
      <MessageBar intent="success" data-testid="capabilities">
        <MessageBarBody>
          <FormattedMessage id="caps.ok" /> <FormattedMessage id="caps.rolesLabel" values={{ roles }} />
        </MessageBarBody>
      </MessageBar>
    );
  }
  return (
    <MessageBar intent="warning" layout="multiline" data-testid="capabilities">
      <MessageBarBody>
        <MessageBarTitle>
          <FormattedMessage id="caps.limited" />
        </MessageBarTitle>{" "}
        <FormattedMessage id="caps.rolesLabel" values={{ roles }} />
        <ul>
          {capabilities.missing
            .filter((m) => known.has(m))
            .map((m) => (
              <li key={m}>
                <FormattedMessage id={`caps.missing.${m}` as MessageId} />
              </li>
            ))}
        </ul>
      </MessageBarBody>
    </MessageBar>
  );
}
