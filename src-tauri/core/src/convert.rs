//! Pre-flight rules for converting an internal user to B2B collaboration (CONTRACT.md sections 1.1,
//! 1.4, 1.7 and 5). Pure functions over what Graph returned, so that every rule is tested without a
//! network; the Graph calls that feed them come with the conversion screens.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::auth::Capabilities;

/// The user properties the rules read (Graph names, camelCase on the wire).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct Target {
    pub id: String,
    pub display_name: String,
    pub user_principal_name: String,
    pub mail: Option<String>,
    pub other_mails: Vec<String>,
    pub proxy_addresses: Vec<String>,
    pub user_type: Option<String>,
    pub external_user_state: Option<String>,
    pub external_user_state_change_date_time: Option<String>,
    pub on_premises_user_principal_name: Option<String>,
    pub on_premises_sync_enabled: Option<bool>,
    pub account_enabled: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum Severity {
    /// The check passed.
    Ok,
    /// Conversion can go ahead; the admin should know.
    Warning,
    /// Conversion would fail or do harm: the UI does not offer it.
    Blocker,
}

/// One pre-flight check. `code` is stable: the UI says it in plain words with the fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Check {
    pub code: String,
    pub severity: Severity,
}

fn check(code: &str, severity: Severity) -> Check {
    Check {
        code: code.to_owned(),
        severity,
    }
}

/// Characters an invited address may not hold, and the rule for `.` and `-` at the ends of the
/// user name (CONTRACT.md section 1.1).
pub fn address_is_valid(address: &str) -> bool {
    const FORBIDDEN: &str = "~!#$%^&*()+=[]{}\\/|;:\"<>?, ";
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !address.chars().any(|c| FORBIDDEN.contains(c) || c.is_control())
        && address.matches('@').count() == 1
        && !local.starts_with(['.', '-'])
        && !local.ends_with(['.', '-'])
}

/// True when `domain` is a verified domain or a subdomain of one. Subdomains are not documented
/// (CONTRACT.md section 5); treating them as internal is the safe choice.
pub fn in_verified_domain(address: &str, verified: &[String]) -> bool {
    let Some((_, domain)) = address.rsplit_once('@') else {
        return false;
    };
    let domain = domain.to_ascii_lowercase();
    verified.iter().any(|v| {
        let v = v.to_ascii_lowercase();
        domain == v || domain.ends_with(&format!(".{v}"))
    })
}

/// Whether the address is already on the user object (`mail` or `otherMails`): Graph requires it
/// for conversion (CONTRACT.md sections 1.4 and 1.5).
pub fn on_object(t: &Target, address: &str) -> bool {
    t.mail.as_deref().is_some_and(|m| m.eq_ignore_ascii_case(address))
        || t.other_mails.iter().any(|m| m.eq_ignore_ascii_case(address))
}

/// A primary SMTP address in a verified domain suggests an Exchange Online mailbox, whose `mail`
/// cannot be changed through Graph. Graph does not say so directly; this is a hint, not a proof.
pub fn mailbox_likely(t: &Target, verified: &[String]) -> bool {
    t.proxy_addresses
        .iter()
        .filter_map(|p| p.strip_prefix("SMTP:"))
        .any(|primary| in_verified_domain(primary, verified))
}

/// Every rule, in the order the UI lists them. `others_using` are the UPNs of other users whose
/// UPN, mail, proxyAddresses or otherMails hold the address.
pub fn preflight(
    t: &Target,
    address: &str,
    verified: &[String],
    others_using: &[String],
    caps: &Capabilities,
) -> Vec<Check> {
    use Severity::*;
    let address = address.trim();
    let mut out = Vec::new();
    let valid = address_is_valid(address);
    out.push(check("address_valid", if valid { Ok } else { Blocker }));
    out.push(check(
        "address_not_internal",
        if valid && in_verified_domain(address, verified) {
            Blocker
        } else {
            Ok
        },
    ));
    out.push(check(
        "not_synced_from_on_premises",
        if t.on_premises_user_principal_name.is_some() {
            Blocker
        } else {
            Ok
        },
    ));
    out.push(check(
        "not_already_external",
        if t.external_user_state.is_some() {
            Blocker
        } else {
            Ok
        },
    ));
    out.push(check(
        "address_not_used_elsewhere",
        if others_using.is_empty() { Ok } else { Blocker },
    ));
    let on = on_object(t, address);
    let mailbox = mailbox_likely(t, verified);
    // Not on the object: without a mailbox the app sets mail first; with one, mail can't change here.
    out.push(check(
        "address_on_user",
        match (on, mailbox) {
            (true, _) => Ok,
            (false, false) => Warning,
            (false, true) => Blocker,
        },
    ));
    out.push(check("mailbox", if mailbox { Warning } else { Ok }));
    out.push(check(
        "account_enabled",
        if t.account_enabled == Some(false) {
            Warning
        } else {
            Ok
        },
    ));
    out.push(check(
        "admin_can_convert",
        if caps.can_convert { Ok } else { Blocker },
    ));
    out
}

