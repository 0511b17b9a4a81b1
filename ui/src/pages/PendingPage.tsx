import { useCallback, useEffect, useMemo, useState } from "react";
import {
  Badge,
  Button,
  Field,
  Link,
  makeStyles,
  mergeClasses,
  SearchBox,
  SpinButton,
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
import { ArrowClockwise20Regular, MailArrowUp20Regular } from "@fluentui/react-icons";
import { FormattedDate, FormattedMessage, useIntl } from "react-intl";
import type { NewlyAccepted } from "../bindings/NewlyAccepted";
import type { PendingRow } from "../bindings/PendingRow";
import type { UserDetail } from "../bindings/UserDetail";
import { LtrCell, useCellStyles } from "../components/cells";
import { DisabledReason } from "../components/DisabledReason";
import { ErrorBar } from "../components/ErrorBar";
import { api, errorCodeOf, type UiErrorCode } from "../ipc";
import { patchRow } from "./UsersPage";

const useStyles = makeStyles({
  intro: { display: "block", marginBlockEnd: tokens.spacingVerticalL, maxWidth: "70ch" },
  bar: { display: "flex", gap: tokens.spacingHorizontalM, alignItems: "end", flexWrap: "wrap", marginBlockEnd: tokens.spacingVerticalM },
  search: { minWidth: "min(320px, 100%)", flex: 1, maxWidth: "520px" },
  table: { minWidth: "600px" },
  wName: { width: "20%" },
  wAddress: { width: "24%" },
  wAction: { width: "7.5rem" },
  days: { width: "10rem" },
  overdue: { marginInlineStart: tokens.spacingHorizontalS },
  newly: { marginBlockEnd: tokens.spacingVerticalXL },
});

/** The default age, in whole days, from which an invitation is overdue (as in Rust and `b2b`). */
export const DEFAULT_OVERDUE_DAYS = 14;

/** Pending for at least `days` whole days; an unknown age is not overdue. */
export function isOverdue(row: PendingRow, days: number): boolean {
  return row.daysWaiting !== null && row.daysWaiting >= days;
}

/** A days value as typed: a whole number from 0 to 3650, or null. */
export function parseDays(text: string | undefined | null): number | null {
  if (text == null || !/^\s*\d{1,4}\s*$/.test(text)) return null;
  const n = Number(text);
  return n <= 3650 ? n : null;
}

/** Whether a pending row matches what was typed: name, UPN or e-mail, in any case. */
export function pendingMatches(row: PendingRow, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  const { user } = row;
  return [user.displayName, user.userPrincipalName, user.mail ?? ""].some((v) => v.toLowerCase().includes(q));
}

/** Invitations not accepted yet, oldest first, with a resend from the list. */
export function PendingPage({
  onOpen,
  changed,
  onBulk,
}: {
  onOpen: (id: string, resend: boolean) => void;
  changed: UserDetail | null;
  /** Shows the Bulk page, where the loaded overdue list is previewed and run. */
  onBulk?: () => void;
}) {
  const styles = useStyles();
  const cells = useCellStyles();
  const intl = useIntl();
  const [rows, setRows] = useState<PendingRow[] | null>(null);
  const [newly, setNewly] = useState<NewlyAccepted[]>([]);
  const [lastLooked, setLastLooked] = useState<string | null>(null);
  const [days, setDays] = useState(DEFAULT_OVERDUE_DAYS);
  const [handing, setHanding] = useState(false);
  const [query, setQuery] = useState("");
  // A resend from a user's page shows its new date here at once.
  const shown = useMemo(
    () =>
      (rows ?? [])
        .map((r) => (changed && r.user.id === changed.id ? { user: patchRow(r.user, changed), daysWaiting: changed.daysWaiting } : r))
        .filter((r) => pendingMatches(r, query)),
    [rows, query, changed],
  );
  const [error, setError] = useState<UiErrorCode | null>(null);
  const fetchRows = useCallback(() => {
    api.pendingOverview(null).then(
      (o) => {
        setRows(o.rows);
        setNewly(o.newlyAccepted);
        setLastLooked(o.lastLooked);
        setError(null);
      },
      (e: unknown) => {
        setRows([]);
        setError(errorCodeOf(e));
      },
    );
  }, []);
  useEffect(fetchRows, [fetchRows]);
  const load = () => {
    setRows(null);
    fetchRows();
  };
  const overdueCount = (rows ?? []).filter((r) => isOverdue(r, days)).length;
  const resendAll = () => {
    setHanding(true);
    setError(null);
    api.overdueLoad(days).then(
      () => {
        setHanding(false);
        onBulk?.();
      },
      (e: unknown) => {
        setHanding(false);
        setError(errorCodeOf(e));
      },
    );
  };
  return (
    <>
      <Text as="h1" size={700} weight="semibold" block>
        <FormattedMessage id="page.pending.title" />
      </Text>
      <Text as="p" className={styles.intro}>
        <FormattedMessage id="page.pending.intro" />
      </Text>
      <div className={styles.bar}>
        <Field label={intl.formatMessage({ id: "pending.search" })} className={styles.search}>
          <SearchBox
            value={query}
            placeholder={intl.formatMessage({ id: "users.searchPlaceholder" })}
            onChange={(_, d) => setQuery(d.value)}
            data-testid="pending-search"
          />
        </Field>
        <Button icon={<ArrowClockwise20Regular />} onClick={load} data-testid="refresh-pending">
          <FormattedMessage id="pending.refresh" />
        </Button>
        <Text aria-live="polite" data-testid="pending-count">
          {rows === null ? (
            <Spinner size="tiny" label={intl.formatMessage({ id: "pending.loading" })} />
          ) : (
            <>
              <FormattedMessage id="pending.count" values={{ count: rows.length }} />
              {query.trim() !== "" && (
                <>
                  {" "}
                  <FormattedMessage id="pending.matches" values={{ count: shown.length }} />
                </>
              )}
            </>
          )}
        </Text>
      </div>
      <div className={styles.bar}>
        <Field label={intl.formatMessage({ id: "overdue.days" })} className={styles.days}>
          <SpinButton
            value={days}
            min={0}
            max={3650}
            onChange={(_, d) => {
              const n = d.value ?? parseDays(d.displayValue);
              if (n !== null && n !== undefined) setDays(Math.min(3650, Math.max(0, Math.round(n))));
            }}
            data-testid="overdue-days"
          />
        </Field>
        <Button
          icon={<MailArrowUp20Regular />}
          onClick={resendAll}
          disabledFocusable={rows === null || overdueCount === 0 || handing}
          aria-describedby={rows !== null && overdueCount === 0 ? "overdue-why" : undefined}
          data-testid="resend-overdue"
        >
          <FormattedMessage id="overdue.resendAll" values={{ count: overdueCount }} />
        </Button>
        {handing && <Spinner size="tiny" label={intl.formatMessage({ id: "overdue.loading" })} />}
        <DisabledReason id="overdue-why" reason={rows !== null && overdueCount === 0 ? "overdue.none" : null} />
        {rows !== null && (
          <Text aria-live="polite" data-testid="overdue-count">
            <FormattedMessage id="overdue.count" values={{ count: overdueCount, days }} />
          </Text>
        )}
      </div>
      {error && <ErrorBar code={error} />}
      {newly.length > 0 && <NewlyAcceptedList rows={newly} since={lastLooked} />}
      {shown.length > 0 && (
        <div className={cells.scroll}>
        <Table aria-label={intl.formatMessage({ id: "page.pending.title" })} size="small" data-testid="pending-table" className={styles.table}>
          <TableHeader>
            <TableRow>
              <TableHeaderCell className={mergeClasses(styles.wName, cells.header)}>
                <FormattedMessage id="users.col.name" />
              </TableHeaderCell>
              <TableHeaderCell className={mergeClasses(styles.wAddress, cells.header)}>
                <FormattedMessage id="users.col.upn" />
              </TableHeaderCell>
              <TableHeaderCell className={mergeClasses(styles.wAddress, cells.header, cells.minor)}>
                <FormattedMessage id="users.col.mail" />
              </TableHeaderCell>
              <TableHeaderCell className={cells.header}>
                <FormattedMessage id="pending.col.since" />
              </TableHeaderCell>
              <TableHeaderCell className={cells.header}>
                <FormattedMessage id="pending.col.waiting" />
              </TableHeaderCell>
              <TableHeaderCell className={mergeClasses(styles.wAction, cells.header)}>
                <FormattedMessage id="pending.col.action" />
              </TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {shown.map(({ user, daysWaiting }) => (
              <TableRow key={user.id} data-testid="pending-row" data-overdue={isOverdue({ user, daysWaiting }, days)}>
                <TableCell>
                  <Link as="button" onClick={() => onOpen(user.id, false)}>
                    {user.displayName || user.userPrincipalName}
                  </Link>
                </TableCell>
                <LtrCell value={user.userPrincipalName} />
                <LtrCell value={user.mail ?? ""} className={cells.minor} />
                <TableCell>
                  {user.externalUserStateChangeDateTime && (
                    <FormattedDate value={user.externalUserStateChangeDateTime} dateStyle="medium" />
                  )}
                </TableCell>
                <TableCell>
                  {daysWaiting !== null && <FormattedMessage id="pending.days" values={{ days: daysWaiting }} />}
                  {isOverdue({ user, daysWaiting }, days) && (
                    <Badge appearance="tint" color="warning" className={styles.overdue} data-testid="overdue-badge">
                      <FormattedMessage id="overdue.badge" />
                    </Badge>
                  )}
                </TableCell>
                <TableCell>
                  <Button
                    size="small"
                    onClick={() => onOpen(user.id, true)}
                    aria-label={intl.formatMessage({ id: "users.resendNamed" }, { name: user.displayName || user.userPrincipalName })}
                    data-testid={`resend-${user.userPrincipalName}`}
                  >
                    <FormattedMessage id="pending.resend" />
                  </Button>
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

/** Users who accepted since the list was last looked at, with Microsoft's date. */
function NewlyAcceptedList({ rows, since }: { rows: NewlyAccepted[]; since: string | null }) {
  const styles = useStyles();
  const cells = useCellStyles();
  const intl = useIntl();
  return (
    <section className={styles.newly} aria-labelledby="newly-title" data-testid="newly-accepted">
      <Text as="h2" size={500} weight="semibold" block id="newly-title">
        <FormattedMessage id="newly.title" />
      </Text>
      {since && (
        <Text as="p">
          <FormattedMessage id="newly.since" values={{ date: <FormattedDate value={since} dateStyle="medium" timeStyle="short" /> }} />
        </Text>
      )}
      <div className={cells.scroll}>
        <Table aria-label={intl.formatMessage({ id: "newly.title" })} size="small" className={styles.table}>
          <TableHeader>
            <TableRow>
              <TableHeaderCell className={mergeClasses(styles.wName, cells.header)}>
                <FormattedMessage id="users.col.name" />
              </TableHeaderCell>
              <TableHeaderCell className={mergeClasses(styles.wAddress, cells.header)}>
                <FormattedMessage id="users.col.upn" />
              </TableHeaderCell>
              <TableHeaderCell className={cells.header}>
                <FormattedMessage id="newly.col.accepted" />
              </TableHeaderCell>
              <TableHeaderCell className={cells.header}>
                <FormattedMessage id="newly.col.history" />
              </TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {rows.map((n) => (
              <TableRow key={n.id} data-testid="newly-row">
                <TableCell>{n.displayName || n.userPrincipalName}</TableCell>
                <LtrCell value={n.userPrincipalName} />
                <TableCell>
                  {n.acceptedAt ? <FormattedDate value={n.acceptedAt} dateStyle="medium" /> : <FormattedMessage id="newly.dateUnknown" />}
                </TableCell>
                <TableCell>
                  {n.inHistory && (
                    <Badge appearance="tint" color="success">
                      <FormattedMessage id="newly.inHistory" />
                    </Badge>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </div>
    </section>
  );
}
