import { useEffect, useRef, useState } from "react";
import {
  Button,
  Card,
  Field,
  makeStyles,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Text,
  Textarea,
  tokens,
} from "@fluentui/react-components";
import { FormattedMessage, useIntl } from "react-intl";
import type { ConvertResult } from "../bindings/ConvertResult";
import { WarningText } from "./WarningText";

const useStyles = makeStyles({
  card: { maxWidth: "760px", padding: tokens.spacingHorizontalL, display: "grid", gap: tokens.spacingVerticalM },
  row: { display: "flex", gap: tokens.spacingHorizontalS, alignItems: "center", flexWrap: "wrap" },
  code: { fontFamily: tokens.fontFamilyMonospace, wordBreak: "break-all" },
});

function CopyButton({ text, testId }: { text: string; testId: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <Button
      size="small"
      data-testid={testId}
      onClick={() =>
        navigator.clipboard?.writeText(text).then(
          () => setCopied(true),
          () => setCopied(false),
        )
      }
    >
      <FormattedMessage id={copied ? "signIn.copied" : "result.copy"} />
    </Button>
  );
}

/** What happened and exactly what to tell the user. */
export function ResultCard(props: {
  result: ConvertResult;
  displayName: string;
  address: string;
  tenantId: string;
  mailSent: boolean;
}) {
  const styles = useStyles();
  const intl = useIntl();
  const { result } = props;
  const card = useRef<HTMLDivElement>(null);
  // The outcome is what the admin needs next: bring it into view and give it focus once.
  useEffect(() => {
    card.current?.scrollIntoView?.({ block: "start" });
    card.current?.focus({ preventScroll: true });
  }, []);
  const teams = `https://teams.microsoft.com/?tenantId=${props.tenantId}`;
  const ready = result.redeemUrl
    ? intl.formatMessage({ id: "result.readyText" }, { name: props.displayName, url: result.redeemUrl, teams })
    : "";
  return (
    <Card className={styles.card} data-testid="result" ref={card} tabIndex={-1} aria-live="polite">
      <MessageBar intent="success" layout="multiline">
        <MessageBarBody>
          <MessageBarTitle>
            <FormattedMessage id="result.title" values={{ name: props.displayName }} />
          </MessageBarTitle>{" "}
          <FormattedMessage
            id={props.mailSent ? "result.mailSent" : "result.noMail"}
            values={{ address: <bdi dir="ltr">{props.address}</bdi> }}
          />
        </MessageBarBody>
      </MessageBar>
      <Text>
        <FormattedMessage id="result.status" values={{ status: <bdi data-testid="result-status">{result.status}</bdi> }} />
      </Text>
      {result.invitationId && (
        <Text>
          <FormattedMessage
            id="result.invitationId"
            values={{ id: <bdi className={styles.code} dir="ltr">{result.invitationId}</bdi> }}
          />
        </Text>
      )}
      {result.confirmedByReread && (
        <Text>
          <FormattedMessage id="result.confirmedByReread" />
        </Text>
      )}
      {result.mailSet && (
        <Text>
          <FormattedMessage id="result.mailSet" values={{ address: <bdi dir="ltr">{props.address}</bdi> }} />
        </Text>
      )}
      {result.otherMailsSet && (
        <Text>
          <FormattedMessage id="result.otherMailsSet" values={{ address: <bdi dir="ltr">{props.address}</bdi> }} />
        </Text>
      )}
      {result.warnings.map((w) => (
        <MessageBar key={w} intent="warning" data-testid="result-warning">
          <MessageBarBody>
            <WarningText code={w} />
          </MessageBarBody>
        </MessageBar>
      ))}
      {result.userTypeSetToGuest && (
        <Text>
          <FormattedMessage id="result.guestSet" />
        </Text>
      )}
      {result.redeemUrl && !props.mailSent && (
        <>
          <Field label={intl.formatMessage({ id: "result.redeemUrl" })} hint={intl.formatMessage({ id: "result.redeemHint" })}>
            <div className={styles.row}>
              <bdi className={styles.code} dir="ltr" data-testid="redeem-url">
                {result.redeemUrl}
              </bdi>
              <CopyButton text={result.redeemUrl} testId="copy-redeem" />
            </div>
          </Field>
          <Field label={intl.formatMessage({ id: "result.readyLabel" })}>
            <Textarea value={ready} readOnly resize="vertical" rows={5} data-testid="ready-text" />
          </Field>
          <div className={styles.row}>
            <CopyButton text={ready} testId="copy-ready" />
          </div>
        </>
      )}
      <Field label={intl.formatMessage({ id: "result.teams" })}>
        <div className={styles.row}>
          <bdi className={styles.code} dir="ltr" data-testid="teams-link">
            {teams}
          </bdi>
          <CopyButton text={teams} testId="copy-teams" />
        </div>
      </Field>
      <MessageBar intent="warning" layout="multiline">
        <MessageBarBody>
          <FormattedMessage id="result.passwordReminder" />
        </MessageBarBody>
      </MessageBar>
      {result.requestId && (
        <Text size={200}>
          <FormattedMessage id="result.requestId" values={{ id: <bdi dir="ltr">{result.requestId}</bdi> }} />
        </Text>
      )}
    </Card>
  );
}
