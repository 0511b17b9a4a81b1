import { FormattedMessage } from "react-intl";
import type { FollowUpWarning } from "../bindings/FollowUpWarning";
import { warningMessages } from "../i18n/codes";

/** A step after a conversion that did not work, by its code. */
export function WarningText({ code }: { code: FollowUpWarning }) {
  return <FormattedMessage id={warningMessages[code]} />;
}
