//! Sponsors (user-list-sponsors, user-post-sponsors, user-delete-sponsors, b2b-sponsors): the
//! inviter becomes the sponsor when none is named, `invitedUserSponsors` on a new guest, the
//! `$ref` endpoints' scopes and roles, and the limit of five.

mod common;

use common::*;
use serde_json::{json, Value};

fn ids(list: &Value) -> Vec<String> {
    list["value"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| o["id"].as_str().map(str::to_owned))
        .collect()
}

fn user_id(sim: &Sim, upn: &str) -> String {
    sim.server.state().lock().dir.user(upn).expect(upn).id.clone()
}

async fn delete(sim: &Sim, token: &str, path: &str) -> u16 {
    sim.http
        .delete(sim.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("DELETE")
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_conversion_makes_the_inviter_sponsor_and_ref_changes_it() {
    let sim = Sim::start().await;
    let t = sim.admin().await;
    let admin = user_id(&sim, ADMIN);
    let user = sim.case_user("ready-to-convert").await;
    let id = user["id"].as_str().expect("id").to_owned();
    let mail = user["mail"].as_str().expect("mail").to_owned();
    let (status, _) = sim.get(&t, &format!("/v1.0/users/{id}/sponsors")).await;
    assert_eq!(status, 200);

    // invitedUserSponsors on a conversion is not documented: the simulator ignores it.
    let global = user_id(&sim, "global@contoso.com");
    let body = json!({
        "invitedUserEmailAddress": mail,
        "inviteRedirectUrl": "https://myapps.microsoft.com",
        "invitedUser": { "id": id },
        "invitedUserSponsors": [{ "id": global }],
    });
    let (status, inv) = sim.post(&t, "/v1.0/invitations", body).await;
    assert_eq!(status, 201, "{inv}");
    let (_, list) = sim
        .get(
            &t,
            &format!("/v1.0/users/{id}/sponsors?$select=id,displayName,userPrincipalName"),
        )
        .await;
    assert_eq!(ids(&list), std::slice::from_ref(&admin), "the inviter, silently");
    assert_eq!(list["value"][0]["userPrincipalName"], ADMIN);
    assert!(list["value"][0].get("mail").is_none(), "$select is honoured");

    // The Guest Inviter may read sponsors but not change them.
    let helpdesk = sim.token(HELPDESK, APP_SCOPES).await;
    let (status, _) = sim.get(&helpdesk, &format!("/v1.0/users/{id}/sponsors")).await;
    assert_eq!(status, 200);
    let r = json!({ "@odata.id": format!("https://graph.microsoft.com/v1.0/users/{global}") });
    let (status, body) = sim
        .post(&helpdesk, &format!("/v1.0/users/{id}/sponsors/$ref"), r.clone())
        .await;
    assert_eq!((status, graph_code(&body)), (403, "Authorization_RequestDenied"));
    // A User Administrator without User.ReadWrite.All may not either.
    let invite_only = sim.token(ADMIN, "User.Read User.Invite.All").await;
    let (status, _) = sim
        .post(
            &invite_only,
            &format!("/v1.0/users/{id}/sponsors/$ref"),
            r.clone(),
        )
        .await;
    assert_eq!(status, 403);
    // No role at all: not even reading another user's sponsors.
    let norole = sim.token(NOROLE, APP_SCOPES).await;
    let (status, _) = sim.get(&norole, &format!("/v1.0/users/{id}/sponsors")).await;
    assert_eq!(status, 403);

    let (status, _) = sim
        .post(&t, &format!("/v1.0/users/{id}/sponsors/$ref"), r.clone())
        .await;
    assert_eq!(status, 204);
    let (status, body) = sim.post(&t, &format!("/v1.0/users/{id}/sponsors/$ref"), r).await;
    assert_eq!(status, 400, "already a sponsor: {body}");
    assert_eq!(
        delete(&sim, &t, &format!("/v1.0/users/{id}/sponsors/{admin}/$ref")).await,
        204
    );
    assert_eq!(
        delete(&sim, &t, &format!("/v1.0/users/{id}/sponsors/{admin}/$ref")).await,
        404
    );
    let (_, list) = sim.get(&t, &format!("/v1.0/users/{id}/sponsors")).await;
    assert_eq!(ids(&list), [global]);

    // Unknown sponsor: 404; a group is fine, seen with limited information without group scopes.
    let gone =
        json!({ "@odata.id": "https://graph.microsoft.com/v1.0/users/00000000-0000-0000-0000-000000000000" });
    let (status, body) = sim
        .post(&t, &format!("/v1.0/users/{id}/sponsors/$ref"), gone)
        .await;
    assert_eq!((status, graph_code(&body)), (404, "Request_ResourceNotFound"));
    let group = sim.server.state().lock().dir.groups[0].id.clone();
    let g = json!({ "@odata.id": format!("https://graph.microsoft.com/v1.0/groups/{group}") });
    let (status, _) = sim.post(&t, &format!("/v1.0/users/{id}/sponsors/$ref"), g).await;
    assert_eq!(status, 204);
    let (_, list) = sim.get(&t, &format!("/v1.0/users/{id}/sponsors")).await;
    assert_eq!(list["value"][1]["@odata.type"], "#microsoft.graph.group");
    assert!(
        list["value"][1].get("displayName").is_none(),
        "limited information"
    );
    let (status, _) = sim.get(&t, &format!("/v1.0/groups/{group}")).await;
    assert_eq!(status, 403, "the app's scopes cannot read groups");

    // Five at most.
    let others: Vec<String> = {
        let g = sim.server.state().lock();
        g.dir
            .users
            .iter()
            .filter(|u| u.id != id)
            .skip(10)
            .take(4)
            .map(|u| u.id.clone())
            .collect()
    };
    let mut last = (0, Value::Null);
    for o in &others {
        let r = json!({ "@odata.id": format!("https://graph.microsoft.com/v1.0/users/{o}") });
        last = sim.post(&t, &format!("/v1.0/users/{id}/sponsors/$ref"), r).await;
    }
    assert_eq!(
        (last.0, graph_code(&last.1)),
        (400, "Request_BadRequest"),
        "the sixth"
    );
    let (_, list) = sim.get(&t, &format!("/v1.0/users/{id}/sponsors")).await;
    assert_eq!(ids(&list).len(), 5);
}

#[tokio::test]
async fn a_new_guest_gets_the_named_sponsors_or_the_inviter() {
    let sim = Sim::start().await;
    let t = sim.admin().await;
    let admin = user_id(&sim, ADMIN);
    let global = user_id(&sim, "global@contoso.com");
    let invite = |email: &str, sponsors: Value| {
        json!({
            "invitedUserEmailAddress": email,
            "inviteRedirectUrl": "https://myapps.microsoft.com",
            "invitedUserSponsors": sponsors,
        })
    };
    let (status, inv) = sim
        .post(
            &t,
            "/v1.0/invitations",
            invite("p1@partner-one.example", json!([])),
        )
        .await;
    assert_eq!(status, 201, "{inv}");
    let guest = inv["invitedUser"]["id"].as_str().expect("id").to_owned();
    let (_, list) = sim.get(&t, &format!("/v1.0/users/{guest}/sponsors")).await;
    assert_eq!(ids(&list), [admin]);

    let named = json!([{ "@odata.id": format!("https://graph.microsoft.com/v1.0/users/{global}") }]);
    let (status, inv) = sim
        .post(&t, "/v1.0/invitations", invite("p2@partner-one.example", named))
        .await;
    assert_eq!(status, 201, "{inv}");
    let guest = inv["invitedUser"]["id"].as_str().expect("id").to_owned();
    let (_, list) = sim.get(&t, &format!("/v1.0/users/{guest}/sponsors")).await;
    assert_eq!(ids(&list), std::slice::from_ref(&global));

    let six: Value = (0..6).map(|i| json!({ "id": format!("{global}{i}") })).collect();
    let (status, _) = sim
        .post(&t, "/v1.0/invitations", invite("p3@partner-one.example", six))
        .await;
    assert_eq!(status, 400);
    let unknown = json!([{ "id": "00000000-0000-0000-0000-000000000000" }]);
    let (status, _) = sim
        .post(&t, "/v1.0/invitations", invite("p4@partner-one.example", unknown))
        .await;
    assert_eq!(status, 404);
}
