import { useCallback, useEffect, useRef, useState } from "react";
import {
  Button,
  Field,
  Link,
  makeStyles,
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
import type { B2bState } from "../bindings/B2bState";
import type { UserRow } from "../bindings/UserRow";
import { useCellStyles } from "../components/cells";
import { ErrorBar } from "../components/ErrorBar";
import { StateBadge } from "../components/StateBadge";
import { api, errorCodeOf, type UiErrorCode } from "../ipc";

/** Wait this long after the last keystroke before asking Graph. */
export const SEARCH_DEBOUNCE_MS = 250;

const states: B2bState[] = ["internal", "pending", "accepted", "guest"];

const useStyles = makeStyles({
  intro: { display: "block", marginBlockEnd: tokens.spacingVerticalL, maxWidth: "70ch" },
  bar: { display: "flex", flexWrap: "wrap", gap: tokens.spacingHorizontalL, alignItems: "end" },
  search: { minWidth: "320px", flex: 1, maxWidth: "520px" },
  count: { display: "block", marginBlock: tokens.spacingVerticalM },
  more: { marginBlock: tokens.spacingVerticalM, display: "flex", justifyContent: "center" },
  ltr: { unicodeBidi: "isolate" },
  wName: { width: "18%" },
  wAddress: { width: "26%" },
  wType: { width: "10%" },
  wState: { width: "20%" },
});

/** Find users as you type; a stale answer never replaces a newer one. */
export function UsersPage({ onOpen }: { onOpen: (id: string) => void }) {
  const styles = useStyles();
  const cells = useCellStyles();
  const intl = useIntl();
  const [query, setQuery] = useState("");
  const [state, setState] = useState<B2bState | "all">("all");
  const [rows, setRows] = useState<UserRow[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [count, setCount] = useState<number | null>(null);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<UiErrorCode | null>(null);
  const seq = useRef(0);
  const typedAt = useRef<number | null>(null);
  const sentinel = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const my = ++seq.current;
    const timer = setTimeout(
      () => {
        api.searchUsers(query, state === "all" ? null : state).then(
          (page) => {
            if (seq.current !== my) return;
            setRows(page.rows);
            setNext(page.next);
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
    if (!next || loadingMore) return;
    const my = seq.current;
    setLoadingMore(true);
    api.moreUsers(next).then(
      (page) => {
        setLoadingMore(false);
        if (seq.current !== my) return;
        setRows((r) => [...r, ...page.rows]);
        setNext(page.next);
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
      <Table aria-label={intl.formatMessage({ id: "users.tableLabel" })} size="small" data-testid="users-table">
        <TableHeader>
          <TableRow>
            <TableHeaderCell className={styles.wName}>
              <FormattedMessage id="users.col.name" />
            </TableHeaderCell>
            <TableHeaderCell className={styles.wAddress}>
              <FormattedMessage id="users.col.upn" />
            </TableHeaderCell>
            <TableHeaderCell className={styles.wAddress}>
              <FormattedMessage id="users.col.mail" />
            </TableHeaderCell>
            <TableHeaderCell className={styles.wType}>
              <FormattedMessage id="users.col.type" />
            </TableHeaderCell>
            <TableHeaderCell className={styles.wState}>
              <FormattedMessage id="users.col.state" />
            </TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {rows.map((r) => (
            <TableRow key={r.id} data-testid="user-row">
              <TableCell>
                <Link as="button" onClick={() => onOpen(r.id)} data-testid={`open-${r.userPrincipalName}`}>
                  {r.displayName || r.userPrincipalName}
                </Link>
              </TableCell>
              <TableCell className={cells.truncate} title={r.userPrincipalName}>
                <bdi dir="ltr">{r.userPrincipalName}</bdi>
              </TableCell>
              <TableCell className={cells.truncate} title={r.mail ?? ""}>
                <bdi dir="ltr">{r.mail ?? ""}</bdi>
              </TableCell>
              <TableCell>{r.userType ?? ""}</TableCell>
              <TableCell>
                <StateBadge state={r.state ?? "internal"} since={r.externalUserStateChangeDateTime} />
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <div ref={sentinel} className={styles.more}>
        {next &&
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
