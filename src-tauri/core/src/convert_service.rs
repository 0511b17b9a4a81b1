//! Conversion against Graph: the batched pre-flight (one `$batch`), then the conversion itself
//! with `POST /invitations` and exactly `invitedUser: {id}` (CONTRACT.md section 1.4). A POST whose
//! outcome is unknown is settled by re-reading the user, never by sending it again.

use reqwest::Method;
use serde::Serialize;
use serde_json::{json, Value};
use ts_rs::TS;

use crate::auth::Capabilities;
use crate::convert::{self, Check, Target};
use crate::error::{AppError, ErrorCode};
use crate::graph::{quote, BatchItem, GraphClient, Idempotence};
use crate::users::encode;

pub const TARGET_SELECT: &str = "id,displayName,userPrincipalName,mail,otherMails,proxyAddresses,userType,\
externalUserState,externalUserStateChangeDateTime,onPremisesUserPrincipalName,onPremisesSyncEnabled,accountEnabled";

/// Everything the pre-flight needs, read in one `$batch`.
#[derive(Debug, Clone)]
pub struct Context {
    pub target: Target,
    pub verified_domains: Vec<String>,
    pub others_using: Vec<String>,
    pub capabilities: Capabilities,
}

/// The pre-flight as the UI and `b2b check` show it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Preflight {
    pub target: Target,
    pub address: String,
    pub checks: Vec<Check>,
    pub can_convert: bool,
    /// `mail` probably belongs to an Exchange mailbox and cannot be changed through Graph.
    pub mailbox: bool,
    /// UPNs of other users who hold the address.
    pub others_using: Vec<String>,
}

fn failed(what: &str, status: u16, body: &Value) -> AppError {
    let code = body["error"]["code"].as_str().unwrap_or("unknown");
    if status == 404 {
        return AppError::new(ErrorCode::UserNotFound, format!("{what}: {code}"));
    }
    AppError::new(ErrorCode::GraphError, format!("{what}: {status} {code}"))
}

fn get(id: &str, url: String) -> BatchItem {
    BatchItem {
        id: id.into(),
        method: "GET".into(),
        url,
        headers: None,
        body: None,
    }
}

/// The `$batch` reads every pre-flight needs, single or bulk.
pub fn user_read(id: &str, user: &str) -> BatchItem {
    get(id, format!("/users/{}?$select={TARGET_SELECT}", encode(user)))
}

/// Other users whose UPN, mail, proxyAddresses or otherMails hold the address.
pub fn holders_read(id: &str, address: &str) -> BatchItem {
    let a = address.trim();
    let filter = format!(
        "userPrincipalName eq {q} or mail eq {q} or proxyAddresses/any(p:p eq {s}) or otherMails/any(m:m eq {q})",
        q = quote(a),
        s = quote(&format!("SMTP:{a}")),
    );
    get(
        id,
        format!(
            "/users?$filter={}&$select=id,userPrincipalName&$top=10",
            encode(&filter)
        ),
    )
}

pub fn org_read(id: &str) -> BatchItem {
    get(id, "/organization?$select=id,verifiedDomains".into())
}

pub fn roles_read(id: &str) -> BatchItem {
    get(id, "/me/memberOf".into())
}

pub fn verified_domains(org: &Value) -> Vec<String> {
    org["value"][0]["verifiedDomains"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["name"].as_str().map(str::to_owned))
        .collect()
}

pub fn role_names(member_of: &Value) -> Vec<String> {
    member_of["value"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|o| o["@odata.type"] == "#microsoft.graph.directoryRole")
        .filter_map(|o| o["displayName"].as_str().map(str::to_owned))
        .collect()
}

/// The UPNs of the holders other than the user.
pub fn others_holding(holders: &Value, user_id: &str) -> Vec<String> {
    holders["value"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|u| u["id"].as_str() != Some(user_id))
        .filter_map(|u| u["userPrincipalName"].as_str().map(str::to_owned))
        .collect()
}

