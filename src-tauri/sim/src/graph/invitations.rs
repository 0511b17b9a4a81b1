//! `POST /invitations`: converting an internal user to B2B, resetting a guest's redemption, and
//! inviting a new guest (CONTRACT.md section 1).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::{caller, context, conversion, holders, sponsors, valid_address, Caller, St, WRITE_USERS};
use crate::errors::{self, bad_request, denied, not_found, rfc3339_now};
use crate::model::{Directory, User};
use crate::state::{Inner, OutboxMail, SimState};
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
/// Roles that may invite a new user as Member (see `add_guest`).
const MEMBER_ROLES: &[&str] = &["Global Administrator", "User Administrator"];
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
        // A local account's sign-in name (the docs' signInNames, now identities).
        || u.identities
            .iter()
            .any(|i| i.sign_in_type != "userPrincipalName" && i.issuer_assigned_id.eq_ignore_ascii_case(address))
}

/// `POST /invitations`: checks the caller and the request, converts `invitedUser` (or resets its
/// redemption) or adds a new guest, and answers 201 with the invitation.
pub(super) async fn invite(State(state): St, headers: HeaderMap, body: Option<Json<Value>>) -> Response {
    let c = match caller(&state, &headers, INVITE) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(Json(Value::Object(body))) = body else {
        return invitation_error("The request body must be a JSON object.");
    };
    let req = match InviteRequest::read(&body) {
        Ok(req) => req,
        Err(r) => return r,
    };
    if req.reset && !c.claims.has_any_scope(WRITE_USERS) {
        return denied();
    }
    if req.reset && req.target_id.is_none() {
        return invitation_error("resetRedemption requires invitedUser with an id.");
    }
    let mut g = state.lock();
    let user_id = match &req.target_id {
        Some(id) => convert_user(&mut g, &c, &req, id),
        None => add_guest(&mut g, &c, &req),
    };
    let user_id = match user_id {
        Ok(id) => id,
        Err(r) => return r,
    };
    let invitation = record_invitation(&state, &mut g, &req, user_id);
    drop(g);
    (
        StatusCode::CREATED,
        Json(invitation_body(&state, &req, &invitation)),
    )
        .into_response()
}

/// An invitation request, read and checked before the directory is locked.
struct InviteRequest {
    email: String,
    redirect: String,
    /// `invitedUserDisplayName` as sent (echoed), and trimmed (a new guest's name).
    display_name_sent: Value,
    display_name: Option<String>,
    user_type: String,
    send: bool,
    reset: bool,
    cc: Vec<String>,
    language: Value,
    custom_body: Value,
    /// `invitedUser.id`: convert (or reset) this user instead of inviting a new guest.
    target_id: Option<String>,
    /// `invitedUser` carries more than its id.
    target_has_more: bool,
    /// `invitedUserSponsors`: ids taken from each directoryObject's `id` or `@odata.id`.
    sponsors: Vec<String>,
}

/// A trimmed, non-empty string property of the request body.
fn text<'a>(body: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    body.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

