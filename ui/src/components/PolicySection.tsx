import {
  Badge,
  makeStyles,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from "@fluentui/react-components";
import { FormattedMessage, useIntl } from "react-intl";
import type { PolicyEntry } from "../bindings/PolicyEntry";
import type { PolicyKey } from "../bindings/PolicyKey";
import type { MessageId } from "../i18n";
import { usePolicy } from "../policy";

/** Each key's label: a key without one is a compile error. */
const keyLabels: Record<PolicyKey, MessageId> = {
  ClientId: "policy.key.ClientId",
  TenantId: "policy.key.TenantId",
  AuthorityUrl: "policy.key.AuthorityUrl",
  GraphUrl: "policy.key.GraphUrl",
  InviteRedirectUrl: "policy.key.InviteRedirectUrl",
  InvitationMessage: "policy.key.InvitationMessage",
  InvitationLanguage: "policy.key.InvitationLanguage",
  SendInvitationMessage: "policy.key.SendInvitationMessage",
  UiLanguage: "policy.key.UiLanguage",
  AllowDemoTenant: "policy.key.AllowDemoTenant",
  DefaultSponsors: "policy.key.DefaultSponsors",
  HttpsProxy: "policy.key.HttpsProxy",
};

const useStyles = makeStyles({
  intro: { display: "block", marginBlockEnd: tokens.spacingVerticalS },
  origin: { display: "block", fontSize: tokens.fontSizeBase200, overflowWrap: "anywhere" },
  warnings: { marginBlockStart: tokens.spacingVerticalM },
  list: { margin: 0, paddingInlineStart: tokens.spacingHorizontalL },
});

/** Settings > Managed by your organisation: each value in force, where it came from, what was ignored. */
export function PolicySection() {
  const styles = useStyles();
  const intl = useIntl();
  const policy = usePolicy();
  const empty = policy.entries.length === 0 && policy.warnings.length === 0;

  const value = (e: PolicyEntry) => {
    if (typeof e.value === "boolean") return intl.formatMessage({ id: e.value ? "policy.value.true" : "policy.value.false" });
    if (e.value === "") return intl.formatMessage({ id: "policy.value.empty" });
    return e.value;
  };

  return (
    <section aria-labelledby="settings-policy" data-testid="policy-section">
      <Text as="h2" size={500} weight="semibold" id="settings-policy" block>
        <FormattedMessage id="settings.policy.title" />
      </Text>
      {empty ? (
        <Text as="p" data-testid="policy-none">
          <FormattedMessage id="settings.policy.none" />
        </Text>
      ) : (
        <Text as="p" className={styles.intro}>
          <FormattedMessage id="settings.policy.intro" />
        </Text>
      )}
      {policy.entries.length > 0 && (
        <Table aria-label={intl.formatMessage({ id: "settings.policy.title" })} size="small" data-testid="policy-table">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>
                <FormattedMessage id="settings.policy.setting" />
              </TableHeaderCell>
              <TableHeaderCell>
                <FormattedMessage id="settings.policy.value" />
              </TableHeaderCell>
              <TableHeaderCell>
                <FormattedMessage id="settings.policy.level" />
              </TableHeaderCell>
              <TableHeaderCell>
                <FormattedMessage id="settings.policy.source" />
              </TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {policy.entries.map((e) => (
              <TableRow key={e.key} data-testid={`policy-${e.key}`}>
                <TableCell>
                  <FormattedMessage id={keyLabels[e.key]} />
                </TableCell>
                <TableCell>
                  <bdi dir={typeof e.value === "string" && e.value !== "" ? "ltr" : "auto"}>{value(e)}</bdi>
                </TableCell>
                <TableCell>
                  <Badge appearance="tint" color={e.level === "locked" ? "important" : "informative"}>
                    <FormattedMessage id={`policy.level.${e.level}`} />
                  </Badge>
                </TableCell>
                <TableCell>
                  <FormattedMessage id={`policy.source.${e.source}`} />
                  <bdi dir="ltr" className={styles.origin}>
                    {e.origin}
                  </bdi>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {policy.warnings.length > 0 && (
        <MessageBar intent="warning" layout="multiline" className={styles.warnings} data-testid="policy-warnings">
          <MessageBarBody>
            <MessageBarTitle>
              <FormattedMessage id="settings.policy.warningsTitle" />
            </MessageBarTitle>
            <ul className={styles.list}>
              {policy.warnings.map((w, i) => (
                <li key={i} data-testid={`policy-warning-${w.code}`}>
                  <FormattedMessage
                    id={`policy.warning.${w.code}`}
                    values={{ key: <bdi dir="ltr">{w.key ?? ""}</bdi>, origin: <bdi dir="ltr">{w.origin}</bdi> }}
                  />
                </li>
              ))}
            </ul>
          </MessageBarBody>
        </MessageBar>
      )}
    </section>
  );
}
