import { MessageBar, MessageBarBody, MessageBarTitle } from "@fluentui/react-components";
import { FormattedMessage, useIntl } from "react-intl";
import type { Capabilities } from "../bindings/Capabilities";
import { missingMessages, unconfirmedMessages } from "../i18n/codes";


/**
 * What the signed-in admin can do, said up front: confirmed, not confirmed (Microsoft decides), or
 * known to be missing, with how to get it.
 */
export function CapabilitiesCard({ capabilities }: { capabilities: Capabilities }) {
  const intl = useIntl();
  const roles = !capabilities.rolesKnown
    ? intl.formatMessage({ id: "caps.rolesHidden" })
    : capabilities.roles.length > 0
      ? capabilities.roles.join(", ")
      : intl.formatMessage({ id: "caps.noRoles" });
  if (capabilities.confirmed) {
    return (
      <MessageBar intent="success" data-testid="capabilities" data-state="confirmed">
        <MessageBarBody>
          <FormattedMessage id="caps.ok" /> <FormattedMessage id="caps.rolesLabel" values={{ roles }} />
        </MessageBarBody>
      </MessageBar>
    );
  }
  const missing = capabilities.missing;
  const unconfirmed = capabilities.unconfirmed;
  const blocked = missing.length > 0;
  return (
    <MessageBar
      intent={blocked ? "warning" : "info"}
      layout="multiline"
      data-testid="capabilities"
      data-state={blocked ? "missing" : "unconfirmed"}
    >
      <MessageBarBody>
        <MessageBarTitle>
          <FormattedMessage id={blocked ? "caps.limited" : "caps.unconfirmed"} />
        </MessageBarTitle>{" "}
        <FormattedMessage id="caps.rolesLabel" values={{ roles }} />
        <ul>
          {missing.map((m) => (
            <li key={m}>
              <FormattedMessage id={missingMessages[m]} />
            </li>
          ))}
          {unconfirmed.map((u) => (
            <li key={u}>
              <FormattedMessage id={unconfirmedMessages[u]} />
            </li>
          ))}
        </ul>
      </MessageBarBody>
    </MessageBar>
  );
}
