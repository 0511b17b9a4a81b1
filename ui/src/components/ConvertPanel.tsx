import { useEffect, useRef, useState } from "react";
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
  makeStyles,
  MessageBar,
  MessageBarBody,
  Radio,
  RadioGroup,
  Spinner,
  Text,
  tokens,
} from "@fluentui/react-components";
import { FormattedMessage, FormattedTime, useIntl } from "react-intl";
import type { ThrottledEvent } from "../bindings/ThrottledEvent";
import type { AddressSlot } from "../bindings/AddressSlot";
import type { CheckKind } from "../bindings/CheckKind";
import type { ConvertRequest } from "../bindings/ConvertRequest";
import type { ConvertResult } from "../bindings/ConvertResult";
import type { UserDetail } from "../bindings/UserDetail";
import { api, errorCodeOf, graphEvents, type UiErrorCode } from "../ipc";
import { useLatestAnswer } from "../latest";
import type { MessageId } from "../i18n";
import { CheckList } from "./CheckList";
import { CharName, forbiddenChar } from "./CheckText";
import { DisabledReason } from "./DisabledReason";
import { ErrorBar } from "./ErrorBar";
import { SponsorsField, useSponsors } from "../sponsors";
import { addressLooksValid, InvitationOptionsFields, useInvitationOptions } from "./InvitationOptions";

const CHECK_DEBOUNCE_MS = 400;

const useStyles = makeStyles({
  card: { maxWidth: "760px", padding: tokens.spacingHorizontalL, display: "grid", gap: tokens.spacingVerticalM },
  actions: { display: "flex", gap: tokens.spacingHorizontalS, flexWrap: "wrap", alignItems: "center" },
  form: { display: "contents" },
});

