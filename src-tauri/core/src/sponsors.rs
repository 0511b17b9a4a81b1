//! Sponsors: the users or groups responsible for a B2B user (learn.microsoft.com
//! entra/external-id/b2b-sponsors). Microsoft makes the inviter the sponsor when none is named,
//! so a helpdesk operator would silently sponsor every partner; the admin names them instead.
//!
//! Microsoft's documentation:
//! - at most five sponsors, users or groups (b2b-sponsors);
//! - `invitedUserSponsors` on the v1.0 invitation resource: documented for inviting a guest; its
//!   effect on a conversion (`invitedUser: {id}`) is not, so a conversion adds sponsors after
//!   the 201 with `POST /users/{id}/sponsors/$ref` (user-post-sponsors: `User.ReadWrite.All`, and
//!   the role Directory Writers or User Administrator), and removes the inviter Microsoft may have
//!   added (`DELETE /users/{id}/sponsors/{id}/$ref`, same permissions);
//! - `GET /users/{id}/sponsors` (user-list-sponsors: `User.Read` least privileged; the signed-in
//!   admin needs `microsoft.directory/users/sponsors/read`: Guest Inviter, Directory Readers,
//!   Directory Writers, User Administrator). Objects the app may not read come back with their
//!   type and id only.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use ts_rs::TS;

use crate::codes::FollowUpWarning;
use crate::error::{AppError, ErrorCode};
use crate::graph::{BatchItem, GraphClient, Idempotence};
use crate::users::encode;

/// Microsoft's maximum of sponsors per user (b2b-sponsors).
pub const MAX_SPONSORS: usize = 5;
const GRAPH: &str = "https://graph.microsoft.com/v1.0";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum SponsorKind {
    User,
    Group,
}

/// A sponsor as the directory names it. A group the app may not read has no name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Sponsor {
    pub id: String,
    pub kind: SponsorKind,
    pub display_name: Option<String>,
    pub user_principal_name: Option<String>,
}

impl Sponsor {
    /// The URL `$ref` and `invitedUserSponsors` name it by.
    pub fn odata_id(&self) -> String {
        match self.kind {
            SponsorKind::User => format!("{GRAPH}/users/{}", self.id),
            SponsorKind::Group => format!("{GRAPH}/groups/{}", self.id),
        }
    }

    /// The UPN, else the name, else the id.
    pub fn label(&self) -> &str {
        self.user_principal_name
            .as_deref()
            .or(self.display_name.as_deref())
            .unwrap_or(&self.id)
    }

    /// One item of a sponsors list from Graph (`@odata.type`, `id`, maybe names).
    pub fn from_graph(v: &Value) -> Option<Sponsor> {
        let kind = if v["@odata.type"].as_str() == Some("#microsoft.graph.group") {
            SponsorKind::Group
        } else {
            SponsorKind::User
        };
        Some(Sponsor {
            id: v["id"].as_str()?.to_owned(),
            kind,
            display_name: v["displayName"].as_str().map(str::to_owned),
            user_principal_name: v["userPrincipalName"].as_str().map(str::to_owned),
        })
    }
}

/// Sponsors as typed in a field, a CSV cell or `--sponsor`: UPNs or object ids separated by
/// `|`, `,`, `;` or white space (none of which a UPN or a GUID contains). Duplicates (ignoring
/// case) are dropped.
pub fn parse_list(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in text.split(|c: char| c == '|' || c == ',' || c == ';' || c.is_whitespace()) {
        if !s.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(s)) {
            out.push(s.to_owned());
        }
    }
    out
}

/// The same, for a list of entries each of which may hold several.
pub fn normalize(entries: &[String]) -> Vec<String> {
    parse_list(&entries.join("|"))
}

/// A sponsor entry has the shape of a UPN or an object id.
pub fn entry_is_valid(s: &str) -> bool {
    is_guid(s)
        || s.split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.'))
}

/// At most five entries, each a UPN or an object id.
pub fn check_entries(entries: &[String]) -> Result<(), AppError> {
    if entries.len() > MAX_SPONSORS {
        return Err(AppError::new(
            ErrorCode::TooManySponsors,
            format!("{} sponsors; Microsoft allows {MAX_SPONSORS}", entries.len()),
        ));
    }
    if let Some(bad) = entries.iter().find(|e| !entry_is_valid(e)) {
        return Err(AppError::new(
            ErrorCode::SponsorNotFound,
            format!("sponsor {bad}: not a UPN or an object id"),
        ));
    }
    Ok(())
}

