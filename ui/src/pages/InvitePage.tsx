import { useState } from "react";
import {
  Button,
  Card,
  Checkbox,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Field,
  Input,
  Link,
  makeStyles,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
  Text,
  tokens,
} from "@fluentui/react-components";
import { CheckmarkCircle20Filled, DismissCircle20Filled, Warning20Filled } from "@fluentui/react-icons";
import { FormattedMessage, useIntl } from "react-intl";
import type { ExistingObject } from "../bindings/ExistingObject";
import type { InvitePreflight } from "../bindings/InvitePreflight";
import type { InviteRequest } from "../bindings/InviteRequest";
import type { InviteResult } from "../bindings/InviteResult";
import { addressLooksValid, InvitationOptionsFields, useInvitationOptions } from "../components/InvitationOptions";
import { CharName, CheckText, forbiddenChar } from "../components/CheckText";
import { DisabledReason } from "../components/DisabledReason";
import { ErrorBar } from "../components/ErrorBar";
import type { MessageId } from "../i18n";
import { SponsorsField, useSponsors } from "../sponsors";
import { api, errorCodeOf, type UiErrorCode } from "../ipc";
import { useLatestAnswer } from "../latest";

const CHECK_DEBOUNCE_MS = 400;

const useStyles = makeStyles({
  intro: { display: "block", marginBlockEnd: tokens.spacingVerticalL, maxWidth: "70ch" },
  card: { maxWidth: "760px", padding: tokens.spacingHorizontalL, display: "grid", gap: tokens.spacingVerticalM },
  form: { display: "contents" },
  actions: { display: "flex", gap: tokens.spacingHorizontalS, flexWrap: "wrap", alignItems: "center" },
  list: { listStyle: "none", padding: 0, margin: 0, display: "grid", gap: tokens.spacingVerticalS },
  item: { display: "flex", gap: tokens.spacingHorizontalS, alignItems: "flex-start" },
  ok: { color: tokens.colorPaletteGreenForeground1, flexShrink: 0 },
  warning: { color: tokens.colorPaletteDarkOrangeForeground1, flexShrink: 0 },
  blocker: { color: tokens.colorPaletteRedForeground1, flexShrink: 0 },
  link: { wordBreak: "break-all" },
});

/** The checks before an invitation, blockers first, each as a plain sentence. */
function InviteChecks({ preflight }: { preflight: InvitePreflight }) {
  const styles = useStyles();
  const intl = useIntl();
  const order = { blocker: 0, warning: 1, ok: 2 };
  const checks = [...preflight.checks].sort((a, b) => order[a.severity] - order[b.severity]);
  return (
    <ul className={styles.list} data-testid="invite-checks">
      {checks.map((c) => (
        <li key={c.code} className={styles.item} data-testid={`check-${c.code}`} data-severity={c.severity}>
          {c.severity === "ok" ? (
            <CheckmarkCircle20Filled className={styles.ok} aria-label={intl.formatMessage({ id: "check.sev.ok" })} />
          ) : c.severity === "warning" ? (
            <Warning20Filled className={styles.warning} aria-label={intl.formatMessage({ id: "check.sev.warning" })} />
          ) : (
            <DismissCircle20Filled className={styles.blocker} aria-label={intl.formatMessage({ id: "check.sev.blocker" })} />
          )}
          <Text>
            <CheckText code={c.code} severity={c.severity} values={{ address: preflight.email }} />
          </Text>
        </li>
      ))}
    </ul>
  );
}

