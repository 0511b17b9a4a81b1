import { Badge, makeStyles, Text, tokens } from "@fluentui/react-components";
import { FormattedDate, FormattedMessage } from "react-intl";
import type { B2bState } from "../bindings/B2bState";

const colors = { internal: "informative", pending: "warning", accepted: "success", guest: "subtle" } as const;

const useStyles = makeStyles({
  wrap: { display: "inline-flex", flexWrap: "wrap", alignItems: "center", columnGap: tokens.spacingHorizontalXS },
  badge: { whiteSpace: "nowrap" },
});

/** A user's B2B collaboration state, with since when while an invitation is pending. */
export function StateBadge({ state, since }: { state: B2bState; since: string | null }) {
  const styles = useStyles();
  return (
    <span data-testid={`state-${state}`} className={styles.wrap}>
      <Badge appearance="tint" color={colors[state]} className={styles.badge}>
        <FormattedMessage id={`state.${state}`} />
      </Badge>
      {state === "pending" && since && (
        <Text size={200}>
          <FormattedMessage id="user.since" values={{ date: <FormattedDate value={since} dateStyle="medium" /> }} />
        </Text>
      )}
    </span>
  );
}
