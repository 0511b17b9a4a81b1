import {
  Avatar,
  Button,
  makeStyles,
  Menu,
  MenuDivider,
  MenuItem,
  MenuList,
  MenuPopover,
  MenuTrigger,
  Text,
  tokens,
} from "@fluentui/react-components";
import { PersonAddRegular, SignOutRegular } from "@fluentui/react-icons";
import { FormattedMessage, useIntl } from "react-intl";
import type { SessionView } from "../bindings/SessionView";
import { api, errorCodeOf, type UiErrorCode } from "../ipc";
import { tenantOf, type AccountNotice } from "./AccountNotice";

const useStyles = makeStyles({
  trigger: { color: tokens.colorNeutralForegroundOnBrand, maxWidth: "420px" },
  who: { display: "flex", flexDirection: "column", alignItems: "flex-start", textAlign: "start", minWidth: 0 },
  line: { whiteSpace: "nowrap", overflow: "hidden", textOverflow: "ellipsis", maxWidth: "320px" },
});

/** The header's account switcher: who is signed in, where, and the other accounts. */
export function AccountMenu(props: {
  session: SessionView;
  onSession: (s: SessionView) => void;
  onAddAccount: () => void;
  onError: (code: UiErrorCode) => void;
  /** Told after a sign-out or a switch: who stopped, who acts now. */
  onNotice: (notice: AccountNotice) => void;
}) {
  const styles = useStyles();
  const intl = useIntl();
  const current = props.session.current;
  if (!current) return null;
  const act = (kind: AccountNotice["kind"], work: Promise<SessionView>) =>
    work.then(
      (s) => {
        props.onNotice({ kind, from: current, to: s.current });
        props.onSession(s);
      },
      (e: unknown) => props.onError(errorCodeOf(e)),
    );
  return (
    <Menu>
      <MenuTrigger disableButtonEnhancement>
        <Button
          appearance="transparent"
          className={styles.trigger}
          data-testid="account-menu"
          aria-label={intl.formatMessage({ id: "account.menu" }, { name: current.displayName })}
          icon={<Avatar name={current.displayName} size={28} color="neutral" aria-hidden />}
        >
          <span className={styles.who}>
            <Text weight="semibold" className={styles.line}>
              {current.displayName}
            </Text>
            <Text size={200} className={styles.line} dir="auto">
              <FormattedMessage id="account.tenant" values={{ username: current.username, tenant: tenantOf(current) }} />
            </Text>
          </span>
        </Button>
      </MenuTrigger>
      <MenuPopover>
        <MenuList>
          {props.session.accounts
            .filter((a) => a.id !== current.id)
            .map((a) => (
              <MenuItem
                key={a.id}
                icon={<Avatar name={a.displayName} size={20} color="neutral" aria-hidden />}
                onClick={() => void act("switched", api.switchAccount(a.id))}
                aria-label={intl.formatMessage({ id: "account.switchTo" }, { name: a.displayName })}
              >
                {a.displayName} <Text size={200}>{`${a.username} · ${tenantOf(a)}`}</Text>
              </MenuItem>
            ))}
          <MenuItem icon={<PersonAddRegular />} onClick={props.onAddAccount} data-testid="add-account">
            <FormattedMessage id="account.addAccount" />
          </MenuItem>
          <MenuDivider />
          <MenuItem icon={<SignOutRegular />} onClick={() => void act("signedOut", api.signOut(current.id))} data-testid="sign-out">
            <FormattedMessage
              id="account.signOutNamed"
              values={{ name: current.displayName, username: <bdi dir="ltr">{current.username}</bdi> }}
            />
          </MenuItem>
        </MenuList>
      </MenuPopover>
    </Menu>
  );
}