/** Who already holds the address: users open in the app, groups and contacts are named. */
function ExistingList({ objects, onOpen }: { objects: ExistingObject[]; onOpen: (id: string) => void }) {
  const styles = useStyles();
  return (
    <MessageBar intent="error" layout="multiline" data-testid="invite-existing">
      <MessageBarBody>
        <MessageBarTitle>
          <FormattedMessage id="invite.existingTitle" />
        </MessageBarTitle>
        <ul className={styles.list}>
          {objects.map((o) => {
            const label = (
              <>
                {o.displayName ?? ""} <bdi dir="ltr">{`<${o.userPrincipalName ?? o.mail ?? o.id}>`}</bdi>
              </>
            );
            return (
              <li key={o.id} data-testid={`existing-${o.id}`}>
                <FormattedMessage id={`invite.kind.${o.kind}`} />
                {": "}
                {o.kind === "user" ? (
                  <Link onClick={() => onOpen(o.id)} data-testid="existing-open">
                    {label}
                  </Link>
                ) : (
                  label
                )}
                {o.userType && (
                  <>
                    {" "}
                    <FormattedMessage
                      id={o.externalUserState ? "invite.existingState" : "invite.existingType"}
                      values={{ type: o.userType, state: o.externalUserState ?? "" }}
                    />
                  </>
                )}
              </li>
            );
          })}
        </ul>
      </MessageBarBody>
    </MessageBar>
  );
}

