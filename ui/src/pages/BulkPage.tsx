import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import {
  Badge,
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Field,
  makeStyles,
  mergeClasses,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  ProgressBar,
  Spinner,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from "@fluentui/react-components";
import { ArrowDownload20Regular, DocumentArrowUp20Regular } from "@fluentui/react-icons";
import { FormattedMessage, useIntl } from "react-intl";
import type { BulkAction } from "../bindings/BulkAction";
import type { BulkReport } from "../bindings/BulkReport";
import type { ExportView } from "../bindings/ExportView";
import type { PreviewRow } from "../bindings/PreviewRow";
import type { Progress } from "../bindings/Progress";
import type { RunState } from "../bindings/RunState";
import type { RowResult } from "../bindings/RowResult";
import { LtrCell, useCellStyles } from "../components/cells";
import { CheckText, ReasonText } from "../components/CheckText";
import { DisabledReason } from "../components/DisabledReason";
import { ErrorBar } from "../components/ErrorBar";
import { ExportedBar } from "../components/ExportedBar";
import { WarningText } from "../components/WarningText";
import type { MessageId } from "../i18n";
import { stopMessages } from "../i18n/codes";
import { bulkReducer, noBulk } from "./bulkStatus";
import { api, bulkEvents, errorCodeOf, type UiErrorCode } from "../ipc";

/** Rows shown in a table; the exports hold them all. */
const SHOWN = 200;
const CONCURRENCY = 6;

/** The file this window loaded last, and as which account: a preview is only true for the account
 * that made it, so another account checks the same file again. Kept outside the page, which is
 * remade for every account. */
let lastLoad: { accountId: string; fileName: string; bytes: number[] } | null = null;

/** Only for tests: forget the last file, as a new window would. */
export function forgetLastLoad() {
  lastLoad = null;
}

/** A file with nothing in it but a byte order mark or blanks. */
function isEmpty(bytes: number[]): boolean {
  const text = new TextDecoder().decode(new Uint8Array(bytes)).replace(/^\uFEFF/, "");
  return text.trim() === "";
}

const useStyles = makeStyles({
  intro: { display: "block", marginBlockEnd: tokens.spacingVerticalL, maxWidth: "70ch" },
  bar: { display: "flex", gap: tokens.spacingHorizontalM, flexWrap: "wrap", alignItems: "center", marginBlock: tokens.spacingVerticalM },
  hidden: { position: "absolute", width: "1px", height: "1px", overflow: "hidden", clip: "rect(0 0 0 0)" },
  summary: { display: "flex", gap: tokens.spacingHorizontalS, flexWrap: "wrap" },
  progress: { maxWidth: "760px", display: "grid", gap: tokens.spacingVerticalS, marginBlock: tokens.spacingVerticalM },
  previewTable: { minWidth: "640px" },
  reportTable: { minWidth: "600px" },
  wLine: { width: "3.5rem" },
  wUser: { width: "22%" },
  wStatus: { width: "8rem" },
  wOutcome: { width: "8rem" },
});

const statusColor = { ready: "success", needsFix: "warning", blocked: "danger" } as const;
const outcomeColor = { converted: "success", invited: "success", alreadyDone: "informative", failed: "danger", unknown: "severe", skipped: "subtle", notRun: "warning" } as const;

function Reasons({ row }: { row: PreviewRow }) {
  const texts = [
    ...(row.problem ? [<ReasonText key="p" code={row.problem} address={row.email} />] : []),
    ...row.checks
      .filter((c) => c.severity !== "ok")
      .map((c) => <CheckText key={c.code} code={c.code} severity={c.severity} values={{ address: row.email }} />),
  ];
  return (
    <>
      {texts.map((t, i) => (
        <div key={i}>{t}</div>
      ))}
    </>
  );
}

/** Bulk conversion: template, import, preview, run with progress, report. */
export function BulkPage({ accountId, accountName }: { accountId: string; accountName: string }) {
  const styles = useStyles();
  const intl = useIntl();
  const [recheckedAs, setRecheckedAs] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const [status, dispatch] = useReducer(bulkReducer, noBulk);
  const { loaded, running, progress, report } = status;
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<UiErrorCode | "csv_empty" | null>(null);
  const [exported, setExported] = useState<{ view: ExportView; kind: string } | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [confirmCancel, setConfirmCancel] = useState(false);

  const load = useCallback(
    async (fileName: string, bytes: number[]) => {
      setLoading(true);
      setError(null);
      setExported(null);
      dispatch({ type: "loading" });
      try {
        if (isEmpty(bytes)) {
          setError("csv_empty");
          return;
        }
        const view = await api.bulkLoad(fileName, bytes);
        lastLoad = { accountId, fileName, bytes };
        dispatch({ type: "loaded", loaded: view });
      } catch (e) {
        setError(errorCodeOf(e));
      } finally {
        setLoading(false);
      }
    },
    [accountId],
  );

  // Coming back to the page during or after a run shows it as it stands; a preview another
  // account made is checked again as this one (a run in progress stays: it is real).
  useEffect(() => {
    api.bulkStatus().then(
      (s) => {
        const other = lastLoad !== null && lastLoad.accountId !== accountId;
        if (other && !s.running && s.loaded && lastLoad) {
          setRecheckedAs(accountName);
          void load(lastLoad.fileName, lastLoad.bytes);
          return;
        }
        dispatch({ type: "status", status: s });
      },
      (e: unknown) => setError(errorCodeOf(e)),
    );
  }, [accountId, accountName, load]);

  useEffect(() => {
    const unlisten = [
      bulkEvents.progress((e) => dispatch({ type: "progress", progress: e.progress })),
      bulkEvents.finished(() => {
        setConfirmCancel(false);
        dispatch({ type: "finished" });
        api.bulkReport().then(
          (r) => dispatch({ type: "report", report: r }),
          (e: unknown) => setError(errorCodeOf(e)),
        );
      }),
    ];
    return () => unlisten.forEach((p) => p.then((f) => f()).catch(() => undefined));
  }, []);

  const exportWith = (kind: string, call: () => Promise<ExportView>) => {
    setExported(null);
    call().then((view) => setExported({ view, kind }), (e: unknown) => setError(errorCodeOf(e)));
  };

  const onFile = async (file: File | undefined) => {
    if (!file) return;
    setRecheckedAs(null);
    try {
      await load(file.name, Array.from(new Uint8Array(await file.arrayBuffer())));
    } finally {
      if (input.current) input.current.value = "";
    }
  };

  // Pause, continue and cancel show their state at once; the backend's answer then stands.
  const control = async (call: () => Promise<Progress | null>, state: RunState) => {
    if (progress) dispatch({ type: "progress", progress: { ...progress, state, etaS: state === "running" ? progress.etaS : null } });
    try {
      const now = await call();
      if (now) dispatch({ type: "progress", progress: now });
    } catch (e) {
      setError(errorCodeOf(e));
    }
  };

  const start = () => {
    setConfirming(false);
    dispatch({ type: "starting" });
    api.bulkStart(CONCURRENCY, loaded?.runBefore ?? false).catch((e: unknown) => {
      dispatch({ type: "startFailed" });
      setError(errorCodeOf(e));
    });
  };

  const preview = loaded?.preview;
  // The overdue list from the Pending page: the same run, resending instead of converting.
  const resend = loaded?.action === "resend";
  const invite = preview?.action === "invite";
  const toRun = preview ? preview.ready : 0;
  const runWhy: MessageId | null = running
    ? "bulk.why.running"
    : report !== null
      ? "bulk.why.ran"
      : toRun === 0 && (loaded?.doneBefore ?? 0) === 0
        ? "bulk.why.noneReady"
        : null;
  return (
    <>
      <Text as="h1" size={700} weight="semibold" block>
        <FormattedMessage id="page.bulk.title" />
      </Text>
      <Text as="p" className={styles.intro}>
        <FormattedMessage id="bulk.intro" />{" "}
        <FormattedMessage id="bulk.kinds" />
      </Text>
      <div className={styles.bar}>
        <Button icon={<ArrowDownload20Regular />} onClick={() => exportWith("template", api.bulkTemplate)} data-testid="bulk-template">
          <FormattedMessage id="bulk.template" />
        </Button>
        <Button
          icon={<ArrowDownload20Regular />}
          onClick={() => exportWith("template", api.bulkInviteTemplate)}
          data-testid="bulk-invite-template"
        >
          <FormattedMessage id="bulk.inviteTemplate" />
        </Button>
        <input
          ref={input}
          type="file"
          accept=".csv,text/csv"
          className={styles.hidden}
          id="bulk-file"
          data-testid="bulk-file"
          aria-label={intl.formatMessage({ id: "bulk.choose" })}
          onChange={(e) => void onFile(e.target.files?.[0])}
          disabled={running || loading}
        />
        <Button
          appearance="primary"
          icon={<DocumentArrowUp20Regular />}
          onClick={() => input.current?.click()}
          disabledFocusable={running || loading}
          aria-describedby={running ? "bulk-choose-why" : undefined}
          data-testid="bulk-choose"
        >
          <FormattedMessage id="bulk.choose" />
        </Button>
        {loading && <Spinner size="tiny" label={intl.formatMessage({ id: "bulk.checking" })} />}
        <DisabledReason id="bulk-choose-why" reason={running && !loading ? "bulk.why.running" : null} />
      </div>
      {exported && (
        <ExportedBar
          view={exported.view}
          testId={`exported-${exported.kind}`}
          message={exported.kind === "template" ? "bulk.templateSaved" : undefined}
        />
      )}
      {invite && (
        <MessageBar intent="info" layout="multiline" data-testid="bulk-invite-file">
          <MessageBarBody>
            <FormattedMessage id="bulk.inviteFile" />
          </MessageBarBody>
        </MessageBar>
      )}
      {recheckedAs && loaded && (
        <MessageBar intent="info" layout="multiline" data-testid="bulk-rechecked">
          <MessageBarBody>
            <FormattedMessage id="bulk.rechecked" values={{ name: recheckedAs, file: <bdi>{loaded.fileName}</bdi> }} />
          </MessageBarBody>
        </MessageBar>
      )}
      {error === "csv_empty" ? (
        <MessageBar intent="error" layout="multiline" data-testid="bulk-empty">
          <MessageBarBody>
            <FormattedMessage id="bulk.emptyFile" />
          </MessageBarBody>
        </MessageBar>
      ) : (
        error && <ErrorBar code={error} />
      )}
      {preview && loaded && (
        <>
          <Text as="h2" size={500} weight="semibold" block>
            {resend ? (
              <FormattedMessage id="overdue.previewTitle" />
            ) : (
              <FormattedMessage id="bulk.previewTitle" values={{ file: <bdi>{loaded.fileName}</bdi> }} />
            )}
          </Text>
          <div className={styles.summary} data-testid="bulk-summary">
            <Badge appearance="tint" color="success" data-testid="bulk-ready">
              <FormattedMessage id="bulk.ready" values={{ count: preview.ready }} />
            </Badge>
            <Badge appearance="tint" color="warning" data-testid="bulk-needs-fix">
              <FormattedMessage id="bulk.needsFix" values={{ count: preview.needsFix }} />
            </Badge>
            <Badge appearance="tint" color="danger" data-testid="bulk-blocked">
              <FormattedMessage id="bulk.blocked" values={{ count: preview.blocked }} />
            </Badge>
          </div>
          {loaded.doneBefore > 0 && (
            <MessageBar intent="info" layout="multiline" data-testid="bulk-done-before">
              <MessageBarBody>
                <FormattedMessage id="bulk.doneBefore" values={{ count: loaded.doneBefore }} />
              </MessageBarBody>
            </MessageBar>
          )}
          <div className={styles.bar}>
            <Button
              appearance="primary"
              disabledFocusable={runWhy !== null}
              aria-describedby={runWhy ? "bulk-run-why" : undefined}
              onClick={() => setConfirming(true)}
              data-testid="bulk-run"
            >
              <FormattedMessage id={loaded.doneBefore > 0 ? "bulk.resume" : resend ? "overdue.run" : "bulk.run"} values={{ count: toRun }} />
            </Button>
            <Button icon={<ArrowDownload20Regular />} onClick={() => exportWith("preview", api.bulkExportPreview)} data-testid="bulk-export-preview">
              <FormattedMessage id="bulk.exportPreview" />
            </Button>
            <DisabledReason id="bulk-run-why" reason={runWhy} />
          </div>
          {preview.rows.length === 0 && (
            <MessageBar intent="warning" layout="multiline" data-testid="bulk-no-rows">
              <MessageBarBody>
                <FormattedMessage id="bulk.noRows" />
              </MessageBarBody>
            </MessageBar>
          )}
          {(running || progress) && progress && (
            <div className={styles.progress} data-testid="bulk-progress">
              <ProgressBar value={progress.total > 0 ? progress.done / progress.total : 0} thickness="large" aria-label={intl.formatMessage({ id: "bulk.progressLabel" })} />
              <ProgressLine progress={progress} />
              {progress.throttled > 0 && (
                <Text size={200}>
                  <FormattedMessage id="bulk.throttled" values={{ count: progress.throttled, concurrency: progress.concurrency }} />
                </Text>
              )}
              {running && progress.state !== "cancelling" && (
                <div className={styles.bar}>
                  {progress.state === "paused" ? (
                    <Button onClick={() => void control(api.bulkResume, "running")} data-testid="bulk-continue">
                      <FormattedMessage id="bulk.continue" />
                    </Button>
                  ) : (
                    <Button onClick={() => void control(api.bulkPause, "paused")} data-testid="bulk-pause">
                      <FormattedMessage id="bulk.pause" />
                    </Button>
                  )}
                  <Button onClick={() => setConfirmCancel(true)} data-testid="bulk-cancel">
                    <FormattedMessage id="bulk.cancel" />
                  </Button>
                </div>
              )}
            </div>
          )}
          {running && !progress && <Spinner size="tiny" label={intl.formatMessage({ id: "bulk.starting" })} />}
          {report ? (
            <Report report={report} action={loaded?.action ?? "convert"} onExport={() => exportWith("report", api.bulkExportReport)} onRelinked={(r) => dispatch({ type: "report", report: r })} onError={setError} />
          ) : (
            <PreviewTable rows={preview.rows} />
          )}
        </>
      )}
      <Dialog open={confirmCancel && running} onOpenChange={(_, d) => setConfirmCancel(d.open)}>
        <DialogSurface data-testid="bulk-cancel-confirm">
          <DialogBody>
            <DialogTitle>
              <FormattedMessage id="bulk.cancelTitle" />
            </DialogTitle>
            <DialogContent>
              <FormattedMessage id="bulk.cancelBody" />
            </DialogContent>
            <DialogActions>
              <Button
                appearance="primary"
                onClick={() => {
                  setConfirmCancel(false);
                  void control(api.bulkCancel, "cancelling");
                }}
                data-testid="bulk-cancel-yes"
              >
                <FormattedMessage id="bulk.cancelYes" />
              </Button>
              <Button onClick={() => setConfirmCancel(false)} data-testid="bulk-cancel-no">
                <FormattedMessage id="bulk.cancelNo" />
              </Button>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
      <Dialog open={confirming} onOpenChange={(_, d) => setConfirming(d.open)}>
        <DialogSurface data-testid="bulk-confirm">
          <DialogBody>
            <DialogTitle>
              <FormattedMessage id={resend ? "overdue.confirmTitle" : invite ? "bulk.confirmTitleInvite" : "bulk.confirmTitle"} values={{ count: toRun }} />
            </DialogTitle>
            <DialogContent>
              <FormattedMessage id={resend ? "overdue.confirmBody" : invite ? "bulk.confirmBodyInvite" : "bulk.confirmBody"} />
            </DialogContent>
            <DialogActions>
              <Button appearance="primary" onClick={start} data-testid="bulk-confirm-yes">
                <FormattedMessage id="convert.confirmYes" />
              </Button>
              <Button onClick={() => setConfirming(false)}>
                <FormattedMessage id="signIn.cancel" />
              </Button>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
    </>
  );
}

/** The progress line, true in every state: no time left promised unless running. */
export function ProgressLine({ progress }: { progress: Progress }) {
  const values = { done: progress.done, total: progress.total };
  const eta = progress.etaS;
  let line: React.ReactNode;
  switch (progress.state) {
    case "paused":
      line = <FormattedMessage id="bulk.progressPaused" values={values} />;
      break;
    case "cancelling":
      line = <FormattedMessage id={progress.stopReason ? stopMessages[progress.stopReason].progress : "bulk.progressCancelling"} values={values} />;
      break;
    case "finished":
      line = <FormattedMessage id="bulk.progressFinished" values={values} />;
      break;
    default:
      line =
        progress.done >= progress.total ? (
          <FormattedMessage id="bulk.progressFinishing" values={values} />
        ) : eta === null ? (
          <FormattedMessage id="bulk.progressMeasuring" values={values} />
        ) : (
          <FormattedMessage
            id="bulk.progress"
            values={{ ...values, rate: Math.round(progress.perMinute), minutes: Math.floor(eta / 60), seconds: eta % 60 }}
          />
        );
  }
  return (
    <Text aria-live="polite" data-testid="bulk-progress-text" data-state={progress.state}>
      {line}
    </Text>
  );
}

function PreviewTable({ rows }: { rows: PreviewRow[] }) {
  const intl = useIntl();
  const cells = useCellStyles();
  const styles = useStyles();
  if (rows.length === 0) return null;
  return (
    <Field hint={rows.length > SHOWN ? intl.formatMessage({ id: "bulk.shown" }, { shown: SHOWN, total: rows.length }) : undefined}>
      <div className={cells.scroll}>
      <Table aria-label={intl.formatMessage({ id: "bulk.previewLabel" })} size="small" data-testid="bulk-preview" className={styles.previewTable}>
        <TableHeader>
          <TableRow>
            <TableHeaderCell className={mergeClasses(styles.wLine, cells.header)}>
              <FormattedMessage id="bulk.col.line" />
            </TableHeaderCell>
            <TableHeaderCell className={mergeClasses(styles.wUser, cells.header)}>
              <FormattedMessage id="history.col.user" />
            </TableHeaderCell>
            <TableHeaderCell className={mergeClasses(styles.wUser, cells.header)}>
              <FormattedMessage id="history.col.address" />
            </TableHeaderCell>
            <TableHeaderCell className={mergeClasses(styles.wStatus, cells.header)}>
              <FormattedMessage id="bulk.col.status" />
            </TableHeaderCell>
            <TableHeaderCell className={cells.header}>
              <FormattedMessage id="bulk.col.reason" />
            </TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {rows.slice(0, SHOWN).map((r) => (
            <TableRow key={r.line} data-testid="bulk-row" data-status={r.status}>
              <TableCell>{r.line}</TableCell>
              <LtrCell value={r.user || (r.displayName ?? "")} />
              <LtrCell value={r.email} />
              <TableCell>
                <Badge appearance="tint" color={statusColor[r.status]}>
                  <FormattedMessage id={`bulk.status.${r.status}`} />
                </Badge>
              </TableCell>
              <TableCell data-testid="bulk-reason" className={cells.text}>
                <Reasons row={r} />
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      </div>
    </Field>
  );
}

const reportSummary: Record<BulkAction, MessageId> = {
  convert: "bulk.reportSummary",
  resend: "overdue.reportSummary",
  invite: "bulk.reportSummaryInvite",
};

function Report({
  report,
  action,
  onExport,
  onRelinked,
  onError,
}: {
  report: BulkReport;
  /** What the done rows were: converted, resent (the overdue list) or invited (an invitation file). */
  action: BulkAction;
  onExport: () => void;
  onRelinked: (r: BulkReport) => void;
  onError: (e: UiErrorCode) => void;
}) {
  const intl = useIntl();
  const cells = useCellStyles();
  const styles = useStyles();
  const [relinking, setRelinking] = useState(false);
  const rows: RowResult[] = report.rows;
  const relink = () => {
    setRelinking(true);
    api.bulkRelink().then(
      (r) => {
        setRelinking(false);
        onRelinked(r);
      },
      (e: unknown) => {
        setRelinking(false);
        onError(errorCodeOf(e));
      },
    );
  };
  return (
    <>
      {report.linksLost > 0 && (
        <MessageBar intent="warning" layout="multiline" data-testid="bulk-links-lost">
          <MessageBarBody>
            <FormattedMessage id="bulk.linksLost" values={{ count: report.linksLost }} />
          </MessageBarBody>
          <MessageBarActions>
            {relinking ? (
              <Spinner size="tiny" label={intl.formatMessage({ id: "bulk.relinking" })} />
            ) : (
              <Button onClick={relink} data-testid="bulk-relink">
                <FormattedMessage id="bulk.relink" />
              </Button>
            )}
          </MessageBarActions>
        </MessageBar>
      )}
      {report.stopReason && (
        <MessageBar intent="error" layout="multiline" data-testid="bulk-stopped">
          <MessageBarBody>
            <FormattedMessage id={stopMessages[report.stopReason].report} />
          </MessageBarBody>
        </MessageBar>
      )}
      {report.unknown > 0 && (
        <MessageBar intent="warning" layout="multiline" data-testid="bulk-unknown">
          <MessageBarBody>
            <FormattedMessage id="bulk.unknownRows" values={{ count: report.unknown }} />
          </MessageBarBody>
        </MessageBar>
      )}
      <MessageBar
        intent={report.failed > 0 || report.unknown > 0 || report.notRun > 0 ? "warning" : "success"}
        layout="multiline"
        data-testid="bulk-report-summary"
      >
        <MessageBarBody>
          <FormattedMessage
            id={reportSummary[action]}
            values={{
              converted: report.converted,
              before: report.alreadyDone,
              failed: report.failed,
              skipped: report.skipped,
              notRun: report.notRun,
            }}
          />
        </MessageBarBody>
        <MessageBarActions>
          <Button icon={<ArrowDownload20Regular />} onClick={onExport} data-testid="bulk-export-report">
            <FormattedMessage id="bulk.exportReport" />
          </Button>
        </MessageBarActions>
      </MessageBar>
      <div className={cells.scroll}>
      <Table aria-label={intl.formatMessage({ id: "bulk.reportLabel" })} size="small" data-testid="bulk-report" className={styles.reportTable}>
        <TableHeader>
          <TableRow>
            <TableHeaderCell className={mergeClasses(styles.wLine, cells.header)}>
              <FormattedMessage id="bulk.col.line" />
            </TableHeaderCell>
            <TableHeaderCell className={mergeClasses(styles.wUser, cells.header)}>
              <FormattedMessage id="history.col.user" />
            </TableHeaderCell>
            <TableHeaderCell className={mergeClasses(styles.wOutcome, cells.header)}>
              <FormattedMessage id="history.col.outcome" />
            </TableHeaderCell>
            <TableHeaderCell className={cells.header}>
              <FormattedMessage id="bulk.col.details" />
            </TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {rows.slice(0, SHOWN).map((r) => (
            <TableRow key={r.line} data-testid="bulk-report-row" data-outcome={r.outcome}>
              <TableCell>{r.line}</TableCell>
              <LtrCell value={r.user} />
              <TableCell>
                <Badge appearance="tint" color={outcomeColor[r.outcome]}>
                  <FormattedMessage id={action === "resend" && r.outcome === "converted" ? "overdue.outcome.resent" : `bulk.outcome.${r.outcome}`} />
                </Badge>
              </TableCell>
              <TableCell data-testid="bulk-report-details" className={cells.text}>
                {r.errorCode ? (
                  <FormattedMessage id={`error.${r.errorCode}`} />
                ) : r.reason ? (
                  <ReasonText code={r.reason} address={r.email} />
                ) : r.redeemUrl ? (
                  <bdi dir="ltr" className={cells.ltr}>{r.redeemUrl}</bdi>
                ) : (
                  <bdi dir="ltr">{r.invitationId ?? ""}</bdi>
                )}
                {r.warnings.map((w) => (
                  <div key={w} data-testid="bulk-row-warning">
                    <WarningText code={w} />
                  </div>
                ))}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      </div>
    </>
  );
}
