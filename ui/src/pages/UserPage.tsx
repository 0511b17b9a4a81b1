import { useCallback, useEffect, useState } from "react";
import {
  Button,
  Card,
  makeStyles,
  MessageBar,
  MessageBarBody,
  Spinner,
  Text,
  tokens,
  useFluent,
} from "@fluentui/react-components";
import { ArrowLeft20Regular, ArrowRight20Regular } from "@fluentui/react-icons";
import { FormattedDate, FormattedMessage, useIntl } from "react-intl";
import type { Capabilities } from "../bindings/Capabilities";
import type { CheckKind } from "../bindings/CheckKind";
import type { ConvertResult } from "../bindings/ConvertResult";
import type { UserDetail } from "../bindings/UserDetail";
import { ConvertPanel } from "../components/ConvertPanel";
import { ErrorBar } from "../components/ErrorBar";
import { ResultCard } from "../components/ResultCard";
import { StateBadge } from "../components/StateBadge";
import type { MessageId } from "../i18n";
import { api, errorCodeOf, type UiErrorCode } from "../ipc";

const useStyles = makeStyles({
  head: { display: "flex", alignItems: "center", gap: tokens.spacingHorizontalM, flexWrap: "wrap" },
  grid: {
    display: "grid",
    gridTemplateColumns: "minmax(180px, max-content) 1fr",
    columnGap: tokens.spacingHorizontalL,
    rowGap: tokens.spacingVerticalS,
    marginBlock: tokens.spacingVerticalL,
    maxWidth: "900px",
  },
  term: { fontWeight: tokens.fontWeightSemibold },
  dd: { margin: 0, overflowWrap: "anywhere" },
  card: { maxWidth: "760px", padding: tokens.spacingHorizontalL, marginBlockEnd: tokens.spacingVerticalL },
  stack: { display: "grid", gap: tokens.spacingVerticalL },
});

function Prop({ label, children }: { label: MessageId; children: React.ReactNode }) {
  const styles = useStyles();
  return (
    <>
      <dt className={styles.term}>
        <FormattedMessage id={label} />
      </dt>
      <dd className={styles.dd}>{children}</dd>
    </>
  );
}

function Yes({ value }: { value: boolean | null }) {
  if (value === null) return <FormattedMessage id="user.notSet" />;
  return <FormattedMessage id={value ? "user.yes" : "user.no"} />;
}

function Ltr({ value }: { value: string | null }) {
  return value ? <bdi dir="ltr">{value}</bdi> : <FormattedMessage id="user.notSet" />;
}

