import { useCallback, useEffect, useState } from "react";
import {
  Button,
  Link,
  makeStyles,
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
import { useCellStyles } from "../components/cells";
import { ErrorBar } from "../components/ErrorBar";
import { api, errorCodeOf, type UiErrorCode } from "../ipc";

const useStyles = makeStyles({
  intro: { display: "block", marginBlockEnd: tokens.spacingVerticalL, maxWidth: "70ch" },
  bar: { display: "flex", gap: tokens.spacingHorizontalM, alignItems: "center", marginBlockEnd: tokens.spacingVerticalM },
});

/** Invitations not accepted yet, oldest first, with a resend from the list. */
export function PendingPage({ onOpen }: { onOpen: (id: string, resend: boolean) => void }) {
  const styles = useStyles();
  const cells = useCellStyles();
  const intl = useIntl();
  const [rows, setRows] = useState<PendingRow[] | null>(null);
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
        <Button icon={<ArrowClockwise20Regular />} onClick={load} data-testid="refresh-pending">
          <FormattedMessage id="pending.refresh" />
        </Button>
        <Text aria-live="polite" data-testid="pending-count">
          {rows === null ? (
            <Spinner size="tiny" label={intl.formatMessage({ id: "pending.loading" })} />
          ) : (
            <FormattedMessage id="pending.count" values={{ count: rows.length }} />
          )}
        </Text>
      </div>
      {error && <ErrorBar code={error} />}
      {rows !== null && rows.length > 0 && (
        <Table aria-label={intl.formatMessage({ id: "page.pending.title" })} size="small" data-testid="pending-table">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>
                <FormattedMessage id="users.col.name" />
              </TableHeaderCell>
              <TableHeaderCell>
                <FormattedMessage id="users.col.upn" />
              </TableHeaderCell>
              <TableHeaderCell>
                <FormattedMessage id="users.col.mail" />
              </TableHeaderCell>
              <TableHeaderCell>
                <FormattedMessage id="pending.col.since" />
              </TableHeaderCell>
              <TableHeaderCell>
                <FormattedMessage id="pending.col.waiting" />
              </TableHeaderCell>
              <TableHeaderCell>
                <FormattedMessage id="pending.col.action" />
              </TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {rows.map(({ user, daysWaiting }) => (
              <TableRow key={user.id} data-testid="pending-row">
                <TableCell>
                  <Link as="button" onClick={() => onOpen(user.id, false)}>
                    {user.displayName || user.userPrincipalName}
                  </Link>
                </TableCell>
                <TableCell className={cells.truncate} title={user.userPrincipalName}>
                  <bdi dir="ltr">{user.userPrincipalName}</bdi>
                </TableCell>
                <TableCell className={cells.truncate} title={user.mail ?? ""}>
                  <bdi dir="ltr">{user.mail ?? ""}</bdi>
                </TableCell>
                <TableCell>
                  {user.externalUserStateChangeDateTime && (
                    <FormattedDate value={user.externalUserStateChangeDateTime} dateStyle="medium" />
                  )}
                </TableCell>
                <TableCell>
                  {daysWaiting !== null && <FormattedMessage id="pending.days" values={{ days: daysWaiting }} />}
                </TableCell>
                <TableCell>
                  <Button size="small" onClick={() => onOpen(user.id, true)} data-testid={`resend-${user.userPrincipalName}`}>
                    <FormattedMessage id="pending.resend" />
                  </Button>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </>
  );
}