/** Invite a new external user: the address is looked up in the directory and checked first. */
export function InvitePage({ tenantId, onOpen }: { tenantId: string; onOpen: (id: string) => void }) {
  const styles = useStyles();
  const intl = useIntl();
  const setByOrganisation = intl.formatMessage({ id: "policy.setByOrganisation" });
  const [email, setEmail] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [member, setMember] = useState(false);
  const options = useInvitationOptions();
  const { sendMail, ccBad, redirectBad } = options;
  const [confirming, setConfirming] = useState(false);
  const [working, setWorking] = useState(false);
  const [error, setError] = useState<UiErrorCode | null>(null);
  const [result, setResult] = useState<{ result: InviteResult; email: string; sendMail: boolean } | null>(null);

  const key = email.trim();
  const valid = addressLooksValid(key);
  const asked = `${member}|${key}`;
  // The check for the address as it stands: an answer for an earlier address is never shown.
  const answer = useLatestAnswer(valid && !working ? asked : null, CHECK_DEBOUNCE_MS, () => api.invitePreflight(key, member));
  const current = answer?.key === asked ? answer : null;
  const preflight = current?.value ?? null;
  const checking = valid && current === null;
  const sponsors = useSponsors(true);
  const ready = preflight?.canInvite === true && !ccBad && !redirectBad && sponsors.problem === null && !working;
  const why: MessageId | null = ready
    ? null
    : working
      ? "convert.why.working"
      : !valid
        ? "convert.why.address"
        : current?.error
          ? "convert.why.checksFailed"
          : preflight === null
            ? "convert.why.checking"
            : !preflight.canInvite
              ? "convert.why.blocked"
              : ccBad
                ? "convert.why.cc"
                : sponsors.problem
                  ? "convert.why.sponsors"
                  : "convert.why.redirect";
  const char = forbiddenChar(email);

  const run = () => {
    setConfirming(false);
    setWorking(true);
    setError(null);
    const request: InviteRequest = {
      email: key,
      displayName: displayName.trim() || null,
      member,
      ...options.request,
      sponsors: sponsors.list,
    };
    api.inviteUser(request).then(
      (r) => {
        setWorking(false);
        setResult({ result: r, email: key, sendMail });
        setEmail("");
        setDisplayName("");
      },
      (e: unknown) => {
        setWorking(false);
        setError(errorCodeOf(e));
      },
    );
  };

  return (
    <>
      <Text as="h1" size={700} weight="semibold" block>
        <FormattedMessage id="page.invite.title" />
      </Text>
      <Text as="p" className={styles.intro}>
        <FormattedMessage id="page.invite.intro" />
      </Text>
      {result && (
        <MessageBar intent="success" layout="multiline" data-testid="invite-result">
          <MessageBarBody>
            <MessageBarTitle>
              <FormattedMessage
                id="invite.done"
                values={{ address: <bdi dir="ltr">{result.email}</bdi>, type: result.result.userType }}
              />
            </MessageBarTitle>{" "}
            <FormattedMessage
              id="invite.doneUpn"
              values={{ upn: <bdi dir="ltr">{result.result.userPrincipalName ?? result.result.userId}</bdi> }}
            />{" "}
            {result.result.userId && (
              <Link onClick={() => onOpen(result.result.userId)} data-testid="invite-open-user">
                <FormattedMessage id="invite.openUser" />
              </Link>
            )}
            {!result.sendMail && result.result.redeemUrl && (
              <Text block>
                <FormattedMessage id="invite.noMailLink" />{" "}
                <bdi dir="ltr" className={styles.link} data-testid="invite-redeem-url">
                  {result.result.redeemUrl}
                </bdi>
              </Text>
            )}
          </MessageBarBody>
        </MessageBar>
      )}
      <Card className={styles.card} data-testid="invite-panel">
        <form
          className={styles.form}
          onSubmit={(e) => {
            e.preventDefault();
            if (ready) setConfirming(true);
          }}
        >
          <Field
            label={intl.formatMessage({ id: "invite.email" })}
            hint={intl.formatMessage({ id: "invite.emailHint" })}
            required
            validationState={email !== "" && (char !== null || !addressLooksValid(email)) ? "error" : "none"}
            validationMessage={
              email === "" ? undefined : char !== null ? (
                <FormattedMessage id="convert.addressForbidden" values={{ char: <CharName char={char} /> }} />
              ) : !addressLooksValid(email) ? (
                intl.formatMessage({ id: "convert.addressInvalid" })
              ) : undefined
            }
          >
            <Input type="email" dir="ltr" value={email} onChange={(_, d) => setEmail(d.value)} data-testid="invite-email" />
          </Field>
          {checking && <Spinner size="tiny" label={intl.formatMessage({ id: "invite.checking" })} />}
          {preflight && preflight.existing.objects.length > 0 && (
            <ExistingList objects={preflight.existing.objects} onOpen={onOpen} />
          )}
          {preflight && <InviteChecks preflight={preflight} />}
          <Field label={intl.formatMessage({ id: "invite.displayName" })}>
            <Input value={displayName} onChange={(_, d) => setDisplayName(d.value)} data-testid="invite-display-name" />
          </Field>
          <Field hint={intl.formatMessage({ id: "invite.memberHint" })}>
            <Checkbox
              checked={member}
              onChange={(_, d) => setMember(d.checked === true)}
              label={intl.formatMessage({ id: "invite.member" })}
              data-testid="invite-member"
            />
          </Field>
          <SponsorsField state={sponsors} setByOrganisation={setByOrganisation} />
          <InvitationOptionsFields options={options} tenantId={tenantId} />
          {current?.error && <ErrorBar code={current.error} />}
          {error && <ErrorBar code={error} />}
          <div className={styles.actions}>
            <Button
              type="submit"
              appearance="primary"
              disabledFocusable={!ready}
              aria-describedby={why ? "invite-why" : undefined}
              data-testid="invite-submit"
            >
              <FormattedMessage id="invite.submit" />
            </Button>
            {working ? (
              <Spinner size="tiny" label={intl.formatMessage({ id: "invite.working" })} />
            ) : (
              <DisabledReason id="invite-why" reason={why} values={{ address: <bdi dir="ltr">{key}</bdi> }} />
            )}
          </div>
        </form>
      </Card>
      <Dialog open={confirming} onOpenChange={(_, d) => setConfirming(d.open)}>
        <DialogSurface data-testid="confirm">
          <DialogBody>
            <DialogTitle>
              <FormattedMessage id="invite.confirmTitle" />
            </DialogTitle>
            <DialogContent>
              <FormattedMessage
                id={member ? "invite.confirmMember" : "invite.confirmGuest"}
                values={{ address: <bdi dir="ltr">{key}</bdi> }}
              />{" "}
              <FormattedMessage id={sendMail ? "invite.confirmMail" : "invite.confirmNoMail"} />
            </DialogContent>
            <DialogActions>
              <Button appearance="primary" onClick={run} data-testid="confirm-yes">
                <FormattedMessage id="invite.submit" />
              </Button>
              <Button onClick={() => setConfirming(false)} data-testid="confirm-no">
                <FormattedMessage id="signIn.cancel" />
              </Button>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
    </>
  );
}
