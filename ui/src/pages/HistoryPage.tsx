import { useState } from "react";
import {
  Badge,
  Button,
  Field,
  makeStyles,
  mergeClasses,
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
import { LtrCell, useCellStyles } from "../components/cells";
import { DisabledReason } from "../components/DisabledReason";
import { ErrorBar } from "../components/ErrorBar";
import { useLatestAnswer } from "../latest";
import { ExportedBar } from "../components/ExportedBar";
import { api, errorCodeOf, type UiErrorCode } from "../ipc";

const useStyles = makeStyles({
  intro: { display: "block", marginBlockEnd: tokens.spacingVerticalL, maxWidth: "70ch" },
  bar: { display: "flex", gap: tokens.spacingHorizontalL, alignItems: "end", flexWrap: "wrap", marginBlockEnd: tokens.spacingVerticalM },
  search: { minWidth: "min(320px, 100%)", maxWidth: "520px", flex: 1 },
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200 },
  table: { minWidth: "880px" },
  wWhen: { width: "9rem" },
  wAction: { width: "6.5rem" },
  wOutcome: { width: "13rem" },
  wRequest: { width: "9rem" },
  badge: { whiteSpace: "nowrap" },
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
        <Button
          icon={<ArrowDownload20Regular />}
          onClick={exportCsv}
          disabledFocusable={!view || view.entries.length === 0}
          aria-describedby={view && view.entries.length === 0 ? "export-history-why" : undefined}
          data-testid="export-history"
        >
          <FormattedMessage id="history.export" />
        </Button>
        <DisabledReason
          id="export-history-why"
          reason={view && view.entries.length === 0 ? (view.total === 0 ? "history.why.empty" : "history.why.noMatch") : null}
        />
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
        // Seven columns scroll sideways in a small window: the box takes focus so that the keyboard
        // can scroll it too (the table has nothing else to focus).
        <div className={cells.scroll} tabIndex={0} role="region" aria-label={intl.formatMessage({ id: "page.history.title" })}>
        <Table aria-label={intl.formatMessage({ id: "page.history.title" })} size="small" data-testid="history-table" className={styles.table}>
          <TableHeader>
            <TableRow>
              <TableHeaderCell className={mergeClasses(styles.wWhen, cells.header)}>
                <FormattedMessage id="history.col.when" />
              </TableHeaderCell>
              <TableHeaderCell className={mergeClasses(styles.wAction, cells.header)}>
                <FormattedMessage id="history.col.action" />
              </TableHeaderCell>
              <TableHeaderCell className={cells.header}>
                <FormattedMessage id="history.col.user" />
              </TableHeaderCell>
              <TableHeaderCell className={cells.header}>
                <FormattedMessage id="history.col.address" />
              </TableHeaderCell>
              <TableHeaderCell className={cells.header}>
                <FormattedMessage id="history.col.admin" />
              </TableHeaderCell>
              <TableHeaderCell className={mergeClasses(styles.wOutcome, cells.header)}>
                <FormattedMessage id="history.col.outcome" />
              </TableHeaderCell>
              <TableHeaderCell className={mergeClasses(styles.wRequest, cells.header)}>
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
                <LtrCell value={e.userPrincipalName} />
                <LtrCell value={e.address} />
                <LtrCell value={e.admin} />
                <TableCell>
                  <Badge appearance="tint" color={outcomeColor[e.outcome]} className={styles.badge}>
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
                  {e.options.sponsors.length > 0 && (
                    <div data-testid="history-sponsors">
                      <FormattedMessage
                        id="convert.confirmSponsors"
                        values={{ names: <bdi dir="ltr">{e.options.sponsors.join(", ")}</bdi> }}
                      />
                    </div>
                  )}
                </TableCell>
                <TableCell title={e.requestId ?? ""}>
                  <span dir="ltr" className={mergeClasses(cells.ltr, styles.mono)}>
                    {e.requestId ?? ""}
                  </span>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
        </div>
      )}
    </>
  );
}
