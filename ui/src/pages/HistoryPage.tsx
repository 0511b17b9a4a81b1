import { useState } from "react";
import {
  Badge,
  Button,
  Field,
  makeStyles,
  MessageBar,
  MessageBarBody,
  SearchBox,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from "@fluentui/react-components";
import { ArrowDownload20Regular } from "@fluentui/react-icons";
import { changeMessages, historyWarningMessages } from "../i18n/codes";
import { FormattedDate, FormattedMessage, useIntl } from "react-intl";
import type { ExportView } from "../bindings/ExportView";
import { useCellStyles } from "../components/cells";
import { ErrorBar } from "../components/ErrorBar";
import { useLatestAnswer } from "../latest";
import { ExportedBar } from "../components/ExportedBar";
import { api, errorCodeOf, type UiErrorCode } from "../ipc";

const useStyles = makeStyles({
  intro: { display: "block", marginBlockEnd: tokens.spacingVerticalL, maxWidth: "70ch" },
  bar: { display: "flex", gap: tokens.spacingHorizontalL, alignItems: "end", flexWrap: "wrap", marginBlockEnd: tokens.spacingVerticalM },
  search: { minWidth: "320px", maxWidth: "520px", flex: 1 },
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200 },
});

const outcomeColor = { succeeded: "success", blocked: "warning", failed: "danger", unknown: "informative" } as const;

/** Every action taken from this computer, searchable and exportable. */
export function HistoryPage() {
  const styles = useStyles();
  const cells = useCellStyles();
  const intl = useIntl();
  const [query, setQuery] = useState("");
  const [error, setError] = useState<UiErrorCode | null>(null);
  const [exported, setExported] = useState<ExportView | null>(null);
  // The last list received stays on screen while a newer search is on its way.
  const answer = useLatestAnswer(query, 200, (q) => api.listHistory(q));
  const view = answer?.value ?? null;

  const exportCsv = () => {
    setExported(null);
    api.exportHistory(query).then(setExported, (e: unknown) => setError(errorCodeOf(e)));
  };

  return (
    <>
      <Text as="h1" size={700} weight="semibold" block>
        <FormattedMessage id="page.history.title" />
      </Text>
      <Text as="p" className={styles.intro}>
        <FormattedMessage id="page.history.intro" />
      </Text>
      <div className={styles.bar}>
        <Field label={intl.formatMessage({ id: "history.search" })} className={styles.search}>
          <SearchBox value={query} onChange={(_, d) => setQuery(d.value)} data-testid="history-search" />
        </Field>
        <Button icon={<ArrowDownload20Regular />} onClick={exportCsv} disabled={!view || view.entries.length === 0} data-testid="export-history">
          <FormattedMessage id="history.export" />
        </Button>
      </div>
      {exported && <ExportedBar view={exported} testId="exported" />}
      {answer?.error && <ErrorBar code={answer.error} />}
      {error && <ErrorBar code={error} />}
      {view && view.unreadable > 0 && (
        <MessageBar intent="warning">
          <MessageBarBody>
            <FormattedMessage id="history.unreadable" values={{ count: view.unreadable }} />
          </MessageBarBody>
        </MessageBar>
      )}
      {view && (
        <Text block aria-live="polite" data-testid="history-count">
          <FormattedMessage id="history.count" values={{ shown: view.entries.length, total: view.total }} />
        </Text>
      )}
      {view && view.entries.length > 0 && (
        <Table aria-label={intl.formatMessage({ id: "page.history.title" })} size="small" data-testid="history-table">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>
                <FormattedMessage id="history.col.when" />
              </TableHeaderCell>
              <TableHeaderCell>
                <FormattedMessage id="history.col.action" />
              </TableHeaderCell>
              <TableHeaderCell>
                <FormattedMessage id="history.col.user" />
              </TableHeaderCell>
              <TableHeaderCell>
                <FormattedMessage id="history.col.address" />
              </TableHeaderCell>
              <TableHeaderCell>
                <FormattedMessage id="history.col.admin" />
              </TableHeaderCell>
              <TableHeaderCell>
                <FormattedMessage id="history.col.outcome" />
              </TableHeaderCell>
              <TableHeaderCell>
                <FormattedMessage id="history.col.requestId" />
              </TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {view.entries.map((e) => (
              <TableRow key={e.id} data-testid="history-row">
                <TableCell>
                  <FormattedDate value={e.at} dateStyle="medium" timeStyle="short" />
                </TableCell>
                <TableCell>
                  <FormattedMessage id={`history.action.${e.action}`} />
                </TableCell>
                <TableCell className={cells.truncate} title={e.userPrincipalName}>
                  <bdi dir="ltr">{e.userPrincipalName}</bdi>
                </TableCell>
                <TableCell className={cells.truncate} title={e.address}>
                  <bdi dir="ltr">{e.address}</bdi>
                </TableCell>
                <TableCell className={cells.truncate} title={e.admin}>
                  <bdi dir="ltr">{e.admin}</bdi>
                </TableCell>
                <TableCell>
                  <Badge appearance="tint" color={outcomeColor[e.outcome]}>
                    <FormattedMessage id={`history.outcome.${e.outcome}`} />
                  </Badge>
                  {e.errorCode && (
                    <>
                      {" "}
                      <FormattedMessage id={`error.${e.errorCode}`} />
                    </>
                  )}
                  {e.warnings.map((w) => (
                      <div key={w} data-testid="history-warning">
                        <FormattedMessage id={historyWarningMessages[w]} />
                      </div>
                    ))}
                  {e.changes.map((c) => (
                      <div key={c} data-testid="history-change">
                        <FormattedMessage id={changeMessages[c]} />
                      </div>
                    ))}
                </TableCell>
                <TableCell className={cells.truncate} title={e.requestId ?? ""}>
                  <bdi dir="ltr" className={styles.mono}>
                    {e.requestId ?? ""}
                  </bdi>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </>
  );
}
