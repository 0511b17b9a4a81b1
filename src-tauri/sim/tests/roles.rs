//! Reading roles and consent the way Entra and Graph show them, and role checks on writes, over real
//! HTTP (CONTRACT.md sections 1.3, 9.2, 9.4 and 9.5).

mod common;

use common::*;
use serde_json::{json, Value};
use tenant_sim::{DEMO_CLIENT_ID, GRAPH_CLI_CLIENT_ID};

/// A device-code sign-in of `username` to `client`: the token response as the client gets it.
async fn device_sign_in(sim: &Sim, client: &str, username: &str, scope: &str) -> Value {
    sim.faults(json!({ "deviceIntervalS": 0 })).await;
    let dc: Value = sim
        .http
        .post(sim.url("/organizations/oauth2/v2.0/devicecode"))
        .form(&[("client_id", client), ("scope", scope)])
        .send()
        .await
        .expect("devicecode")
        .json()
        .await
        .expect("json");
    let r = sim
        .http
        .post(sim.url("/_sim/device/approve"))
        .json(&json!({ "user_code": dc["user_code"], "username": username }))
        .send()
        .await
        .expect("approve");
    assert_eq!(r.status(), 204);
    let r = sim
        .http
        .post(sim.url("/organizations/oauth2/v2.0/token"))
        .form(&[
            ("client_id", client),
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("device_code", dc["device_code"].as_str().unwrap_or("")),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(r.status(), 200);
    r.json().await.expect("json")
}

async fn refresh(sim: &Sim, client: &str, rt: &str) -> Value {
    let r = sim
        .http
        .post(sim.url("/organizations/oauth2/v2.0/token"))
        .form(&[
            ("client_id", client),
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
        ])
        .send()
        .await
        .expect("refresh");
    assert_eq!(r.status(), 200);
    r.json().await.expect("json")
}

async fn consent(sim: &Sim, body: Value) -> (u16, Value) {
    let r = sim
        .http
        .post(sim.url("/_sim/consent"))
        .json(&body)
        .send()
        .await
        .expect("consent");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn scopes(token_response: &Value) -> Vec<String> {
    token_response["scope"]
        .as_str()
        .unwrap_or("")
        .split(' ')
        .map(str::to_owned)
        .collect()
}

const ROLES_SCOPE: &str = "RoleManagement.Read.Directory";

#[tokio::test]
async fn tokens_carry_every_scope_consented_for_the_client() {
    let sim = Sim::start().await;
    let demo = device_sign_in(&sim, DEMO_CLIENT_ID, ADMIN, "User.Read offline_access").await;
    assert!(scopes(&demo).iter().any(|s| s == ROLES_SCOPE), "{demo}");
    assert!(scopes(&demo).iter().any(|s| s == "User.Read"));
    let cli = device_sign_in(&sim, GRAPH_CLI_CLIENT_ID, ADMIN, "User.Read offline_access").await;
    assert!(!scopes(&cli).iter().any(|s| s == ROLES_SCOPE), "{cli}");

    // Granted at run time: the next token of that client has it, a refreshed one too.
    let (status, body) = consent(
        &sim,
        json!({ "client_id": GRAPH_CLI_CLIENT_ID, "scope": "rolemanagement.read.directory" }),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["consentedScopes"], json!([ROLES_SCOPE]));
    let refreshed = refresh(
        &sim,
        GRAPH_CLI_CLIENT_ID,
        cli["refresh_token"].as_str().unwrap_or(""),
    )
    .await;
    assert!(scopes(&refreshed).iter().any(|s| s == ROLES_SCOPE), "{refreshed}");

    // Revoked: gone from the next token.
    let (status, _) = consent(
        &sim,
        json!({ "client_id": DEMO_CLIENT_ID, "scope": ROLES_SCOPE, "revoke": true }),
    )
    .await;
    assert_eq!(status, 200);
    let refreshed = refresh(&sim, DEMO_CLIENT_ID, demo["refresh_token"].as_str().unwrap_or("")).await;
    assert!(
        !scopes(&refreshed).iter().any(|s| s == ROLES_SCOPE),
        "{refreshed}"
    );
    assert!(scopes(&refreshed).iter().any(|s| s == "User.Read"));

    assert_eq!(
        consent(&sim, json!({ "client_id": DEMO_CLIENT_ID, "scope": "Mail.Send" }))
            .await
            .0,
        400
    );
    assert_eq!(
        consent(
            &sim,
            json!({ "client_id": "00000000-0000-0000-0000-000000000001", "scope": ROLES_SCOPE })
        )
        .await
        .0,
        404
    );
    // Reset brings back the seeded consent.
    let r = sim.http.post(sim.url("/_sim/reset")).send().await.expect("reset");
    assert_eq!(r.status(), 204);
    let again = device_sign_in(&sim, DEMO_CLIENT_ID, ADMIN, "User.Read").await;
    assert!(scopes(&again).iter().any(|s| s == ROLES_SCOPE));
}