/** Convert, or resend / reset redemption: the address, the checks, the options, a confirmation. */
export function ConvertPanel(props: {
  user: UserDetail;
  kind: CheckKind;
  tenantId: string;
  onDone: (result: ConvertResult, address: string, request: ConvertRequest) => void;
  /** No clear answer came back: the page reads the user to settle it. */
  onUnknown?: () => void;
  onCancel: () => void;
}) {
  const styles = useStyles();
  const intl = useIntl();
  const { user, kind } = props;
  const setByOrganisation = intl.formatMessage({ id: "policy.setByOrganisation" });
  const [address, setAddress] = useState(user.mail ?? user.otherMails[0] ?? "");
  const options = useInvitationOptions();
  const { sendMail, cc, ccBad, redirectBad } = options;
  const [setGuest, setSetGuest] = useState(false);
  const sponsorsField = useSponsors(kind === "convert");
  const [slot, setSlot] = useState<AddressSlot>("mail");
  const [mailFirst, setMailFirst] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [working, setWorking] = useState(false);
  const [error, setError] = useState<UiErrorCode | null>(null);
  const [throttled, setThrottled] = useState<ThrottledEvent | null>(null);
  const card = useRef<HTMLDivElement>(null);
  const addressInput = useRef<HTMLInputElement>(null);

  // The panel opens in view with focus in it: the address, prefilled when the user has one.
  useEffect(() => {
    card.current?.scrollIntoView?.({ block: "nearest" });
    addressInput.current?.focus({ preventScroll: true });
  }, []);

  // While it works, Microsoft may ask to slow down: say so, and when the app tries again. The
  // listener is there before the request leaves, so the first notice is never missed.
  useEffect(() => {
    const unlisten = graphEvents.throttled(setThrottled);
    return () => void unlisten.then((f) => f()).catch(() => undefined);
  }, []);

  const key = address.trim();
  const valid = addressLooksValid(key);
  // The checks for the address as it stands: an answer for an earlier address is never shown.
  const asked = `${kind}|${user.id}|${key}`;
  const answer = useLatestAnswer(valid ? asked : null, CHECK_DEBOUNCE_MS, () => api.preflight(user.id, key, kind));
  const current = answer?.key === asked ? answer : null;
  const preflight = current?.value ?? null;
  const checking = valid && current === null;

  const sponsors = sponsorsField.list;
  const sponsorsBad = sponsorsField.problem;
  const addressNew =
    preflight !== null &&
    preflight.checks.some((c) => (c.code === "address_added_first" || c.code === "address_on_user") && c.severity === "warning");
  // Microsoft requires the address on the user: without a mailbox, mail is set first, if agreed.
  const needsMail =
    kind === "convert" && preflight !== null && preflight.checks.some((c) => c.code === "address_on_user" && c.severity === "warning");
  const ready =
    preflight?.canConvert === true && !ccBad && !redirectBad && sponsorsBad === null && !working && (!needsMail || mailFirst);
  // A disabled action says why, next to it.
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
            : !preflight.canConvert
              ? "convert.why.blocked"
              : needsMail && !mailFirst
                ? "convert.why.mailFirst"
                : ccBad
                  ? "convert.why.cc"
                  : sponsorsBad
                    ? "convert.why.sponsors"
                    : "convert.why.redirect";
  const char = forbiddenChar(address);

  const run = () => {
    setConfirming(false);
    setWorking(true);
    setError(null);
    setThrottled(null);
    const request: ConvertRequest = {
      ...options.request,
      setGuest: kind === "convert" && setGuest,
      sponsors,
    };
    const done =
      kind === "convert"
        ? api.convertUser(user.id, key, request)
        : api.resendInvitation(user.id, key, preflight?.mailbox === true ? "otherMails" : slot, request);
    done.then(
      (r) => {
        setWorking(false);
        props.onDone(r, key, request);
      },
      (e: unknown) => {
        setWorking(false);
        const code = errorCodeOf(e);
        if (code === "outcome_unknown" && props.onUnknown) props.onUnknown();
        else setError(code);
      },
    );
  };

  const title = kind === "convert" ? "convert.title" : "resend.title";
  return (
    <Card className={styles.card} data-testid={`${kind}-panel`} ref={card}>
      <form
        className={styles.form}
        onSubmit={(e) => {
          // Enter in a field asks for the confirmation, as the button does.
          e.preventDefault();
          if (ready) setConfirming(true);
        }}
      >
      <Text as="h2" size={500} weight="semibold">
        <FormattedMessage id={title} values={{ name: user.displayName }} />
      </Text>
      <Text>
        <FormattedMessage id={kind === "convert" ? "convert.intro" : "resend.intro"} />
      </Text>
      <Field
        label={intl.formatMessage({ id: "convert.address" })}
        hint={intl.formatMessage({ id: "convert.addressHint" })}
        required
        validationState={address !== "" && (char !== null || !addressLooksValid(address)) ? "error" : "none"}
        validationMessage={
          address === "" ? undefined : char !== null ? (
            <FormattedMessage id="convert.addressForbidden" values={{ char: <CharName char={char} /> }} />
          ) : !addressLooksValid(address) ? (
            intl.formatMessage({ id: "convert.addressInvalid" })
          ) : undefined
        }
      >
        <Input
          ref={addressInput}
          type="email"
          dir="ltr"
          value={address}
          onChange={(_, d) => setAddress(d.value)}
          data-testid="address"
        />
      </Field>
      {checking && <Spinner size="tiny" label={intl.formatMessage({ id: "convert.checking" })} />}
      {preflight && <CheckList preflight={preflight} />}
      {needsMail && (
        <Checkbox
          checked={mailFirst}
          onChange={(_, d) => setMailFirst(d.checked === true)}
          label={intl.formatMessage({ id: "convert.setMailFirst" }, { address: key })}
          data-testid="set-mail-first"
        />
      )}
      {kind === "resend" && addressNew && (
        <Field label={intl.formatMessage({ id: "resend.slot" })}>
          <RadioGroup value={preflight?.mailbox === true ? "otherMails" : slot} onChange={(_, d) => setSlot(d.value as AddressSlot)}>
            <Radio value="mail" disabled={preflight?.mailbox === true} label={intl.formatMessage({ id: "resend.slotMail" })} />
            <Radio value="otherMails" label={intl.formatMessage({ id: "resend.slotOther" })} />
          </RadioGroup>
          {preflight?.mailbox === true && (
            <Text size={200} data-testid="slot-mail-why">
              <FormattedMessage id="resend.slotMailboxWhy" />
            </Text>
          )}
        </Field>
      )}
      <InvitationOptionsFields options={options} tenantId={props.tenantId} />
      {kind === "convert" && (
        <Field hint={intl.formatMessage({ id: "convert.setGuestHint" })}>
          <Checkbox
            checked={setGuest}
            onChange={(_, d) => setSetGuest(d.checked === true)}
            label={intl.formatMessage({ id: "convert.setGuest" })}
            data-testid="set-guest"
          />
        </Field>
      )}
      {kind === "convert" && <SponsorsField state={sponsorsField} setByOrganisation={setByOrganisation} />}
      {current?.error && <ErrorBar code={current.error} />}
      {error && <ErrorBar code={error} />}
      {working && throttled && (
        <MessageBar intent="warning" layout="multiline" data-testid="convert-throttled">
          <MessageBarBody>
            <FormattedMessage
              id="convert.throttled"
              values={{ time: <FormattedTime value={throttled.retryAt} timeStyle="medium" />, seconds: throttled.waitS }}
            />
          </MessageBarBody>
        </MessageBar>
      )}
      <div className={styles.actions}>
        <Button
          type="submit"
          appearance="primary"
          disabledFocusable={!ready}
          aria-describedby={why ? `${kind}-why` : undefined}
          data-testid={`${kind}-submit`}
        >
          <FormattedMessage id={kind === "convert" ? "convert.submit" : "resend.submit"} />
        </Button>
        {!working && (
          <Button onClick={props.onCancel} data-testid="panel-cancel">
            <FormattedMessage id="signIn.cancel" />
          </Button>
        )}
        {working ? (
          <Spinner size="tiny" label={intl.formatMessage({ id: "convert.working" })} />
        ) : (
          <DisabledReason id={`${kind}-why`} reason={why} values={{ address: <bdi dir="ltr">{key}</bdi> }} />
        )}
      </div>
      </form>
      <Dialog open={confirming} onOpenChange={(_, d) => setConfirming(d.open)}>
        <DialogSurface data-testid="confirm">
          <DialogBody>
            <DialogTitle>
              <FormattedMessage id={kind === "convert" ? "convert.confirmTitle" : "resend.confirmTitle"} values={{ name: user.displayName }} />
            </DialogTitle>
            <DialogContent>
              <FormattedMessage
                id={kind === "convert" ? "convert.confirmBody" : "resend.confirmBody"}
                values={{ address: <bdi dir="ltr">{address.trim()}</bdi>, upn: <bdi dir="ltr">{user.userPrincipalName}</bdi> }}
              />{" "}
              <span data-testid="confirm-mail">
                {sendMail ? (
                  <FormattedMessage
                    id={cc.trim() ? "convert.confirmMailCc" : "convert.confirmMail"}
                    values={{ address: <bdi dir="ltr">{address.trim()}</bdi>, cc: <bdi dir="ltr">{cc.trim()}</bdi> }}
                  />
                ) : (
                  <FormattedMessage id="convert.confirmNoMail" />
                )}
              </span>
              {kind === "convert" && (
                <>
                  {" "}
                  <span data-testid="confirm-sponsors">
                    {sponsors.length > 0 ? (
                      <FormattedMessage
                        id="convert.confirmSponsors"
                        values={{ names: <bdi dir="ltr">{sponsors.join(", ")}</bdi> }}
                      />
                    ) : (
                      <FormattedMessage id="convert.confirmNoSponsors" />
                    )}
                  </span>
                </>
              )}
            </DialogContent>
            <DialogActions>
              <Button appearance="primary" onClick={run} data-testid="confirm-yes">
                <FormattedMessage id={kind === "convert" ? "convert.confirmYes" : "resend.confirmYes"} />
              </Button>
              <Button onClick={() => setConfirming(false)}>
                <FormattedMessage id="signIn.cancel" />
              </Button>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
    </Card>
  );
}