fn is_guid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// Finds each entry (a user's UPN or id, or a group's id) in one `$batch`. An entry that is no
/// user and no group is `SponsorNotFound`; a GUID that is no user while groups cannot be read
/// (the app asks for no group permission) is taken as a group: Microsoft decides when it is added.
pub async fn resolve(g: &GraphClient, entries: &[String]) -> Result<Vec<Sponsor>, AppError> {
    let entries = normalize(entries);
    check_entries(&entries)?;
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let mut items = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        items.push(BatchItem::get(
            &format!("u{i}"),
            format!("/users/{}?$select=id,displayName,userPrincipalName", encode(e)),
        ));
        if is_guid(e) {
            items.push(BatchItem::get(
                &format!("g{i}"),
                format!("/groups/{e}?$select=id,displayName"),
            ));
        }
    }
    let answers = g.batch(&items).await?;
    let answer = |id: &str| answers.iter().find(|a| a.id == id);
    let mut out: Vec<Sponsor> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let user = answer(&format!("u{i}"));
        let group = answer(&format!("g{i}"));
        let found = match (user, group) {
            (Some(u), _) if u.status == 200 => Sponsor::from_graph(&u.body).map(|mut s| {
                s.kind = SponsorKind::User;
                s
            }),
            (_, Some(gr)) if gr.status == 200 => Sponsor::from_graph(&gr.body).map(|mut s| {
                s.kind = SponsorKind::Group;
                s
            }),
            (Some(u), Some(gr)) if u.status == 404 && gr.status == 403 => Some(Sponsor {
                id: e.to_lowercase(),
                kind: SponsorKind::Group,
                display_name: None,
                user_principal_name: None,
            }),
            (Some(u), _) if u.status == 404 => {
                return Err(AppError::new(
                    ErrorCode::SponsorNotFound,
                    format!("sponsor {e}: no such user or group"),
                ))
            }
            (Some(u), _) if u.status == 403 => {
                return Err(AppError::new(
                    ErrorCode::PermissionDenied,
                    format!("sponsor {e}: reading the user was refused"),
                )
                .with_status(403))
            }
            (Some(u), _) => {
                return Err(AppError::new(
                    ErrorCode::GraphError,
                    format!("sponsor {e}: {} {}", u.status, u.body["error"]["code"]),
                ))
            }
            (None, _) => None,
        };
        let s =
            found.ok_or_else(|| AppError::new(ErrorCode::GraphError, format!("sponsor {e}: no answer")))?;
        if !out.iter().any(|o| o.id.eq_ignore_ascii_case(&s.id)) {
            out.push(s);
        }
    }
    Ok(out)
}

/// `invitedUserSponsors` for a new guest's invitation (documented for that case).
pub fn invitation_field(sponsors: &[Sponsor]) -> Value {
    Value::Array(sponsors.iter().map(|s| json!({ "id": s.id })).collect())
}

/// The read `UserDetail` and the pre-flight use.
pub fn list_path(user: &str) -> String {
    format!(
        "/users/{}/sponsors?$select=id,displayName,userPrincipalName",
        encode(user)
    )
}

/// A user's sponsors, `None` when Graph would not say (unknown, not empty).
pub async fn read(g: &GraphClient, user: &str) -> Option<Vec<Sponsor>> {
    match g.get_all(&list_path(user), false).await {
        Ok(items) => Some(items.iter().filter_map(Sponsor::from_graph).collect()),
        Err(e) => {
            tracing::info!("the sponsors of {user} could not be read: {:?}", e.code);
            None
        }
    }
}

/// What setting the sponsors after a conversion did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    pub added: Vec<Sponsor>,
    pub warnings: Vec<FollowUpWarning>,
}

