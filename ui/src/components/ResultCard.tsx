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
import { createIntl, FormattedMessage, useIntl } from "react-intl";
import { SponsorName } from "../sponsors";
import type { CheckKind } from "../bindings/CheckKind";
import type { ConvertRequest } from "../bindings/ConvertRequest";
import type { ConvertResult } from "../bindings/ConvertResult";
import type { Language } from "../bindings/Language";
import { directionOf, loadCatalog } from "../i18n";
import { GraphValue } from "./GraphValue";
import { WarningText } from "./WarningText";

/** The language of the ready-to-send text: the invitation's. It is written in the four languages
 * the app ships; for any other invitation language (and Microsoft's default) it falls back to
 * English, a text the admin can read back before sending it. */
export function textLanguage(invitationLanguage: string | null): Language {
  const base = (invitationLanguage ?? "").slice(0, 2).toLowerCase();
  return base === "fr" || base === "sv" || base === "he" ? base : "en";
}

/** The text to send with the link, in the invitation's language, with the personal message and
 * the organisation's name. */
export async function readyText(args: {
  language: string | null;
  name: string;
  org: string;
  message: string | null;
  url: string;
  teams: string;
}): Promise<{ language: Language; text: string }> {
  const language = textLanguage(args.language);
  const messages = await loadCatalog(language);
  const intl = createIntl({ locale: language, messages });
  const parts = [
    intl.formatMessage({ id: "result.readyHello" }, { name: args.name }),
    ...(args.message ? [args.message] : []),
    intl.formatMessage({ id: "result.readyBody" }, { org: args.org, url: args.url }),
    intl.formatMessage({ id: "result.readyTeams" }, { teams: args.teams }),
  ];
  return { language, text: parts.join("\n\n") };
}

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

/** A redeem link with its copy button, under a label and the warning to send it only to the person. */
export function RedeemLink({ url, label, testId }: { url: string; label: string; testId: string }) {
  const styles = useStyles();
  const intl = useIntl();
  return (
    <Field label={label} hint={intl.formatMessage({ id: "result.redeemHint" })}>
      <div className={styles.row}>
        <bdi className={styles.code} dir="ltr" data-testid={testId}>
          {url}
        </bdi>
        <CopyButton text={url} testId={`copy-${testId}`} />
      </div>
    </Field>
  );
}

function languageName(locale: string, language: Language): string {
  try {
    return new Intl.DisplayNames([locale], { type: "language" }).of(language) ?? language;
  } catch {
    return language;
  }
}

/** What happened and exactly what to tell the user. */
export function ResultCard(props: {
  kind: CheckKind;
  result: ConvertResult;
  displayName: string;
  address: string;
  request: ConvertRequest;
  tenantId: string;
  tenantName: string | null;
  /** The account came from on-premises once: its old password may still work there. */
  onPremHistory: boolean;
}) {
  const styles = useStyles();
  const intl = useIntl();
  const { result, request } = props;
  const mailSent = request.sendMail;
  const card = useRef<HTMLDivElement>(null);
  const [ready, setReady] = useState<{ language: Language; text: string } | null>(null);
  // The outcome is what the admin needs next: bring it into view and give it focus once.
  useEffect(() => {
    card.current?.scrollIntoView?.({ block: "start" });
    card.current?.focus({ preventScroll: true });
  }, []);
  const teams = `https://teams.microsoft.com/?tenantId=${props.tenantId}`;
  const org = props.tenantName ?? intl.formatMessage({ id: "result.readyOrgUnknown" });
  useEffect(() => {
    if (!result.redeemUrl || mailSent) return;
    let current = true;
    readyText({ language: request.language, name: props.displayName, org, message: request.message, url: result.redeemUrl, teams }).then(
      (r) => current && setReady(r),
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [result.redeemUrl, mailSent, request.language, request.message, props.displayName, org, teams]);
  const title =
    props.kind === "convert" ? "result.title" : mailSent ? "result.resentTitle" : "result.resetTitle";
  return (
    <Card className={styles.card} data-testid="result" ref={card} tabIndex={-1} aria-live="polite">
      <MessageBar intent="success" layout="multiline">
        <MessageBarBody>
          <MessageBarTitle>
            <FormattedMessage id={title} values={{ name: props.displayName }} />
          </MessageBarTitle>{" "}
          <FormattedMessage
            id={mailSent ? "result.mailSent" : "result.noMail"}
            values={{ address: <bdi dir="ltr">{props.address}</bdi> }}
          />
        </MessageBarBody>
      </MessageBar>
      <Text>
        <FormattedMessage id="result.status" values={{ status: <GraphValue value={result.status} testId="result-status" /> }} />
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
      {(result.sponsorsSet ?? []).length > 0 && (
        <Text data-testid="result-sponsors">
          <FormattedMessage id="sponsors.set" />{" "}
          {result.sponsorsSet.map((s, i) => (
            <span key={s.id}>
              {i > 0 && ", "}
              <SponsorName sponsor={s} />
            </span>
          ))}
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
      {result.redeemUrl && !mailSent && (
        <>
          <RedeemLink url={result.redeemUrl} label={intl.formatMessage({ id: "result.redeemUrl" })} testId="redeem-url" />
          <Field
            label={intl.formatMessage({ id: "result.readyLabel" })}
            hint={intl.formatMessage(
              { id: "result.readyHint" },
              { language: languageName(intl.locale, ready?.language ?? textLanguage(request.language)) },
            )}
          >
            <Textarea
              value={ready?.text ?? ""}
              readOnly
              resize="vertical"
              rows={8}
              lang={ready?.language}
              dir={ready ? directionOf(ready.language) : undefined}
              data-testid="ready-text"
            />
          </Field>
          <div className={styles.row}>
            <CopyButton text={ready?.text ?? ""} testId="copy-ready" />
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
      {props.onPremHistory && (
        <MessageBar intent="warning" layout="multiline" data-testid="password-reminder">
          <MessageBarBody>
            <FormattedMessage id="result.passwordReminder" />
          </MessageBarBody>
        </MessageBar>
      )}
      {result.requestId && (
        <Text size={200}>
          <FormattedMessage id="result.requestId" values={{ id: <bdi dir="ltr">{result.requestId}</bdi> }} />
        </Text>
      )}
    </Card>
  );
}
