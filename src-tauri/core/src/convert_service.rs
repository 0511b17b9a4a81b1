//! Conversion against Graph: the batched pre-flight (one `$batch`), then the conversion itself
//! with `POST /invitations` and exactly `invitedUser: {id}` (CONTRACT.md section 1.4). A POST whose
//! outcome is unknown is settled by re-reading the user, never by sending it again.

use std::time::Duration;

use crate::codes::FollowUpWarning;
use reqwest::Method;
use serde::Serialize;
use serde_json::{json, Value};
use ts_rs::TS;

use crate::auth::accounts::{self, RolesRead};
use crate::auth::Capabilities;
use crate::convert::{self, Check, Holders, Target};
use crate::error::{AppError, ErrorCode};
use crate::graph::{quote, BatchAnswer, BatchItem, GraphClient, Idempotence};
use crate::sponsors::{self, Sponsor};
use crate::users::encode;

pub const TARGET_SELECT: &str = "id,displayName,userPrincipalName,mail,otherMails,proxyAddresses,userType,\
externalUserState,externalUserStateChangeDateTime,onPremisesUserPrincipalName,onPremisesSyncEnabled,accountEnabled,\
provisionedPlans,assignedPlans";

/// Everything the pre-flight needs, read in one `$batch`.
#[derive(Debug, Clone)]
pub struct Context {
    pub target: Target,
    pub verified_domains: Vec<String>,
    pub holders: Holders,
    pub capabilities: Capabilities,
    /// The user's sponsors before the conversion; `None` when Graph would not say.
    pub sponsors: Option<Vec<Sponsor>>,
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
    /// Exchange lists a mailbox for the user, so `mail` cannot change through Graph; `None` when
    /// Graph did not say.
    pub mailbox: Option<bool>,
    /// Other users (by UPN), groups and contacts (by name and address) that hold the address.
    pub others_using: Vec<String>,
    /// False when groups or contacts could not be checked.
    pub holders_complete: bool,
    /// The user's sponsors; absent when Graph would not say (unknown, not none).
    #[ts(optional = nullable)]
    pub sponsors: Option<Vec<Sponsor>>,
}

fn failed(what: &str, status: u16, body: &Value) -> AppError {
    let code = body["error"]["code"].as_str().unwrap_or("unknown");
    if status == 404 {
        return AppError::new(ErrorCode::UserNotFound, format!("{what}: {code}"));
    }
    AppError::new(ErrorCode::GraphError, format!("{what}: {status} {code}"))
}

/// The `$batch` reads every pre-flight needs, single or bulk.
pub fn user_read(id: &str, user: &str) -> BatchItem {
    BatchItem::get(id, format!("/users/{}?$select={TARGET_SELECT}", encode(user)))
}

/// The `$filter` for an address in `proxyAddresses`: `SMTP:` marks the primary address and
/// `smtp:` the others (CONTRACT.md 9.9), so both are asked for.
fn proxy_filter(a: &str) -> String {
    format!(
        "proxyAddresses/any(p:p eq {}) or proxyAddresses/any(p:p eq {})",
        quote(&format!("SMTP:{a}")),
        quote(&format!("smtp:{a}"))
    )
}

/// Other users whose UPN, mail, proxyAddresses or otherMails hold the address.
pub fn holders_read(id: &str, address: &str) -> BatchItem {
    let a = address.trim();
    let q = quote(a);
    let filter = format!(
        "userPrincipalName eq {q} or mail eq {q} or {} or otherMails/any(m:m eq {q})",
        proxy_filter(a)
    );
    BatchItem::get(
        id,
        format!(
            "/users?$filter={}&$select=id,userPrincipalName&$top=10",
            encode(&filter)
        ),
    )
}

/// Groups or contacts (`collection`: `groups` or `contacts`) holding the address: Microsoft
/// refuses an invitation when any directory object does (CONTRACT.md 9.9).
pub fn object_holders_read(id: &str, collection: &str, address: &str) -> BatchItem {
    let a = address.trim();
    let filter = format!("mail eq {} or {}", quote(a), proxy_filter(a));
    BatchItem::get(
        id,
        format!(
            "/{collection}?$filter={}&$select=id,displayName,mail&$top=10",
            encode(&filter)
        ),
    )
}

/// Whether the token may list `collection` at all (one item, its id).
pub fn probe_read(id: &str, collection: &str) -> BatchItem {
    BatchItem::get(id, format!("/{collection}?$top=1&$select=id"))
}

/// The user's sponsors, to know after a conversion which one Microsoft added.
pub fn sponsors_read(id: &str, user: &str) -> BatchItem {
    BatchItem::get(id, sponsors::list_path(user))
}

