//! Inviting a new external user: the "already in the directory?" check Microsoft documents
//! (Entra docs "B2B collaboration API and customization": the verified-domain check, then users by
//! UPN, mail, proxyAddresses, otherMails and sign-in name), the pre-flight, and `POST /invitations`
//! without `invitedUser` (CONTRACT.md sections 1.1–1.3, 5, 9.9).

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use ts_rs::TS;

use crate::auth::Capabilities;
use crate::codes::CheckCode;
use crate::convert::{self, Check, Severity};
use crate::convert_service::{self as svc, ConvertOptions, ConvertRequest};
use crate::error::{AppError, ErrorCode};
use crate::graph::{quote, BatchAnswer, BatchItem, GraphClient, Idempotence};
use crate::users::encode;

/// What the check reads of a user that already holds the address.
const EXISTING_SELECT: &str = "id,displayName,userPrincipalName,mail,userType,externalUserState,creationType";

/// Roles Microsoft lists for inviting guests when members may not (CONTRACT.md 1.3). Members
/// may invite too unless an admin restricted it, so a role not listed is unknown, not no.
const INVITE_ROLES: &[&str] = &[
    "Global Administrator",
    "User Administrator",
    "Guest Inviter",
    "Directory Writers",
];
/// "If you're an admin, you can choose to invite the user as member" (Entra docs, "B2B
/// collaboration API and customization"); the invitation resource says "company administrator".
/// Which admin roles count is not documented: these two are certain, any other is unconfirmed.
const MEMBER_ROLES: &[&str] = &["Global Administrator", "User Administrator"];

/// What kind of directory object holds the address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum ExistingKind {
    User,
    Group,
    Contact,
}

/// A directory object that already holds the invited address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ExistingObject {
    pub kind: ExistingKind,
    pub id: String,
    pub display_name: Option<String>,
    pub user_principal_name: Option<String>,
    pub mail: Option<String>,
    pub user_type: Option<String>,
    pub external_user_state: Option<String>,
}

/// The "already in the directory?" answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Existing {
    pub objects: Vec<ExistingObject>,
    /// False when groups, contacts or sign-in names could not be read (no permission).
    pub complete: bool,
}

/// The invite panel's choices, as the UI sends them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct InviteRequest {
    pub email: String,
    pub display_name: Option<String>,
    /// `invitedUserType: Member`; Guest otherwise.
    pub member: bool,
    pub send_mail: bool,
    pub message: Option<String>,
    pub language: Option<String>,
    pub cc: Option<String>,
    /// Empty or absent: My Apps in this tenant.
    pub redirect_url: Option<String>,
    /// Sponsors (UPNs or object ids, at most five), sent as `invitedUserSponsors`; absent or
    /// empty: the organisation's default, else Microsoft makes the inviter the sponsor.
    #[ts(optional)]
    pub sponsors: Option<Vec<String>>,
}

/// An invite request, checked and trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteOptions {
    pub email: String,
    pub display_name: Option<String>,
    pub member: bool,
    /// Mail, message, language, cc and redirect URL, as for a conversion (`set_guest` unused).
    pub mail: ConvertOptions,
}

impl InviteRequest {
    /// Checks and trims the choices; blank texts count as absent. The address itself is judged
    /// by the pre-flight (`address_valid`), so that the admin sees why.
    pub fn into_options(self, tenant_id: &str) -> Result<InviteOptions, AppError> {
        let mail = ConvertRequest {
            send_mail: self.send_mail,
            message: self.message,
            language: self.language,
            cc: self.cc,
            redirect_url: self.redirect_url,
            set_guest: false,
            sponsors: self.sponsors.unwrap_or_default(),
        }
        .into_options(tenant_id)?;
        Ok(InviteOptions {
            email: self.email.trim().to_owned(),
            display_name: self
                .display_name
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty()),
            member: self.member,
            mail,
        })
    }
}

