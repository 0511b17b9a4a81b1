import { FormattedMessage } from "react-intl";
import type { UiErrorCode } from "../ipc";

/**
 * An error as the user reads it: translated from its stable code, with the code for support.
 * Plain elements (plain.css), not Fluent's MessageBar: the first-run and sign-in screens show it
 * before Fluent is loaded.
 */
export function ErrorBar({ code }: { code: UiErrorCode }) {
  return (
    <div className="b2b-bar b2b-bar-error" role="alert" data-testid="error-bar">
      <div>
        <strong>
          <FormattedMessage id="error.title" />
        </strong>{" "}
        <FormattedMessage id={`error.${code}`} /> <FormattedMessage id="error.code" values={{ code }} />
      </div>
    </div>
  );
}
