//! A user's sponsors: `GET /users/{id}/sponsors`, `POST /users/{id}/sponsors/$ref`,
//! `DELETE /users/{id}/sponsors/{id}/$ref`, and `GET /groups/{id}` to name a group sponsor.
//!
//! Sources (learn.microsoft.com/graph/api/…):
//! - user-list-sponsors: delegated `User.Read` least privileged (User.Read.All, User.ReadWrite.All
//!   higher); objects the app may not read come back with `@odata.type` and `id` only.
//!   Get-EntraUserSponsor: the signed-in user needs `microsoft.directory/users/sponsors/read`,
//!   least privileged roles Guest Inviter, Directory Readers, Directory Writers, User Administrator.
//! - user-post-sponsors / user-delete-sponsors: delegated `User.ReadWrite.All` (or
//!   Directory.ReadWrite.All), and a role with `microsoft.directory/users/sponsors/update`:
//!   Directory Writers or User Administrator. 204 No Content.
//! - entra/external-id/b2b-sponsors: "You can assign a maximum of five sponsors to a single guest
//!   user." The error Graph gives past five is not documented: a 400 `Request_BadRequest` [inf].

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use super::{caller, context, reject_unsupported, select_of, Caller, READ_SELF, READ_USERS, WRITE_USERS};
use crate::errors::{bad_request, denied, not_found};
use crate::model::Directory;
use crate::state::SimState;

