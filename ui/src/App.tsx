import { lazy, startTransition, Suspense, useCallback, useEffect, useState } from "react";
import {
  Button,
  FluentProvider,
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
import { AccountMenu } from "./components/AccountMenu";
import { CapabilitiesCard } from "./components/CapabilitiesCard";
import { ErrorBar } from "./components/ErrorBar";
import { FirstRun } from "./components/FirstRun";
import { SignIn } from "./components/SignIn";
import type { Language } from "./bindings/Language";
import { applyDocumentLanguage, directionOf, loadCatalog, type Catalog, type MessageId } from "./i18n";
import { api, errorCodeOf, type UiErrorCode } from "./ipc";
import { noPolicy, PolicyContext } from "./policy";
import type { CheckKind } from "./bindings/CheckKind";
import { UsersPage } from "./pages/UsersPage";
import { useOsTheme } from "./theme";

// First run and Users are in the main chunk; every other page is fetched when first opened.
const UserPage = lazy(() => import("./pages/UserPage").then((m) => ({ default: m.UserPage })));
const PendingPage = lazy(() => import("./pages/PendingPage").then((m) => ({ default: m.PendingPage })));
const BulkPage = lazy(() => import("./pages/BulkPage").then((m) => ({ default: m.BulkPage })));
const HistoryPage = lazy(() => import("./pages/HistoryPage").then((m) => ({ default: m.HistoryPage })));
const SettingsPage = lazy(() => import("./pages/SettingsPage").then((m) => ({ default: m.SettingsPage })));

export type PageId = "users" | "pending" | "bulk" | "history" | "settings";

const Users = bundleIcon(People20Filled, People20Regular);
const Pending = bundleIcon(MailClock20Filled, MailClock20Regular);
const Bulk = bundleIcon(PeopleSwap20Filled, PeopleSwap20Regular);
const HistoryIcon = bundleIcon(History20Filled, History20Regular);
const SettingsIcon = bundleIcon(Settings20Filled, Settings20Regular);

export const pages: { id: PageId; label: MessageId; icon: typeof Users }[] = [
  { id: "users", label: "nav.users", icon: Users },
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
  main: { flex: 1, overflow: "auto", padding: tokens.spacingHorizontalXXL, outline: "none" },
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
    content = <SignIn session={session} onSession={onSession} onBack={adding ? () => setAdding(false) : undefined} />;
  } else {
    content = (
      <Frame
        language={language}
        onLanguageChange={setLanguage}
        session={session}
        onSession={onSession}
        onAddAccount={() => setAdding(true)}
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

function Frame(props: {
  language: LanguageView;
  onLanguageChange: (view: LanguageView) => void;
  session: SessionView;
  onSession: (s: SessionView) => void;
  onAddAccount: () => void;
}) {
  const styles = useStyles();
  const intl = useIntl();
  const [page, setPage] = useState<PageId>("users");
  const [openUser, setOpenUser] = useState<{ id: string; intent: CheckKind | null } | null>(null);
  const [appInfo, setAppInfo] = useState<AppInfo | null>(null);
  const [appInfoError, setAppInfoError] = useState<UiErrorCode | null>(null);
  const [accountError, setAccountError] = useState<UiErrorCode | null>(null);
  const problem = props.session.problem;

  useEffect(() => {
    api.appInfo().then(setAppInfo, (e: unknown) => setAppInfoError(errorCodeOf(e)));
  }, []);

  // Transitions keep the current page on screen while a lazy one's chunk loads, instead of a spinner.
  const open = useCallback((user: { id: string; intent: CheckKind | null } | null) => {
    startTransition(() => setOpenUser(user));
  }, []);
  const navigate = useCallback((id: PageId) => {
    startTransition(() => {
      setPage(id);
      setOpenUser(null);
    });
    // Move focus to the new page, as a screen reader user expects after choosing a nav item.
    requestAnimationFrame(() => document.getElementById("main")?.focus());
  }, []);

  return (
    <>
      <a href="#main" className={styles.skip}>
        <FormattedMessage id="app.skipToContent" />
      </a>
      <header className={styles.header}>
        <Text weight="semibold" size={400}>
          <FormattedMessage id="app.name" />
        </Text>
        <div className={styles.account} data-testid="account-area">
          <AccountMenu
            session={props.session}
            onSession={props.onSession}
            onAddAccount={props.onAddAccount}
            onError={setAccountError}
          />
        </div>
      </header>
      <div className={styles.body}>
        <nav aria-label={intl.formatMessage({ id: "nav.label" })} className={styles.nav} data-testid="nav">
          <NavDrawer
            open
            type="inline"
            className={styles.drawer}
            selectedValue={page}
            onNavItemSelect={(_, data) => navigate(data.value as PageId)}
          >
            <NavDrawerBody>
              {pages.map(({ id, label, icon: Icon }) => (
                <NavItem key={id} value={id} icon={<Icon />} data-testid={`nav-${id}`}>
                  <FormattedMessage id={label} />
                </NavItem>
              ))}
            </NavDrawerBody>
          </NavDrawer>
        </nav>
        <main id="main" tabIndex={-1} className={styles.main} data-testid={`page-${page}`}>
          {accountError && <ErrorBar code={accountError} />}
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
          <Suspense fallback={<PageLoading />}>
            {openUser ? (
              <UserPage
                key={openUser.id}
                id={openUser.id}
                intent={openUser.intent}
                capabilities={props.session.capabilities}
                tenantId={props.session.current?.tenantId ?? ""}
                onBack={() => open(null)}
              />
            ) : page === "users" ? (
              <>
                {props.session.capabilities && <CapabilitiesCard capabilities={props.session.capabilities} />}
                <UsersPage onOpen={(id) => open({ id, intent: null })} />
              </>
            ) : page === "pending" ? (
              <PendingPage onOpen={(id, resend) => open({ id, intent: resend ? "resend" : null })} />
            ) : page === "bulk" ? (
              <BulkPage />
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
