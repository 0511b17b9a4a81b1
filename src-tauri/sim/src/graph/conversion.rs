//! The user's `mail` before converting (CONTRACT.md 9.3) and the mailbox signal Graph gives.

use axum::response::Response;
use serde_json::{json, Value};

use super::invitations::invitation_error;
use crate::model::{Directory, User};

/// Exchange Online (Plan 2), the service plan a mailbox's `assignedPlans` entry names.
const EXCHANGE_PLAN: &str = "efb87545-963c-4e0d-99df-69c6916d9eb0";

const VERIFIED_MAIL: &str = "User's email address cannot be in a verified domain. Please change the user's email to enable conversion to a B2B user.";
const NOT_ON_OBJECT: &str = "The email you’re using to invite this user doesn’t match any emails on the user object. Please add this email to the user object and try again.";

/// Converting an internal user needs its `mail` to be the invited address (case-insensitive); an
/// address only in `otherMails` is not enough. A differing `mail` in a verified domain (or a
/// subdomain of one) gets the admin center's verified-domain text, any other mismatch (or no mail)
/// the "doesn't match" text; both as 400 BadRequest [inf: the API's code for the first is
/// undocumented]. Resetting redemption accepts `mail` or `otherMails` (reset-redemption-status.md).
pub(super) fn check_address(
    dir: &Directory,
    target: &User,
    email: &str,
    reset: bool,
) -> Result<(), Response> {
    let in_mail = target
        .mail
        .as_deref()
        .is_some_and(|m| m.eq_ignore_ascii_case(email));
    if in_mail || (reset && target.other_mails.iter().any(|m| m.eq_ignore_ascii_case(email))) {
        return Ok(());
    }
    let verified_mail = target
        .mail
        .as_deref()
        .and_then(|m| m.rsplit_once('@'))
        .is_some_and(|(_, domain)| dir.is_verified_domain(domain));
    if !reset && verified_mail {
        return Err(invitation_error(VERIFIED_MAIL));
    }
    Err(invitation_error(NOT_ON_OBJECT))
}

/// Adds Exchange Online's `assignedPlans` and `provisionedPlans` entries to a user with a mailbox
/// (`_sim.hasMailbox`), the signal Graph gives (CONTRACT.md 9.3). Neither is in the default
/// property set, so they show only with `$select`.
pub(super) fn add_mailbox_plans(value: &mut Value, user: &User) {
    let Value::Object(m) = value else { return };
    if !user.sim.has_mailbox {
        return;
    }
    m.insert(
        "assignedPlans".into(),
        json!([{
            "assignedDateTime": user.created_date_time,
            "capabilityStatus": "Enabled",
            "service": "exchange",
            "servicePlanId": EXCHANGE_PLAN,
        }]),
    );
    m.insert(
        "provisionedPlans".into(),
        json!([{
            "capabilityStatus": "Enabled",
            "provisioningStatus": "Success",
            "service": "exchange",
        }]),
    );
}