/// Documented maximum of sponsors per user (b2b-sponsors).
pub const MAX_SPONSORS: usize = 5;
/// Roles with `microsoft.directory/users/sponsors/read` (least privileged, plus Global Administrator).
const READ_ROLES: &[&str] = &[
    "Global Administrator",
    "User Administrator",
    "Directory Writers",
    "Directory Readers",
    "Guest Inviter",
];
/// Roles with `microsoft.directory/users/sponsors/update` (least privileged, plus Global Administrator).
pub(super) const UPDATE_ROLES: &[&str] = &["Global Administrator", "User Administrator", "Directory Writers"];
/// Scopes that can read group objects (group-get).
const READ_GROUPS: &[&str] = &[
    "GroupMember.Read.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
/// The text past the maximum [inf: Microsoft documents the limit, not the error].
pub const TOO_MANY: &str = "A user can have at most 5 sponsors.";
/// Graph's text for a reference that is already there (as for group members).
const ALREADY: &str =
    "One or more added object references already exist for the following modified properties: 'sponsors'.";

pub fn routes() -> Router<Arc<SimState>> {
    Router::new()
        .route("/v1.0/users/{id}/sponsors", get(list))
        .route("/v1.0/users/{id}/sponsors/$ref", axum::routing::post(add))
        .route("/v1.0/users/{id}/sponsors/{sponsor}/$ref", delete(remove))
        .route("/v1.0/groups/{id}", get(get_group))
}

/// A directory object as a sponsor list shows it; `full` false gives the limited information
/// Graph returns for a type the app may not read.
fn object_json(dir: &Directory, id: &str, c: &Caller) -> Option<Value> {
    if let Some(u) = dir.users.iter().find(|u| u.id == id) {
        if !c.claims.has_any_scope(READ_USERS) && u.id != c.user.id {
            return Some(json!({ "@odata.type": "#microsoft.graph.user", "id": u.id }));
        }
        return Some(json!({
            "@odata.type": "#microsoft.graph.user",
            "id": u.id,
            "displayName": u.display_name,
            "userPrincipalName": u.user_principal_name,
            "mail": u.mail,
            "userType": u.user_type,
        }));
    }
    let g = dir.groups.iter().find(|g| g.id == id)?;
    if !c.claims.has_any_scope(READ_GROUPS) {
        return Some(json!({ "@odata.type": "#microsoft.graph.group", "id": g.id }));
    }
    Some(json!({
        "@odata.type": "#microsoft.graph.group",
        "id": g.id,
        "displayName": g.display_name,
        "mail": g.mail,
    }))
}

/// Keeps `id`, `@odata.type` and the selected properties.
fn selected(mut v: Value, select: Option<&[String]>) -> Value {
    if let (Some(sel), Some(m)) = (select, v.as_object_mut()) {
        m.retain(|k, _| k == "id" || k == "@odata.type" || sel.iter().any(|s| s.eq_ignore_ascii_case(k)));
    }
    v
}

async fn list(
    State(state): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let c = match caller(&state, &headers, READ_SELF) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if let Err(r) = reject_unsupported(&params, &["$select"]) {
        return r;
    }
    let select = match select_of(&params) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let g = state.lock();
    // As readers see the user: a conversion or a sponsor change may not have replicated yet
    // (CONTRACT.md 9.8).
    let Some(user) = g.dir.user(&id).and_then(|u| crate::replication::seen(&g, u)) else {
        return not_found(&id);
    };
    // Another user's sponsors need a role with sponsors/read.
    if user.id != c.user.id && !c.has_role(READ_ROLES) {
        return denied();
    }
    let value: Vec<Value> = user
        .sim
        .sponsors
        .iter()
        .filter_map(|s| object_json(&g.dir, s, &c))
        .map(|v| selected(v, select.as_deref()))
        .collect();
    Json(json!({
        "@odata.context": context(&state, "directoryObjects", select.as_deref()),
        "value": value,
    }))
    .into_response()
}

/// The object id in an `@odata.id` URL: `…/users/{id}`, `…/groups/{id}` or `…/directoryObjects/{id}`.
pub(super) fn ref_id(odata_id: &str) -> Option<&str> {
    let path = odata_id.split(['?', '#']).next()?;
    let mut parts = path.rsplit('/');
    let id = parts.next().filter(|s| !s.is_empty())?;
    match parts.next()? {
        "users" | "groups" | "directoryObjects" => Some(id),
        _ => None,
    }
}

/// A user or group id (or a user's UPN) that exists, as its id.
pub(super) fn object_id(dir: &Directory, id: &str) -> Option<String> {
    dir.user(id)
        .map(|u| u.id.clone())
        .or_else(|| dir.groups.iter().find(|g| g.id == id).map(|g| g.id.clone()))
}

fn may_update(c: &Caller) -> bool {
    c.has_role(UPDATE_ROLES)
}

async fn add(
    State(state): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Option<Json<Value>>,
) -> Response {
    let c = match caller(&state, &headers, WRITE_USERS) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if !may_update(&c) {
        return denied();
    }
    let Some(Json(Value::Object(body))) = body else {
        return bad_request("Request_BadRequest", "The request body must be a JSON object.");
    };
    let Some(target) = body
        .get("@odata.id")
        .and_then(Value::as_str)
        .and_then(ref_id)
        .map(str::to_owned)
    else {
        return bad_request(
            "Request_BadRequest",
            "Invalid request: the body needs an @odata.id with the URL of a user or group.",
        );
    };
    let mut g = state.lock();
    if g.dir.user(&id).is_none() {
        return not_found(&id);
    }
    let Some(sponsor) = object_id(&g.dir, &target) else {
        return not_found(&target);
    };
    let Some(user) = g.dir.user_mut(&id) else {
        return not_found(&id);
    };
    if user.id == sponsor {
        return bad_request("Request_BadRequest", "A user cannot be their own sponsor.");
    }
    if user.sim.sponsors.contains(&sponsor) {
        return bad_request("Request_BadRequest", ALREADY);
    }
    if user.sim.sponsors.len() >= MAX_SPONSORS {
        return bad_request("Request_BadRequest", TOO_MANY);
    }
    let before = user.clone();
    crate::replication::updating(&mut g, &before);
    if let Some(user) = g.dir.user_mut(&id) {
        user.sim.sponsors.push(sponsor);
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn remove(
    State(state): St,
    headers: HeaderMap,
    Path((id, sponsor)): Path<(String, String)>,
) -> Response {
    let c = match caller(&state, &headers, WRITE_USERS) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if !may_update(&c) {
        return denied();
    }
    let mut g = state.lock();
    let Some(user) = g.dir.user(&id).cloned() else {
        return not_found(&id);
    };
    if !user.sim.sponsors.contains(&sponsor) {
        return not_found(&sponsor);
    }
    crate::replication::updating(&mut g, &user);
    if let Some(u) = g.dir.user_mut(&id) {
        u.sim.sponsors.retain(|s| s != &sponsor);
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn get_group(
    State(state): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    if let Err(r) = caller(&state, &headers, READ_GROUPS) {
        return r;
    }
    if let Err(r) = reject_unsupported(&params, &["$select"]) {
        return r;
    }
    let select = match select_of(&params) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let g = state.lock();
    let Some(group) = g.dir.groups.iter().find(|x| x.id == id) else {
        return not_found(&id);
    };
    let mut v: Map<String, Value> = Map::new();
    v.insert(
        "@odata.context".into(),
        json!(context(&state, "groups/$entity", select.as_deref())),
    );
    v.insert("id".into(), json!(group.id));
    v.insert("displayName".into(), json!(group.display_name));
    v.insert("mail".into(), json!(group.mail));
    v.insert("mailEnabled".into(), json!(group.mail_enabled));
    v.insert("securityEnabled".into(), json!(group.security_enabled));
    let v = selected(Value::Object(v), select.as_deref());
    Json(v).into_response()
}

type St = State<Arc<SimState>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_ids() {
        assert_eq!(ref_id("https://graph.microsoft.com/v1.0/users/abc"), Some("abc"));
        assert_eq!(ref_id("https://graph.microsoft.com/v1.0/groups/g1"), Some("g1"));
        assert_eq!(
            ref_id("https://graph.microsoft.com/v1.0/directoryObjects/x"),
            Some("x")
        );
        assert_eq!(ref_id("https://graph.microsoft.com/v1.0/contacts/x"), None);
        assert_eq!(ref_id("abc"), None);
        assert_eq!(ref_id("https://graph.microsoft.com/v1.0/users/"), None);
    }
}
