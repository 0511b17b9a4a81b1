import { useState } from "react";
import { Button, MessageBar, MessageBarActions, MessageBarBody } from "@fluentui/react-components";
import { FormattedMessage } from "react-intl";
import type { ExportView } from "../bindings/ExportView";
import { api, errorCodeOf, type UiErrorCode } from "../ipc";
import type { MessageId } from "../i18n";
import { ErrorBar } from "./ErrorBar";

/** Where an export went, with "Show in folder". */
export function ExportedBar({ view, testId, message }: { view: ExportView; testId: string; message?: MessageId }) {
  const [error, setError] = useState<UiErrorCode | null>(null);
  return (
    <>
      <MessageBar intent="success" layout="multiline" data-testid={testId}>
        <MessageBarBody>
          <FormattedMessage
            id={message ?? "history.exported"}
            values={{ rows: view.rows, path: <bdi dir="ltr" data-testid={`${testId}-path`}>{view.path}</bdi> }}
          />
        </MessageBarBody>
        <MessageBarActions>
          <Button onClick={() => api.showExport().catch((e: unknown) => setError(errorCodeOf(e)))}>
            <FormattedMessage id="history.showInFolder" />
          </Button>
        </MessageBarActions>
      </MessageBar>
      {error && <ErrorBar code={error} />}
    </>
  );
}