/// Reads the user, the tenant's verified domains, the users already holding the address, and the
/// admin's roles, in one round trip. `scopes` are the token's.
pub async fn load_context(
    g: &GraphClient,
    user: &str,
    address: &str,
    scopes: Vec<String>,
) -> Result<Context, AppError> {
    let items = vec![
        user_read("user", user),
        org_read("org"),
        holders_read("holders", address),
        roles_read("roles"),
    ];
    let answers = g.batch(&items).await?;
    let get = |id: &str| answers.iter().find(|a| a.id == id);
    let user_a = get("user").ok_or_else(|| AppError::new(ErrorCode::GraphError, "no answer for the user"))?;
    if user_a.status != 200 {
        return Err(failed(&format!("user {user}"), user_a.status, &user_a.body));
    }
    let target: Target = serde_json::from_value(user_a.body.clone())
        .map_err(|e| AppError::new(ErrorCode::GraphError, format!("user {user}: {e}")))?;
    let org = get("org")
        .filter(|a| a.status == 200)
        .ok_or_else(|| AppError::new(ErrorCode::GraphError, "the organization could not be read"))?;
    let holders = get("holders").filter(|a| a.status == 200).ok_or_else(|| {
        AppError::new(
            ErrorCode::GraphError,
            "the users holding the address could not be read",
        )
    })?;
    let roles = get("roles")
        .filter(|a| a.status == 200)
        .map(|a| role_names(&a.body))
        .unwrap_or_default();
    Ok(Context {
        verified_domains: verified_domains(&org.body),
        others_using: others_holding(&holders.body, &target.id),
        target,
        capabilities: Capabilities::from(roles, scopes),
    })
}

/// The pre-flight of a conversion, as the UI and `b2b check` show it.
pub fn preflight(ctx: &Context, address: &str) -> Preflight {
    let checks = convert::preflight(
        &ctx.target,
        address,
        &ctx.verified_domains,
        &ctx.others_using,
        &ctx.capabilities,
    );
    preflight_of(ctx, address, checks)
}

fn preflight_of(ctx: &Context, address: &str, checks: Vec<Check>) -> Preflight {
    Preflight {
        target: ctx.target.clone(),
        address: address.trim().to_owned(),
        can_convert: convert::can_convert(&checks),
        checks,
        mailbox: convert::mailbox_likely(&ctx.target, &ctx.verified_domains),
        others_using: ctx.others_using.clone(),
    }
}

/// The checks before a resend or a reset of redemption (`can_convert` then means "can resend").
pub fn resend_preflight(ctx: &Context, address: &str) -> Preflight {
    let checks = convert::resend_checks(
        &ctx.target,
        address,
        &ctx.verified_domains,
        &ctx.others_using,
        &ctx.capabilities,
    );
    preflight_of(ctx, address, checks)
}

/// Which checks: before a conversion or before a resend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum CheckKind {
    Convert,
    Resend,
}

/// Where a new address goes before a resend: `mail`, or `otherMails` (the only choice when a
/// mailbox owns `mail`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum AddressSlot {
    Mail,
    OtherMails,
}

/// What the admin chose in the convert panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertOptions {
    pub send_mail: bool,
    pub message: Option<String>,
    pub language: Option<String>,
    pub cc: Option<String>,
    pub redirect_url: String,
    pub set_guest: bool,
}

impl ConvertOptions {
    /// Sends the invitation mail, to My Apps in the user's new home tenant.
    pub fn new(tenant_id: &str) -> Self {
        ConvertOptions {
            send_mail: true,
            message: None,
            language: None,
            cc: None,
            redirect_url: format!("https://myapps.microsoft.com/?tenantId={tenant_id}"),
            set_guest: false,
        }
    }
}

/// The convert or resend panel's choices, as the UI sends them.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct ConvertRequest {
    pub send_mail: bool,
    pub message: Option<String>,
    pub language: Option<String>,
    pub cc: Option<String>,
    /// Empty or absent: My Apps in this tenant.
    pub redirect_url: Option<String>,
    pub set_guest: bool,
}

impl ConvertRequest {
    /// Checks and trims the choices; blank texts count as absent.
    pub fn into_options(self, tenant_id: &str) -> Result<ConvertOptions, AppError> {
        let some = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let mut o = ConvertOptions::new(tenant_id);
        o.send_mail = self.send_mail;
        o.message = some(self.message);
        o.language = some(self.language);
        o.cc = some(self.cc);
        o.set_guest = self.set_guest;
        if let Some(cc) = &o.cc {
            if !convert::address_is_valid(cc) {
                return Err(AppError::new(ErrorCode::InvalidCcAddress, format!("cc {cc}")));
            }
        }
        if let Some(url) = some(self.redirect_url) {
            if !redirect_url_ok(&url) {
                return Err(AppError::new(ErrorCode::InvalidRedirectUrl, url));
            }
            o.redirect_url = url;
        }
        Ok(o)
    }
}