/// The sponsors from a `sponsors_read` answer; `None` when Graph would not say.
pub fn sponsors_from(a: &BatchAnswer) -> Option<Vec<Sponsor>> {
    (a.status == 200).then(|| {
        a.body["value"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Sponsor::from_graph)
            .collect()
    })
}

pub fn org_read(id: &str) -> BatchItem {
    BatchItem::get(id, "/organization?$select=id,verifiedDomains".into())
}

/// The first page of the admin's memberships; later pages are followed outside the `$batch`.
pub fn roles_read(id: &str) -> BatchItem {
    BatchItem::get(id, accounts::ROLES_PATH.into())
}

/// The admin's roles from the `roles_read` answer, following every page. Limited information or
/// a refusal makes them unknown, never "none" (CONTRACT.md 9.2).
pub async fn roles_from(g: &GraphClient, answer: Option<&BatchAnswer>) -> Result<RolesRead, AppError> {
    let Some(a) = answer.filter(|a| a.status == 200) else {
        return Ok(RolesRead::Unknown);
    };
    let mut items: Vec<Value> = a.body["value"].as_array().cloned().unwrap_or_default();
    if let Some(next) = a.body["@odata.nextLink"].as_str() {
        match g.get_all(next, false).await {
            Ok(more) => items.extend(more),
            Err(e) if e.code == ErrorCode::PermissionDenied => return Ok(RolesRead::Unknown),
            Err(e) => return Err(e),
        }
    }
    Ok(RolesRead::from_items(&items))
}

