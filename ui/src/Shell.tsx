import { lazy, startTransition, Suspense, useCallback, useEffect, useRef, useState } from "react";
import {
  Button,
  FluentProvider,
  Hamburger,
  makeStyles,
  NavDrawer,
  NavDrawerBody,
  NavItem,
  Spinner,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  Text,
  tokens,
  webDarkTheme,
  webLightTheme,
} from "@fluentui/react-components";
import {
  bundleIcon,
  History20Filled,
  History20Regular,
  MailClock20Filled,
  MailClock20Regular,
  People20Filled,
  People20Regular,
  PeopleSearch20Filled,
  PeopleSearch20Regular,
  PersonAdd20Filled,
  PersonAdd20Regular,
  PeopleSwap20Filled,
  PeopleSwap20Regular,
  Settings20Filled,
  Settings20Regular,
} from "@fluentui/react-icons";
import { FormattedMessage, useIntl } from "react-intl";
import type { AppInfo } from "./bindings/AppInfo";
import type { Language } from "./bindings/Language";
import type { LanguageView } from "./bindings/LanguageView";
import type { SessionView } from "./bindings/SessionView";
import type { CheckKind } from "./bindings/CheckKind";
import type { UserDetail } from "./bindings/UserDetail";
import { AccountMenu } from "./components/AccountMenu";
import { AccountNoticeBar, type AccountNotice } from "./components/AccountNotice";
import { CapabilitiesCard } from "./components/CapabilitiesCard";
import { ErrorBar } from "./components/ErrorBar";
import { WindowBoundary } from "./components/WindowBoundary";
import { directionOf, type MessageId } from "./i18n";
import { api, errorCodeOf, type UiErrorCode } from "./ipc";
import { UsersPage } from "./pages/UsersPage";
import { NARROW, useMediaQuery } from "./theme";

/*
 * The signed-in window: Fluent UI, the navigation and the pages. A chunk of its own, loaded once
 * somebody is signed in; the first-run and sign-in screens before it are plain (plain.css).
 */

// Users comes with this chunk; every other page is fetched when first opened.
const UserPage = lazy(() => import("./pages/UserPage").then((m) => ({ default: m.UserPage })));
const PendingPage = lazy(() => import("./pages/PendingPage").then((m) => ({ default: m.PendingPage })));
const DiscoverPage = lazy(() => import("./pages/DiscoverPage").then((m) => ({ default: m.DiscoverPage })));
const BulkPage = lazy(() => import("./pages/BulkPage").then((m) => ({ default: m.BulkPage })));
const HistoryPage = lazy(() => import("./pages/HistoryPage").then((m) => ({ default: m.HistoryPage })));
const InvitePage = lazy(() => import("./pages/InvitePage").then((m) => ({ default: m.InvitePage })));
const SettingsPage = lazy(() => import("./pages/SettingsPage").then((m) => ({ default: m.SettingsPage })));

type PageId = "users" | "discover" | "invite" | "pending" | "bulk" | "history" | "settings";

const Users = bundleIcon(People20Filled, People20Regular);
const Invite = bundleIcon(PersonAdd20Filled, PersonAdd20Regular);
const Pending = bundleIcon(MailClock20Filled, MailClock20Regular);
const Bulk = bundleIcon(PeopleSwap20Filled, PeopleSwap20Regular);
const Discover = bundleIcon(PeopleSearch20Filled, PeopleSearch20Regular);
const HistoryIcon = bundleIcon(History20Filled, History20Regular);
const SettingsIcon = bundleIcon(Settings20Filled, Settings20Regular);

const pages: { id: PageId; label: MessageId; icon: typeof Users }[] = [
  { id: "users", label: "nav.users", icon: Users },
  { id: "discover", label: "nav.discover", icon: Discover },
  { id: "invite", label: "nav.invite", icon: Invite },
  { id: "pending", label: "nav.pending", icon: Pending },
  { id: "bulk", label: "nav.bulk", icon: Bulk },
  { id: "history", label: "nav.history", icon: HistoryIcon },
  { id: "settings", label: "nav.settings", icon: SettingsIcon },
];

