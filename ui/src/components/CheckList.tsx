import { makeStyles, Text, tokens } from "@fluentui/react-components";
import { CheckmarkCircle20Filled, DismissCircle20Filled, Warning20Filled } from "@fluentui/react-icons";
import { useIntl } from "react-intl";
import type { Preflight } from "../bindings/Preflight";
import { CheckText } from "./CheckText";

const useStyles = makeStyles({
  list: { listStyle: "none", padding: 0, margin: 0, display: "grid", gap: tokens.spacingVerticalS },
  item: { display: "flex", gap: tokens.spacingHorizontalS, alignItems: "flex-start" },
  ok: { color: tokens.colorPaletteGreenForeground1, flexShrink: 0 },
  warning: { color: tokens.colorPaletteDarkOrangeForeground1, flexShrink: 0 },
  blocker: { color: tokens.colorPaletteRedForeground1, flexShrink: 0 },
});

/** Each pre-flight check as a plain sentence; problems say how to fix them. */
export function CheckList({ preflight }: { preflight: Preflight }) {
  const styles = useStyles();
  const intl = useIntl();
  const order = { blocker: 0, warning: 1, ok: 2 };
  const checks = [...preflight.checks].sort((a, b) => order[a.severity] - order[b.severity]);
  return (
    <ul className={styles.list} data-testid="checks">
      {checks.map((c) => {
        return (
          <li key={c.code} className={styles.item} data-testid={`check-${c.code}`} data-severity={c.severity}>
            {c.severity === "ok" ? (
              <CheckmarkCircle20Filled className={styles.ok} aria-label={intl.formatMessage({ id: "check.sev.ok" })} />
            ) : c.severity === "warning" ? (
              <Warning20Filled className={styles.warning} aria-label={intl.formatMessage({ id: "check.sev.warning" })} />
            ) : (
              <DismissCircle20Filled className={styles.blocker} aria-label={intl.formatMessage({ id: "check.sev.blocker" })} />
            )}
            <Text>
              <CheckText
                code={c.code}
                severity={c.severity}
                values={{
                  address: preflight.address,
                  others: preflight.othersUsing,
                  onPremUpn: preflight.target.onPremisesUserPrincipalName,
                }}
              />
            </Text>
          </li>
        );
      })}
    </ul>
  );
}