pub fn verified_domains(org: &Value) -> Vec<String> {
    org["value"][0]["verifiedDomains"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["name"].as_str().map(str::to_owned))
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

/// Groups or contacts holding the address, as "name <mail>".
pub fn objects_holding(answer: &Value) -> Vec<String> {
    answer["value"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| {
            let name = o["displayName"].as_str().unwrap_or("");
            match o["mail"].as_str() {
                Some(m) if !name.is_empty() => format!("{name} <{m}>"),
                Some(m) => m.to_owned(),
                None => name.to_owned(),
            }
        })
        .collect()
}

/// Every holder of the address from the `$batch` answers. Users must be readable; groups and
/// contacts need permissions the app does not ask for, so a refusal there leaves the list
/// incomplete (a warning), not failed.
pub fn holders_of(
    users: Option<&BatchAnswer>,
    groups: Option<&BatchAnswer>,
    contacts: Option<&BatchAnswer>,
    user_id: &str,
) -> Result<Holders, AppError> {
    let users = users.filter(|a| a.status == 200).ok_or_else(|| {
        AppError::new(
            ErrorCode::GraphError,
            "the users holding the address could not be read",
        )
    })?;
    let mut h = Holders {
        names: others_holding(&users.body, user_id),
        complete: true,
    };
    for other in [groups, contacts] {
        match other {
            Some(a) if a.status == 200 => h.names.extend(objects_holding(&a.body)),
            // No permission to read them (or a passing failure): not checked, said as a warning.
            None => h.complete = false,
            Some(a) if a.status == 403 || a.status >= 500 || a.status == 429 => h.complete = false,
            // Any other refusal is a query Graph does not take: a bug to see, not to hide.
            Some(a) => return Err(failed("who holds the address", a.status, &a.body)),
        }
    }
    Ok(h)
}

/// Reads the user, the tenant's verified domains, the users, groups and contacts already holding
/// the address, and the admin's roles, in one round trip (plus any further pages of roles).
/// `scopes` are the token response's; `None` when unknown.
pub async fn load_context(
    g: &GraphClient,
    user: &str,
    address: &str,
    scopes: Option<Vec<String>>,
) -> Result<Context, AppError> {
    let items = vec![
        user_read("user", user),
        org_read("org"),
        holders_read("holders", address),
        object_holders_read("groups", "groups", address),
        object_holders_read("contacts", "contacts", address),
        roles_read("roles"),
        sponsors_read("sponsors", user),
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
    let holders = holders_of(get("holders"), get("groups"), get("contacts"), &target.id)?;
    let roles = roles_from(g, get("roles")).await?;
    let sponsors = get("sponsors").and_then(sponsors_from);
    Ok(Context {
        sponsors,
        verified_domains: verified_domains(&org.body),
        holders,
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
        &ctx.holders,
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
        mailbox: convert::mailbox(&ctx.target),
        others_using: ctx.holders.names.clone(),
        holders_complete: ctx.holders.complete,
        sponsors: ctx.sponsors.clone(),
    }
}

/// The checks before a resend or a reset of redemption (`can_convert` then means "can resend").
pub fn resend_preflight(ctx: &Context, address: &str) -> Preflight {
    let checks = convert::resend_checks(
        &ctx.target,
        address,
        &ctx.verified_domains,
        &ctx.holders,
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
    /// Sponsors to name (UPNs or object ids, five at most); empty: Microsoft's default.
    pub sponsors: Vec<String>,
    /// The signed-in admin's object id, whom Microsoft makes a sponsor (CONTRACT.md 7); `None`
    /// when unknown (a token handed in whose /me could not be read).
    pub inviter: Option<String>,
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
            sponsors: Vec::new(),
            inviter: None,
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
    /// Sponsors (UPNs or object ids), at most five; empty: Microsoft makes the inviter sponsor.
    pub sponsors: Vec<String>,
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
        o.sponsors = sponsors::normalize(&self.sponsors);
        sponsors::check_entries(&o.sponsors)?;
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
    /// The sponsors named and now on the user.
    pub sponsors_set: Vec<Sponsor>,
    /// Steps after the invitation that did not work, as codes (`user_type_not_set`). The
    /// conversion itself happened: these never turn it into a failure.
    pub warnings: Vec<FollowUpWarning>,
}

/// A conversion or resend that did not happen, with what was changed before it failed (the
/// `mail` or `otherMails` update), so that History tells the whole story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failed {
    pub error: AppError,
    pub mail_set: bool,
    pub other_mails_set: bool,
}

impl From<AppError> for Failed {
    fn from(error: AppError) -> Self {
        Failed {
            error,
            mail_set: false,
            other_mails_set: false,
        }
    }
}

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl From<Failed> for AppError {
    fn from(f: Failed) -> Self {
        f.error
    }
}

/// After a change to the user, the invitation service may still see the user as it was
/// (replication lag, CONTRACT.md 9.8): its refusal sent nothing, so it is tried again after these
/// pauses. Graph's code for such a refusal is a plain `BadRequest`, so every 400 is retried, and
/// only right after our own change.
pub const AFTER_CHANGE_RETRIES: &[Duration] = &[
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(4),
    Duration::from_secs(8),
];

struct Invited {
    invitation_id: Option<String>,
    redeem_url: Option<String>,
    status: String,
    confirmed_by_reread: bool,
}

/// `POST /invitations`, never sent twice: a lost answer is settled by reading the user's state.
/// `before` is externalUserStateChangeDateTime before the request; a resend is confirmed only
/// when it moved.
async fn invite(
    g: &GraphClient,
    id: &str,
    body: &Value,
    before: Option<&str>,
    after_change: bool,
) -> Result<Invited, AppError> {
    let pauses: &[Duration] = if after_change { AFTER_CHANGE_RETRIES } else { &[] };
    let mut tries = pauses.iter();
    loop {
        match invite_once(g, id, body, before).await {
            Err(e) if e.http_status == Some(400) => match tries.next() {
                Some(pause) => {
                    tracing::info!(
                        "invitation refused right after a change to the user; trying again in {pause:?}"
                    );
                    tokio::time::sleep(*pause).await;
                }
                None => return Err(e),
            },
            other => return other,
        }
    }
}

async fn invite_once(
    g: &GraphClient,
    id: &str,
    body: &Value,
    before: Option<&str>,
) -> Result<Invited, AppError> {
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
        // Unknown stays unknown: a failed re-read does not turn it into a failure.
        Err(e) if e.code == ErrorCode::OutcomeUnknown => match settle(g, id, before).await {
            Ok(Some(state)) => Ok(Invited {
                invitation_id: None,
                redeem_url: None,
                status: state,
                confirmed_by_reread: true,
            }),
            Ok(None) => Err(e),
            Err(read) => Err(AppError::new(
                ErrorCode::OutcomeUnknown,
                format!("{}; reading the user failed too: {}", e.message, read.message),
            )),
        },
        Err(e) => Err(e),
    }
}

/// Pauses between reads of a user whose invitation's answer was lost: a read right after a write
/// can be stale for seconds (CONTRACT.md 9.8), so one read that shows no change is not trusted.
pub const SETTLE_PAUSES: &[Duration] = &[
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(4),
];

/// Reads the user until its invitation state shows a change (for a resend: a new
/// `externalUserStateChangeDateTime` than `before`) or the pauses run out. `None`: no change seen.
/// Reads only: the POST itself is never repeated here.
pub async fn settle(g: &GraphClient, id: &str, before: Option<&str>) -> Result<Option<String>, AppError> {
    let mut pauses = SETTLE_PAUSES.iter();
    loop {
        let now = g
            .get(&format!(
                "/users/{id}?$select=id,externalUserState,externalUserStateChangeDateTime"
            ))
            .await?;
        let changed = now["externalUserStateChangeDateTime"].as_str();
        if let Some(state) = now["externalUserState"].as_str() {
            if before.is_none() || changed != before {
                return Ok(Some(state.to_owned()));
            }
        }
        match pauses.next() {
            Some(p) => tokio::time::sleep(*p).await,
            None => return Ok(None),
        }
    }
}

/// PATCHes the user; `Failed` keeps what was already changed.
async fn patch_user(g: &GraphClient, id: &str, patch: &Value) -> Result<(), AppError> {
    g.send(
        Method::PATCH,
        &format!("/users/{id}"),
        Some(patch),
        false,
        Idempotence::Safe,
    )
    .await
    .map(|_| ())
}

/// Converts after a passing pre-flight: sets `mail` to the address first when it is not already
/// (Microsoft requires it, CONTRACT.md 9.3), invites, then optionally sets userType Guest. Once
/// Microsoft answered 201 the conversion is done: a later step that fails is a warning.
pub async fn convert(g: &GraphClient, pre: &Preflight, o: &ConvertOptions) -> Result<ConvertResult, Failed> {
    if !pre.can_convert {
        return Err(AppError::new(ErrorCode::ConversionBlocked, "the pre-flight found a blocker").into());
    }
    let id = &pre.target.id;
    // An unknown sponsor stops the conversion before anything is changed.
    let named = sponsors::resolve(g, &o.sponsors).await?;
    let mut mail_set = false;
    if !convert::mail_is(&pre.target, &pre.address) {
        patch_user(g, id, &json!({ "mail": pre.address })).await?;
        mail_set = true;
    }
    let body = invitation_body(id, &pre.address, o, false);
    let done = invite(g, id, &body, None, mail_set)
        .await
        .map_err(|error| Failed {
            error,
            mail_set,
            other_mails_set: false,
        })?;
    let request_id = g.last_request_id();
    let applied =
        sponsors::apply_after_conversion(g, id, pre.sponsors.as_deref(), &named, o.inviter.as_deref()).await;
    let mut warnings = applied.warnings;
    let mut user_type_set_to_guest = false;
    if o.set_guest {
        match patch_user(g, id, &json!({ "userType": "Guest" })).await {
            Ok(()) => user_type_set_to_guest = true,
            Err(e) => {
                tracing::warn!("converted {id}, but userType was not set: {:?}", e.code);
                warnings.push(FollowUpWarning::UserTypeNotSet);
            }
        }
    }
    Ok(ConvertResult {
        user_id: id.clone(),
        invitation_id: done.invitation_id,
        redeem_url: done.redeem_url,
        status: done.status,
        confirmed_by_reread: done.confirmed_by_reread,
        mail_set,
        other_mails_set: false,
        user_type_set_to_guest,
        request_id,
        sponsors_set: applied.added,
        warnings,
    })
}

/// Resends the invitation with `resetRedemption: true` (CONTRACT.md section 1.5), after adding a
/// new address to `slot` when it is not on the user yet (`otherMails` when Exchange lists a
/// mailbox). The user keeps id, UPN, groups and apps.
pub async fn resend(
    g: &GraphClient,
    pre: &Preflight,
    o: &ConvertOptions,
    slot: AddressSlot,
) -> Result<ConvertResult, Failed> {
    if !pre.can_convert {
        return Err(AppError::new(
            ErrorCode::ConversionBlocked,
            "the checks before a resend found a blocker",
        )
        .into());
    }
    let t = &pre.target;
    let id = &t.id;
    let (mut mail_set, mut other_mails_set) = (false, false);
    if !convert::on_object(t, &pre.address) {
        let patch = if slot == AddressSlot::Mail && pre.mailbox != Some(true) {
            json!({ "mail": pre.address })
        } else {
            let mut all = t.other_mails.clone();
            all.push(pre.address.clone());
            json!({ "otherMails": all })
        };
        patch_user(g, id, &patch).await?;
        if patch.get("mail").is_some() {
            mail_set = true;
        } else {
            other_mails_set = true;
        }
    }
    let body = invitation_body(id, &pre.address, o, true);
    let before = t.external_user_state_change_date_time.as_deref().unwrap_or("");
    let done = invite(g, id, &body, Some(before), mail_set || other_mails_set)
        .await
        .map_err(|error| Failed {
            error,
            mail_set,
            other_mails_set,
        })?;
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
        sponsors_set: Vec::new(),
        warnings: Vec::new(),
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
