import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import {
  Badge,
  Button,
  Checkbox,
  makeStyles,
  mergeClasses,
  MessageBar,
  MessageBarBody,
  ProgressBar,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from "@fluentui/react-components";
import { ArrowDownload20Regular, PeopleSearch20Regular, PeopleSwap20Regular } from "@fluentui/react-icons";
import { FormattedMessage, useIntl } from "react-intl";
import type { DiscoverProgress } from "../bindings/DiscoverProgress";
import type { Discovery } from "../bindings/Discovery";
import type { DomainGroup } from "../bindings/DomainGroup";
import type { ExportView } from "../bindings/ExportView";
import { LtrCell, useCellStyles } from "../components/cells";
import { CheckText } from "../components/CheckText";
import { ErrorBar } from "../components/ErrorBar";
import { ExportedBar } from "../components/ExportedBar";
import { api, discoverEvents, errorCodeOf, type UiErrorCode } from "../ipc";

/** Accounts shown per domain; the export and the hand-off take every chosen one. */
const SHOWN = 100;

const useStyles = makeStyles({
  intro: { display: "block", marginBlockEnd: tokens.spacingVerticalL, maxWidth: "70ch" },
  bar: { display: "flex", gap: tokens.spacingHorizontalM, flexWrap: "wrap", alignItems: "center", marginBlock: tokens.spacingVerticalM },
  progress: { maxWidth: "760px", display: "grid", gap: tokens.spacingVerticalS, marginBlock: tokens.spacingVerticalM },
  summary: { display: "flex", gap: tokens.spacingHorizontalS, flexWrap: "wrap", alignItems: "center" },
  group: { marginBlockStart: tokens.spacingVerticalXL },
  groupHead: { display: "flex", gap: tokens.spacingHorizontalM, alignItems: "center", flexWrap: "wrap" },
  table: { minWidth: "720px" },
  wPick: { width: "5.5rem" },
  wName: { width: "15%" },
  wAddress: { width: "19%" },
  wStatus: { width: "7.5rem" },
  reasons: { display: "grid", gap: tokens.spacingVerticalXXS },
});

const statusColor = { ready: "success", needsFix: "warning", blocked: "danger" } as const;

/** The ids chosen at first: every account that is ready. */
export function readyIds(d: Discovery): Set<string> {
  return new Set(d.groups.flatMap((g) => g.accounts.filter((a) => a.status === "ready").map((a) => a.id)));
}

/** Internal members who look like partners, by domain, with the pre-flight's verdict; the chosen
 * ones go straight to the bulk preview or to a bulk CSV. */
export function DiscoverPage({ onToBulk }: { onToBulk: () => void }) {
  const styles = useStyles();
  const intl = useIntl();
  const [found, setFound] = useState<Discovery | null>(null);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [progress, setProgress] = useState<DiscoverProgress | null>(null);
  const [scanning, setScanning] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiErrorCode | null>(null);
  const [exported, setExported] = useState<ExportView | null>(null);
  const alive = useRef(true);

  const show = useCallback((d: Discovery | null) => {
    setFound(d);
    setChosen(d ? readyIds(d) : new Set());
  }, []);

  useEffect(() => {
    alive.current = true;
    api.discoverLast().then(
      (d) => alive.current && show(d),
      () => undefined,
    );
    const off = discoverEvents.progress((p) => alive.current && setProgress(p));
    return () => {
      alive.current = false;
      // The listener may be gone with the window (or a test's mocks): nothing to undo then.
      off.then((f) => f()).catch(() => undefined);
    };
  }, [show]);

  const scan = () => {
    setScanning(true);
    setError(null);
    setExported(null);
    setProgress(null);
    api.discover().then(
      (d) => {
        if (!alive.current) return;
        show(d);
        setScanning(false);
      },
      (e: unknown) => {
        if (!alive.current) return;
        const code = errorCodeOf(e);
        if (code !== "scan_cancelled") setError(code);
        setScanning(false);
      },
    );
  };

  const ids = useMemo(() => [...chosen], [chosen]);
  const toBulk = () => {
    setBusy(true);
    setError(null);
    api.discoverToBulk(ids).then(
      () => {
        setBusy(false);
        onToBulk();
      },
      (e: unknown) => {
        setBusy(false);
        setError(errorCodeOf(e));
      },
    );
  };
  const exportCsv = () => {
    setError(null);
    api.discoverExport(ids).then(setExported, (e: unknown) => setError(errorCodeOf(e)));
  };
  const toggle = (id: string, on: boolean) =>
    setChosen((old) => {
      const next = new Set(old);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  const toggleGroup = (g: DomainGroup, on: boolean) =>
    setChosen((old) => {
      const next = new Set(old);
      for (const a of g.accounts) {
        if (on && a.status !== "blocked") next.add(a.id);
        else if (!on) next.delete(a.id);
      }
      return next;
    });

  return (
    <>
      <Text as="h1" size={700} weight="semibold" block>
        <FormattedMessage id="page.discover.title" />
      </Text>
      <Text as="p" className={styles.intro}>
        <FormattedMessage id="page.discover.intro" />
      </Text>
      <div className={styles.bar}>
        <Button appearance={found ? "secondary" : "primary"} icon={<PeopleSearch20Regular />} onClick={scan} disabled={scanning} data-testid="discover-scan">
          <FormattedMessage id={found ? "discover.scanAgain" : "discover.scan"} />
        </Button>
        {scanning && (
          <Button onClick={() => void api.discoverCancel()} data-testid="discover-cancel">
            <FormattedMessage id="discover.cancel" />
          </Button>
        )}
      </div>
      {scanning && (
        <div className={styles.progress}>
          <ProgressBar
            value={progress?.total ? Math.min(1, progress.scanned / progress.total) : undefined}
            aria-label={intl.formatMessage({ id: "discover.progressLabel" })}
          />
          <Text aria-live="polite" data-testid="discover-progress">
            <FormattedMessage
              id={`discover.phase.${progress?.phase ?? "users"}`}
              values={{ scanned: progress?.scanned ?? 0, total: progress?.total ?? 0, hasTotal: progress?.total != null, found: progress?.found ?? 0 }}
            />
          </Text>
        </div>
      )}
      {error && <ErrorBar code={error} />}
      {found && !scanning && (
        <>
          <div className={styles.summary} data-testid="discover-summary">
            <Text>
              <FormattedMessage id="discover.summary" values={{ scanned: found.scanned, found: found.found }} />
            </Text>
            <Badge appearance="tint" color="success" data-testid="discover-ready">
              <FormattedMessage id="bulk.ready" values={{ count: found.ready }} />
            </Badge>
            <Badge appearance="tint" color="warning">
              <FormattedMessage id="bulk.needsFix" values={{ count: found.needsFix }} />
            </Badge>
            <Badge appearance="tint" color="danger">
              <FormattedMessage id="bulk.blocked" values={{ count: found.blocked }} />
            </Badge>
          </div>
          {!found.holdersComplete && (
            <MessageBar intent="info" layout="multiline">
              <MessageBarBody>
                <FormattedMessage id="discover.holdersIncomplete" />
              </MessageBarBody>
            </MessageBar>
          )}
          {found.found > 0 && (
            <div className={styles.bar}>
              <Button appearance="primary" icon={<PeopleSwap20Regular />} onClick={toBulk} disabled={busy || chosen.size === 0} data-testid="discover-convert">
                <FormattedMessage id="discover.convert" values={{ count: chosen.size }} />
              </Button>
              <Button icon={<ArrowDownload20Regular />} onClick={exportCsv} disabled={chosen.size === 0} data-testid="discover-export">
                <FormattedMessage id="discover.export" />
              </Button>
            </div>
          )}
          {exported && <ExportedBar view={exported} testId="discover-exported" message="discover.exported" />}
          {found.found === 0 && (
            <Text as="p" data-testid="discover-none">
              <FormattedMessage id="discover.none" />
            </Text>
          )}
          {found.groups.map((g) => (
            <Group key={g.domain} group={g} chosen={chosen} onToggle={toggle} onToggleGroup={toggleGroup} />
          ))}
        </>
      )}
    </>
  );
}

function Group({
  group,
  chosen,
  onToggle,
  onToggleGroup,
}: {
  group: DomainGroup;
  chosen: Set<string>;
  onToggle: (id: string, on: boolean) => void;
  onToggleGroup: (g: DomainGroup, on: boolean) => void;
}) {
  const styles = useStyles();
  const cells = useCellStyles();
  const intl = useIntl();
  const picked = group.accounts.filter((a) => chosen.has(a.id)).length;
  const all = picked > 0 && picked === group.accounts.filter((a) => a.status !== "blocked").length;
  const headingId = `discover-domain-${group.domain}`;
  return (
    <section className={styles.group} aria-labelledby={headingId} data-testid="discover-group">
      <div className={styles.groupHead}>
        <Text as="h2" size={500} weight="semibold" id={headingId}>
          <bdi dir="ltr">{group.domain}</bdi>
        </Text>
        <Text>
          <FormattedMessage
            id="discover.groupCounts"
            values={{ count: group.accounts.length, ready: group.ready, needsFix: group.needsFix, blocked: group.blocked }}
          />
        </Text>
        <Checkbox
          checked={all ? true : picked > 0 ? "mixed" : false}
          onChange={(_, d) => onToggleGroup(group, d.checked === true)}
          label={intl.formatMessage({ id: "discover.chooseDomain" }, { domain: group.domain })}
        />
      </div>
      {/* Focusable, so that a keyboard can scroll a table wider than the window. */}
      <div className={cells.scroll} tabIndex={0} role="region" aria-labelledby={headingId}>
        <Table size="small" aria-labelledby={headingId} className={styles.table}>
          <TableHeader>
            <TableRow>
              <TableHeaderCell className={mergeClasses(styles.wPick, cells.header)}>
                <FormattedMessage id="discover.col.choose" />
              </TableHeaderCell>
              <TableHeaderCell className={mergeClasses(styles.wName, cells.header)}>
                <FormattedMessage id="users.col.name" />
              </TableHeaderCell>
              <TableHeaderCell className={mergeClasses(styles.wAddress, cells.header, cells.minor)}>
                <FormattedMessage id="users.col.upn" />
              </TableHeaderCell>
              <TableHeaderCell className={mergeClasses(styles.wAddress, cells.header)}>
                <FormattedMessage id="discover.col.address" />
              </TableHeaderCell>
              <TableHeaderCell className={mergeClasses(styles.wStatus, cells.header)}>
                <FormattedMessage id="discover.col.verdict" />
              </TableHeaderCell>
              <TableHeaderCell className={cells.header}>
                <FormattedMessage id="discover.col.why" />
              </TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {group.accounts.slice(0, SHOWN).map((a) => (
              <TableRow key={a.id} data-testid="discover-row">
                <TableCell>
                  <Checkbox
                    checked={chosen.has(a.id)}
                    disabled={a.status === "blocked"}
                    onChange={(_, d) => onToggle(a.id, d.checked === true)}
                    aria-label={intl.formatMessage({ id: "discover.chooseNamed" }, { name: a.displayName || a.userPrincipalName })}
                  />
                </TableCell>
                <TableCell className={cells.text}>{a.displayName}</TableCell>
                <LtrCell value={a.userPrincipalName} className={cells.minor} />
                <LtrCell value={a.address} />
                <TableCell>
                  <Badge appearance="tint" color={statusColor[a.status]}>
                    <FormattedMessage id={`bulk.status.${a.status}`} />
                  </Badge>
                </TableCell>
                <TableCell className={cells.text}>
                  <div className={styles.reasons}>
                    {a.checks.map((c) => (
                      <Text key={c.code} size={200}>
                        <CheckText code={c.code} severity={c.severity} values={{ address: a.address, others: a.othersUsing }} />
                      </Text>
                    ))}
                  </div>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </div>
      {group.accounts.length > SHOWN && (
        <Text as="p" size={200}>
          <FormattedMessage id="discover.more" values={{ count: group.accounts.length - SHOWN }} />
        </Text>
      )}
    </section>
  );
}
