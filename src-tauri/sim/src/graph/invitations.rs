//! `POST /invitations`: converting an internal user to B2B, resetting a guest's redemption, and
//! inviting a new guest (CONTRACT.md section 1).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::{caller, context, conversion, holders, valid_address, St, WRITE_USERS};
use crate::errors::{self, bad_request, denied, not_found, rfc3339_now};
use crate::model::User;
use crate::state::OutboxMail;
use crate::tokens;

const INVITE: &[&str] = &["User.Invite.All", "User.ReadWrite.All", "Directory.ReadWrite.All"];
/// Roles that may convert an internal user (CONTRACT.md sections 1.3 and 9.4): those that may update
/// users. [inf] Guest Inviter is documented for new guests only and Helpdesk Administrator for
/// resetting redemption only; refusing them here is the stricter reading.
const CONVERT_ROLES: &[&str] = &["Global Administrator", "User Administrator", "Directory Writers"];
/// Roles that may reset redemption (CONTRACT.md section 1.3).
const RESET_ROLES: &[&str] = &[
    "Global Administrator",
    "User Administrator",
    "Helpdesk Administrator",
];
/// Roles that may invite a new guest. Entra also lets members invite unless an admin restricted
/// it; the simulator always asks for a role (stricter).
const INVITE_ROLES: &[&str] = &[
    "Global Administrator",
    "User Administrator",
    "Guest Inviter",
    "Directory Writers",
];
/// Characters an invited address may not contain (CONTRACT.md section 1.1).
const FORBIDDEN: &[char] = &[
    '~', '!', '#', '$', '%', '^', '&', '*', '(', ')', '+', '=', '[', ']', '{', '}', '\\', '/', '|', ';', ':',
    '"', '<', '>', '?', ',',
];

pub(super) fn invitation_error(message: &str) -> Response {
    bad_request("BadRequest", message)
}

/// Forbidden characters anywhere; `.` and `-` not at the start or end of the user name
/// (CONTRACT.md section 1.1).
fn address_ok(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    valid_address(address)
        && !address.contains(FORBIDDEN)
        && !local.starts_with(['.', '-'])
        && !local.ends_with(['.', '-'])
        && !domain.is_empty()
}

fn uses_address(u: &User, address: &str) -> bool {
    u.user_principal_name.eq_ignore_ascii_case(address)
        || u.mail.as_deref().is_some_and(|m| m.eq_ignore_ascii_case(address))
        || u.other_mails.iter().any(|m| m.eq_ignore_ascii_case(address))
        || u.proxy_addresses
            .iter()
            .filter_map(|p| holders::smtp_address(p))
            .any(|a| a.eq_ignore_ascii_case(address))
}