/// The pre-flight of an invitation, as the UI and `b2b invite` show it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct InvitePreflight {
    pub email: String,
    pub member: bool,
    pub existing: Existing,
    pub checks: Vec<Check>,
    pub can_invite: bool,
}

/// The outcome the UI and `b2b invite` report.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct InviteResult {
    pub user_id: String,
    /// The new user's UPN (`alias_domain#EXT#@tenant.onmicrosoft.com`), when Graph said it.
    pub user_principal_name: Option<String>,
    pub invitation_id: Option<String>,
    pub redeem_url: Option<String>,
    pub status: String,
    pub user_type: String,
    /// True when the answer was lost and the new user was found by reading the directory.
    pub confirmed_by_reread: bool,
    pub request_id: Option<String>,
}

/// Microsoft's duplicate query without `signInNames` (an Azure AD Graph property, CONTRACT.md 2):
/// UPN, mail, proxyAddresses (`SMTP:` primary and `smtp:` secondary, 9.9), otherMails.
pub fn users_filter(address: &str) -> String {
    let a = address.trim();
    let q = quote(a);
    format!(
        "userPrincipalName eq {q} or mail eq {q} or proxyAddresses/any(p:p eq {}) or proxyAddresses/any(p:p eq {}) or otherMails/any(m:m eq {q})",
        quote(&format!("SMTP:{a}")),
        quote(&format!("smtp:{a}"))
    )
}

/// Users whose sign-in name (a local account's `identities` entry) is the address. Graph asks for
/// both `issuerAssignedId` and `issuer`, and ignores the issuer for `emailAddress` and `userName`
/// entries "by design" (Graph docs, objectIdentity resource, "Filtering"); the tenant's initial
/// domain is given. UPN identities can't be filtered this way: the UPN clause covers them.
pub fn identities_filter(address: &str, issuer: &str) -> String {
    format!(
        "identities/any(c:c/issuerAssignedId eq {} and c/issuer eq {})",
        quote(address.trim()),
        quote(issuer)
    )
}

pub fn users_read(id: &str, filter: &str) -> BatchItem {
    BatchItem::get(
        id,
        format!(
            "/users?$filter={}&$select={EXISTING_SELECT}&$top=10",
            encode(filter)
        ),
    )
}

/// The first round trip: the tenant's domains, users, groups and contacts holding the address,
/// and the admin's roles.
pub fn lookup_items(address: &str) -> Vec<BatchItem> {
    vec![
        BatchItem::get("org", "/organization?$select=id,verifiedDomains".into()),
        users_read("users", &users_filter(address)),
        svc::object_holders_read("groups", "groups", address),
        svc::object_holders_read("contacts", "contacts", address),
        svc::roles_read("roles"),
    ]
}

fn text(v: &Value, key: &str) -> Option<String> {
    v[key].as_str().map(str::to_owned)
}

fn objects(answer: &Value, kind: ExistingKind) -> Vec<ExistingObject> {
    answer["value"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| {
            Some(ExistingObject {
                kind,
                id: o["id"].as_str()?.to_owned(),
                display_name: text(o, "displayName"),
                user_principal_name: text(o, "userPrincipalName"),
                mail: text(o, "mail"),
                user_type: text(o, "userType"),
                external_user_state: text(o, "externalUserState"),
            })
        })
        .collect()
}

/// Adds the holders from one answer. Users must be readable; groups, contacts and sign-in names
/// need permissions the app may lack, so a refusal or a passing failure leaves the answer
/// incomplete (a warning, Microsoft decides), never "nobody".
pub fn take(
    into: &mut Existing,
    answer: Option<&BatchAnswer>,
    kind: ExistingKind,
    required: bool,
) -> Result<(), AppError> {
    match answer {
        Some(a) if a.status == 200 => {
            for o in objects(&a.body, kind) {
                if !into.objects.iter().any(|x| x.id == o.id) {
                    into.objects.push(o);
                }
            }
            Ok(())
        }
        Some(a) if required || !(a.status == 403 || a.status == 429 || a.status >= 500) => {
            Err(AppError::new(
                ErrorCode::GraphError,
                format!(
                    "who holds the address: {} {}",
                    a.status,
                    a.body["error"]["code"].as_str().unwrap_or("unknown")
                ),
            )
            .with_status(a.status))
        }
        None if required => Err(AppError::new(ErrorCode::GraphError, "no answer for the users")),
        _ => {
            into.complete = false;
            Ok(())
        }
    }
}

