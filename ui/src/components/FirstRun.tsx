import { useId, useState, type ReactNode } from "react";
import { FormattedMessage, useIntl } from "react-intl";
import type { SessionView } from "../bindings/SessionView";
import type { MessageId } from "../i18n";
import { api, errorCodeOf, type UiErrorCode } from "../ipc";
import { demoAllowed, isLocked, policyText, usePolicy } from "../policy";
import { ErrorBar } from "./ErrorBar";

/** Microsoft Graph Command Line Tools: the quick alternative to an own registration. */
export const GRAPH_CLI_CLIENT_ID = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

/** A labelled text box with its hint, in plain elements (plain.css). */
function TextField(props: {
  label: string;
  hint: string;
  value: string;
  onChange?: (value: string) => void;
  disabled?: boolean;
  testId: string;
}) {
  const id = useId();
  return (
    <div className="b2b-field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        className="b2b-input"
        value={props.value}
        onChange={(e) => props.onChange?.(e.target.value)}
        readOnly={!props.onChange}
        disabled={props.disabled}
        aria-describedby={`${id}-hint`}
        dir="ltr"
        spellCheck={false}
        data-testid={props.testId}
      />
      <span id={`${id}-hint`} className="b2b-hint">
        {props.hint}
      </span>
    </div>
  );
}

/** One of the two ways to start: its title, what it is, and its action. */
function Choice(props: { id: "demo" | "org"; testId?: string; children: ReactNode }) {
  return (
    <section className="b2b-card" data-testid={props.testId} aria-labelledby={`${props.id}-title`}>
      <h2 className="b2b-subtitle" id={`${props.id}-title`}>
        <FormattedMessage id={`firstRun.${props.id}.title`} />
      </h2>
      <p>
        <FormattedMessage id={`firstRun.${props.id}.body`} />
      </p>
      {props.children}
    </section>
  );
}

/**
 * The first screen: the demo tenant or an organisation's app registration. Plain elements, no
 * Fluent: this is the window's first paint, and Fluent loads only once somebody is signed in.
 */
export function FirstRun({ onSession }: { onSession: (s: SessionView) => void }) {
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
  // A field the policy may lock: then it says so instead of its hint.
  const lockable = (key: "ClientId" | "TenantId", hint: MessageId) => ({
    hint: isLocked(policy, key) ? setByOrganisation : intl.formatMessage({ id: hint }),
    disabled: isLocked(policy, key),
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
    <main id="main" className="b2b-start" data-testid="first-run">
      <div className="b2b-page">
        <h1 className="b2b-title">
          <FormattedMessage id="firstRun.title" />
        </h1>
        <p className="b2b-intro">
          <FormattedMessage id="firstRun.intro" />
        </p>
        {error && <ErrorBar code={error} />}
        <div className="b2b-cards">
          {demoAllowed(policy) && (
            <Choice id="demo" testId="demo-card">
              <button
                type="button"
                className="b2b-button b2b-primary"
                disabled={busy}
                data-testid="use-demo"
                onClick={() => void run(api.useDemo)}
              >
                <FormattedMessage id="firstRun.demo.action" />
              </button>
            </Choice>
          )}
          <Choice id="org">
            <form
              onSubmit={(e) => {
                e.preventDefault();
                void run(() => api.connectOrganisation(clientId, tenant));
              }}
            >
              <TextField
                label={intl.formatMessage({ id: "firstRun.org.clientId" })}
                value={clientId}
                onChange={setClientId}
                testId="client-id"
                {...lockable("ClientId", "firstRun.org.clientIdHint")}
              />
              <TextField
                label={intl.formatMessage({ id: "firstRun.org.tenant" })}
                value={tenant}
                onChange={setTenant}
                testId="tenant"
                {...lockable("TenantId", "firstRun.org.tenantHint")}
              />
              {endpoints.map(({ key, value }) => (
                <TextField
                  key={key}
                  label={intl.formatMessage({ id: key === "AuthorityUrl" ? "firstRun.org.authority" : "firstRun.org.graph" })}
                  hint={setByOrganisation}
                  value={value}
                  disabled
                  testId={`endpoint-${key}`}
                />
              ))}
              <button type="submit" className="b2b-button" disabled={busy} data-testid="connect-org">
                <FormattedMessage id="firstRun.org.action" />
              </button>
            </form>
          </Choice>
        </div>
        <section className="b2b-guide" aria-labelledby="guide-title">
          <h2 className="b2b-subtitle" id="guide-title">
            <FormattedMessage id="firstRun.guide.title" />
          </h2>
          <ol>
            {(["1", "2", "3", "4"] as const).map((n) => (
              <li key={n}>
                <FormattedMessage id={`firstRun.guide.step${n}`} />
              </li>
            ))}
          </ol>
        </section>
      </div>
    </main>
  );
}
