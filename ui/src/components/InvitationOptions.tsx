import { useMemo, useState } from "react";
import { Field, Input, Select, Switch, Text, Textarea } from "@fluentui/react-components";
import { FormattedMessage, useIntl } from "react-intl";
import { isLocked, policyFlag, policyText, usePolicy } from "../policy";

/** Invitation languages offered first: the app's own, then others Microsoft supports. */
export const invitationLanguages = [
  "en-US", "fr-FR", "sv-SE", "he-IL", "de-DE", "es-ES", "it-IT", "nl-NL", "pt-BR", "da-DK", "nb-NO", "fi-FI",
  "pl-PL", "ja-JP", "zh-CN",
];

/** https, or http://localhost for testing; the backend checks the same rule. */
export function redirectUrlOk(url: string): boolean {
  if (url.startsWith("http://localhost")) return /^http:\/\/localhost([:/?].*)?$/.test(url);
  return /^https:\/\/[^\s/?#]+(\S*)$/.test(url);
}

export function addressLooksValid(address: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(address.trim());
}

/** An invitation's options as a conversion, a resend and a new invitation send them: the e-mail or
 * not, its language, message and copy, and the redirect URL. The organisation's values start each;
 * locked ones can't be changed (the backend holds them too). */
export function useInvitationOptions() {
  const policy = usePolicy();
  const locked = {
    sendMail: isLocked(policy, "SendInvitationMessage"),
    language: isLocked(policy, "InvitationLanguage"),
    message: isLocked(policy, "InvitationMessage"),
    redirect: isLocked(policy, "InviteRedirectUrl"),
  };
  const [sendMail, setSendMail] = useState(policyFlag(policy, "SendInvitationMessage") ?? true);
  const [language, setLanguage] = useState(policyText(policy, "InvitationLanguage") ?? "");
  const [message, setMessage] = useState(policyText(policy, "InvitationMessage") ?? "");
  const [cc, setCc] = useState("");
  const [redirect, setRedirect] = useState(policyText(policy, "InviteRedirectUrl") ?? "");
  // A language the organisation chose is offered even when it is not in the usual list.
  const languageChoices = useMemo(() => {
    const fromPolicy = policyText(policy, "InvitationLanguage");
    return fromPolicy && !invitationLanguages.includes(fromPolicy) ? [fromPolicy, ...invitationLanguages] : invitationLanguages;
  }, [policy]);
  return {
    locked,
    sendMail,
    setSendMail,
    language,
    setLanguage,
    message,
    setMessage,
    cc,
    setCc,
    redirect,
    setRedirect,
    languageChoices,
    ccBad: sendMail && cc.trim() !== "" && !addressLooksValid(cc),
    redirectBad: redirect.trim() !== "" && !redirectUrlOk(redirect.trim()),
    /** What the request carries: without the e-mail there is nobody to copy. */
    request: {
      sendMail,
      message: message.trim() || null,
      language: language || null,
      cc: (sendMail && cc.trim()) || null,
      redirectUrl: redirect.trim() || null,
    },
  };
}

export type InvitationOptions = ReturnType<typeof useInvitationOptions>;

/** The fields of `useInvitationOptions`, in one order wherever an invitation goes out. */
export function InvitationOptionsFields({ options, tenantId }: { options: InvitationOptions; tenantId: string }) {
  const intl = useIntl();
  const { locked, sendMail, ccBad, redirectBad } = options;
  const setByOrganisation = intl.formatMessage({ id: "policy.setByOrganisation" });
  const defaultRedirect = `https://myapps.microsoft.com/?tenantId=${tenantId}`;
  const displayNames = useMemo(() => {
    try {
      return new Intl.DisplayNames([intl.locale], { type: "language" });
    } catch {
      return null;
    }
  }, [intl.locale]);
  return (
    <>
      <Switch
        checked={sendMail}
        onChange={(_, d) => options.setSendMail(d.checked)}
        disabled={locked.sendMail}
        label={intl.formatMessage({ id: "convert.sendMail" })}
        aria-describedby={locked.sendMail ? "send-mail-policy" : undefined}
        data-testid="send-mail"
      />
      {locked.sendMail && (
        <Text size={200} id="send-mail-policy" data-testid="send-mail-policy">
          {setByOrganisation}
        </Text>
      )}
      {!sendMail && (
        <Text size={200}>
          <FormattedMessage id="convert.noMailHint" />
        </Text>
      )}
      <Field
        label={intl.formatMessage({ id: sendMail ? "convert.language" : "convert.languageNoMail" })}
        hint={locked.language ? setByOrganisation : sendMail ? undefined : intl.formatMessage({ id: "convert.languageNoMailHint" })}
      >
        <Select
          value={options.language}
          onChange={(_, d) => options.setLanguage(d.value)}
          disabled={locked.language}
          data-testid="language"
        >
          <option value="">{intl.formatMessage({ id: "convert.languageDefault" })}</option>
          {options.languageChoices.map((l) => (
            <option key={l} value={l}>
              {`${displayNames?.of(l) ?? l} (${l})`}
            </option>
          ))}
        </Select>
      </Field>
      <Field
        label={intl.formatMessage({ id: "convert.message" })}
        hint={
          locked.message
            ? setByOrganisation
            : intl.formatMessage({ id: sendMail ? "convert.messageHint" : "convert.messageHintNoMail" })
        }
      >
        <Textarea
          value={options.message}
          onChange={(_, d) => options.setMessage(d.value)}
          disabled={locked.message}
          resize="vertical"
          data-testid="message"
        />
      </Field>
      {sendMail ? (
        <Field
          label={intl.formatMessage({ id: "convert.cc" })}
          validationState={ccBad ? "error" : "none"}
          validationMessage={ccBad ? intl.formatMessage({ id: "error.invalid_cc_address" }) : undefined}
        >
          <Input type="email" dir="ltr" value={options.cc} onChange={(_, d) => options.setCc(d.value)} data-testid="cc" />
        </Field>
      ) : (
        <Text size={200} data-testid="cc-not-used">
          <FormattedMessage id="convert.ccNoMail" />
        </Text>
      )}
      <Field
        label={intl.formatMessage({ id: "convert.redirect" })}
        hint={locked.redirect ? setByOrganisation : intl.formatMessage({ id: "convert.redirectHint" }, { url: defaultRedirect })}
        validationState={redirectBad ? "error" : "none"}
        validationMessage={redirectBad ? intl.formatMessage({ id: "error.invalid_redirect_url" }) : undefined}
      >
        <Input
          dir="ltr"
          value={options.redirect}
          placeholder={defaultRedirect}
          onChange={(_, d) => options.setRedirect(d.value)}
          disabled={locked.redirect}
          data-testid="redirect"
        />
      </Field>
    </>
  );
}