/** One user: the properties that matter and the one B2B action that fits. */
export function UserPage(props: {
  id: string;
  intent: CheckKind | null;
  capabilities: Capabilities | null;
  tenantId: string;
  onBack: () => void;
}) {
  const styles = useStyles();
  const intl = useIntl();
  const [user, setUser] = useState<UserDetail | null>(null);
  const [error, setError] = useState<UiErrorCode | null>(null);
  const [panel, setPanel] = useState<CheckKind | null>(props.intent);
  const [done, setDone] = useState<{ result: ConvertResult; address: string; mailSent: boolean } | null>(null);

  const load = useCallback(() => {
    api.getUser(props.id).then(
      (u) => {
        setUser(u);
        setError(null);
      },
      (e: unknown) => setError(errorCodeOf(e)),
    );
  }, [props.id]);
  useEffect(load, [load]);

  const Back = useFluent().dir === "rtl" ? ArrowRight20Regular : ArrowLeft20Regular;
  const back = (
    <Button appearance="subtle" icon={<Back />} onClick={props.onBack} data-testid="back">
      <FormattedMessage id="user.back" />
    </Button>
  );
  if (error) {
    return (
      <>
        {back}
        <ErrorBar code={error} />
      </>
    );
  }
  if (!user) return <Spinner label={intl.formatMessage({ id: "user.loading" })} />;
  const state = user.state ?? "internal";
  const action = user.action ?? "convert";
  return (
    <div data-testid="user-page">
      {back}
      <div className={styles.head}>
        <Text as="h1" size={700} weight="semibold">
          {user.displayName || user.userPrincipalName}
        </Text>
        <StateBadge state={state} since={user.externalUserStateChangeDateTime} />
      </div>
      <dl className={styles.grid}>
        <Prop label="user.upn">
          <Ltr value={user.userPrincipalName} />
        </Prop>
        <Prop label="user.mail">
          <Ltr value={user.mail} />
        </Prop>
        <Prop label="user.otherMails">
          <Ltr value={user.otherMails.join(", ") || null} />
        </Prop>
        <Prop label="user.userType">{user.userType ?? <FormattedMessage id="user.notSet" />}</Prop>
        <Prop label="user.externalState">
          {user.externalUserState ? (
            <>
              {user.externalUserState}
              {user.externalUserStateChangeDateTime && (
                <>
                  {" · "}
                  <FormattedMessage
                    id="user.since"
                    values={{ date: <FormattedDate value={user.externalUserStateChangeDateTime} dateStyle="medium" /> }}
                  />
                </>
              )}
              {user.daysWaiting !== null && (
                <>
                  {" · "}
                  <FormattedMessage id="pending.days" values={{ days: user.daysWaiting }} />
                </>
              )}
            </>
          ) : (
            <FormattedMessage id="user.notSet" />
          )}
        </Prop>
        <Prop label="user.syncEnabled">
          <Yes value={user.onPremisesSyncEnabled} />
        </Prop>
        <Prop label="user.onPremUpn">
          <Ltr value={user.onPremisesUserPrincipalName} />
        </Prop>
        <Prop label="user.enabled">
          <Yes value={user.accountEnabled} />
        </Prop>
        <Prop label="user.creationType">{user.creationType ?? <FormattedMessage id="user.notSet" />}</Prop>
        <Prop label="user.identities">
          {user.identities.length === 0 ? (
            <FormattedMessage id="user.notSet" />
          ) : (
            <bdi dir="ltr">{user.identities.map((i) => `${i.signInType}: ${i.issuer}`).join("; ")}</bdi>
          )}
        </Prop>
        <Prop label="user.created">
          {user.createdDateTime ? <FormattedDate value={user.createdDateTime} dateStyle="medium" /> : <FormattedMessage id="user.notSet" />}
        </Prop>
      </dl>
      <div className={styles.stack}>
        {done && (
          <ResultCard
            result={done.result}
            displayName={user.displayName}
            address={done.address}
            tenantId={props.tenantId}
            mailSent={done.mailSent}
          />
        )}
        <Card className={styles.card} data-testid="b2b-card">
          <Text as="h2" size={500} weight="semibold">
            <FormattedMessage id="b2b.title" />
          </Text>
          {action === "syncedFromOnPremises" ? (
            <MessageBar intent="warning" layout="multiline" data-testid="synced-reason">
              <MessageBarBody>
                <FormattedMessage
                  id="b2b.synced"
                  values={{ upn: <bdi dir="ltr">{user.onPremisesUserPrincipalName ?? ""}</bdi> }}
                />
              </MessageBarBody>
            </MessageBar>
          ) : (
            <>
              <Text>
                <FormattedMessage id={action === "convert" ? "b2b.convertBody" : "b2b.resendBody"} />
              </Text>
              {props.capabilities && !(action === "convert" ? props.capabilities.canConvert : props.capabilities.canReset) && (
                <Text>
                  <FormattedMessage id="b2b.noRole" />
                </Text>
              )}
              {panel === null && (
                <div>
                  <Button
                    appearance="primary"
                    onClick={() => {
                      setDone(null);
                      setPanel(action === "convert" ? "convert" : "resend");
                    }}
                    data-testid={action === "convert" ? "start-convert" : "start-resend"}
                  >
                    <FormattedMessage id={action === "convert" ? "b2b.convertAction" : "b2b.resendAction"} />
                  </Button>
                </div>
              )}
            </>
          )}
        </Card>
        {panel !== null && (
          <ConvertPanel
            user={user}
            kind={panel}
            tenantId={props.tenantId}
            onCancel={() => setPanel(null)}
            onDone={(result, address, mailSent) => {
              setPanel(null);
              setDone({ result, address, mailSent });
              load();
            }}
          />
        )}
      </div>
    </div>
  );
}