pub(super) async fn invite(State(state): St, headers: HeaderMap, body: Option<Json<Value>>) -> Response {
    let c = match caller(&state, &headers, INVITE) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(Json(Value::Object(req))) = body else {
        return invitation_error("The request body must be a JSON object.");
    };
    let s = |k: &str| {
        req.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let Some(email) = s("invitedUserEmailAddress").map(str::to_owned) else {
        return invitation_error("The required property 'invitedUserEmailAddress' is missing.");
    };
    let Some(redirect) = s("inviteRedirectUrl").map(str::to_owned) else {
        return invitation_error("The required property 'inviteRedirectUrl' is missing.");
    };
    if !(redirect.starts_with("https://") || redirect.starts_with("http://")) {
        return invitation_error("The inviteRedirectUrl must be an absolute http or https URL.");
    }
    if !address_ok(&email) {
        return invitation_error("The Primary SMTP Address is an invalid value");
    }
    let reset = req
        .get("resetRedemption")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let send = req
        .get("sendInvitationMessage")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let info = req.get("invitedUserMessageInfo").cloned().unwrap_or(Value::Null);
    let cc: Vec<String> = info
        .get("ccRecipients")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|r| {
                    r.pointer("/emailAddress/address")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default();
    if info
        .get("ccRecipients")
        .and_then(Value::as_array)
        .is_some_and(|a| a.len() > 1)
    {
        return invitation_error("Currently only 1 additional recipient is supported in ccRecipients.");
    }
    if cc.iter().any(|a| !address_ok(a)) {
        return invitation_error("The ccRecipients address is an invalid value.");
    }
    if reset && !c.claims.has_any_scope(WRITE_USERS) {
        return denied();
    }
    let invited = req.get("invitedUser").and_then(Value::as_object);
    let target_id = invited
        .and_then(|o| o.get("id"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    if reset && target_id.is_none() {
        return invitation_error("resetRedemption requires invitedUser with an id.");
    }

    let mut g = state.lock();
    // A missing role is the invitation service's 401, not a 403 (CONTRACT.md section 9.5).
    let tenant = g.dir.tenant.id.clone();
    let user_id = if let Some(id) = &target_id {
        if !c.has_role(if reset { RESET_ROLES } else { CONVERT_ROLES }) {
            return errors::invite_unauthorized(&tenant);
        }
        let Some(target) = g.dir.user(id).cloned() else {
            return not_found(id);
        };
        // The invitation service reads through replication lag too (CONTRACT.md 9.8).
        let Some(target) = crate::replication::seen(&g, &target) else {
            return not_found(id);
        };
        // [inf] Only a Global Administrator may act on a user who holds admin roles, as for
        // other sensitive actions; undocumented for invitations, so the stricter choice.
        if !g.dir.effective_roles(&target).is_empty() && !c.has_role(&["Global Administrator"]) {
            return errors::invite_unauthorized(&tenant);
        }
        // Sending more than {id} makes the service treat the request as a new invitation
        // (CONTRACT.md section 1.4, observed).
        if invited.is_some_and(|o| o.len() > 1) {
            return invitation_error(&format!(
                "The invited user already exists in the directory as objectID: {}. Please use the existing user or delete the user and reinvite.",
                target.id
            ));
        }
        if target.on_premises_user_principal_name.is_some() {
            return invitation_error("User invitation failed. Invalid request input.");
        }
        // Undocumented; the admin center switches to "Resend or reset" here, so the simulator
        // refuses a second plain invitation (the stricter choice, CONTRACT.md section 1.7).
        if target.external_user_state.is_some() && !reset {
            return invitation_error(
                "The user has already been invited. Use resetRedemption to invite again.",
            );
        }
        let domain = email.rsplit_once('@').map(|(_, d)| d).unwrap_or("");
        if g.dir.is_verified_domain(domain) {
            return invitation_error(
                "User's email address cannot be in a verified domain. Please change the user's email to enable conversion to a B2B user.",
            );
        }
        if let Err(r) = conversion::check_address(&g.dir, &target, &email, reset) {
            return r;
        }
        if g.dir
            .users
            .iter()
            .any(|u| u.id != target.id && u.external_user_state.is_none() && uses_address(u, &email))
        {
            return invitation_error(
                "Non-external user already exists with the given mail address and can't be invited.",
            );
        }
        if holders::proxy_conflict(&g.dir, &email, &target.id) {
            return invitation_error(holders::PROXY_CONFLICT);
        }
        let now = rfc3339_now();
        crate::replication::updating(&mut g, &target);
        if let Some(u) = g.dir.user_mut(id) {
            // userType, id and UPN are unchanged (CONTRACT.md section 1.4).
            u.external_user_state = Some("PendingAcceptance".into());
            u.external_user_state_change_date_time = Some(now);
        }
        target.id
    } else {
        if !c.has_role(INVITE_ROLES) {
            return errors::invite_unauthorized(&tenant);
        }
        let domain = email
            .rsplit_once('@')
            .map(|(_, d)| d.to_owned())
            .unwrap_or_default();
        if g.dir.is_verified_domain(&domain) || g.dir.users.iter().any(|u| uses_address(u, &email)) {
            return invitation_error(
                "Non-external user already exists with the given mail address and can't be invited.",
            );
        }
        if holders::proxy_conflict(&g.dir, &email, "") {
            return invitation_error(holders::PROXY_CONFLICT);
        }
        let local = email.split('@').next().unwrap_or("guest").to_owned();
        let upn = format!("{local}_{domain}#EXT#@{}", g.dir.initial_domain());
        let user = User {
            id: uuid::Uuid::new_v4().to_string(),
            display_name: s("invitedUserDisplayName").unwrap_or(&local).to_owned(),
            given_name: None,
            surname: None,
            user_principal_name: upn.clone(),
            mail: Some(email.clone()),
            other_mails: vec![email.clone()],
            proxy_addresses: vec![format!("SMTP:{email}")],
            user_type: s("invitedUserType").unwrap_or("Guest").to_owned(),
            external_user_state: Some("PendingAcceptance".into()),
            external_user_state_change_date_time: Some(rfc3339_now()),
            creation_type: Some("Invitation".into()),
            identities: vec![crate::model::ObjectIdentity {
                sign_in_type: "userPrincipalName".into(),
                issuer: g.dir.initial_domain().to_owned(),
                issuer_assigned_id: upn,
            }],
            on_premises_sync_enabled: None,
            on_premises_user_principal_name: None,
            on_premises_immutable_id: None,
            account_enabled: true,
            job_title: None,
            business_phones: Vec::new(),
            mobile_phone: None,
            office_location: None,
            preferred_language: None,
            created_date_time: rfc3339_now(),
            sim: Default::default(),
        };
        let id = user.id.clone();
        g.dir.users.push(user);
        crate::replication::created(&mut g, &id);
        id
    };

    let invitation_id = uuid::Uuid::new_v4().to_string();
    let tid = g.dir.tenant.id.clone();
    let redeem_target = format!(
        "https://invitations.microsoft.com/redeem/?tenant={tid}&user={invitation_id}&ticket={}&ver=2.0",
        urlencoding::encode(&urlencoding::encode(&tokens::opaque(24)))
    );
    let redeem_url = format!(
        "{}/redeem?rd={}",
        state.base_url,
        urlencoding::encode(&redeem_target)
    );
    let upn = g
        .dir
        .user(&user_id)
        .map(|u| u.user_principal_name.clone())
        .unwrap_or_default();
    *g.stats.invitations.entry(user_id.clone()).or_default() += 1;
    let message_language = info.get("messageLanguage").cloned().unwrap_or(Value::Null);
    let custom = info.get("customizedMessageBody").cloned().unwrap_or(Value::Null);
    if send {
        g.outbox.push(OutboxMail {
            invitation_id: invitation_id.clone(),
            user_id: user_id.clone(),
            to: email.clone(),
            cc: cc.clone(),
            language: message_language.as_str().map(str::to_owned),
            message: custom.as_str().map(str::to_owned),
            redeem_url: redeem_url.clone(),
            sent_at: rfc3339_now(),
        });
    }
    drop(g);
    let cc_echo = if cc.is_empty() {
        json!([{ "emailAddress": { "name": null, "address": null } }])
    } else {
        Value::Array(
            cc.iter()
                .map(|a| json!({ "emailAddress": { "name": null, "address": a } }))
                .collect(),
        )
    };
    let body = json!({
        "@odata.context": context(&state, "invitations/$entity", None),
        "id": invitation_id,
        "inviteRedeemUrl": redeem_url,
        "invitedUserDisplayName": req.get("invitedUserDisplayName").cloned().unwrap_or(Value::Null),
        "invitedUserType": s("invitedUserType").unwrap_or("Guest"),
        "invitedUserEmailAddress": email,
        "sendInvitationMessage": send,
        "resetRedemption": reset,
        "inviteRedirectUrl": redirect,
        "status": "PendingAcceptance",
        "invitedUserMessageInfo": {
            "messageLanguage": message_language,
            "customizedMessageBody": custom,
            "ccRecipients": cc_echo,
        },
        "invitedUser": { "id": user_id, "userPrincipalName": upn },
    });
    (StatusCode::CREATED, Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invitation_addresses() {
        for ok in ["a@northwind.example", "a.b-c_d@x.example", "_a_@x.example"] {
            assert!(address_ok(ok), "{ok}");
        }
        for bad in [
            "a+b@x.example",
            ".a@x.example",
            "a-@x.example",
            "a b@x.example",
            "a@x",
            "a@@x.example",
            "noat",
            "a(b)@x.example",
        ] {
            assert!(!address_ok(bad), "{bad}");
        }
    }
}