const useStyles = makeStyles({
  root: { height: "100vh", display: "flex", flexDirection: "column", overflow: "hidden" },
  header: {
    display: "flex",
    alignItems: "center",
    justifyContent: "space-between",
    gap: tokens.spacingHorizontalM,
    paddingInline: tokens.spacingHorizontalL,
    minHeight: "48px",
    backgroundColor: tokens.colorBrandBackground,
    color: tokens.colorNeutralForegroundOnBrand,
  },
  account: { display: "flex", alignItems: "center", gap: tokens.spacingHorizontalS },
  body: { display: "flex", flex: 1, minHeight: 0 },
  nav: { flexShrink: 0, height: "100%" },
  drawer: { height: "100%" },
  hamburger: { color: tokens.colorNeutralForegroundOnBrand },
  main: {
    flex: 1,
    minWidth: 0,
    overflow: "auto",
    padding: tokens.spacingHorizontalXXL,
    outline: "none",
    "@media (max-width: 1023px)": { padding: tokens.spacingHorizontalL },
  },
  skip: {
    position: "absolute",
    insetInlineStart: "-10000px",
    ":focus": { insetInlineStart: tokens.spacingHorizontalS, top: tokens.spacingVerticalS, zIndex: 1 },
    backgroundColor: tokens.colorNeutralBackground1,
    color: tokens.colorNeutralForeground1,
    padding: tokens.spacingHorizontalS,
  },
});

export interface ShellProps {
  shown: Language;
  language: LanguageView;
  onLanguageChange: (view: LanguageView) => void;
  session: SessionView;
  onSession: (s: SessionView) => void;
  onAddAccount: () => void;
  notice: AccountNotice | null;
  onNotice: (notice: AccountNotice | null) => void;
}

/** Fluent's provider, light or dark as the OS is, around the frame. */
export default function Shell({ shown, ...frame }: ShellProps) {
  const dark = useMediaQuery("(prefers-color-scheme: dark)");
  const styles = useStyles();
  return (
    // Layout classes go on an inner element: Fluent copies the provider's classes onto portals.
    <FluentProvider theme={dark ? webDarkTheme : webLightTheme} dir={directionOf(shown)} lang={shown}>
      <div className={styles.root}>
        <Frame {...frame} />
      </div>
    </FluentProvider>
  );
}

/** What a list page remembers of the user opened from it: focus goes back there on return. */
interface OpenUser {
  id: string;
  intent: CheckKind | null;
}

