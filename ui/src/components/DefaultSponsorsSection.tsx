import { useEffect, useState } from "react";
import { Button, Field, Input, makeStyles, Text, tokens } from "@fluentui/react-components";
import { FormattedMessage, useIntl } from "react-intl";
import type { DefaultSponsorsView } from "../bindings/DefaultSponsorsView";
import { api, errorCodeOf, type UiErrorCode } from "../ipc";
import { MAX_SPONSORS, parseSponsors, sponsorsProblem, SponsorsProblemText } from "../sponsors";
import { ErrorBar } from "./ErrorBar";

const useStyles = makeStyles({
  row: { display: "flex", gap: tokens.spacingHorizontalS, alignItems: "end", flexWrap: "wrap", marginBlockStart: tokens.spacingVerticalS },
  field: { minWidth: "min(360px, 100%)", flexGrow: 1 },
});

/** Settings: the sponsors named when the admin names none (the organisation's policy may lock them). */
export function DefaultSponsorsSection() {
  const styles = useStyles();
  const intl = useIntl();
  const [view, setView] = useState<DefaultSponsorsView | null>(null);
  const [text, setText] = useState("");
  const [saved, setSaved] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<UiErrorCode | null>(null);

  useEffect(() => {
    api.getDefaultSponsors().then(
      (v) => {
        setView(v);
        setText((v.locked ? v.sponsors : v.own).join(" "));
      },
      (e: unknown) => setError(errorCodeOf(e)),
    );
  }, []);

  const list = parseSponsors(text);
  const problem = sponsorsProblem(list);
  const locked = view?.locked === true;
  const save = () => {
    setSaving(true);
    setSaved(false);
    setError(null);
    api.setDefaultSponsors(list).then(
      (v) => {
        setView(v);
        setSaving(false);
        setSaved(true);
      },
      (e: unknown) => {
        setSaving(false);
        setError(errorCodeOf(e));
      },
    );
  };

  return (
    <section aria-labelledby="settings-sponsors" data-testid="settings-sponsors">
      <Text as="h2" size={500} weight="semibold" id="settings-sponsors" block>
        <FormattedMessage id="settings.sponsors.title" />
      </Text>
      <Text as="p">
        <FormattedMessage id="settings.sponsors.body" />
      </Text>
      {view && !locked && view.own.length === 0 && view.sponsors.length > 0 && (
        <Text as="p" data-testid="sponsors-recommended">
          <FormattedMessage
            id="settings.sponsors.recommended"
            values={{ names: <bdi dir="ltr">{view.sponsors.join(", ")}</bdi> }}
          />
        </Text>
      )}
      {/* Shown once the sponsors are read, so that the Save button never changes from disabled to
          enabled (or its colours with it) as the page settles. */}
      {view !== null && (
      <form
        className={styles.row}
        onSubmit={(e) => {
          e.preventDefault();
          if (!locked && problem === null && !saving) save();
        }}
      >
        <Field
          className={styles.field}
          label={intl.formatMessage({ id: "sponsors.field" })}
          hint={
            locked
              ? intl.formatMessage({ id: "policy.setByOrganisation" })
              : intl.formatMessage({ id: "settings.sponsors.hint" }, { max: MAX_SPONSORS })
          }
          validationState={problem ? "error" : saved ? "success" : "none"}
          validationMessage={
            problem ? <SponsorsProblemText problem={problem} /> : saved ? intl.formatMessage({ id: "settings.sponsors.saved" }) : undefined
          }
        >
          <Input
            dir="ltr"
            value={text}
            disabled={locked}
            onChange={(_, d) => {
              setSaved(false);
              setText(d.value);
            }}
            data-testid="default-sponsors"
          />
        </Field>
        {!locked && (
          <Button type="submit" disabledFocusable={problem !== null || saving} data-testid="default-sponsors-save">
            <FormattedMessage id="settings.sponsors.save" />
          </Button>
        )}
      </form>
      )}
      {error && <ErrorBar code={error} />}
    </section>
  );
}
