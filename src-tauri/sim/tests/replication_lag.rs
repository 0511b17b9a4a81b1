//! Replication lag (CONTRACT.md 9.8): with `replicationLagMs`, reads and the invitation service
//! see a recently written user as it was before the write.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};
use tenant_sim::{Faults, SimConfig, SimServer};

const LAG_MS: u64 = 2000;
const NOT_ON_OBJECT: &str = "The email you’re using to invite this user doesn’t match any emails on the user object. Please add this email to the user object and try again.";

fn convert(id: &str, email: &str) -> Value {
    json!({
        "invitedUserEmailAddress": email,
        "inviteRedirectUrl": "https://myapps.microsoft.com",
        "invitedUser": { "id": id }
    })
}

async fn after_the_lag() {
    tokio::time::sleep(Duration::from_millis(LAG_MS + 200)).await;
}

/// One user seen through `GET /users?$filter=id eq` (a list read).
async fn listed(sim: &Sim, t: &str, id: &str) -> Option<Value> {
    let (status, body) = sim
        .get(
            t,
            &format!("/v1.0/users?$filter=id%20eq%20'{id}'&$select=id,mail,externalUserState"),
        )
        .await;
    assert_eq!(status, 200);
    body["value"].as_array().and_then(|v| v.first().cloned())
}

#[tokio::test]
async fn a_patched_mail_is_not_seen_before_the_lag() {
    let sim = Sim::start().await;
    let t = sim.admin().await;
    sim.faults(json!({ "replicationLagMs": LAG_MS })).await;
    let u = sim.case_user("ready-other-mail").await;
    let id = u["id"].as_str().unwrap_or("").to_owned();
    let external = u["otherMails"][0].as_str().unwrap_or("").to_owned();

    let (status, _) = sim
        .patch(&t, &format!("/v1.0/users/{id}"), json!({ "mail": external }))
        .await;
    assert_eq!(status, 204);
    // GET, list and $batch reads all see the old state...
    let (_, got) = sim.get(&t, &format!("/v1.0/users/{id}?$select=mail")).await;
    assert!(got["mail"].is_null(), "{got}");
    assert!(listed(&sim, &t, &id).await.is_some_and(|u| u["mail"].is_null()));
    let (_, batch) = sim
        .post(
            &t,
            "/v1.0/$batch",
            json!({ "requests": [{ "id": "1", "method": "GET", "url": format!("/users/{id}?$select=mail") }] }),
        )
        .await;
    assert!(batch["responses"][0]["body"]["mail"].is_null(), "{batch}");
    // ...and so does the invitation service.
    let (status, body) = sim.post(&t, "/v1.0/invitations", convert(&id, &external)).await;
    assert_eq!((status, graph_message(&body)), (400, NOT_ON_OBJECT));

    after_the_lag().await;
    let (_, got) = sim.get(&t, &format!("/v1.0/users/{id}?$select=mail")).await;
    assert_eq!(got["mail"], external.as_str());
    let (status, body) = sim.post(&t, "/v1.0/invitations", convert(&id, &external)).await;
    assert_eq!(status, 201, "{body}");

    // Right after the 201 the user still reads as not invited.
    let (_, got) = sim
        .get(&t, &format!("/v1.0/users/{id}?$select=externalUserState"))
        .await;
    assert!(got["externalUserState"].is_null());
    let (_, pending) = sim
        .get(
            &t,
            "/v1.0/users?$filter=externalUserState%20eq%20'PendingAcceptance'&$select=id&$top=999",
        )
        .await;
    let ids = |b: &Value| -> Vec<String> {
        b["value"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|u| u["id"].as_str().map(str::to_owned))
            .collect()
    };
    assert!(!ids(&pending).contains(&id));
    after_the_lag().await;
    assert_eq!(
        listed(&sim, &t, &id)
            .await
            .map(|u| u["externalUserState"].clone()),
        Some(json!("PendingAcceptance"))
    );
}

#[tokio::test]
async fn a_new_guest_is_not_found_before_the_lag_and_the_fault_can_be_set_at_start() {
    let server = SimServer::start(SimConfig {
        faults: Faults {
            replication_lag_ms: LAG_MS,
            ..Faults::default()
        },
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    let sim = Sim {
        server,
        http: reqwest::Client::new(),
    };
    let faults: Value = sim
        .http
        .get(sim.url("/_sim/faults"))
        .send()
        .await
        .expect("faults")
        .json()
        .await
        .expect("json");
    assert_eq!(faults["replicationLagMs"], LAG_MS);

    let t = sim.admin().await;
    let (status, inv) = sim
        .post(
            &t,
            "/v1.0/invitations",
            json!({ "invitedUserEmailAddress": "fresh.guest@adatum.example", "inviteRedirectUrl": "https://myapps.microsoft.com" }),
        )
        .await;
    assert_eq!(status, 201);
    let id = inv["invitedUser"]["id"].as_str().unwrap_or("").to_owned();
    let (status, body) = sim.get(&t, &format!("/v1.0/users/{id}")).await;
    assert_eq!((status, graph_code(&body)), (404, "Request_ResourceNotFound"));
    assert!(listed(&sim, &t, &id).await.is_none());
    after_the_lag().await;
    assert_eq!(sim.get(&t, &format!("/v1.0/users/{id}")).await.0, 200);

    // Off again at run time: writes are seen at once.
    sim.faults(json!({ "replicationLagMs": 0 })).await;
    let u = sim.case_user("ready-other-mail").await;
    let id = u["id"].as_str().unwrap_or("").to_owned();
    let (status, _) = sim
        .patch(
            &t,
            &format!("/v1.0/users/{id}"),
            json!({ "mail": "seen.now@tailspin.example" }),
        )
        .await;
    assert_eq!(status, 204);
    let (_, got) = sim.get(&t, &format!("/v1.0/users/{id}?$select=mail")).await;
    assert_eq!(got["mail"], "seen.now@tailspin.example");
}