function Frame(props: Omit<ShellProps, "shown">) {
  const { notice, onNotice: setNotice } = props;
  const styles = useStyles();
  const intl = useIntl();
  const narrow = useMediaQuery(NARROW);
  const [navOpen, setNavOpen] = useState(false);
  const [page, setPage] = useState<PageId>("users");
  const [openUser, setOpenUser] = useState<OpenUser | null>(null);
  const [changed, setChanged] = useState<UserDetail | null>(null);
  const [appInfo, setAppInfo] = useState<AppInfo | null>(null);
  const [appInfoError, setAppInfoError] = useState<UiErrorCode | null>(null);
  const [accountError, setAccountError] = useState<UiErrorCode | null>(null);
  // Where focus was when a user was opened from a list: it goes back there on return.
  const origin = useRef<HTMLElement | null>(null);
  const restore = useRef(false);
  const problem = props.session.problem;
  const accountId = props.session.current?.id ?? "";

  // Whatever was computed for one account (a user opened, a search, a bulk preview) is not shown
  // for another: the pages below are keyed by the account and start afresh.
  const [shownFor, setShownFor] = useState(accountId);
  if (shownFor !== accountId) {
    setShownFor(accountId);
    setOpenUser(null);
    setChanged(null);
  }

  useEffect(() => {
    api.appInfo().then(setAppInfo, (e: unknown) => setAppInfoError(errorCodeOf(e)));
  }, []);

  // Transitions keep the current page on screen while a lazy one's chunk loads, instead of a spinner.
  const open = useCallback((user: OpenUser) => {
    origin.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    startTransition(() => setOpenUser(user));
  }, []);
  const back = useCallback(() => {
    restore.current = true;
    setOpenUser(null);
  }, []);
  // Back on the list: focus returns to what opened the user, or to the page when that is gone.
  useEffect(() => {
    if (openUser !== null || !restore.current) return;
    restore.current = false;
    const to = origin.current;
    if (to?.isConnected) to.focus();
    else document.getElementById("main")?.focus();
  }, [openUser]);
  const navigate = useCallback((id: PageId) => {
    setNavOpen(false);
    startTransition(() => {
      setPage(id);
      setOpenUser(null);
    });
    // Move focus to the new page, as a screen reader user expects after choosing a nav item.
    requestAnimationFrame(() => document.getElementById("main")?.focus());
  }, []);

  const items = pages.map(({ id, label, icon: Icon }) => (
    <NavItem key={id} value={id} icon={<Icon />} data-testid={`nav-${id}`}>
      <FormattedMessage id={label} />
    </NavItem>
  ));
  const nav = (
    <NavDrawer
      open={narrow ? navOpen : true}
      type={narrow ? "overlay" : "inline"}
      onOpenChange={(_, d) => setNavOpen(d.open)}
      className={styles.drawer}
      selectedValue={page}
      onNavItemSelect={(_, data) => navigate(data.value as PageId)}
      // Folded, the drawer is a modal dialog (Fluent marks a navigation role modal, which ARIA
      // does not allow) holding the navigation landmark.
      role={narrow ? "dialog" : undefined}
      aria-label={narrow ? intl.formatMessage({ id: "nav.label" }) : undefined}
    >
      <NavDrawerBody>
        {narrow ? (
          <nav aria-label={intl.formatMessage({ id: "nav.label" })} data-testid="nav-folded">
            {items}
          </nav>
        ) : (
          items
        )}
      </NavDrawerBody>
    </NavDrawer>
  );

  const listPage =
    page === "users" ? (
      <>
        {props.session.capabilities && <CapabilitiesCard capabilities={props.session.capabilities} />}
        <UsersPage onOpen={(id, intent) => open({ id, intent })} changed={changed} />
      </>
    ) : page === "discover" ? (
      <DiscoverPage onToBulk={() => navigate("bulk")} />
    ) : page === "invite" ? (
      <InvitePage tenantId={props.session.current?.tenantId ?? ""} onOpen={(id) => open({ id, intent: null })} />
    ) : page === "pending" ? (
      <PendingPage
        onOpen={(id, resend) => open({ id, intent: resend ? "resend" : null })}
        changed={changed}
        onBulk={() => navigate("bulk")}
      />
    ) : page === "bulk" ? (
      <BulkPage accountId={accountId} accountName={props.session.current?.displayName ?? ""} />
    ) : page === "history" ? (
      <HistoryPage />
    ) : (
      <SettingsPage
        language={props.language}
        onLanguageChange={props.onLanguageChange}
        appInfo={appInfo}
        appInfoError={appInfoError}
        session={props.session}
        onSession={props.onSession}
      />
    );

  return (
    <>
      <a href="#main" className={styles.skip}>
        <FormattedMessage id="app.skipToContent" />
      </a>
      <header className={styles.header}>
        <div className={styles.account}>
          {narrow && (
            <Hamburger
              className={styles.hamburger}
              onClick={() => setNavOpen((o) => !o)}
              aria-expanded={navOpen}
              aria-label={intl.formatMessage({ id: "nav.open" })}
              data-testid="nav-toggle"
            />
          )}
          <Text weight="semibold" size={400}>
            <FormattedMessage id="app.name" />
          </Text>
        </div>
        <div className={styles.account} data-testid="account-area">
          <AccountMenu
            session={props.session}
            onSession={props.onSession}
            onAddAccount={props.onAddAccount}
            onError={setAccountError}
            onNotice={setNotice}
          />
        </div>
      </header>
      <div className={styles.body}>
        {narrow ? (
          nav
        ) : (
          <nav aria-label={intl.formatMessage({ id: "nav.label" })} className={styles.nav} data-testid="nav">
            {nav}
          </nav>
        )}
        <main id="main" tabIndex={-1} className={styles.main} data-testid={`page-${page}`}>
          {accountError && <ErrorBar code={accountError} />}
          {notice && <AccountNoticeBar notice={notice} onDismiss={() => setNotice(null)} />}
          {problem && (
            <MessageBar intent="error" layout="multiline" data-testid="session-problem">
              <MessageBarBody>
                <MessageBarTitle>
                  <FormattedMessage id="session.problemTitle" />
                </MessageBarTitle>{" "}
                <FormattedMessage id={`error.${problem.code}`} />
              </MessageBarBody>
              <MessageBarActions>
                <Button onClick={props.onAddAccount}>
                  <FormattedMessage id="session.signInAgain" />
                </Button>
              </MessageBarActions>
            </MessageBar>
          )}
          {/* A page that fails to load or draw leaves the frame and navigation in place. */}
          <WindowBoundary resetKey={`${accountId} ${page} ${openUser?.id ?? ""}`}>
            <Suspense key={accountId} fallback={<PageLoading />}>
              {/* The list stays mounted under an open user, so that its search, pages and focus
                  are there on return. */}
              <div hidden={openUser !== null}>{listPage}</div>
              {openUser && (
                <UserPage
                  key={openUser.id}
                  id={openUser.id}
                  intent={openUser.intent}
                  capabilities={props.session.capabilities}
                  tenantId={props.session.current?.tenantId ?? ""}
                  tenantName={props.session.current?.tenantName ?? null}
                  onBack={back}
                  onChanged={setChanged}
                />
              )}
            </Suspense>
          </WindowBoundary>
        </main>
      </div>
    </>
  );
}

/** Shown while a page's code is fetched, the first time it is opened. */
function PageLoading() {
  const intl = useIntl();
  return <Spinner label={intl.formatMessage({ id: "app.loadingPage" })} />;
}
