import { MessageBar, MessageBarBody, MessageBarTitle } from "@fluentui/react-components";
import { FormattedMessage } from "react-intl";
import type { UiErrorCode } from "../ipc";

/** An error as the user reads it: translated from its stable code, with the code for support. */
export function ErrorBar({ code }: { code: UiErrorCode }) {
  return (
    <MessageBar intent="error" layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>
          <FormattedMessage id="error.title" />
        </MessageBarTitle>{" "}
        <FormattedMessage id={`error.${code}`} />{" "}
        <FormattedMessage id="error.code" values={{ code }} />
      </MessageBarBody>
    </MessageBar>
  );
}
