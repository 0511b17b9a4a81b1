import { FormattedMessage } from "react-intl";

/** A step after a conversion that did not work, by its code; an unknown code is named as it is. */
export function WarningText({ code }: { code: string }) {
  switch (code) {
    case "user_type_not_set":
      return <FormattedMessage id="result.warning.user_type_not_set" />;
    case "mail_set_before_failure":
      return <FormattedMessage id="bulk.warning.mail_set_before_failure" />;
    default:
      return <FormattedMessage id="result.warning.other" values={{ code }} />;
  }
}