/// The checks before resending an invitation or resetting redemption: the user must have been
/// invited before, and a new address follows the same rules as a conversion's. An address not on
/// the user yet is added first (to `otherMails` when a mailbox holds `mail`).
pub fn resend_checks(
    t: &Target,
    address: &str,
    verified: &[String],
    others_using: &[String],
    caps: &Capabilities,
) -> Vec<Check> {
    use Severity::*;
    let address = address.trim();
    let valid = address_is_valid(address);
    vec![
        check("address_valid", if valid { Ok } else { Blocker }),
        check(
            "address_not_internal",
            if valid && in_verified_domain(address, verified) {
                Blocker
            } else {
                Ok
            },
        ),
        check(
            "invited_before",
            if t.external_user_state.is_some() {
                Ok
            } else {
                Blocker
            },
        ),
        check(
            "address_not_used_elsewhere",
            if others_using.is_empty() { Ok } else { Blocker },
        ),
        check(
            "address_added_first",
            if on_object(t, address) { Ok } else { Warning },
        ),
        check("admin_can_reset", if caps.can_reset { Ok } else { Blocker }),
    ]
}

/// Conversion is offered only when nothing blocks it.
pub fn can_convert(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.severity != Severity::Blocker)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verified() -> Vec<String> {
        vec!["contoso.com".into(), "contosodemo.onmicrosoft.com".into()]
    }

    fn admin() -> Capabilities {
        Capabilities::from(
            vec!["User Administrator".into()],
            vec!["User.Invite.All".into(), "User.ReadWrite.All".into()],
        )
    }

    fn ready() -> Target {
        Target {
            id: "1".into(),
            user_principal_name: "sam@contoso.com".into(),
            mail: Some("sam@northwind.example".into()),
            proxy_addresses: vec!["SMTP:sam@northwind.example".into()],
            account_enabled: Some(true),
            ..Target::default()
        }
    }

    fn severity(checks: &[Check], code: &str) -> Severity {
        checks
            .iter()
            .find(|c| c.code == code)
            .map(|c| c.severity)
            .unwrap_or(Severity::Ok)
    }

    #[test]
    fn a_ready_user_passes_every_check() {
        let c = preflight(&ready(), "sam@northwind.example", &verified(), &[], &admin());
        assert!(c.iter().all(|c| c.severity == Severity::Ok), "{c:?}");
        assert!(can_convert(&c));
    }

    #[test]
    fn addresses() {
        for ok in [
            "a@b.example",
            "a.b-c_d@x.example",
            "_a_@x.example",
            "Zoë@x.example",
        ] {
            assert!(address_is_valid(ok), "{ok}");
        }
        for bad in [
            "a+b@x.example",
            ".a@x.example",
            "a-@x.example",
            "a b@x.example",
            "a@x",
            "a@@x.example",
            "",
            "a(b)@x.example",
        ] {
            assert!(!address_is_valid(bad), "{bad}");
        }
        assert!(in_verified_domain("x@contoso.com", &verified()));
        assert!(
            in_verified_domain("x@Sales.Contoso.com", &verified()),
            "subdomains are internal"
        );
        assert!(!in_verified_domain("x@notcontoso.com", &verified()));
    }

    #[test]
    fn each_blocker() {
        let v = verified();
        let c = preflight(&ready(), "sam@contoso.com", &v, &[], &admin());
        assert_eq!(severity(&c, "address_not_internal"), Severity::Blocker);
        let synced = Target {
            on_premises_user_principal_name: Some("sam@corp.local".into()),
            ..ready()
        };
        assert_eq!(
            severity(
                &preflight(&synced, "sam@northwind.example", &v, &[], &admin()),
                "not_synced_from_on_premises"
            ),
            Severity::Blocker
        );
        let pending = Target {
            external_user_state: Some("PendingAcceptance".into()),
            ..ready()
        };
        assert_eq!(
            severity(
                &preflight(&pending, "sam@northwind.example", &v, &[], &admin()),
                "not_already_external"
            ),
            Severity::Blocker
        );
        let shared = preflight(
            &ready(),
            "sam@northwind.example",
            &v,
            &["other@contoso.com".into()],
            &admin(),
        );
        assert_eq!(severity(&shared, "address_not_used_elsewhere"), Severity::Blocker);
        let helpdesk = Capabilities::from(vec!["Guest Inviter".into()], vec!["User.Invite.All".into()]);
        assert!(!can_convert(&preflight(
            &ready(),
            "sam@northwind.example",
            &v,
            &[],
            &helpdesk
        )));
        assert_eq!(
            severity(
                &preflight(&ready(), "sam+x@northwind.example", &v, &[], &admin()),
                "address_valid"
            ),
            Severity::Blocker
        );
    }

    #[test]
    fn mail_first_or_mailbox() {
        let v = verified();
        let no_mail = Target {
            mail: None,
            proxy_addresses: vec![],
            ..ready()
        };
        let c = preflight(&no_mail, "sam@northwind.example", &v, &[], &admin());
        assert_eq!(
            severity(&c, "address_on_user"),
            Severity::Warning,
            "set mail first"
        );
        assert!(can_convert(&c));
        let mailbox = Target {
            mail: Some("sam@contoso.com".into()),
            proxy_addresses: vec!["SMTP:sam@contoso.com".into()],
            other_mails: vec!["sam@northwind.example".into()],
            ..ready()
        };
        let c = preflight(&mailbox, "sam@northwind.example", &v, &[], &admin());
        assert_eq!(severity(&c, "mailbox"), Severity::Warning);
        assert_eq!(severity(&c, "address_on_user"), Severity::Ok, "in otherMails");
        let c = preflight(&mailbox, "new@northwind.example", &v, &[], &admin());
        assert_eq!(
            severity(&c, "address_on_user"),
            Severity::Blocker,
            "mail can't be changed for a mailbox"
        );
        let disabled = Target {
            account_enabled: Some(false),
            ..ready()
        };
        let c = preflight(&disabled, "sam@northwind.example", &v, &[], &admin());
        assert_eq!(severity(&c, "account_enabled"), Severity::Warning);
        assert!(can_convert(&c));
    }

    #[test]
    fn resend_needs_an_earlier_invitation_and_a_reset_role() {
        let v = verified();
        let c = resend_checks(&ready(), "sam@northwind.example", &v, &[], &admin());
        assert_eq!(severity(&c, "invited_before"), Severity::Blocker);
        let pending = Target {
            external_user_state: Some("PendingAcceptance".into()),
            ..ready()
        };
        let c = resend_checks(&pending, "sam@northwind.example", &v, &[], &admin());
        assert!(can_convert(&c), "{c:?}");
        let c = resend_checks(&pending, "sam2@tailspin.example", &v, &[], &admin());
        assert_eq!(severity(&c, "address_added_first"), Severity::Warning);
        let c = resend_checks(&pending, "sam@sales.contoso.com", &v, &[], &admin());
        assert_eq!(severity(&c, "address_not_internal"), Severity::Blocker);
        let inviter = Capabilities::from(vec!["Guest Inviter".into()], vec!["User.Invite.All".into()]);
        let c = resend_checks(&pending, "sam@northwind.example", &v, &[], &inviter);
        assert_eq!(severity(&c, "admin_can_reset"), Severity::Blocker);
        let c = resend_checks(
            &pending,
            "sam@northwind.example",
            &v,
            &["x@contoso.com".into()],
            &admin(),
        );
        assert_eq!(severity(&c, "address_not_used_elsewhere"), Severity::Blocker);
    }
}
