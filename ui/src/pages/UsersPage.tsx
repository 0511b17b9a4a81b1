import { useCallback, useEffect, useRef, useState } from "react";
import {
  Button,
  Field,
  Link,
  makeStyles,
  mergeClasses,
  SearchBox,
  Select,
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
import { FormattedMessage, useIntl } from "react-intl";
import type { B2bAction } from "../bindings/B2bAction";
import type { B2bState } from "../bindings/B2bState";
import type { CheckKind } from "../bindings/CheckKind";
import type { UserDetail } from "../bindings/UserDetail";
import type { UserRow } from "../bindings/UserRow";
import { LtrCell, useCellStyles } from "../components/cells";
import { ErrorBar } from "../components/ErrorBar";
import { GraphValue } from "../components/GraphValue";
import { StateBadge } from "../components/StateBadge";
import { api, errorCodeOf, type UiErrorCode } from "../ipc";

/** Wait this long after the last keystroke before asking Graph. */
export const SEARCH_DEBOUNCE_MS = 250;

const states: B2bState[] = ["internal", "pending", "accepted", "guest"];

/** The action a row offers, as the backend decides it for a user's page (users::action_for). */
export function actionOf(row: UserRow): B2bAction {
  const state = row.state ?? "internal";
  if (state === "pending" || state === "accepted") return "resend";
  return row.onPremisesUserPrincipalName ? "syncedFromOnPremises" : "convert";
}

/** A user's page changed (converted, resent): its row says so without a new search. */
export function patchRow(row: UserRow, user: UserDetail): UserRow {
  if (row.id !== user.id) return row;
  return {
    ...row,
    displayName: user.displayName,
    userPrincipalName: user.userPrincipalName,
    mail: user.mail,
    userType: user.userType,
    externalUserState: user.externalUserState,
    externalUserStateChangeDateTime: user.externalUserStateChangeDateTime,
    accountEnabled: user.accountEnabled,
    onPremisesUserPrincipalName: user.onPremisesUserPrincipalName,
    state: user.state,
  };
}

const useStyles = makeStyles({
  intro: { display: "block", marginBlockEnd: tokens.spacingVerticalL, maxWidth: "70ch" },
  bar: { display: "flex", flexWrap: "wrap", gap: tokens.spacingHorizontalL, alignItems: "end" },
  search: { minWidth: "min(320px, 100%)", flex: 1, maxWidth: "520px" },
  count: { display: "block", marginBlock: tokens.spacingVerticalM },
  more: { marginBlock: tokens.spacingVerticalM, display: "flex", justifyContent: "center" },
  table: { minWidth: "560px" },
  wName: { width: "20%" },
  wAddress: { width: "24%" },
  wType: { width: "10%" },
  wState: { width: "18%" },
  wAction: { width: "9.5rem" },
  blocked: { display: "block", color: tokens.colorNeutralForeground2 },
});

/** Find users as you type; a stale answer never replaces a newer one, nor does a page of it. */
export function UsersPage({
  onOpen,
  changed,
}: {
  onOpen: (id: string, intent: CheckKind | null) => void;
  changed: UserDetail | null;
}) {
  const styles = useStyles();
  const cells = useCellStyles();
  const intl = useIntl();
  const [query, setQuery] = useState("");
  const [state, setState] = useState<B2bState | "all">("all");
  const [rows, setRows] = useState<UserRow[]>([]);
  // The link to the next page, with the search it belongs to: only that search may use it.
  const [next, setNext] = useState<{ seq: number; link: string } | null>(null);
  const [count, setCount] = useState<number | null>(null);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<UiErrorCode | null>(null);
  const seq = useRef(0);
  const typedAt = useRef<number | null>(null);
  const sentinel = useRef<HTMLDivElement>(null);
  const searchBox = useRef<HTMLInputElement>(null);

  // Signed in, the first thing to do is type a name: the search box has focus.
  useEffect(() => searchBox.current?.focus(), []);


  useEffect(() => {
    const my = ++seq.current;
    const timer = setTimeout(
      () => {
        api.searchUsers(query, state === "all" ? null : state).then(
          (page) => {
            if (seq.current !== my) return;
            setRows(page.rows);
            setNext(page.next ? { seq: my, link: page.next } : null);
            setCount(page.count);
            setError(null);
            setLoading(false);
          },
          (e: unknown) => {
            if (seq.current !== my) return;
            setError(errorCodeOf(e));
            setLoading(false);
          },
        );
      },
      typedAt.current === null ? 0 : SEARCH_DEBOUNCE_MS,
    );
    return () => clearTimeout(timer);
  }, [query, state]);

  // Keystroke-to-rendered-results, for the whole-app benchmark (performance entries "search").
  useEffect(() => {
    if (!loading && typedAt.current !== null) {
      performance.measure("search", { start: typedAt.current, end: performance.now() });
      typedAt.current = null;
    }
  }, [loading, rows]);

  const loadMore = useCallback(() => {
    // A newer search is typed or on its way: this link belongs to the old one.
    if (!next || loadingMore || next.seq !== seq.current) return;
    const my = next.seq;
    setLoadingMore(true);
    api.moreUsers(next.link).then(
      (page) => {
        setLoadingMore(false);
        if (seq.current !== my) return;
        setRows((r) => [...r, ...page.rows]);
        setNext(page.next ? { seq: my, link: page.next } : null);
      },
      (e: unknown) => {
        setLoadingMore(false);
        if (seq.current === my) setError(errorCodeOf(e));
      },
    );
  }, [next, loadingMore]);

  // Scrolling to the end loads the next page; the button does the same for keyboards.
  useEffect(() => {
    const el = sentinel.current;
    if (!el || typeof IntersectionObserver === "undefined") return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) loadMore();
    });
    io.observe(el);
    return () => io.disconnect();
  }, [loadMore]);

  return (
    <>
      <Text as="h1" size={700} weight="semibold" block>
        <FormattedMessage id="page.users.title" />
      </Text>
      <Text as="p" className={styles.intro}>
        <FormattedMessage id="page.users.intro" />
      </Text>
      <div className={styles.bar}>
        <Field label={intl.formatMessage({ id: "users.search" })} className={styles.search}>
          <SearchBox
            input={{ ref: searchBox }}
            value={query}
            placeholder={intl.formatMessage({ id: "users.searchPlaceholder" })}
            onChange={(_, d) => {
              typedAt.current = performance.now();
              setLoading(true);
              setQuery(d.value);
            }}
            data-testid="user-search"
          />
        </Field>
        <Field label={intl.formatMessage({ id: "users.filter" })}>
          <Select
            value={state}
            onChange={(_, d) => {
              setLoading(true);
              setState(d.value as B2bState | "all");
            }}
            data-testid="state-filter"
          >
            <option value="all">{intl.formatMessage({ id: "users.filterAll" })}</option>
            {states.map((s) => (
              <option key={s} value={s}>
                {intl.formatMessage({ id: `state.${s}` })}
              </option>
            ))}
          </Select>
        </Field>
      </div>
      {error && <ErrorBar code={error} />}
      <Text className={styles.count} aria-live="polite" data-testid="user-count">
        {loading ? (
          <FormattedMessage id="users.searching" />
        ) : (
          <FormattedMessage id="users.count" values={{ count: count ?? rows.length }} />
        )}
      </Text>
      <div className={cells.scroll}>
        <Table aria-label={intl.formatMessage({ id: "users.tableLabel" })} size="small" data-testid="users-table" className={styles.table}>
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
              <TableHeaderCell className={mergeClasses(styles.wType, cells.header, cells.minor)}>
                <FormattedMessage id="users.col.type" />
              </TableHeaderCell>
              <TableHeaderCell className={mergeClasses(styles.wState, cells.header)}>
                <FormattedMessage id="users.col.state" />
              </TableHeaderCell>
              <TableHeaderCell className={mergeClasses(styles.wAction, cells.header)}>
                <FormattedMessage id="users.col.action" />
              </TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {rows.map((found) => {
              // A user converted or resent from their page shows its new state here at once.
              const r = changed ? patchRow(found, changed) : found;
              const action = actionOf(r);
              const name = r.displayName || r.userPrincipalName;
              return (
                <TableRow key={r.id} data-testid="user-row" data-action={action}>
                  <TableCell>
                    <Link as="button" onClick={() => onOpen(r.id, null)} data-testid={`open-${r.userPrincipalName}`}>
                      {name}
                    </Link>
                  </TableCell>
                  <LtrCell value={r.userPrincipalName} />
                  <LtrCell value={r.mail ?? ""} className={cells.minor} />
                  <TableCell className={cells.minor}>{r.userType && <GraphValue value={r.userType} />}</TableCell>
                  <TableCell>
                    <StateBadge state={r.state ?? "internal"} since={r.externalUserStateChangeDateTime} />
                    {action === "syncedFromOnPremises" && (
                      <Text size={200} className={styles.blocked} data-testid="row-synced">
                        <FormattedMessage id="users.syncedBlocked" />
                      </Text>
                    )}
                  </TableCell>
                  <TableCell>
                    {action === "convert" ? (
                      <Button
                        size="small"
                        onClick={() => onOpen(r.id, "convert")}
                        aria-label={intl.formatMessage({ id: "users.convertNamed" }, { name })}
                        data-testid={`convert-${r.userPrincipalName}`}
                      >
                        <FormattedMessage id="users.convert" />
                      </Button>
                    ) : action === "resend" ? (
                      <Button
                        size="small"
                        onClick={() => onOpen(r.id, "resend")}
                        aria-label={intl.formatMessage({ id: "users.resendNamed" }, { name })}
                        data-testid={`resend-row-${r.userPrincipalName}`}
                      >
                        <FormattedMessage id="users.resend" />
                      </Button>
                    ) : null}
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      </div>
      <div ref={sentinel} className={styles.more}>
        {next &&
          !loading &&
          (loadingMore ? (
            <Spinner size="tiny" label={intl.formatMessage({ id: "users.loadingMore" })} />
          ) : (
            <Button onClick={loadMore} data-testid="load-more">
              <FormattedMessage id="users.loadMore" />
            </Button>
          ))}
      </div>
    </>
  );
}
