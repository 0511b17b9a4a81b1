import { lazy, startTransition, Suspense, useCallback, useEffect, useRef, useState } from "react";
import {
  Button,
  FluentProvider,
  Hamburger,
  makeStaticStyles,
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
  PeopleSwap20Filled,
  PeopleSwap20Regular,
  Settings20Filled,
  Settings20Regular,
} from "@fluentui/react-icons";
import { FormattedMessage, IntlProvider, useIntl } from "react-intl";
import type { AppInfo } from "./bindings/AppInfo";
import type { LanguageView } from "./bindings/LanguageView";
import type { PolicyView } from "./bindings/PolicyView";
import type { SessionView } from "./bindings/SessionView";
import { AccountMenu, AccountNoticeBar, type AccountNotice } from "./components/AccountMenu";
import { CapabilitiesCard } from "./components/CapabilitiesCard";
import { ErrorBar } from "./components/ErrorBar";
import { FirstRun } from "./components/FirstRun";
import { SignIn } from "./components/SignIn";
import type { Language } from "./bindings/Language";
import { applyDocumentLanguage, directionOf, loadCatalog, type Catalog, type MessageId } from "./i18n";
import { api, errorCodeOf, type UiErrorCode } from "./ipc";
import { noPolicy, PolicyContext } from "./policy";
import type { CheckKind } from "./bindings/CheckKind";
import type { UserDetail } from "./bindings/UserDetail";
import { UsersPage } from "./pages/UsersPage";
import { NARROW, useMediaQuery, useOsTheme } from "./theme";

// First run and Users are in the main chunk; every other page is fetched when first opened.
const UserPage = lazy(() => import("./pages/UserPage").then((m) => ({ default: m.UserPage })));
const PendingPage = lazy(() => import("./pages/PendingPage").then((m) => ({ default: m.PendingPage })));
const DiscoverPage = lazy(() => import("./pages/DiscoverPage").then((m) => ({ default: m.DiscoverPage })));
const BulkPage = lazy(() => import("./pages/BulkPage").then((m) => ({ default: m.BulkPage })));
const HistoryPage = lazy(() => import("./pages/HistoryPage").then((m) => ({ default: m.HistoryPage })));
const SettingsPage = lazy(() => import("./pages/SettingsPage").then((m) => ({ default: m.SettingsPage })));

export type PageId = "users" | "discover" | "pending" | "bulk" | "history" | "settings";

const Users = bundleIcon(People20Filled, People20Regular);
const Pending = bundleIcon(MailClock20Filled, MailClock20Regular);
const Bulk = bundleIcon(PeopleSwap20Filled, PeopleSwap20Regular);
const Discover = bundleIcon(PeopleSearch20Filled, PeopleSearch20Regular);
const HistoryIcon = bundleIcon(History20Filled, History20Regular);
const SettingsIcon = bundleIcon(Settings20Filled, Settings20Regular);

export const pages: { id: PageId; label: MessageId; icon: typeof Users }[] = [
  { id: "users", label: "nav.users", icon: Users },
  { id: "discover", label: "nav.discover", icon: Discover },
  { id: "pending", label: "nav.pending", icon: Pending },
  { id: "bulk", label: "nav.bulk", icon: Bulk },
  { id: "history", label: "nav.history", icon: HistoryIcon },
  { id: "settings", label: "nav.settings", icon: SettingsIcon },
];

const useGlobalStyles = makeStaticStyles({
  "html, body, #root": { margin: 0, padding: 0, height: "100%" },
});

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
  center: { display: "grid", placeItems: "center", height: "100vh" },
});

export function App() {
  useGlobalStyles();
  const theme = useOsTheme();
  const styles = useStyles();
  const [language, setLanguage] = useState<LanguageView | null>(null);
  const [session, setSession] = useState<SessionView | null>(null);
  const [policy, setPolicy] = useState<PolicyView | null>(null);
  const [startError, setStartError] = useState<UiErrorCode | null>(null);
  const [adding, setAdding] = useState(false);
  // Said after a sign-out or a switch, also on the sign-in page when nobody is left.
  const [notice, setNotice] = useState<AccountNotice | null>(null);
  const [messages, setMessages] = useState<{ language: Language; catalog: Catalog } | null>(null);

  useEffect(() => {
    api.getLanguage().then(setLanguage, (e: unknown) => setStartError(errorCodeOf(e)));
    api.getSession().then(setSession, (e: unknown) => setStartError(errorCodeOf(e)));
    api.getPolicy().then(setPolicy, (e: unknown) => setStartError(errorCodeOf(e)));
  }, []);

  // The catalog to show: the chosen language's, or English for an error before it is known.
  const wanted = language?.effective ?? (startError ? "en" : null);
  useEffect(() => {
    if (!wanted) return;
    let current = true;
    const load = (l: Language) => loadCatalog(l).then((catalog) => ({ language: l, catalog }));
    load(wanted)
      .catch(() => load("en"))
      .then(
        (loaded) => current && setMessages(loaded),
        (e: unknown) => console.error("no message catalog", e),
      );
    return () => {
      current = false;
    };
  }, [wanted]);

  // Until a new catalog is in, the previous language stays on screen, so no id flashes by.
  const shown = messages?.language ?? "en";
  useEffect(() => applyDocumentLanguage(shown), [shown]);

  const onSession = useCallback((s: SessionView) => {
    setSession(s);
    setAdding(false);
  }, []);

  let content;
  if (!messages) {
    // A neutral first paint: nothing to read until the words are there.
    content = null;
  } else if (startError) {
    content = (
      <main className={styles.main}>
        <ErrorBar code={startError} />
      </main>
    );
  } else if (!language || !session || !policy) {
    content = (
      <main className={styles.center}>
        <Spinner label={messages.catalog["app.loading"]} />
      </main>
    );
  } else if (!session.connection) {
    content = <FirstRun onSession={onSession} />;
  } else if (!session.current || adding) {
    content = (
      <SignIn
        session={session}
        onSession={onSession}
        onBack={adding ? () => setAdding(false) : undefined}
        notice={adding ? null : notice}
      />
    );
  } else {
    content = (
      <Frame
        language={language}
        onLanguageChange={setLanguage}
        session={session}
        onSession={onSession}
        onAddAccount={() => setAdding(true)}
        notice={notice}
        onNotice={setNotice}
      />
    );
  }

  return (
    // Layout classes go on an inner element: Fluent copies the provider's classes onto portals.
    <FluentProvider theme={theme} dir={directionOf(shown)} lang={shown}>
      <IntlProvider locale={shown} messages={messages?.catalog} defaultLocale="en">
        <PolicyContext.Provider value={policy ?? noPolicy}>
          <div className={styles.root}>{content}</div>
        </PolicyContext.Provider>
      </IntlProvider>
    </FluentProvider>
  );
}

/** What a list page remembers of the user opened from it: focus goes back there on return. */
interface OpenUser {
  id: string;
  intent: CheckKind | null;
}

function Frame(props: {
  language: LanguageView;
  onLanguageChange: (view: LanguageView) => void;
  session: SessionView;
  onSession: (s: SessionView) => void;
  onAddAccount: () => void;
  notice: AccountNotice | null;
  onNotice: (notice: AccountNotice | null) => void;
}) {
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
    ) : page === "pending" ? (
      <PendingPage onOpen={(id, resend) => open({ id, intent: resend ? "resend" : null })} changed={changed} />
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
