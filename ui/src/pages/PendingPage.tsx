import { useCallback, useEffect, useMemo, useState } from "react";
import {
  Button,
  Field,
  Link,
  makeStyles,
  mergeClasses,
  SearchBox,
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
import { ArrowClockwise20Regular } from "@fluentui/react-icons";
import { FormattedDate, FormattedMessage, useIntl } from "react-intl";
import type { PendingRow } from "../bindings/PendingRow";
import type { UserDetail } from "../bindings/UserDetail";
import { LtrCell, useCellStyles } from "../components/cells";
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
});

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
}: {
  onOpen: (id: string, resend: boolean) => void;
  changed: UserDetail | null;
}) {
  const styles = useStyles();
  const cells = useCellStyles();
  const intl = useIntl();
  const [rows, setRows] = useState<PendingRow[] | null>(null);
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
    api.listPending().then(
      (r) => {
        setRows(r);
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
      {error && <ErrorBar code={error} />}
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
              <TableRow key={user.id} data-testid="pending-row">
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