impl InviteRequest {
    /// Reads the body, with the invitation service's answers to missing or malformed properties.
    fn read(body: &Map<String, Value>) -> Result<InviteRequest, Response> {
        let Some(email) = text(body, "invitedUserEmailAddress").map(str::to_owned) else {
            return Err(invitation_error(
                "The required property 'invitedUserEmailAddress' is missing.",
            ));
        };
        let Some(redirect) = text(body, "inviteRedirectUrl").map(str::to_owned) else {
            return Err(invitation_error(
                "The required property 'inviteRedirectUrl' is missing.",
            ));
        };
        if !(redirect.starts_with("https://") || redirect.starts_with("http://")) {
            return Err(invitation_error(
                "The inviteRedirectUrl must be an absolute http or https URL.",
            ));
        }
        if !address_ok(&email) {
            return Err(invitation_error("The Primary SMTP Address is an invalid value"));
        }
        let flag = |k: &str| body.get(k).and_then(Value::as_bool).unwrap_or(false);
        let info = body.get("invitedUserMessageInfo").cloned().unwrap_or(Value::Null);
        let cc = cc_recipients(&info)?;
        let invited = body.get("invitedUser").and_then(Value::as_object);
        let sponsors = invited_user_sponsors(body)?;
        Ok(InviteRequest {
            email,
            redirect,
            display_name_sent: body.get("invitedUserDisplayName").cloned().unwrap_or(Value::Null),
            display_name: text(body, "invitedUserDisplayName").map(str::to_owned),
            user_type: user_type(body)?,
            send: flag("sendInvitationMessage"),
            reset: flag("resetRedemption"),
            cc,
            language: info.get("messageLanguage").cloned().unwrap_or(Value::Null),
            custom_body: info.get("customizedMessageBody").cloned().unwrap_or(Value::Null),
            target_id: invited
                .and_then(|o| o.get("id"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            target_has_more: invited.is_some_and(|o| o.len() > 1),
            sponsors,
        })
    }
}

/// `invitedUserType`: `Guest` (the default) or `Member` (CONTRACT.md 1.1). [inf] Microsoft does
/// not document its answer to another value; refusing it is the stricter choice.
fn user_type(body: &Map<String, Value>) -> Result<String, Response> {
    match text(body, "invitedUserType") {
        None => Ok("Guest".into()),
        Some(t) if t.eq_ignore_ascii_case("Guest") => Ok("Guest".into()),
        Some(t) if t.eq_ignore_ascii_case("Member") => Ok("Member".into()),
        Some(_) => Err(invitation_error("The invitedUserType must be Guest or Member.")),
    }
}

/// `invitedUserSponsors` (invitation resource, v1.0): a directoryObject collection of users or
/// groups, at most five (b2b-sponsors). Each item is read by `id` or by `@odata.id`.
fn invited_user_sponsors(body: &Map<String, Value>) -> Result<Vec<String>, Response> {
    let Some(v) = body.get("invitedUserSponsors") else {
        return Ok(Vec::new());
    };
    let Some(items) = v.as_array() else {
        return Err(invitation_error(
            "invitedUserSponsors must be a collection of directory objects.",
        ));
    };
    if items.len() > sponsors::MAX_SPONSORS {
        return Err(invitation_error(sponsors::TOO_MANY));
    }
    let mut out: Vec<String> = Vec::new();
    for item in items {
        let id = item["id"]
            .as_str()
            .or_else(|| item["@odata.id"].as_str().and_then(sponsors::ref_id));
        match id {
            Some(id) if !out.iter().any(|o| o == id) => out.push(id.to_owned()),
            Some(_) => {}
            None => return Err(invitation_error("Each invitedUserSponsors item needs an id.")),
        }
    }
    Ok(out)
}

/// The sponsors a new guest gets: the ones named, each of which must exist, or else the inviter
/// ("If you send an invitation to a guest user, you'll automatically become the sponsor of that
/// guest user, unless you specify another user", entra/external-id/b2b-sponsors).
fn sponsors_for(dir: &Directory, c: &Caller, req: &InviteRequest) -> Result<Vec<String>, Response> {
    if req.sponsors.is_empty() {
        return Ok(vec![c.user.id.clone()]);
    }
    req.sponsors
        .iter()
        .map(|s| sponsors::object_id(dir, s).ok_or_else(|| not_found(s)))
        .collect()
}

/// The addresses in `ccRecipients`: one at most, and a valid one.
fn cc_recipients(info: &Value) -> Result<Vec<String>, Response> {
    let recipients = info
        .get("ccRecipients")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    if recipients.len() > 1 {
        return Err(invitation_error(
            "Currently only 1 additional recipient is supported in ccRecipients.",
        ));
    }
    let cc: Vec<String> = recipients
        .iter()
        .filter_map(|r| r.pointer("/emailAddress/address").and_then(Value::as_str))
        .map(str::to_owned)
        .collect();
    if cc.iter().any(|a| !address_ok(a)) {
        return Err(invitation_error("The ccRecipients address is an invalid value."));
    }
    Ok(cc)
}

/// Converts an internal user (or resets a guest's redemption): marks it PendingAcceptance and
/// returns its id. userType, id and UPN are unchanged (CONTRACT.md section 1.4).
fn convert_user(g: &mut Inner, c: &Caller, req: &InviteRequest, id: &str) -> Result<String, Response> {
    // A missing role is the invitation service's 401, not a 403 (CONTRACT.md section 9.5).
    if !c.has_role(if req.reset { RESET_ROLES } else { CONVERT_ROLES }) {
        return Err(errors::invite_unauthorized(&g.dir.tenant.id));
    }
    let Some(target) = g.dir.user(id).cloned() else {
        return Err(not_found(id));
    };
    // The invitation service reads through replication lag too (CONTRACT.md 9.8).
    let Some(target) = crate::replication::seen(g, &target) else {
        return Err(not_found(id));
    };
    // [inf] Only a Global Administrator may act on a user who holds admin roles, as for
    // other sensitive actions; undocumented for invitations, so the stricter choice.
    if !g.dir.effective_roles(&target).is_empty() && !c.has_role(&["Global Administrator"]) {
        return Err(errors::invite_unauthorized(&g.dir.tenant.id));
    }
    check_convertible(&g.dir, &target, req)?;
    crate::replication::updating(g, &target);
    let inviter = c.user.id.clone();
    if let Some(u) = g.dir.user_mut(id) {
        u.external_user_state = Some("PendingAcceptance".into());
        u.external_user_state_change_date_time = Some(rfc3339_now());
        // [inf] Microsoft documents `invitedUserSponsors` and the inviter-as-sponsor default for
        // inviting a guest, not for converting an internal user. The stricter reading: a
        // conversion ignores `invitedUserSponsors` and, like an invitation, makes the inviter the
        // sponsor of a user who has none; other sponsors go through `/sponsors/$ref`.
        if !req.reset && u.sim.sponsors.is_empty() && u.id != inviter {
            u.sim.sponsors.push(inviter);
        }
    }
    Ok(target.id)
}

/// The invitation service's refusals to convert `target` to the invited address.
fn check_convertible(dir: &Directory, target: &User, req: &InviteRequest) -> Result<(), Response> {
    // Sending more than {id} makes the service treat the request as a new invitation
    // (CONTRACT.md section 1.4, observed).
    if req.target_has_more {
        return Err(invitation_error(&format!(
            "The invited user already exists in the directory as objectID: {}. Please use the existing user or delete the user and reinvite.",
            target.id
        )));
    }
    if target.on_premises_user_principal_name.is_some() {
        return Err(invitation_error("User invitation failed. Invalid request input."));
    }
    // Undocumented; the admin center switches to "Resend or reset" here, so the simulator
    // refuses a second plain invitation (the stricter choice, CONTRACT.md section 1.7).
    if target.external_user_state.is_some() && !req.reset {
        return Err(invitation_error(
            "The user has already been invited. Use resetRedemption to invite again.",
        ));
    }
    let email = req.email.as_str();
    if dir.is_verified_domain(domain_of(email)) {
        return Err(invitation_error(
            "User's email address cannot be in a verified domain. Please change the user's email to enable conversion to a B2B user.",
        ));
    }
    conversion::check_address(dir, target, email, req.reset)?;
    if dir
        .users
        .iter()
        .any(|u| u.id != target.id && u.external_user_state.is_none() && uses_address(u, email))
    {
        return Err(invitation_error(
            "Non-external user already exists with the given mail address and can't be invited.",
        ));
    }
    if holders::proxy_conflict(dir, email, &target.id) {
        return Err(invitation_error(holders::PROXY_CONFLICT));
    }
    Ok(())
}

/// Invites a new guest: adds the user and returns its id.
fn add_guest(g: &mut Inner, c: &Caller, req: &InviteRequest) -> Result<String, Response> {
    if !c.has_role(INVITE_ROLES) {
        return Err(errors::invite_unauthorized(&g.dir.tenant.id));
    }
    // "If you're an admin, you can choose to invite the user as member" (Entra docs, "B2B
    // collaboration API and customization"). [inf] Which admin roles count is undocumented: the
    // simulator takes the two that may manage users, and refuses Guest Inviter (stricter).
    if req.user_type == "Member" && !c.has_role(MEMBER_ROLES) {
        return Err(errors::invite_unauthorized(&g.dir.tenant.id));
    }
    let email = req.email.as_str();
    if g.dir.is_verified_domain(domain_of(email)) || g.dir.users.iter().any(|u| uses_address(u, email)) {
        return Err(invitation_error(
            "Non-external user already exists with the given mail address and can't be invited.",
        ));
    }
    if holders::proxy_conflict(&g.dir, email, "") {
        return Err(invitation_error(holders::PROXY_CONFLICT));
    }
    let mut user = new_guest(g.dir.initial_domain(), req);
    user.sim.sponsors = sponsors_for(&g.dir, c, req)?;
    let id = user.id.clone();
    g.dir.users.push(user);
    crate::replication::created(g, &id);
    Ok(id)
}

/// The part after the last '@', or "" without one.
fn domain_of(email: &str) -> &str {
    email.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
}

/// A guest as the invitation service creates it: `local_domain#EXT#@` the initial domain.
fn new_guest(initial_domain: &str, req: &InviteRequest) -> User {
    let email = &req.email;
    let local = email.split('@').next().unwrap_or("guest");
    let upn = format!("{local}_{}#EXT#@{initial_domain}", domain_of(email));
    User {
        id: uuid::Uuid::new_v4().to_string(),
        display_name: req.display_name.as_deref().unwrap_or(local).to_owned(),
        given_name: None,
        surname: None,
        user_principal_name: upn.clone(),
        mail: Some(email.clone()),
        other_mails: vec![email.clone()],
        proxy_addresses: vec![format!("SMTP:{email}")],
        user_type: req.user_type.clone(),
        external_user_state: Some("PendingAcceptance".into()),
        external_user_state_change_date_time: Some(rfc3339_now()),
        creation_type: Some("Invitation".into()),
        identities: vec![crate::model::ObjectIdentity {
            sign_in_type: "userPrincipalName".into(),
            issuer: initial_domain.to_owned(),
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
    }
}

/// An invitation made for a user.
struct Invitation {
    id: String,
    redeem_url: String,
    user_id: String,
    upn: String,
}

/// Makes the invitation and its redeem URL, counts it, and puts its mail in the outbox when asked.
fn record_invitation(state: &SimState, g: &mut Inner, req: &InviteRequest, user_id: String) -> Invitation {
    let id = uuid::Uuid::new_v4().to_string();
    let redeem_target = format!(
        "https://invitations.microsoft.com/redeem/?tenant={}&user={id}&ticket={}&ver=2.0",
        g.dir.tenant.id,
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
    if req.send {
        g.outbox.push(OutboxMail {
            invitation_id: id.clone(),
            user_id: user_id.clone(),
            to: req.email.clone(),
            cc: req.cc.clone(),
            language: req.language.as_str().map(str::to_owned),
            message: req.custom_body.as_str().map(str::to_owned),
            redeem_url: redeem_url.clone(),
            sent_at: rfc3339_now(),
        });
    }
    Invitation {
        id,
        redeem_url,
        user_id,
        upn,
    }
}

/// The invitation entity Graph answers with.
fn invitation_body(state: &SimState, req: &InviteRequest, invitation: &Invitation) -> Value {
    let cc_echo = if req.cc.is_empty() {
        json!([{ "emailAddress": { "name": null, "address": null } }])
    } else {
        Value::Array(
            req.cc
                .iter()
                .map(|a| json!({ "emailAddress": { "name": null, "address": a } }))
                .collect(),
        )
    };
    json!({
        "@odata.context": context(state, "invitations/$entity", None),
        "id": invitation.id,
        "inviteRedeemUrl": invitation.redeem_url,
        "invitedUserDisplayName": req.display_name_sent,
        "invitedUserType": req.user_type,
        "invitedUserEmailAddress": req.email,
        "sendInvitationMessage": req.send,
        "resetRedemption": req.reset,
        "inviteRedirectUrl": req.redirect,
        "status": "PendingAcceptance",
        "invitedUserMessageInfo": {
            "messageLanguage": req.language,
            "customizedMessageBody": req.custom_body,
            "ccRecipients": cc_echo,
        },
        "invitedUser": { "id": invitation.user_id, "userPrincipalName": invitation.upn },
    })
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