/// Everything the invitation pre-flight reads.
#[derive(Debug, Clone)]
pub struct InviteContext {
    pub verified_domains: Vec<String>,
    pub initial_domain: Option<String>,
    pub existing: Existing,
    pub capabilities: Capabilities,
}

fn initial_domain(org: &Value) -> Option<String> {
    org["value"][0]["verifiedDomains"]
        .as_array()?
        .iter()
        .find(|d| d["isInitial"] == true)
        .and_then(|d| text(d, "name"))
}

/// Reads who already holds the address (one `$batch`; a second request for sign-in names, whose
/// filter needs the tenant's initial domain from the first) and the admin's capabilities.
pub async fn load_context(
    g: &GraphClient,
    address: &str,
    scopes: Option<Vec<String>>,
) -> Result<InviteContext, AppError> {
    let answers = g.batch(&lookup_items(address)).await?;
    let find = |id: &str| answers.iter().find(|a| a.id == id);
    let org = find("org")
        .filter(|a| a.status == 200)
        .ok_or_else(|| AppError::new(ErrorCode::GraphError, "the organization could not be read"))?;
    let mut existing = Existing {
        objects: Vec::new(),
        complete: true,
    };
    take(&mut existing, find("users"), ExistingKind::User, true)?;
    take(&mut existing, find("groups"), ExistingKind::Group, false)?;
    take(&mut existing, find("contacts"), ExistingKind::Contact, false)?;
    let initial = initial_domain(&org.body);
    if let Some(issuer) = &initial {
        let url = format!(
            "/users?$filter={}&$select={EXISTING_SELECT}&$top=10",
            encode(&identities_filter(address, issuer))
        );
        let answer = match g.get(&url).await {
            Ok(body) => Some(BatchAnswer {
                id: "identities".into(),
                status: 200,
                body,
            }),
            Err(e) if matches!(e.code, ErrorCode::PermissionDenied | ErrorCode::Throttled) => None,
            Err(e) => return Err(e),
        };
        take(&mut existing, answer.as_ref(), ExistingKind::User, false)?;
    } else {
        existing.complete = false;
    }
    let roles = svc::roles_from(g, find("roles")).await?;
    Ok(InviteContext {
        verified_domains: svc::verified_domains(&org.body),
        initial_domain: initial,
        existing,
        capabilities: Capabilities::from(roles, scopes),
    })
}

fn holds(caps: &Capabilities, roles: &[&str]) -> bool {
    caps.roles
        .iter()
        .any(|r| roles.iter().any(|x| x.eq_ignore_ascii_case(r)))
}

fn check(code: CheckCode, severity: Severity) -> Check {
    Check { code, severity }
}

/// Every rule before inviting, in the order the UI lists them. Blocks only on what is known
/// wrong; what the app could not read is a warning and Microsoft's answer decides.
pub fn checks(address: &str, member: bool, ctx: &InviteContext) -> Vec<Check> {
    use Severity::*;
    let address = address.trim();
    let valid = convert::address_is_valid(address);
    let caps = &ctx.capabilities;
    let mut out = vec![
        check(CheckCode::AddressValid, if valid { Ok } else { Blocker }),
        check(
            CheckCode::AddressNotInternal,
            if valid && convert::in_verified_domain(address, &ctx.verified_domains) {
                Blocker
            } else {
                Ok
            },
        ),
        check(
            CheckCode::NotInDirectory,
            if !ctx.existing.objects.is_empty() {
                Blocker
            } else if ctx.existing.complete {
                Ok
            } else {
                Warning
            },
        ),
    ];
    // Any of the invite scopes; a token whose scopes are unknown is not refused here.
    let scope_missing = caps.scopes_known
        && caps
            .missing
            .contains(&crate::codes::MissingCode::ScopeUserInviteAll);
    out.push(check(
        CheckCode::AdminCanInvite,
        if scope_missing {
            Blocker
        } else if caps.scopes_known && caps.roles_known && holds(caps, INVITE_ROLES) {
            Ok
        } else {
            Warning
        },
    ));
    if member {
        out.push(check(
            CheckCode::MemberAllowed,
            if caps.roles_known && holds(caps, MEMBER_ROLES) {
                Ok
            } else if caps.roles_known && caps.roles.is_empty() {
                // Known to hold no admin role at all: not an admin.
                Blocker
            } else {
                Warning
            },
        ));
    }
    out
}

