import { useState, type ReactNode } from "react";
import { FormattedMessage, useIntl } from "react-intl";
import type { DeviceCodeView } from "../bindings/DeviceCodeView";
import type { SessionView } from "../bindings/SessionView";
import type { MessageId } from "../i18n";
import { api, errorCodeOf, type UiErrorCode } from "../ipc";
import { AccountNoticeBar, type AccountNotice } from "./AccountNotice";
import { ErrorBar } from "./ErrorBar";

type Waiting = { kind: "browser" } | { kind: "code"; code: DeviceCodeView } | null;

/** Sign-in in the browser or with a code. Plain elements, no Fluent: see FirstRun. */
export function SignIn(props: {
  session: SessionView;
  onSession: (s: SessionView) => void;
  onBack?: () => void;
  notice?: AccountNotice | null;
}) {
  const intl = useIntl();
  const [waiting, setWaiting] = useState<Waiting>(null);
  const [error, setError] = useState<UiErrorCode | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const [noticeShown, setNoticeShown] = useState(true);
  const demo = props.session.connection?.mode === "demo";
  const tenant =
    props.session.connection?.mode === "organisation" && props.session.connection.tenant !== "organizations"
      ? props.session.connection.tenant
      : intl.formatMessage({ id: "signIn.organizations" });

  const finish = async (work: Promise<SessionView>) => {
    try {
      props.onSession(await work);
    } catch (e) {
      setError(errorCodeOf(e));
    } finally {
      setWaiting(null);
    }
  };

  const browser = () => {
    setError(null);
    setWaiting({ kind: "browser" });
    void finish(api.signInBrowser());
  };

  const deviceCode = async () => {
    setError(null);
    try {
      const code = await api.startDeviceCode();
      setWaiting({ kind: "code", code });
      void finish(api.finishDeviceCode());
    } catch (e) {
      setError(errorCodeOf(e));
    }
  };

  const copy = (what: string, text: string) => {
    void navigator.clipboard?.writeText(text).then(() => setCopied(what));
  };

  return (
    <main id="main" className="b2b-start" data-testid="sign-in">
      <div className="b2b-page-narrow">
        {props.notice && noticeShown && <AccountNoticeBar notice={props.notice} onDismiss={() => setNoticeShown(false)} />}
        <div className="b2b-card">
          <h1 className="b2b-title">
            <FormattedMessage id={demo ? "signIn.demoTitle" : "signIn.title"} />
          </h1>
          <p>
            <FormattedMessage id="signIn.intro" values={{ tenant }} />
          </p>
          {demo && (
            <p className="b2b-small">
              <FormattedMessage id="signIn.demoAccounts" />
            </p>
          )}
          {error && <ErrorBar code={error} />}
          {waiting === null && (
            <>
              <div className="b2b-row">
                <button
                  type="button"
                  className="b2b-button b2b-primary"
                  onClick={browser}
                  data-testid="sign-in-browser"
                  aria-describedby="sign-in-browser-hint"
                >
                  <FormattedMessage id="signIn.browser" />
                </button>
                <button
                  type="button"
                  className="b2b-button"
                  onClick={() => void deviceCode()}
                  data-testid="sign-in-code"
                  aria-describedby="sign-in-code-hint"
                >
                  <FormattedMessage id="signIn.deviceCode" />
                </button>
              </div>
              <p className="b2b-small" id="sign-in-browser-hint">
                <FormattedMessage id="signIn.browserHint" />
              </p>
              <p className="b2b-small" id="sign-in-code-hint">
                <FormattedMessage id="signIn.deviceCodeHint" />
              </p>
            </>
          )}
          {waiting?.kind === "browser" && <PlainSpinner label={intl.formatMessage({ id: "signIn.waitingBrowser" })} />}
          {waiting?.kind === "code" && (
            <section aria-live="polite" data-testid="device-code" className="b2b-stack">
              <p>
                <FormattedMessage id="signIn.codeIntro" />
              </p>
              <CopyRow
                label="signIn.code"
                action="signIn.copyCode"
                copied={copied === "code"}
                onCopy={() => copy("code", waiting.code.userCode)}
              >
                <span className="b2b-code" data-testid="user-code">
                  {waiting.code.userCode}
                </span>
              </CopyRow>
              <CopyRow
                label="signIn.link"
                action="signIn.copyLink"
                copied={copied === "link"}
                onCopy={() => copy("link", waiting.code.verificationUri)}
              >
                <a className="b2b-link" href={waiting.code.verificationUri} target="_blank" rel="noreferrer" dir="ltr">
                  {waiting.code.verificationUri}
                </a>
              </CopyRow>
              <PlainSpinner label={intl.formatMessage({ id: "signIn.waitingCode" })} />
            </section>
          )}
          <div className="b2b-row">
            {waiting !== null && (
              <button type="button" className="b2b-button" onClick={() => void api.cancelSignIn()} data-testid="cancel-sign-in">
                <FormattedMessage id="signIn.cancel" />
              </button>
            )}
            {waiting === null && props.onBack && (
              <button type="button" className="b2b-button b2b-subtle" onClick={props.onBack}>
                <FormattedMessage id="signIn.cancel" />
              </button>
            )}
            {waiting === null && !props.onBack && (
              <button
                type="button"
                className="b2b-button b2b-subtle"
                onClick={() => void api.resetConnection().then(props.onSession, (e: unknown) => setError(errorCodeOf(e)))}
              >
                <FormattedMessage id="signIn.changeConnection" />
              </button>
            )}
          </div>
        </div>
      </div>
    </main>
  );
}

/** A labelled value of the device-code sign-in with its copy button. */
function CopyRow(props: {
  label: MessageId;
  action: MessageId;
  copied: boolean;
  onCopy: () => void;
  children: ReactNode;
}) {
  return (
    <div className="b2b-row">
      <strong>
        <FormattedMessage id={props.label} />
      </strong>
      {props.children}
      <button type="button" className="b2b-button b2b-compact" onClick={props.onCopy}>
        <FormattedMessage id={props.copied ? "signIn.copied" : props.action} />
      </button>
    </div>
  );
}

/** A spinner with what is awaited, in plain elements (plain.css). */
export function PlainSpinner({ label }: { label: string }) {
  return (
    <div className="b2b-spinner" role="status">
      {label}
    </div>
  );
}
