import { FormattedMessage, useIntl } from "react-intl";
import type { MessageId } from "../i18n";

/** A value as Graph spells it (userType, externalUserState, an invitation's status, a creation or
 * sign-in type), said in the user's language; one this version does not know is shown as it is. */
export function GraphValue({ value, testId }: { value: string | null; testId?: string }) {
  const intl = useIntl();
  if (value === null || value === "") return <FormattedMessage id="user.notSet" />;
  const id = `graph.value.${value}` as MessageId;
  return (
    <bdi data-value={value} data-testid={testId} dir={id in intl.messages ? undefined : "ltr"}>
      {id in intl.messages ? intl.formatMessage({ id }) : value}
    </bdi>
  );
}
