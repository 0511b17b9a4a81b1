import { useState } from "react";
import { Button, Field, makeStyles, Select, Skeleton, SkeletonItem, Text, tokens } from "@fluentui/react-components";
import { FormattedMessage, useIntl } from "react-intl";
import type { AppInfo } from "../bindings/AppInfo";
import type { Language } from "../bindings/Language";
import type { LanguageView } from "../bindings/LanguageView";
import type { SessionView } from "../bindings/SessionView";
import { ErrorBar } from "../components/ErrorBar";
import { PolicySection } from "../components/PolicySection";
import { DefaultSponsorsSection } from "../components/DefaultSponsorsSection";
import { languageNames, languages } from "../i18n";
import { api, errorCodeOf, type UiErrorCode } from "../ipc";

const useStyles = makeStyles({
  section: { marginBlockStart: tokens.spacingVerticalXXL, maxWidth: "70ch" },
  field: { maxWidth: "360px", marginBlockStart: tokens.spacingVerticalS },
  about: {
    display: "grid",
    gridTemplateColumns: "max-content 1fr",
    columnGap: tokens.spacingHorizontalXL,
    rowGap: tokens.spacingVerticalS,
    marginBlockStart: tokens.spacingVerticalS,
  },
  term: { fontWeight: tokens.fontWeightSemibold },
  detail: { margin: 0, overflowWrap: "anywhere" },
});

const SYSTEM = "system";

export function SettingsPage(props: {
  language: LanguageView;
  onLanguageChange: (view: LanguageView) => void;
  appInfo: AppInfo | null;
  appInfoError: UiErrorCode | null;
  session: SessionView;
  onSession: (s: SessionView) => void;
}) {
  const styles = useStyles();
  const intl = useIntl();
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<UiErrorCode | null>(null);

  const choose = async (value: string) => {
    setSaving(true);
    setSaved(false);
    setError(null);
    try {
      const view = await api.setLanguage(value === SYSTEM ? null : (value as Language));
      props.onLanguageChange(view);
      setSaved(true);
    } catch (e) {
      setError(errorCodeOf(e));
    } finally {
      setSaving(false);
    }
  };

  return (
    <>
      <Text as="h1" size={700} weight="semibold" block>
        <FormattedMessage id="page.settings.title" />
      </Text>

      <section className={styles.section} aria-labelledby="settings-language">
        <Text as="h2" size={500} weight="semibold" id="settings-language" block>
          <FormattedMessage id="settings.language.title" />
        </Text>
        <Field
          className={styles.field}
          label={intl.formatMessage({ id: "settings.language.label" })}
          hint={intl.formatMessage({ id: props.language.locked ? "policy.setByOrganisation" : "settings.language.hint" })}
          validationState={saved ? "success" : "none"}
          validationMessage={saved ? intl.formatMessage({ id: "settings.language.saved" }) : undefined}
        >
          <Select
            data-testid="language-select"
            value={props.language.chosen ?? SYSTEM}
            disabled={saving || props.language.locked}
            onChange={(_, data) => void choose(data.value)}
          >
            <option value={SYSTEM}>
              {props.language.organisation
                ? intl.formatMessage(
                    { id: "settings.language.organisation" },
                    { language: languageNames[props.language.organisation] },
                  )
                : intl.formatMessage({ id: "settings.language.system" }, { language: languageNames[props.language.os] })}
            </option>
            {languages.map((lang) => (
              <option key={lang} value={lang} lang={lang}>
                {languageNames[lang]}
              </option>
            ))}
          </Select>
        </Field>
        {error && <ErrorBar code={error} />}
      </section>

      <section className={styles.section} aria-labelledby="settings-connection">
        <Text as="h2" size={500} weight="semibold" id="settings-connection" block>
          <FormattedMessage id="settings.connection.title" />
        </Text>
        <Text as="p" data-testid="connection">
          {props.session.connection?.mode === "demo" && <FormattedMessage id="settings.connection.demo" />}
          {props.session.connection?.mode === "organisation" && (
            <FormattedMessage
              id="settings.connection.organisation"
              values={{ clientId: props.session.connection.clientId, tenant: props.session.connection.tenant }}
            />
          )}
          {!props.session.connection && <FormattedMessage id="settings.connection.none" />}
        </Text>
        <Button
          onClick={() =>
            void api.resetConnection().then(props.onSession, (e: unknown) => setError(errorCodeOf(e)))
          }
        >
          <FormattedMessage id="settings.connection.change" />
        </Button>
      </section>

      <div className={styles.section}>
        <DefaultSponsorsSection />
      </div>

      <section className={styles.section} aria-labelledby="settings-theme">
        <Text as="h2" size={500} weight="semibold" id="settings-theme" block>
          <FormattedMessage id="settings.theme.title" />
        </Text>
        <Text as="p">
          <FormattedMessage id="settings.theme.body" />
        </Text>
      </section>

      <div className={styles.section}>
        <PolicySection />
      </div>

      <section className={styles.section} aria-labelledby="settings-about">
        <Text as="h2" size={500} weight="semibold" id="settings-about" block>
          <FormattedMessage id="settings.about.title" />
        </Text>
        {props.appInfoError && <ErrorBar code={props.appInfoError} />}
        {!props.appInfo && !props.appInfoError && (
          <Skeleton aria-busy="true">
            <SkeletonItem />
          </Skeleton>
        )}
        {props.appInfo && <About info={props.appInfo} />}
      </section>
    </>
  );
}

function About({ info }: { info: AppInfo }) {
  const styles = useStyles();
  const intl = useIntl();
  const unknown = intl.formatMessage({ id: "settings.about.unknown" });
  // Technical values read left to right in every language; translated ones find their own direction.
  const rows: [string, string, string, "ltr" | "auto"][] = [
    ["version", intl.formatMessage({ id: "settings.about.version" }), `${info.name} ${info.version}`, "ltr"],
    ["os", intl.formatMessage({ id: "settings.about.os" }), `${info.os.name} ${info.os.version} (${info.os.arch})`, "ltr"],
    ["locale", intl.formatMessage({ id: "settings.about.locale" }), info.os.locale ?? unknown, "ltr"],
    [
      "build",
      intl.formatMessage({ id: "settings.about.build" }),
      intl.formatMessage({ id: "settings.about.buildValue" }, { ...info.build }),
      "auto",
    ],
    [
      "runtime",
      intl.formatMessage({ id: "settings.about.runtime" }),
      intl.formatMessage({ id: "settings.about.runtimeValue" }, { ...info.build }),
      "ltr",
    ],
  ];
  return (
    <dl className={styles.about} data-testid="about">
      {rows.map(([key, term, detail, dir]) => (
        <div key={key} style={{ display: "contents" }}>
          <dt className={styles.term}>{term}</dt>
          <dd className={styles.detail} data-testid={`about-${key}`} dir={dir}>
            {detail}
          </dd>
        </div>
      ))}
    </dl>
  );
}
