import { useCallback, useEffect, useRef, useState } from "react";
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
import { FormattedDate, FormattedMessage, FormattedTime, useIntl } from "react-intl";
import type { OutcomeCheck } from "../bindings/OutcomeCheck";
import type { Capabilities } from "../bindings/Capabilities";
import type { CheckKind } from "../bindings/CheckKind";
import type { ConvertRequest } from "../bindings/ConvertRequest";
import type { ConvertResult } from "../bindings/ConvertResult";
import type { UserDetail } from "../bindings/UserDetail";
import { ConvertPanel } from "../components/ConvertPanel";
import { ErrorBar } from "../components/ErrorBar";
import { GraphValue } from "../components/GraphValue";
import { RedeemLink, ResultCard } from "../components/ResultCard";
import { StateBadge } from "../components/StateBadge";
import type { MessageId } from "../i18n";
import { api, errorCodeOf, type UiErrorCode } from "../ipc";
import { SponsorList } from "../sponsors";

const useStyles = makeStyles({
  head: { display: "flex", alignItems: "center", gap: tokens.spacingHorizontalM, flexWrap: "wrap" },
  grid: {
    display: "grid",
    gridTemplateColumns: "minmax(140px, max-content) minmax(0, 1fr)",
    columnGap: tokens.spacingHorizontalL,
    rowGap: tokens.spacingVerticalS,
    marginBlock: tokens.spacingVerticalL,
    maxWidth: "900px",
  },
  term: { fontWeight: tokens.fontWeightSemibold },
  dd: { margin: 0, overflowWrap: "anywhere" },
  card: { maxWidth: "760px", padding: tokens.spacingHorizontalL, marginBlockEnd: tokens.spacingVerticalL },
  stack: { display: "grid", gap: tokens.spacingVerticalL, marginBlockStart: tokens.spacingVerticalM },
  propsTitle: { marginBlockStart: tokens.spacingVerticalL },
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

/** What a finished conversion or resend left to show. */
export interface Done {
  kind: CheckKind;
  result: ConvertResult;
  address: string;
  request: ConvertRequest;
}

/** A conversion or resend whose answer was lost, as the last read of the user settles it. */
export function OutcomeCheckBar({ check }: { check: OutcomeCheck }) {
  const id = check.outcome === "succeeded" ? "outcome.succeeded" : check.outcome === "failed" ? "outcome.failed" : "outcome.unknown";
  const intent = check.outcome === "succeeded" ? "success" : check.outcome === "failed" ? "info" : "warning";
  return (
    <MessageBar intent={intent} layout="multiline" id="outcome-check" data-testid="outcome-check" data-outcome={check.outcome}>
      <MessageBarBody>
        <FormattedMessage
          id={id}
          values={{
            time: <FormattedTime value={check.askedAt} timeStyle="short" />,
            status: <GraphValue value={check.status} />,
          }}
        />
      </MessageBarBody>
    </MessageBar>
  );
}

/** Whether the account ever came from on-premises, where an old password may still work. */
function hasOnPremHistory(user: UserDetail): boolean {
  // Graph leaves onPremisesSyncEnabled null for an account that never came from on-premises.
  return user.onPremisesSyncEnabled !== null || user.onPremisesUserPrincipalName !== null;
}

/** One user: the one B2B action that fits first, then the properties that matter. */
export function UserPage(props: {
  id: string;
  /** Opened from a list's Convert or Resend: the panel opens at once. */
  intent: CheckKind | null;
  capabilities: Capabilities | null;
  tenantId: string;
  tenantName: string | null;
  onBack: () => void;
  /** The user as read now, after a change, for the list it came from. */
  onChanged: (user: UserDetail) => void;
}) {
  const styles = useStyles();
  const intl = useIntl();
  const [user, setUser] = useState<UserDetail | null>(null);
  const [error, setError] = useState<UiErrorCode | null>(null);
  const [panel, setPanel] = useState<CheckKind | null>(props.intent);
  const [done, setDone] = useState<Done | null>(null);
  // A lost answer: reading the user now settles it (the read also happens whenever the page opens).
  const [checking, setChecking] = useState(false);
  const start = useRef<HTMLButtonElement>(null);
  const { onBack, onChanged } = props;

  const load = useCallback(
    (changed: boolean) =>
      api.getUser(props.id).then(
        (u) => {
          setUser(u);
          setError(null);
          if (changed) onChanged(u);
        },
        (e: unknown) => setError(errorCodeOf(e)),
      ),
    [props.id, onChanged],
  );
  useEffect(() => void load(false), [load]);

  // Escape closes the panel (back to the list when the panel was opened from there), or, with
  // no panel open, goes back to the list; focus returns to where it came from.
  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key !== "Escape" || e.defaultPrevented) return;
    e.preventDefault();
    if (panel !== null && props.intent === null) closePanel();
    else onBack();
  };
  const closePanel = () => {
    setPanel(null);
    requestAnimationFrame(() => start.current?.focus());
  };

  const Back = useFluent().dir === "rtl" ? ArrowRight20Regular : ArrowLeft20Regular;
  const back = (
    <Button appearance="subtle" icon={<Back />} onClick={onBack} data-testid="back">
      <FormattedMessage id="user.back" />
    </Button>
  );
  if (error) {
    return (
      <div onKeyDown={onKeyDown}>
        {back}
        <ErrorBar code={error} />
      </div>
    );
  }
  if (!user) return <Spinner label={intl.formatMessage({ id: "user.loading" })} />;
  const state = user.state ?? "internal";
  const action = user.action ?? "convert";
  const fits: CheckKind | null = action === "convert" ? "convert" : action === "resend" ? "resend" : null;
  const shownPanel = panel !== null && panel === fits ? panel : null;
  // A change whose answer was lost is not sent again until a read settles it.
  const unsettled = user.outcomeCheck?.outcome === "unknown";
  return (
    <div data-testid="user-page" onKeyDown={onKeyDown}>
      {back}
      <div className={styles.head}>
        <Text as="h1" size={700} weight="semibold">
          {user.displayName || user.userPrincipalName}
        </Text>
        <StateBadge state={state} since={user.externalUserStateChangeDateTime} />
      </div>
      <div className={styles.stack}>
        {checking ? (
          <MessageBar intent="warning" layout="multiline" data-testid="outcome-checking">
            <MessageBarBody>
              <FormattedMessage id="error.outcome_unknown" />
              <Spinner size="tiny" label={intl.formatMessage({ id: "outcome.checking" })} />
            </MessageBarBody>
          </MessageBar>
        ) : (
          user.outcomeCheck && <OutcomeCheckBar check={user.outcomeCheck} />
        )}
        {done && (
          <ResultCard
            kind={done.kind}
            result={done.result}
            displayName={user.displayName}
            address={done.address}
            request={done.request}
            tenantId={props.tenantId}
            tenantName={props.tenantName}
            onPremHistory={hasOnPremHistory(user)}
          />
        )}
        {!done && user.keptLink && (
          <Card className={styles.card} data-testid="kept-link">
            <RedeemLink
              url={user.keptLink.redeemUrl}
              testId="kept-link-url"
              label={
                user.keptLink.at
                  ? intl.formatMessage(
                      { id: "user.keptLinkAt" },
                      { time: intl.formatDate(user.keptLink.at, { dateStyle: "medium", timeStyle: "short" }) },
                    )
                  : intl.formatMessage({ id: "user.keptLink" })
              }
            />
          </Card>
        )}
        {shownPanel === null && (
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
                <div>
                  <Button
                    ref={start}
                    appearance="primary"
                    disabledFocusable={unsettled}
                    aria-describedby={unsettled ? "outcome-check" : undefined}
                    onClick={() => {
                      setDone(null);
                      setPanel(action === "convert" ? "convert" : "resend");
                    }}
                    data-testid={action === "convert" ? "start-convert" : "start-resend"}
                  >
                    <FormattedMessage id={action === "convert" ? "b2b.convertAction" : "b2b.resendAction"} />
                  </Button>
                </div>
              </>
            )}
          </Card>
        )}
        {shownPanel !== null && (
          <ConvertPanel
            user={user}
            kind={shownPanel}
            tenantId={props.tenantId}
            onCancel={() => (props.intent === null ? closePanel() : onBack())}
            onDone={(result, address, request) => {
              setPanel(null);
              setDone({ kind: shownPanel, result, address, request });
              void load(true);
            }}
            onUnknown={() => {
              setPanel(null);
              setDone(null);
              setChecking(true);
              void load(true).finally(() => setChecking(false));
            }}
          />
        )}
      </div>
      <Text as="h2" size={500} weight="semibold" block className={styles.propsTitle}>
        <FormattedMessage id="user.properties" />
      </Text>
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
        <Prop label="user.userType">
          <GraphValue value={user.userType} testId="user-type" />
        </Prop>
        <Prop label="user.externalState">
          {user.externalUserState ? (
            <>
              <GraphValue value={user.externalUserState} testId="external-state" />
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
        <Prop label="user.creationType">
          <GraphValue value={user.creationType} />
        </Prop>
        <Prop label="user.identities">
          {user.identities.length === 0 ? (
            <FormattedMessage id="user.notSet" />
          ) : (
            user.identities.map((i, n) => (
              <div key={n}>
                <GraphValue value={i.signInType} />
                {": "}
                <bdi dir="ltr">{i.issuer}</bdi>
              </div>
            ))
          )}
        </Prop>
        <Prop label="sponsors.title">
          <SponsorList sponsors={user.sponsors} />
        </Prop>
        <Prop label="user.created">
          {user.createdDateTime ? <FormattedDate value={user.createdDateTime} dateStyle="medium" /> : <FormattedMessage id="user.notSet" />}
        </Prop>
      </dl>
    </div>
  );
}
