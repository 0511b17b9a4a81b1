import { makeStyles, Text, tokens } from "@fluentui/react-components";
import { FormattedMessage } from "react-intl";
import type { MessageId } from "../i18n";

const useStyles = makeStyles({
  reason: { color: tokens.colorNeutralForeground2 },
});

/** Why the action next to it is disabled; the button points here with aria-describedby. */
export function DisabledReason({ id, reason, values }: { id: string; reason: MessageId | null; values?: Record<string, React.ReactNode> }) {
  const styles = useStyles();
  if (!reason) return null;
  return (
    <Text size={200} id={id} className={styles.reason} data-testid={`${id}`} data-reason={reason}>
      <FormattedMessage id={reason} values={values} />
    </Text>
  );
}
