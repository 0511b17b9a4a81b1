import { FormattedMessage, useIntl } from "react-intl";
import type { Account } from "../bindings/Account";

export const tenantOf = (a: Account) => a.tenantName ?? a.tenantId;

/** Who stopped acting and who acts now, after a sign-out or a switch. */
export interface AccountNotice {
  kind: "signedOut" | "switched";
  from: Account;
  to: Account | null;
}

/**
 * Says who was signed out (or switched from) and who is acting now. Plain elements (plain.css):
 * the sign-in screen shows it before Fluent is loaded.
 */
export function AccountNoticeBar({ notice, onDismiss }: { notice: AccountNotice; onDismiss: () => void }) {
  const intl = useIntl();
  const who = (a: Account) => ({ name: a.displayName, username: <bdi dir="ltr">{a.username}</bdi>, tenant: <bdi>{tenantOf(a)}</bdi> });
  return (
    <div className="b2b-bar" role="status" data-testid="account-notice" data-kind={notice.kind}>
      <div>
        {notice.kind === "signedOut" && (
          <>
            <FormattedMessage id="account.signedOut" values={who(notice.from)} />{" "}
          </>
        )}
        {notice.to && <FormattedMessage id="account.nowActing" values={who(notice.to)} />}
      </div>
      <button
        type="button"
        className="b2b-dismiss"
        aria-label={intl.formatMessage({ id: "account.dismiss" })}
        onClick={onDismiss}
      >
        ×
      </button>
    </div>
  );
}
