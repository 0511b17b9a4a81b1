//! Test hooks under `/_sim/`: not part of Microsoft's API. Documented in the crate README.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::errors::rfc3339_now;
use crate::faults::Faults;
use crate::identity;
use crate::model::ObjectIdentity;
use crate::state::SimState;

type St = State<Arc<SimState>>;

pub fn routes() -> Router<Arc<SimState>> {
    Router::new()
        .route("/_sim/accounts", get(accounts))
        .route("/_sim/token", post(token))
        .route("/_sim/device/approve", post(device_approve))
        .route("/_sim/outbox", get(outbox))
        .route("/_sim/redeem", post(redeem))
        .route("/_sim/stats", get(stats))
        .route("/_sim/faults", get(get_faults).post(set_faults))
        .route("/_sim/revoke", post(revoke))
        .route("/_sim/consent", post(consent))
        .route("/_sim/reset", post(reset))
        .route("/_sim/members", post(add_members))
}

fn problem(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

async fn accounts(State(state): St) -> Json<Value> {
    let g = state.lock();
    let list: Vec<Value> = g
        .dir
        .users
        .iter()
        .filter(|u| u.sim.password.is_some())
        .map(|u| {
            json!({
                "id": u.id,
                "username": u.user_principal_name,
                "displayName": u.display_name,
                "roles": g.dir.effective_roles(u),
                "password": u.sim.password,
            })
        })
        .collect();
    Json(json!({ "tenantId": g.dir.tenant.id, "accounts": list }))
}

#[derive(Deserialize)]
struct TokenRequest {
    username: String,
    scope: String,
    /// The demo client when absent.
    #[serde(default)]
    client_id: Option<String>,
}

/// A token response as `/token` would give, without the browser dance.
async fn token(State(state): St, Json(req): Json<TokenRequest>) -> Response {
    let user_id = state.lock().dir.user(&req.username).map(|u| u.id.clone());
    let Some(user_id) = user_id else {
        return problem(StatusCode::NOT_FOUND, format!("no user {}", req.username));
    };
    let scopes: Vec<String> = req
        .scope
        .split_whitespace()
        .map(|s| {
            s.strip_prefix("https://graph.microsoft.com/")
                .unwrap_or(s)
                .to_owned()
        })
        .collect();
    let client_id = req.client_id.as_deref().unwrap_or(crate::DEMO_CLIENT_ID);
    if state.lock().dir.application(client_id).is_none() {
        return problem(StatusCode::NOT_FOUND, format!("no application {client_id}"));
    }
    identity::issue(&state, &user_id, client_id, &scopes)
}

#[derive(Deserialize)]
struct Approve {
    user_code: String,
    username: String,
    #[serde(default)]
    decline: bool,
}

async fn device_approve(State(state): St, Json(req): Json<Approve>) -> Response {
    match identity::decide_device(&state, &req.user_code, &req.username, !req.decline) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => problem(StatusCode::BAD_REQUEST, e),
    }
}

async fn outbox(State(state): St) -> Json<Value> {
    Json(json!({ "value": state.lock().outbox }))
}

#[derive(Deserialize)]
struct Redeem {
    user_id: String,
}

/// The user accepts the invitation: externalUserState becomes Accepted.
async fn redeem(State(state): St, Json(req): Json<Redeem>) -> Response {
    let mut g = state.lock();
    let Some(u) = g.dir.user_mut(&req.user_id) else {
        return problem(StatusCode::NOT_FOUND, format!("no user {}", req.user_id));
    };
    if u.external_user_state.as_deref() != Some("PendingAcceptance") {
        return problem(StatusCode::CONFLICT, "the user has no pending invitation");
    }
    u.external_user_state = Some("Accepted".into());
    u.external_user_state_change_date_time = Some(rfc3339_now());
    if let Some(mail) = u.mail.clone() {
        u.identities.push(ObjectIdentity {
            sign_in_type: "federated".into(),
            issuer: "ExternalAzureAD".into(),
            issuer_assigned_id: mail,
        });
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn stats(State(state): St) -> Json<Value> {
    let g = state.lock();
    Json(serde_json::to_value(&g.stats).unwrap_or(Value::Null))
}

async fn get_faults(State(state): St) -> Json<Value> {
    Json(serde_json::to_value(&state.lock().faults).unwrap_or(Value::Null))
}

/// Replaces the faults with the given ones (fields left out take their defaults). Resets the
/// write window, so that a new throttle starts empty.
async fn set_faults(
    State(state): St,
    body: Result<Json<Faults>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let faults = match body {
        Ok(Json(f)) => f,
        Err(e) => return problem(StatusCode::BAD_REQUEST, e.body_text()),
    };
    if let Err(e) = faults.validate() {
        return problem(StatusCode::BAD_REQUEST, e);
    }
    let mut g = state.lock();
    g.faults = faults;
    g.writes.clear();
    Json(serde_json::to_value(&g.faults).unwrap_or(Value::Null)).into_response()
}

#[derive(Deserialize)]
struct Revoke {
    username: String,
}

/// Revokes every refresh token the account has so far, as a password reset would.
async fn revoke(State(state): St, Json(req): Json<Revoke>) -> Response {
    let mut g = state.lock();
    let Some(id) = g.dir.user(&req.username).map(|u| u.id.clone()) else {
        return problem(StatusCode::NOT_FOUND, format!("no user {}", req.username));
    };
    let now = crate::tokens::now_ms() + 1;
    g.revoked_before.insert(id, now);
    Json(json!({ "revokedBefore": now })).into_response()
}

#[derive(Deserialize)]
struct Consent {
    client_id: String,
    scope: String,
    #[serde(default)]
    revoke: bool,
}

/// Grants (or revokes) tenant-wide consent to a Graph scope for a client: tokens issued from now
/// on carry it whether requested or not.
async fn consent(State(state): St, Json(req): Json<Consent>) -> Response {
    let Some(scope) = identity::graph_scope(req.scope.trim()) else {
        return problem(
            StatusCode::BAD_REQUEST,
            format!("unknown Graph scope {}", req.scope),
        );
    };
    let mut g = state.lock();
    let Some(app) = g
        .dir
        .applications
        .iter_mut()
        .find(|a| a.app_id.eq_ignore_ascii_case(&req.client_id))
    else {
        return problem(StatusCode::NOT_FOUND, format!("no application {}", req.client_id));
    };
    app.consented_scopes.retain(|s| !s.eq_ignore_ascii_case(scope));
    if !req.revoke {
        app.consented_scopes.push(scope.to_owned());
    }
    Json(json!({ "appId": app.app_id, "consentedScopes": app.consented_scopes })).into_response()
}

#[derive(Deserialize)]
struct AddMembers {
    count: usize,
}

/// Grows the directory by generated members (see `seed::add_members`), for scale tests.
async fn add_members(State(state): St, Json(req): Json<AddMembers>) -> Response {
    if req.count > 1_000_000 {
        return problem(StatusCode::BAD_REQUEST, "at most 1,000,000 members at a time");
    }
    let mut g = state.lock();
    crate::seed::add_members(&mut g.dir, req.count);
    Json(json!({ "users": g.dir.users.len() })).into_response()
}

async fn reset(State(state): St) -> StatusCode {
    state.reset();
    StatusCode::NO_CONTENT
}
