import { Badge } from "@fluentui/react-components";
import { FormattedDate, FormattedMessage } from "react-intl";
import type { B2bState } from "../bindings/B2bState";

const colors = { internal: "informative", pending: "warning", accepted: "success", guest: "subtle" } as const;

/** A user's B2B collaboration state, with since when while an invitation is pending. */
export function StateBadge({ state, since }: { state: B2bState; since: string | null }) {
  return (
    <Badge appearance="tint" color={colors[state]} data-testid={`state-${state}`}>
      {state === "pending" && since ? (
        <FormattedMessage
          id="state.pendingSince"
          values={{ date: <FormattedDate value={since} dateStyle="medium" /> }}
        />
      ) : (
        <FormattedMessage id={`state.${state}`} />
      )}
    </Badge>
  );
}
