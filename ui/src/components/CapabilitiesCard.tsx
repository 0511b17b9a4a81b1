import { MessageBar, MessageBarBody, MessageBarTitle } from "@fluentui/react-components";
import { FormattedMessage, useIntl } from "react-intl";
import type { Capabilities } from "../bindings/Capabilities";
import type { MessageId } from "../i18n";

const knownMissing = new Set(["scope_user_invite_all", "scope_user_readwrite_all"]);
const knownUnconfirmed = new Set(["roles_unknown", "scopes_unknown", "role_not_listed_convert", "role_not_listed_reset"]);

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
  const missing = capabilities.missing.filter((m) => knownMissing.has(m));
  const unconfirmed = capabilities.unconfirmed.filter((u) => knownUnconfirmed.has(u));
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
              <FormattedMessage id={`caps.missing.${m}` as MessageId} />
            </li>
          ))}
          {unconfirmed.map((u) => (
            <li key={u}>
              <FormattedMessage id={`caps.unconfirmed.${u}` as MessageId} />
            </li>
          ))}
        </ul>
      </MessageBarBody>
    </MessageBar>
  );
}
