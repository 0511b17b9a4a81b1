import { useState } from "react";
import {
  Button,
  Card,
  CardHeader,
  Field,
  Input,
  makeStyles,
  Text,
  tokens,
} from "@fluentui/react-components";
import { BeakerRegular, BuildingRegular } from "@fluentui/react-icons";
import { FormattedMessage, useIntl } from "react-intl";
import type { SessionView } from "../bindings/SessionView";
import { api, errorCodeOf, type UiErrorCode } from "../ipc";
import { demoAllowed, isLocked, policyText, usePolicy } from "../policy";
import { ErrorBar } from "./ErrorBar";

/** Microsoft Graph Command Line Tools: the quick alternative to an own registration. */
export const GRAPH_CLI_CLIENT_ID = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

const useStyles = makeStyles({
  page: { maxWidth: "960px", marginInline: "auto", padding: tokens.spacingHorizontalXXL },
  intro: { display: "block", marginBlock: tokens.spacingVerticalM, maxWidth: "70ch" },
  cards: { display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(320px, 1fr))", gap: tokens.spacingHorizontalXL },
  card: { padding: tokens.spacingHorizontalL },
  field: { marginBlockEnd: tokens.spacingVerticalM },
  guide: { marginBlockStart: tokens.spacingVerticalXL, maxWidth: "80ch" },
});

export function FirstRun({ onSession }: { onSession: (s: SessionView) => void }) {
  const styles = useStyles();
  const intl = useIntl();
  const policy = usePolicy();
  const [clientId, setClientId] = useState(policyText(policy, "ClientId") ?? GRAPH_CLI_CLIENT_ID);
  const [tenant, setTenant] = useState(policyText(policy, "TenantId") ?? "organizations");
  const setByOrganisation = intl.formatMessage({ id: "policy.setByOrganisation" });
  // Where sign-in and Graph go: only a policy changes them (national clouds).
  const endpoints = (["AuthorityUrl", "GraphUrl"] as const).flatMap((key) => {
    const value = policyText(policy, key);
    return value ? [{ key, value }] : [];
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiErrorCode | null>(null);

  const run = async (action: () => Promise<SessionView>) => {
    setBusy(true);
    setError(null);
    try {
      onSession(await action());
    } catch (e) {
      setError(errorCodeOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" className={styles.page} data-testid="first-run">
      <Text as="h1" size={800} weight="semibold" block>
        <FormattedMessage id="firstRun.title" />
      </Text>
      <Text as="p" className={styles.intro}>
        <FormattedMessage id="firstRun.intro" />
      </Text>
      {error && <ErrorBar code={error} />}
      <div className={styles.cards}>
        {demoAllowed(policy) && (
          <Card className={styles.card} data-testid="demo-card">
            <CardHeader
              image={<BeakerRegular fontSize={28} />}
              header={
                <Text as="h2" size={500} weight="semibold">
                  <FormattedMessage id="firstRun.demo.title" />
                </Text>
              }
            />
            <Text as="p">
              <FormattedMessage id="firstRun.demo.body" />
            </Text>
            <Button appearance="primary" disabled={busy} data-testid="use-demo" onClick={() => void run(api.useDemo)}>
              <FormattedMessage id="firstRun.demo.action" />
            </Button>
          </Card>
        )}
        <Card className={styles.card}>
          <CardHeader
            image={<BuildingRegular fontSize={28} />}
            header={
              <Text as="h2" size={500} weight="semibold">
                <FormattedMessage id="firstRun.org.title" />
              </Text>
            }
          />
          <Text as="p">
            <FormattedMessage id="firstRun.org.body" />
          </Text>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void run(() => api.connectOrganisation(clientId, tenant));
            }}
          >
            <Field
              className={styles.field}
              label={intl.formatMessage({ id: "firstRun.org.clientId" })}
              hint={
                isLocked(policy, "ClientId") ? setByOrganisation : intl.formatMessage({ id: "firstRun.org.clientIdHint" })
              }
            >
              <Input
                value={clientId}
                onChange={(_, d) => setClientId(d.value)}
                disabled={isLocked(policy, "ClientId")}
                dir="ltr"
                data-testid="client-id"
              />
            </Field>
            <Field
              className={styles.field}
              label={intl.formatMessage({ id: "firstRun.org.tenant" })}
              hint={isLocked(policy, "TenantId") ? setByOrganisation : intl.formatMessage({ id: "firstRun.org.tenantHint" })}
            >
              <Input
                value={tenant}
                onChange={(_, d) => setTenant(d.value)}
                disabled={isLocked(policy, "TenantId")}
                dir="ltr"
                data-testid="tenant"
              />
            </Field>
            {endpoints.map(({ key, value }) => (
              <Field
                key={key}
                className={styles.field}
                label={intl.formatMessage({ id: key === "AuthorityUrl" ? "firstRun.org.authority" : "firstRun.org.graph" })}
                hint={setByOrganisation}
              >
                <Input value={value} disabled dir="ltr" data-testid={`endpoint-${key}`} />
              </Field>
            ))}
            <Button type="submit" disabled={busy} data-testid="connect-org">
              <FormattedMessage id="firstRun.org.action" />
            </Button>
          </form>
        </Card>
      </div>
      <section className={styles.guide} aria-labelledby="guide-title">
        <Text as="h2" size={500} weight="semibold" id="guide-title" block>
          <FormattedMessage id="firstRun.guide.title" />
        </Text>
        <ol>
          {(["1", "2", "3", "4"] as const).map((n) => (
            <li key={n}>
              <FormattedMessage id={`firstRun.guide.step${n}`} />
            </li>
          ))}
        </ol>
      </section>
    </main>
  );
}
