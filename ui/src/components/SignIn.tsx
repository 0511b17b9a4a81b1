import { useState } from "react";
import { Button, Card, Link, makeStyles, Spinner, Text, tokens } from "@fluentui/react-components";
import { FormattedMessage, useIntl } from "react-intl";
import type { DeviceCodeView } from "../bindings/DeviceCodeView";
import type { SessionView } from "../bindings/SessionView";
import { api, errorCodeOf, type UiErrorCode } from "../ipc";
import { AccountNoticeBar, type AccountNotice } from "./AccountMenu";
import { ErrorBar } from "./ErrorBar";

const useStyles = makeStyles({
  page: { maxWidth: "640px", marginInline: "auto", padding: tokens.spacingHorizontalXXL },
  card: { padding: tokens.spacingHorizontalXL, display: "flex", flexDirection: "column", gap: tokens.spacingVerticalM },
  actions: { display: "flex", flexWrap: "wrap", gap: tokens.spacingHorizontalM, alignItems: "center" },
  code: {
    fontFamily: tokens.fontFamilyMonospace,
    fontSize: tokens.fontSizeHero700,
    letterSpacing: "0.15em",
    direction: "ltr",
  },
  row: { display: "flex", flexWrap: "wrap", gap: tokens.spacingHorizontalM, alignItems: "center" },
});

type Waiting = { kind: "browser" } | { kind: "code"; code: DeviceCodeView } | null;

export function SignIn(props: {
  session: SessionView;
  onSession: (s: SessionView) => void;
  onBack?: () => void;
  notice?: AccountNotice | null;
}) {
  const styles = useStyles();
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
    <main id="main" className={styles.page} data-testid="sign-in">
      {props.notice && noticeShown && <AccountNoticeBar notice={props.notice} onDismiss={() => setNoticeShown(false)} />}
      <Card className={styles.card}>
        <Text as="h1" size={700} weight="semibold">
          <FormattedMessage id={demo ? "signIn.demoTitle" : "signIn.title"} />
        </Text>
        <Text as="p">
          <FormattedMessage id="signIn.intro" values={{ tenant }} />
        </Text>
        {demo && (
          <Text as="p" size={200}>
            <FormattedMessage id="signIn.demoAccounts" />
          </Text>
        )}
        {error && <ErrorBar code={error} />}
        {waiting === null && (
          <>
            <div className={styles.actions}>
              <Button appearance="primary" onClick={browser} data-testid="sign-in-browser" aria-describedby="sign-in-browser-hint">
                <FormattedMessage id="signIn.browser" />
              </Button>
              <Button onClick={() => void deviceCode()} data-testid="sign-in-code" aria-describedby="sign-in-code-hint">
                <FormattedMessage id="signIn.deviceCode" />
              </Button>
            </div>
            <Text size={200} id="sign-in-browser-hint" block>
              <FormattedMessage id="signIn.browserHint" />
            </Text>
            <Text size={200} id="sign-in-code-hint" block>
              <FormattedMessage id="signIn.deviceCodeHint" />
            </Text>
          </>
        )}
        {waiting?.kind === "browser" && (
          <Spinner labelPosition="after" label={intl.formatMessage({ id: "signIn.waitingBrowser" })} />
        )}
        {waiting?.kind === "code" && (
          <section aria-live="polite" data-testid="device-code">
            <Text as="p">
              <FormattedMessage id="signIn.codeIntro" />
            </Text>
            <div className={styles.row}>
              <Text weight="semibold">
                <FormattedMessage id="signIn.code" />
              </Text>
              <span className={styles.code} data-testid="user-code">
                {waiting.code.userCode}
              </span>
              <Button size="small" onClick={() => copy("code", waiting.code.userCode)}>
                <FormattedMessage id={copied === "code" ? "signIn.copied" : "signIn.copyCode"} />
              </Button>
            </div>
            <div className={styles.row}>
              <Text weight="semibold">
                <FormattedMessage id="signIn.link" />
              </Text>
              <Link href={waiting.code.verificationUri} target="_blank" rel="noreferrer" dir="ltr">
                {waiting.code.verificationUri}
              </Link>
              <Button size="small" onClick={() => copy("link", waiting.code.verificationUri)}>
                <FormattedMessage id={copied === "link" ? "signIn.copied" : "signIn.copyLink"} />
              </Button>
            </div>
            <Spinner labelPosition="after" label={intl.formatMessage({ id: "signIn.waitingCode" })} />
          </section>
        )}
        <div className={styles.actions}>
          {waiting !== null && (
            <Button onClick={() => void api.cancelSignIn()} data-testid="cancel-sign-in">
              <FormattedMessage id="signIn.cancel" />
            </Button>
          )}
          {waiting === null && props.onBack && (
            <Button appearance="subtle" onClick={props.onBack}>
              <FormattedMessage id="signIn.cancel" />
            </Button>
          )}
          {waiting === null && !props.onBack && (
            <Button
              appearance="subtle"
              onClick={() => void api.resetConnection().then(props.onSession, (e: unknown) => setError(errorCodeOf(e)))}
            >
              <FormattedMessage id="signIn.changeConnection" />
            </Button>
          )}
        </div>
      </Card>
    </main>
  );
}