pub fn preflight(address: &str, member: bool, ctx: &InviteContext) -> InvitePreflight {
    let checks = checks(address, member, ctx);
    InvitePreflight {
        email: address.trim().to_owned(),
        member,
        existing: ctx.existing.clone(),
        can_invite: convert::can_convert(&checks),
        checks,
    }
}

/// The `POST /invitations` body of a new external user: the documented properties, no
/// `invitedUser` (that would be a conversion).
pub fn invitation_body(o: &InviteOptions) -> Value {
    let mut body = svc::invitation_body("", &o.email, &o.mail, false);
    if let Some(map) = body.as_object_mut() {
        map.remove("invitedUser");
    }
    body["invitedUserType"] = json!(if o.member { "Member" } else { "Guest" });
    if let Some(n) = &o.display_name {
        body["invitedUserDisplayName"] = json!(n);
    }
    body
}

/// After a lost answer: the user Microsoft created for this address, if the directory shows one
/// created by invitation. Reads only; the POST is never repeated.
pub async fn settle(g: &GraphClient, address: &str) -> Result<Option<Value>, AppError> {
    let url = format!(
        "/users?$filter={}&$select={EXISTING_SELECT}&$top=10",
        encode(&users_filter(address))
    );
    for pause in std::iter::once(None).chain(svc::SETTLE_PAUSES.iter().map(Some)) {
        if let Some(p) = pause {
            tokio::time::sleep(*p).await;
        }
        let found = g.get(&url).await?;
        if let Some(u) = found["value"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|u| u["creationType"] == "Invitation" && u["externalUserState"].is_string())
        {
            return Ok(Some(u.clone()));
        }
    }
    Ok(None)
}

