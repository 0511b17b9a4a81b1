import { lazy, Suspense, useCallback, useEffect, useRef, useState } from "react";
import { IntlProvider, useIntl } from "react-intl";
import type { LanguageView } from "./bindings/LanguageView";
import type { PolicyView } from "./bindings/PolicyView";
import type { SessionView } from "./bindings/SessionView";
import type { AccountNotice } from "./components/AccountNotice";
import { ErrorBar } from "./components/ErrorBar";
import { WindowBoundary } from "./components/WindowBoundary";
import { FirstRun } from "./components/FirstRun";
import { PlainSpinner, SignIn } from "./components/SignIn";
import type { Language } from "./bindings/Language";
import { keepIfSame, type Boot } from "./boot";
import { applyDocumentLanguage, loadCatalog, type Catalog } from "./i18n";
import { api, errorCodeOf, type UiErrorCode } from "./ipc";
import { noPolicy, PolicyContext } from "./policy";

/*
 * The main chunk holds no Fluent UI (eslint.config.js enforces it): the first-run and sign-in
 * screens are plain elements, and Fluent with the signed-in frame (Shell) loads once somebody is
 * signed in. Rendering Fluent's components in its provider costs the web process about 35 MB,
 * which a window that waits on its first screen should not carry.
 */
const Shell = lazy(() => import("./Shell"));

/** `boot`: what the app handed the window before its script ran (see boot.ts), drawn at once. */
export function App({ boot = null }: { boot?: Boot | null }) {
  const [language, setLanguage] = useState<LanguageView | null>(boot?.language ?? null);
  const [session, setSession] = useState<SessionView | null>(boot?.session ?? null);
  const [policy, setPolicy] = useState<PolicyView | null>(boot?.policy ?? null);
  const [startError, setStartError] = useState<UiErrorCode | null>(null);
  const [adding, setAdding] = useState(false);
  // Said after a sign-out or a switch, also on the sign-in page when nobody is left.
  const [notice, setNotice] = useState<AccountNotice | null>(null);
  const [messages, setMessages] = useState<{ language: Language; catalog: Catalog } | null>(
    boot?.catalog ? { language: boot.language.effective, catalog: boot.catalog } : null,
  );

  useEffect(() => {
    // Asked even with boot data, which a reload repeats as it was at start; the same answer
    // changes nothing on screen.
    const failed = (e: unknown) => setStartError(errorCodeOf(e));
    api.getLanguage().then((l) => setLanguage(keepIfSame(l)), failed);
    api.getSession().then((s) => setSession(keepIfSame(s)), failed);
    api.getPolicy().then((p) => setPolicy(keepIfSame(p)), failed);
  }, []);

  // The catalog to show: the chosen language's, or English for an error before it is known.
  const wanted = language?.effective ?? (startError ? "en" : null);
  // The language whose catalog came with the boot data: not loaded again at start.
  const booted = useRef<Language | null>(boot?.catalog ? boot.language.effective : null);
  useEffect(() => {
    if (!wanted) return;
    const fromBoot = booted.current === wanted;
    booted.current = null;
    if (fromBoot) return;
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
      <main className="b2b-start">
        <ErrorBar code={startError} />
      </main>
    );
  } else if (!language || !session || !policy) {
    content = <Loading />;
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
      <Suspense fallback={<Loading />}>
        <Shell
          shown={shown}
          language={language}
          onLanguageChange={setLanguage}
          session={session}
          onSession={onSession}
          onAddAccount={() => setAdding(true)}
          notice={notice}
          onNotice={setNotice}
        />
      </Suspense>
    );
  }

  return (
    <IntlProvider locale={shown} messages={messages?.catalog} defaultLocale="en">
      <PolicyContext.Provider value={policy ?? noPolicy}>
        <WindowBoundary>{content}</WindowBoundary>
      </PolicyContext.Provider>
    </IntlProvider>
  );
}

/** Shown while the session is read, and while the signed-in frame's code loads. */
function Loading() {
  const intl = useIntl();
  return (
    <main className="b2b-center">
      <PlainSpinner label={intl.formatMessage({ id: "app.loading" })} />
    </main>
  );
}
