//! Users shared by the query tests.

use serde_json::Value;

use super::Advanced;
use crate::model::{ObjectIdentity, SimExtras, User};

pub(super) const ADV: Advanced = Advanced {
    consistency_eventual: true,
    count: true,
};
pub(super) const NO_ADV: Advanced = Advanced {
    consistency_eventual: false,
    count: false,
};

pub(super) fn base_user(display: &str, upn: &str) -> User {
    User {
        id: "6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0".into(),
        display_name: display.into(),
        given_name: None,
        surname: None,
        user_principal_name: upn.into(),
        mail: None,
        other_mails: vec![],
        proxy_addresses: vec![],
        user_type: "Member".into(),
        external_user_state: None,
        external_user_state_change_date_time: None,
        creation_type: None,
        identities: vec![],
        on_premises_sync_enabled: None,
        on_premises_user_principal_name: None,
        on_premises_immutable_id: None,
        account_enabled: true,
        job_title: None,
        business_phones: vec![],
        mobile_phone: None,
        office_location: None,
        preferred_language: None,
        created_date_time: "2024-03-01T10:00:00Z".into(),
        sim: SimExtras::default(),
    }
}

pub(super) fn to_json(u: &User) -> Value {
    serde_json::to_value(u).unwrap()
}

/// Adele: an internal member with mail, aliases and an identity.
pub(super) fn adele() -> Value {
    let mut u = base_user("Adele Vance", "AdeleV@contoso.com");
    u.given_name = Some("Adele".into());
    u.surname = Some("Vance".into());
    u.mail = Some("AdeleV@contoso.com".into());
    u.other_mails = vec!["adele.private@fabrikam.com".into()];
    u.proxy_addresses = vec![
        "SMTP:AdeleV@contoso.com".into(),
        "smtp:adele@sales.contoso.com".into(),
    ];
    u.identities = vec![ObjectIdentity {
        sign_in_type: "userPrincipalName".into(),
        issuer: "contoso.com".into(),
        issuer_assigned_id: "AdeleV@contoso.com".into(),
    }];
    u.job_title = Some("Retail Manager".into());
    u.sim.roles = vec!["User Administrator".into()];
    to_json(&u)
}

/// Oscar: a pending guest, synced from on-premises.
pub(super) fn oscar() -> Value {
    let mut u = base_user(
        "Oscar Ward",
        "oscarward_fabrikam.com#EXT#@contoso.onmicrosoft.com",
    );
    u.mail = Some("oscarward@fabrikam.com".into());
    u.user_type = "Guest".into();
    u.external_user_state = Some("PendingAcceptance".into());
    u.external_user_state_change_date_time = Some("2026-11-01T09:30:00Z".into());
    u.creation_type = Some("Invitation".into());
    u.on_premises_sync_enabled = Some(true);
    u.on_premises_immutable_id = Some("abc123==".into());
    u.on_premises_user_principal_name = Some("oscar@corp.local".into());
    u.account_enabled = false;
    u.created_date_time = "2025-06-15T08:00:00Z".into();
    to_json(&u)
}

pub(super) fn named(display: &str) -> Value {
    to_json(&base_user(display, "x@contoso.com"))
}