/// Invites after a passing pre-flight. A 201 is the success; nothing after it can fail it.
pub async fn invite(
    g: &GraphClient,
    pre: &InvitePreflight,
    o: &InviteOptions,
) -> Result<InviteResult, AppError> {
    if !pre.can_invite {
        return Err(AppError::new(
            ErrorCode::ConversionBlocked,
            "the pre-flight found a blocker",
        ));
    }
    let mut body = invitation_body(o);
    // Named sponsors go in the invitation itself (`invitedUserSponsors`, invitation resource);
    // one that does not resolve stops here, before anything is sent.
    if !o.mail.sponsors.is_empty() {
        let named = crate::sponsors::resolve(g, &o.mail.sponsors).await?;
        body["invitedUserSponsors"] = crate::sponsors::invitation_field(&named);
    }
    let user_type = if o.member { "Member" } else { "Guest" }.to_owned();
    match g
        .send(
            Method::POST,
            "/invitations",
            Some(&body),
            false,
            Idempotence::Unsafe,
        )
        .await
    {
        Ok(v) => Ok(InviteResult {
            user_id: v["invitedUser"]["id"].as_str().unwrap_or_default().to_owned(),
            user_principal_name: text(&v["invitedUser"], "userPrincipalName"),
            invitation_id: text(&v, "id"),
            redeem_url: text(&v, "inviteRedeemUrl"),
            status: v["status"].as_str().unwrap_or("PendingAcceptance").to_owned(),
            user_type: v["invitedUserType"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or(user_type),
            confirmed_by_reread: false,
            request_id: g.last_request_id(),
        }),
        Err(e) if e.code == ErrorCode::OutcomeUnknown => match settle(g, &o.email).await {
            Ok(Some(u)) => Ok(InviteResult {
                user_id: u["id"].as_str().unwrap_or_default().to_owned(),
                user_principal_name: text(&u, "userPrincipalName"),
                invitation_id: None,
                redeem_url: None,
                status: u["externalUserState"]
                    .as_str()
                    .unwrap_or("PendingAcceptance")
                    .to_owned(),
                user_type: u["userType"].as_str().map(str::to_owned).unwrap_or(user_type),
                confirmed_by_reread: true,
                request_id: None,
            }),
            Ok(None) => Err(e),
            Err(read) => Err(AppError::new(
                ErrorCode::OutcomeUnknown,
                format!(
                    "{}; reading the directory failed too: {}",
                    e.message, read.message
                ),
            )),
        },
        Err(e) => Err(e),
    }
}

/// The History entry of an invitation that was attempted, whatever came of it. The user is the
/// new one when Microsoft created it; before that, the address stands for it.
pub fn history_entry(
    actor: &crate::history::Actor,
    pre: &InvitePreflight,
    o: &InviteOptions,
    result: &Result<InviteResult, AppError>,
    request_id: Option<String>,
) -> crate::history::HistoryEntry {
    use crate::history::{ActionOptions, HistoryAction, HistoryEntry, Outcome};
    let mut options = ActionOptions::from(&o.mail);
    options.user_type = Some(if o.member { "Member" } else { "Guest" }.into());
    options.display_name = o.display_name.clone();
    let (user_id, upn) = match result {
        Ok(r) => (
            r.user_id.clone(),
            r.user_principal_name.clone().unwrap_or_default(),
        ),
        Err(_) => (String::new(), String::new()),
    };
    let mut e = HistoryEntry::now(
        &actor.source,
        &actor.admin,
        &actor.tenant_id,
        &actor.tenant_name,
        &user_id,
        &upn,
        HistoryAction::Invite,
        &pre.email,
        options,
    );
    match result {
        Ok(r) => {
            e.outcome = Outcome::Succeeded;
            e.status = Some(r.status.clone());
            e.invitation_id = r.invitation_id.clone();
            e.request_id = r.request_id.clone().or(request_id);
        }
        Err(err) => {
            e.outcome = match err.code {
                ErrorCode::ConversionBlocked => Outcome::Blocked,
                ErrorCode::OutcomeUnknown => Outcome::Unknown,
                _ => Outcome::Failed,
            };
            e.error_code = Some(err.code);
            e.request_id = request_id;
        }
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::accounts::{RoleSeen, RolesRead};

    fn ctx(roles: RolesRead, existing: Existing) -> InviteContext {
        InviteContext {
            verified_domains: vec!["contoso.com".into()],
            initial_domain: Some("contoso.onmicrosoft.com".into()),
            existing,
            capabilities: Capabilities::from(roles, Some(vec!["User.Invite.All".into()])),
        }
    }

    fn role(name: &str) -> RolesRead {
        RolesRead::Known(vec![RoleSeen {
            display_name: Some(name.into()),
            role_template_id: None,
        }])
    }

    fn severity(checks: &[Check], code: CheckCode) -> Option<Severity> {
        checks.iter().find(|c| c.code == code).map(|c| c.severity)
    }

    #[test]
    fn a_verified_domain_or_a_holder_blocks_and_unknowns_warn() {
        let clear = Existing {
            objects: vec![],
            complete: true,
        };
        let c = ctx(role("Guest Inviter"), clear.clone());
        let ok = checks("ann@fabrikam.example", false, &c);
        assert!(convert::can_convert(&ok), "{ok:?}");
        assert_eq!(severity(&ok, CheckCode::AdminCanInvite), Some(Severity::Ok));
        assert_eq!(severity(&ok, CheckCode::MemberAllowed), None);
        let internal = checks("ann@sales.contoso.com", false, &c);
        assert_eq!(
            severity(&internal, CheckCode::AddressNotInternal),
            Some(Severity::Blocker)
        );
        let held = ctx(
            role("Guest Inviter"),
            Existing {
                objects: vec![ExistingObject {
                    kind: ExistingKind::Contact,
                    id: "c1".into(),
                    display_name: Some("Ann".into()),
                    user_principal_name: None,
                    mail: Some("ann@fabrikam.example".into()),
                    user_type: None,
                    external_user_state: None,
                }],
                complete: true,
            },
        );
        assert_eq!(
            severity(
                &checks("ann@fabrikam.example", false, &held),
                CheckCode::NotInDirectory
            ),
            Some(Severity::Blocker)
        );
        let partial = ctx(
            RolesRead::Unknown,
            Existing {
                objects: vec![],
                complete: false,
            },
        );
        let p = checks("ann@fabrikam.example", true, &partial);
        assert!(convert::can_convert(&p), "unknowns never block: {p:?}");
        assert_eq!(severity(&p, CheckCode::NotInDirectory), Some(Severity::Warning));
        assert_eq!(severity(&p, CheckCode::MemberAllowed), Some(Severity::Warning));
        assert_eq!(severity(&p, CheckCode::AdminCanInvite), Some(Severity::Warning));
    }

    #[test]
    fn member_needs_an_admin() {
        let clear = Existing {
            objects: vec![],
            complete: true,
        };
        let sev = |r| {
            severity(
                &checks("a@fabrikam.example", true, &ctx(r, clear.clone())),
                CheckCode::MemberAllowed,
            )
        };
        assert_eq!(sev(role("User Administrator")), Some(Severity::Ok));
        assert_eq!(sev(role("Guest Inviter")), Some(Severity::Warning));
        assert_eq!(sev(RolesRead::Known(vec![])), Some(Severity::Blocker));
    }

    #[test]
    fn the_body_is_a_new_invitation_not_a_conversion() {
        let o = InviteRequest {
            email: " ann@fabrikam.example ".into(),
            display_name: Some(" Ann ".into()),
            member: true,
            send_mail: false,
            cc: Some("boss@fabrikam.example".into()),
            ..InviteRequest::default()
        }
        .into_options("t1")
        .expect("valid");
        let b = invitation_body(&o);
        assert!(b.get("invitedUser").is_none());
        assert_eq!(b["invitedUserEmailAddress"], "ann@fabrikam.example");
        assert_eq!(b["invitedUserDisplayName"], "Ann");
        assert_eq!(b["invitedUserType"], "Member");
        assert_eq!(b["sendInvitationMessage"], false);
        assert_eq!(
            b["invitedUserMessageInfo"]["ccRecipients"][0]["emailAddress"]["address"],
            "boss@fabrikam.example"
        );
        let guest = InviteRequest {
            email: "b@fabrikam.example".into(),
            ..InviteRequest::default()
        }
        .into_options("t1")
        .expect("valid");
        assert_eq!(invitation_body(&guest)["invitedUserType"], "Guest");
        assert!(InviteRequest {
            email: "b@fabrikam.example".into(),
            redirect_url: Some("http://example.com".into()),
            ..InviteRequest::default()
        }
        .into_options("t1")
        .is_err());
    }

    #[test]
    fn the_filters_are_microsofts_duplicate_query() {
        let f = users_filter("o'brien@fabrikam.example");
        assert!(f.starts_with("userPrincipalName eq 'o''brien@fabrikam.example' or mail eq"));
        assert!(f.contains("proxyAddresses/any(p:p eq 'SMTP:o''brien@fabrikam.example')"));
        assert!(f.contains("otherMails/any(m:m eq 'o''brien@fabrikam.example')"));
        assert_eq!(
            identities_filter("a@b.example", "contoso.onmicrosoft.com"),
            "identities/any(c:c/issuerAssignedId eq 'a@b.example' and c/issuer eq 'contoso.onmicrosoft.com')"
        );
    }
}