/// Where a user may land after redeeming: https, or http://localhost for testing
/// (CONTRACT.md section 1.1 asks for an absolute URL; http elsewhere is refused as unsafe).
pub fn redirect_url_ok(url: &str) -> bool {
    let rest = if let Some(r) = url.strip_prefix("https://") {
        r
    } else if let Some(r) = url.strip_prefix("http://localhost") {
        return r.is_empty() || r.starts_with([':', '/', '?']);
    } else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    !host.is_empty() && !host.contains(char::is_whitespace) && !url.contains(char::is_whitespace)
}

/// The `POST /invitations` body: the shape of the Entra docs' conversion request, with
/// `invitedUser` holding nothing but the id.
pub fn invitation_body(user_id: &str, address: &str, o: &ConvertOptions, reset: bool) -> Value {
    let mut info = json!({});
    if let Some(l) = &o.language {
        info["messageLanguage"] = json!(l);
    }
    if let Some(m) = &o.message {
        info["customizedMessageBody"] = json!(m);
    }
    if let Some(cc) = &o.cc {
        info["ccRecipients"] = json!([{ "emailAddress": { "name": null, "address": cc } }]);
    }
    let mut body = json!({
        "invitedUserEmailAddress": address,
        "sendInvitationMessage": o.send_mail,
        "inviteRedirectUrl": o.redirect_url,
        "invitedUser": { "id": user_id },
    });
    if info.as_object().is_some_and(|m| !m.is_empty()) {
        body["invitedUserMessageInfo"] = info;
    }
    if reset {
        body["resetRedemption"] = json!(true);
    }
    body
}

/// The outcome the UI and `b2b convert` report.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ConvertResult {
    pub user_id: String,
    pub invitation_id: Option<String>,
    pub redeem_url: Option<String>,
    pub status: String,
    /// True when the answer was lost and the state was confirmed by reading the user again.
    pub confirmed_by_reread: bool,
    pub mail_set: bool,
    /// The address was added to otherMails before a resend.
    pub other_mails_set: bool,
    pub user_type_set_to_guest: bool,
    /// Graph's request-id of the invitation, for support.
    pub request_id: Option<String>,
}

struct Invited {
    invitation_id: Option<String>,
    redeem_url: Option<String>,
    status: String,
    confirmed_by_reread: bool,
}