/// After Microsoft's 201 for a conversion: removes the sponsors the invitation itself added (the
/// inviter, when `before` shows who was there) unless named, then adds the named ones missing.
/// `inviter` is the signed-in admin's object id, when known. Every failure is a warning on the
/// conversion, never a failure of it.
pub async fn apply_after_conversion(
    g: &GraphClient,
    user_id: &str,
    before: Option<&[Sponsor]>,
    named: &[Sponsor],
    inviter: Option<&str>,
) -> Applied {
    let mut out = Applied::default();
    if named.is_empty() {
        return out;
    }
    let has = |list: &[Sponsor], id: &str| list.iter().any(|s| s.id.eq_ignore_ascii_case(id));
    // Microsoft adds the inviter as a sponsor (CONTRACT.md 7), but a read right after its 201 can
    // be stale (9.8): until the list shows what Microsoft added, it is read again after each
    // pause. An inviter who already was a sponsor leaves nothing to wait for or undo.
    let awaited = match (inviter, before) {
        (Some(i), Some(b)) => !has(b, i),
        _ => true,
    };
    let not_shown_yet = |now: &Option<Vec<Sponsor>>| match (now, before) {
        (Some(list), Some(before)) if awaited => match inviter {
            Some(i) => !has(list, i),
            None => list.iter().all(|s| has(before, &s.id)),
        },
        _ => false,
    };
    let mut now = read(g, user_id).await;
    for p in crate::convert_service::SETTLE_PAUSES {
        if !not_shown_yet(&now) {
            break;
        }
        tokio::time::sleep(*p).await;
        now = read(g, user_id).await;
    }
    let unchanged = not_shown_yet(&now);
    if let (Some(now), Some(before)) = (&now, before) {
        for extra in now.iter().filter(|s| !has(before, &s.id) && !has(named, &s.id)) {
            let path = format!("/users/{user_id}/sponsors/{}/$ref", extra.id);
            if let Err(e) = g
                .send(Method::DELETE, &path, None, false, Idempotence::Unsafe)
                .await
            {
                tracing::warn!(
                    "the sponsor Microsoft added to {user_id} was not removed: {:?}",
                    e.code
                );
                out.warnings.push(FollowUpWarning::InviterSponsorNotRemoved);
            }
        }
    } else {
        // Who was there before is unknown: nothing is removed, and the admin is told.
        out.warnings.push(FollowUpWarning::InviterSponsorNotRemoved);
    }
    if unchanged {
        // Still not shown: whether Microsoft added the inviter is unknown, so the admin is told.
        out.warnings.push(FollowUpWarning::InviterSponsorNotRemoved);
    }
    let mut failed = false;
    for s in named {
        if now.as_deref().is_some_and(|n| has(n, &s.id)) {
            out.added.push(s.clone());
            continue;
        }
        let body = json!({ "@odata.id": s.odata_id() });
        let path = format!("/users/{user_id}/sponsors/$ref");
        match g
            .send(Method::POST, &path, Some(&body), false, Idempotence::Unsafe)
            .await
        {
            Ok(_) => out.added.push(s.clone()),
            Err(e) => {
                tracing::warn!("sponsor {} not added to {user_id}: {:?}", s.id, e.code);
                failed = true;
            }
        }
    }
    if failed {
        out.warnings.push(FollowUpWarning::SponsorsNotAdded);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_survive_any_csv_separator() {
        assert_eq!(
            parse_list(" a@contoso.com|b@contoso.com ; A@contoso.com,c@contoso.com  d@contoso.com"),
            ["a@contoso.com", "b@contoso.com", "c@contoso.com", "d@contoso.com"]
        );
        assert!(parse_list("  | ").is_empty());
        assert_eq!(normalize(&["a@x.com b@x.com".into(), "c@x.com".into()]).len(), 3);
    }

    #[test]
    fn entries_are_checked() {
        assert!(entry_is_valid("a@contoso.com"));
        assert!(entry_is_valid("0b7a2f1c-1d2e-4f3a-8b9c-0d1e2f3a4b5c"));
        assert!(!entry_is_valid("alice"));
        assert!(!entry_is_valid("0b7a2f1c-1d2e-4f3a-8b9c-0d1e2f3a4b5"));
        let six: Vec<String> = (0..6).map(|i| format!("u{i}@contoso.com")).collect();
        assert_eq!(
            check_entries(&six).map_err(|e| e.code),
            Err(ErrorCode::TooManySponsors)
        );
        assert_eq!(check_entries(&six[..5]).map_err(|e| e.code), Ok(()));
        assert_eq!(
            check_entries(&["bob".into()]).map_err(|e| e.code),
            Err(ErrorCode::SponsorNotFound)
        );
    }

    #[test]
    fn graph_items_and_refs() {
        let g = Sponsor::from_graph(&json!({ "@odata.type": "#microsoft.graph.group", "id": "g1" }));
        let g = g.expect("group");
        assert_eq!(g.kind, SponsorKind::Group);
        assert_eq!(g.odata_id(), "https://graph.microsoft.com/v1.0/groups/g1");
        assert_eq!(g.label(), "g1");
        assert_eq!(invitation_field(&[g]), json!([{ "id": "g1" }]));
        assert!(Sponsor::from_graph(&json!({ "displayName": "x" })).is_none());
    }
}
