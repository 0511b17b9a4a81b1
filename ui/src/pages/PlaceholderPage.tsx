import { makeStyles, MessageBar, MessageBarBody, MessageBarTitle, Text, tokens } from "@fluentui/react-components";
import { FormattedMessage } from "react-intl";
import type { MessageId } from "../i18n";

const useStyles = makeStyles({
  intro: { display: "block", marginBlockEnd: tokens.spacingVerticalL, maxWidth: "70ch" },
});

/** A page whose feature has not landed yet says so plainly. */
export function PlaceholderPage({ title, intro, version }: { title: MessageId; intro: MessageId; version: string }) {
  const styles = useStyles();
  return (
    <>
      <Text as="h1" size={700} weight="semibold" block>
        <FormattedMessage id={title} />
      </Text>
      <Text as="p" className={styles.intro}>
        <FormattedMessage id={intro} />
      </Text>
      <MessageBar intent="info" layout="multiline">
        <MessageBarBody>
          <MessageBarTitle>
            <FormattedMessage id="page.notYet.title" />
          </MessageBarTitle>{" "}
          <FormattedMessage id="page.notYet.body" values={{ version: <bdi dir="ltr">{version}</bdi> }} />
        </MessageBarBody>
      </MessageBar>
    </>
  );
}