/// `POST /invitations`, never sent twice: a lost answer is settled by reading the user's state.
/// `before` is externalUserStateChangeDateTime before the request; a resend is confirmed only
/// when it moved.
async fn invite(g: &GraphClient, id: &str, body: &Value, before: Option<&str>) -> Result<Invited, AppError> {
    match g
        .send(
            Method::POST,
            "/invitations",
            Some(body),
            false,
            Idempotence::Unsafe,
        )
        .await
    {
        Ok(v) => Ok(Invited {
            invitation_id: v["id"].as_str().map(str::to_owned),
            redeem_url: v["inviteRedeemUrl"].as_str().map(str::to_owned),
            status: v["status"].as_str().unwrap_or("PendingAcceptance").to_owned(),
            confirmed_by_reread: false,
        }),
        Err(e) if e.code == ErrorCode::OutcomeUnknown => {
            let now = g
                .get(&format!(
                    "/users/{id}?$select=id,externalUserState,externalUserStateChangeDateTime"
                ))
                .await?;
            let changed = now["externalUserStateChangeDateTime"].as_str();
            match now["externalUserState"].as_str() {
                Some(state) if before.is_none() || changed != before => Ok(Invited {
                    invitation_id: None,
                    redeem_url: None,
                    status: state.to_owned(),
                    confirmed_by_reread: true,
                }),
                _ => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

/// Converts after a passing pre-flight: sets `mail` first when the address is on neither `mail`
/// nor `otherMails` (Microsoft requires it there), invites, then optionally sets userType Guest.
pub async fn convert(
    g: &GraphClient,
    pre: &Preflight,
    o: &ConvertOptions,
) -> Result<ConvertResult, AppError> {
    if !pre.can_convert {
        return Err(AppError::new(
            ErrorCode::ConversionBlocked,
            "the pre-flight found a blocker",
        ));
    }
    let id = &pre.target.id;
    let mut mail_set = false;
    if !convert::on_object(&pre.target, &pre.address) {
        g.send(
            Method::PATCH,
            &format!("/users/{id}"),
            Some(&json!({ "mail": pre.address })),
            false,
            Idempotence::Safe,
        )
        .await?;
        mail_set = true;
    }
    let body = invitation_body(id, &pre.address, o, false);
    let done = invite(g, id, &body, None).await?;
    let request_id = g.last_request_id();
    if o.set_guest {
        g.send(
            Method::PATCH,
            &format!("/users/{id}"),
            Some(&json!({ "userType": "Guest" })),
            false,
            Idempotence::Safe,
        )
        .await?;
    }
    Ok(ConvertResult {
        user_id: id.clone(),
        invitation_id: done.invitation_id,
        redeem_url: done.redeem_url,
        status: done.status,
        confirmed_by_reread: done.confirmed_by_reread,
        mail_set,
        other_mails_set: false,
        user_type_set_to_guest: o.set_guest,
        request_id,
    })
}

/// Resends the invitation with `resetRedemption: true` (CONTRACT.md section 1.5), after adding a
/// new address to `slot` when it is not on the user yet. The user keeps id, UPN, groups and apps.
pub async fn resend(
    g: &GraphClient,
    pre: &Preflight,
    o: &ConvertOptions,
    slot: AddressSlot,
) -> Result<ConvertResult, AppError> {
    if !pre.can_convert {
        return Err(AppError::new(
            ErrorCode::ConversionBlocked,
            "the checks before a resend found a blocker",
        ));
    }
    let t = &pre.target;
    let id = &t.id;
    let (mut mail_set, mut other_mails_set) = (false, false);
    if !convert::on_object(t, &pre.address) {
        let patch = if slot == AddressSlot::Mail && !pre.mailbox {
            mail_set = true;
            json!({ "mail": pre.address })
        } else {
            other_mails_set = true;
            let mut all = t.other_mails.clone();
            all.push(pre.address.clone());
            json!({ "otherMails": all })
        };
        g.send(
            Method::PATCH,
            &format!("/users/{id}"),
            Some(&patch),
            false,
            Idempotence::Safe,
        )
        .await?;
    }
    let body = invitation_body(id, &pre.address, o, true);
    let before = t.external_user_state_change_date_time.as_deref().unwrap_or("");
    let done = invite(g, id, &body, Some(before)).await?;
    Ok(ConvertResult {
        user_id: id.clone(),
        invitation_id: done.invitation_id,
        redeem_url: done.redeem_url,
        status: done.status,
        confirmed_by_reread: done.confirmed_by_reread,
        mail_set,
        other_mails_set,
        user_type_set_to_guest: false,
        request_id: g.last_request_id(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The body has the keys of the Entra docs' conversion request and nothing else
    /// (shared/graph-contract/examples/invitation-post_convert-internal-user_request_entra-docs.json).
    #[test]
    fn invitation_body_matches_the_documented_shape() {
        let mut o = ConvertOptions::new("t1");
        o.language = Some("fr-FR".into());
        o.message = Some("Bienvenue".into());
        o.cc = Some("boss@northwind.example".into());
        let b = invitation_body("u1", "a@northwind.example", &o, false);
        let keys: Vec<&str> = b
            .as_object()
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let mut keys = keys;
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "inviteRedirectUrl",
                "invitedUser",
                "invitedUserEmailAddress",
                "invitedUserMessageInfo",
                "sendInvitationMessage"
            ]
        );
        assert_eq!(
            b["invitedUser"],
            json!({ "id": "u1" }),
            "exactly the id: more makes Graph treat it as a new invite"
        );
        assert_eq!(
            b["invitedUserMessageInfo"]["ccRecipients"][0]["emailAddress"]["address"],
            "boss@northwind.example"
        );
        assert_eq!(
            b["inviteRedirectUrl"],
            "https://myapps.microsoft.com/?tenantId=t1"
        );
        let reset = invitation_body("u1", "a@northwind.example", &ConvertOptions::new("t1"), true);
        assert_eq!(reset["resetRedemption"], true);
        assert!(reset.get("invitedUserMessageInfo").is_none());
    }

    #[test]
    fn redirect_urls() {
        assert!(redirect_url_ok("https://myapps.microsoft.com/?tenantId=t"));
        assert!(redirect_url_ok("http://localhost:8080/x"));
        assert!(redirect_url_ok("http://localhost"));
        assert!(!redirect_url_ok("http://localhost.evil.example"));
        assert!(!redirect_url_ok("http://example.com"));
        assert!(!redirect_url_ok("https://"));
        assert!(!redirect_url_ok("https:// spaced.example"));
        assert!(!redirect_url_ok("javascript:alert(1)"));
    }
}
