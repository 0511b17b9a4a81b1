//! Microsoft Graph over real HTTP: authorisation, users queries and paging, PATCH, invitations
//! (CONTRACT.md sections 1.1 to 1.7), $batch and fault injection.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn tokens_are_checked() {
    let sim = Sim::start().await;
    let r = sim.http.get(sim.url("/v1.0/me")).send().await.expect("GET");
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("www-authenticate"));
    let body: Value = r.json().await.expect("json");
    assert_eq!(graph_code(&body), "InvalidAuthenticationToken");

    let (status, _) = sim.get("forged.token.value", "/v1.0/me").await;
    assert_eq!(status, 401);

    // Missing scope: 403 Authorization_RequestDenied.
    let basic = sim.token(ADMIN, "User.Read").await;
    let (status, body) = sim.get(&basic, "/v1.0/users").await;
    assert_eq!((status, graph_code(&body)), (403, "Authorization_RequestDenied"));
    assert_eq!(
        graph_message(&body),
        "Insufficient privileges to complete the operation."
    );

    // Expired token: 401.
    // Expiry is checked in whole seconds: 2 s leaves room for a second boundary before the first call.
    sim.faults(json!({ "tokenLifetimeS": 2 })).await;
    let short = sim.admin().await;
    let (status, _) = sim.get(&short, "/v1.0/me").await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let (status, body) = sim.get(&short, "/v1.0/me").await;
    assert_eq!((status, graph_code(&body)), (401, "InvalidAuthenticationToken"));
}

#[tokio::test]
async fn me_roles_organization_domains() {
    let sim = Sim::start().await;
    let admin = sim.admin().await;
    let (status, roles) = sim.get(&admin, "/v1.0/me/memberOf").await;
    assert_eq!(status, 200);
    assert_eq!(roles["value"][0]["displayName"], "User Administrator");
    assert_eq!(
        roles["value"][0]["roleTemplateId"],
        "fe930be7-5e62-47db-91af-98c3a49a38b1"
    );
    let helpdesk = sim.token(HELPDESK, APP_SCOPES).await;
    let (_, roles) = sim.get(&helpdesk, "/v1.0/me/memberOf").await;
    assert_eq!(roles["value"][0]["displayName"], "Guest Inviter");
    let norole = sim.token(NOROLE, APP_SCOPES).await;
    let (_, roles) = sim.get(&norole, "/v1.0/me/memberOf").await;
    assert_eq!(roles["value"].as_array().map(Vec::len), Some(0));

    let (status, org) = sim.get(&norole, "/v1.0/organization").await;
    assert_eq!(status, 200);
    assert_eq!(org["value"][0]["id"], TENANT_ID);
    let names: Vec<&str> = org["value"][0]["verifiedDomains"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["name"].as_str())
        .collect();
    assert!(names.contains(&"contoso.com") && names.len() >= 3, "{names:?}");

    // /domains needs Domain.Read.All (or Directory.Read.All) and a supported role.
    let (status, _) = sim.get(&admin, "/v1.0/domains").await;
    assert_eq!(status, 403);
    let with_domains = sim.token(ADMIN, "User.Read Domain.Read.All").await;
    let (status, domains) = sim.get(&with_domains, "/v1.0/domains").await;
    assert_eq!(status, 200);
    assert!(domains["value"]
        .as_array()
        .is_some_and(|d| d.iter().all(|x| x["isVerified"].is_boolean())));
    let norole_domains = sim.token(NOROLE, "Domain.Read.All").await;
    assert_eq!(sim.get(&norole_domains, "/v1.0/domains").await.0, 403);
}

#[tokio::test]
async fn advanced_query_rules_and_documented_errors() {
    let sim = Sim::start().await;
    let t = sim.admin().await;
    let (status, body) = sim.get(&t, "/v1.0/users?$search=%22displayName:ada%22").await;
    assert_eq!((status, graph_code(&body)), (400, "Request_UnsupportedQuery"));
    assert_eq!(
        graph_message(&body),
        "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'"
    );
    let (status, body) = sim
        .get_eventual(&t, "/v1.0/users?$search=%22displayName:ada%22&$count=true")
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["value"]
        .as_array()
        .is_some_and(|v| v.iter().any(|u| u["userPrincipalName"] == ADMIN)));
    assert!(body["@odata.count"].as_u64().is_some_and(|n| n >= 1));

    let (status, body) = sim
        .get(&t, "/v1.0/users?$filter=endswith(mail,'northwind.example')")
        .await;
    assert_eq!((status, graph_code(&body)), (400, "Request_UnsupportedQuery"));
    assert!(graph_message(&body).starts_with(
        "Operator 'endsWith' is not supported because the required parameters might be missing."
    ));
    let (status, _) = sim
        .get_eventual(
            &t,
            "/v1.0/users?$filter=endswith(mail,'northwind.example')&$count=true",
        )
        .await;
    assert_eq!(status, 200);

    // $count=true without the header is silently ignored.
    let (status, body) = sim.get(&t, "/v1.0/users?$top=1&$count=true").await;
    assert_eq!(status, 200);
    assert!(body.get("@odata.count").is_none());
    // /users/$count needs the header.
    let (status, body) = sim.get(&t, "/v1.0/users/$count").await;
    assert_eq!(
        (status, graph_message(&body)),
        (400, "$count is not currently supported.")
    );
    let r = sim
        .http
        .get(sim.url("/v1.0/users/$count"))
        .bearer_auth(&t)
        .header("ConsistencyLevel", "eventual")
        .send()
        .await
        .expect("count");
    let total: usize = r.text().await.expect("text").trim().parse().expect("a number");
    assert!(total >= 300);

    // $filter + $orderby is advanced.
    let (status, body) = sim
        .get(
            &t,
            "/v1.0/users?$filter=startswith(displayName,'a')&$orderby=displayName",
        )
        .await;
    assert_eq!((status, graph_code(&body)), (400, "Request_UnsupportedQuery"));
    // Top bounds and unsupported options.
    assert_eq!(sim.get(&t, "/v1.0/users?$top=1000").await.0, 400);
    assert_eq!(sim.get(&t, "/v1.0/users?$top=0").await.0, 400);
    assert_eq!(sim.get(&t, "/v1.0/users?$skip=10").await.0, 400);
    // Pending invitations the way Microsoft's PowerShell asks, without advanced parameters.
    let (status, body) = sim
        .get(
            &t,
            "/v1.0/users?$filter=externalUserState%20eq%20'PendingAcceptance'",
        )
        .await;
    assert_eq!(status, 200);
    assert!(body["value"].as_array().is_some_and(|v| !v.is_empty()));
    // O'Brien: the apostrophe doubled.
    let (status, body) = sim
        .get(&t, "/v1.0/users?$filter=startswith(displayName,'Sean%20O''B')")
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn paging_covers_the_whole_directory_and_needs_the_header_on_every_page() {
    let sim = Sim::start().await;
    let t = sim.admin().await;
    let mut next = Some(sim.url("/v1.0/users?$top=37&$select=id,userPrincipalName"));
    let mut ids = HashSet::new();
    let mut pages = 0;
    while let Some(url) = next.take() {
        let r = sim.http.get(&url).bearer_auth(&t).send().await.expect("page");
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.expect("json");
        for u in body["value"].as_array().expect("value") {
            assert!(u.get("mail").is_none(), "$select honoured");
            assert!(
                ids.insert(u["id"].as_str().unwrap_or("").to_owned()),
                "no user twice"
            );
        }
        next = body["@odata.nextLink"].as_str().map(str::to_owned);
        pages += 1;
    }
    let total = sim.server.state().lock().dir.users.len();
    assert_eq!(ids.len(), total);
    assert_eq!(pages, total.div_ceil(37));

    // $search paging: ConsistencyLevel must be sent again.
    let (status, first) = sim
        .get_eventual(&t, "/v1.0/users?$search=%22displayName:a%22&$top=5&$count=true")
        .await;
    assert_eq!(status, 200);
    assert!(first["@odata.count"].is_number());
    let next = first["@odata.nextLink"]
        .as_str()
        .expect("more than one page")
        .to_owned();
    let r = sim.http.get(&next).bearer_auth(&t).send().await.expect("page 2");
    assert_eq!(r.status(), 400, "the header is not carried to the next page");
    let r = sim
        .http
        .get(&next)
        .bearer_auth(&t)
        .header("ConsistencyLevel", "eventual")
        .send()
        .await
        .expect("page 2");
    assert_eq!(r.status(), 200);
    let second: Value = r.json().await.expect("json");
    assert!(
        second.get("@odata.count").is_none(),
        "count on the first page only"
    );
    // A tampered skiptoken is refused.
    let tampered = format!("{}A", next);
    let r = sim
        .http
        .get(&tampered)
        .bearer_auth(&t)
        .header("ConsistencyLevel", "eventual")
        .send()
        .await
        .expect("x");
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn get_user_by_id_or_upn_and_404() {
    let sim = Sim::start().await;
    let t = sim.admin().await;
    let (status, body) = sim
        .get(&t, "/v1.0/users/0b0e0e0e-0000-0000-0000-000000000000")
        .await;
    assert_eq!((status, graph_code(&body)), (404, "Request_ResourceNotFound"));
    let (status, body) = sim
        .get(&t, &format!("/v1.0/users/{ADMIN}?$select=id,userPrincipalName,externalUserState,onPremisesUserPrincipalName"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["userPrincipalName"], ADMIN);
    assert!(body.get("externalUserState").is_some() && body.get("displayName").is_none());
    assert!(body.get("_sim").is_none(), "simulator internals never leak");
}

#[tokio::test]
async fn patch_mail_rules() {
    let sim = Sim::start().await;
    let t = sim.admin().await;
    let user = sim.case_user("ready-other-mail").await;
    let id = user["id"].as_str().expect("id");
    let external = user["otherMails"][0].as_str().expect("other mail").to_owned();
    let (status, _) = sim
        .patch(&t, &format!("/v1.0/users/{id}"), json!({ "mail": external }))
        .await;
    assert_eq!(status, 204);
    let (_, after) = sim
        .get(&t, &format!("/v1.0/users/{id}?$select=mail,proxyAddresses"))
        .await;
    assert_eq!(after["mail"].as_str(), Some(external.as_str()));
    assert_eq!(
        after["proxyAddresses"][0].as_str(),
        Some(format!("SMTP:{external}").as_str())
    );

    let mailbox = sim.case_user("exchange-mailbox").await;
    let (status, _) = sim
        .patch(
            &t,
            &format!("/v1.0/users/{}", mailbox["id"].as_str().unwrap_or("")),
            json!({ "mail": "x@northwind.example" }),
        )
        .await;
    assert_eq!(status, 400, "mail can't be changed on a user with a mailbox");
    let synced = sim.case_user("synced-onprem-upn").await;
    let (status, _) = sim
        .patch(
            &t,
            &format!("/v1.0/users/{}", synced["id"].as_str().unwrap_or("")),
            json!({ "mail": "y@northwind.example" }),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = sim
        .patch(
            &t,
            &format!("/v1.0/users/{id}"),
            json!({ "mail": "not an address" }),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = sim
        .patch(&t, &format!("/v1.0/users/{id}"), json!({ "displayName": "x" }))
        .await;
    assert_eq!(status, 400);
    // The helpdesk account (Guest Inviter only) may not change users.
    let helpdesk = sim.token(HELPDESK, APP_SCOPES).await;
    let (status, body) = sim
        .patch(
            &helpdesk,
            &format!("/v1.0/users/{id}"),
            json!({ "userType": "Guest" }),
        )
        .await;
    assert_eq!((status, graph_code(&body)), (403, "Authorization_RequestDenied"));
}

fn convert_body(id: &str, email: &str) -> Value {
    json!({
        "invitedUserEmailAddress": email,
        "inviteRedirectUrl": format!("https://myapps.microsoft.com/?tenantId={TENANT_ID}"),
        "sendInvitationMessage": true,
        "invitedUserMessageInfo": {
            "messageLanguage": "fr-FR",
            "ccRecipients": [{ "emailAddress": { "name": null, "address": "manager@northwind.example" } }],
            "customizedMessageBody": "Bienvenue"
        },
        "invitedUser": { "id": id }
    })
}

#[tokio::test]
async fn convert_an_internal_user_then_resend_then_redeem() {
    let sim = Sim::start().await;
    let t = sim.admin().await;
    let user = sim.case_user("ready-to-convert").await;
    let id = user["id"].as_str().expect("id").to_owned();
    let mail = user["mail"].as_str().expect("mail").to_owned();

    let (status, inv) = sim.post(&t, "/v1.0/invitations", convert_body(&id, &mail)).await;
    assert_eq!(status, 201, "{inv}");
    assert_eq!(inv["status"], "PendingAcceptance");
    assert_eq!(inv["invitedUser"]["id"], id.as_str());
    assert_eq!(inv["invitedUser"]["userPrincipalName"], user["userPrincipalName"]);
    assert_eq!(inv["invitedUserType"], "Guest", "the default is echoed");
    assert_eq!(inv["resetRedemption"], false);
    assert_eq!(inv["invitedUserMessageInfo"]["messageLanguage"], "fr-FR");
    assert!(inv["inviteRedeemUrl"]
        .as_str()
        .is_some_and(|u| u.contains("/redeem?rd=")));
    assert_ne!(inv["id"], id.as_str(), "the invitation id is not the user id");

    let (_, after) = sim
        .get(&t, &format!("/v1.0/users/{id}?$select=userType,externalUserState,externalUserStateChangeDateTime,userPrincipalName"))
        .await;
    assert_eq!(after["externalUserState"], "PendingAcceptance");
    assert!(after["externalUserStateChangeDateTime"]
        .as_str()
        .is_some_and(|d| d.ends_with('Z')));
    assert_eq!(after["userType"], "Member", "userType is unchanged");
    assert_eq!(after["userPrincipalName"], user["userPrincipalName"]);

    let outbox: Value = sim
        .http
        .get(sim.url("/_sim/outbox"))
        .send()
        .await
        .expect("outbox")
        .json()
        .await
        .expect("json");
    let m = &outbox["value"][0];
    assert_eq!(
        (m["to"].as_str(), m["language"].as_str()),
        (Some(mail.as_str()), Some("fr-FR"))
    );
    assert_eq!(m["cc"][0], "manager@northwind.example");
    assert_eq!(m["redeemUrl"], inv["inviteRedeemUrl"]);

    // A second plain invitation is refused; a reset goes through.
    let (status, body) = sim.post(&t, "/v1.0/invitations", convert_body(&id, &mail)).await;
    assert_eq!((status, graph_code(&body)), (400, "BadRequest"));
    let mut reset = convert_body(&id, &mail);
    reset["resetRedemption"] = json!(true);
    reset["sendInvitationMessage"] = json!(false);
    let (status, body) = sim.post(&t, "/v1.0/invitations", reset).await;
    assert_eq!(status, 201);
    assert_eq!(body["resetRedemption"], true);

    let stats: Value = sim
        .http
        .get(sim.url("/_sim/stats"))
        .send()
        .await
        .expect("stats")
        .json()
        .await
        .expect("json");
    assert_eq!(stats["invitations"][&id], 2);
    assert_eq!(stats["routes"]["POST /v1.0/invitations"], 3);

    let r = sim
        .http
        .post(sim.url("/_sim/redeem"))
        .json(&json!({ "user_id": id }))
        .send()
        .await
        .expect("redeem");
    assert_eq!(r.status(), 204);
    let (_, after) = sim
        .get(&t, &format!("/v1.0/users/{id}?$select=externalUserState"))
        .await;
    assert_eq!(after["externalUserState"], "Accepted");
}

#[tokio::test]
async fn conversion_blocks_with_plain_errors() {
    let sim = Sim::start().await;
    let t = sim.admin().await;
    let post = |body: Value| {
        let (sim, t) = (&sim, t.clone());
        async move { sim.post(&t, "/v1.0/invitations", body).await }
    };
    let field = |u: &Value, f: &str| u[f].as_str().unwrap_or("").to_owned();

    let synced = sim.case_user("synced-onprem-upn").await;
    let (status, _) = post(convert_body(&field(&synced, "id"), &field(&synced, "mail"))).await;
    assert_eq!(status, 400, "onPremisesUserPrincipalName blocks conversion");

    for case in ["mail-verified-domain", "mail-verified-subdomain"] {
        let u = sim.case_user(case).await;
        let (status, body) = post(convert_body(&field(&u, "id"), &field(&u, "mail"))).await;
        assert_eq!(status, 400, "{case}");
        assert!(graph_message(&body).contains("verified domain"), "{case}: {body}");
    }

    let ready = sim.case_user("ready-to-convert").await;
    let (status, body) = post(convert_body(
        &field(&ready, "id"),
        "someone.else@northwind.example",
    ))
    .await;
    assert_eq!(status, 400);
    assert!(graph_message(&body).contains("doesn’t match any emails on the user object"));

    let (status, body) = post(convert_body(
        "5d9f3c3e-0000-4000-8000-000000000000",
        "a@northwind.example",
    ))
    .await;
    assert_eq!((status, graph_code(&body)), (404, "Request_ResourceNotFound"));

    let forbidden = sim.case_user("forbidden-chars").await;
    let (status, body) = post(convert_body(&field(&forbidden, "id"), &field(&forbidden, "mail"))).await;
    assert_eq!(
        (status, graph_message(&body)),
        (400, "The Primary SMTP Address is an invalid value")
    );

    let shared = sim.case_users("shared-external-address").await;
    let target = shared
        .iter()
        .find(|u| u["mail"].is_string())
        .expect("one has it as mail");
    let (status, body) = post(convert_body(&field(target, "id"), &field(target, "mail"))).await;
    assert_eq!(status, 400);
    assert!(
        graph_message(&body).starts_with("Non-external user already exists"),
        "{body}"
    );

    let mut two_cc = convert_body(&field(&ready, "id"), &field(&ready, "mail"));
    two_cc["invitedUserMessageInfo"]["ccRecipients"] = json!([
        { "emailAddress": { "address": "a@northwind.example" } },
        { "emailAddress": { "address": "b@northwind.example" } }
    ]);
    assert_eq!(post(two_cc).await.0, 400, "one cc recipient at most");

    // Sending more than {id} is treated as a new invitation (the SDK pitfall).
    let mut full = convert_body(&field(&ready, "id"), &field(&ready, "mail"));
    full["invitedUser"]["userPrincipalName"] = ready["userPrincipalName"].clone();
    let (status, body) = post(full).await;
    assert_eq!(status, 400);
    assert!(graph_message(&body).starts_with("The invited user already exists in the directory as objectID"));

    // Roles: Guest Inviter and no role cannot convert (the invitation service's 401); the user is
    // left untouched.
    for who in [HELPDESK, NOROLE] {
        let tok = sim.token(who, APP_SCOPES).await;
        let (status, body) = sim
            .post(
                &tok,
                "/v1.0/invitations",
                convert_body(&field(&ready, "id"), &field(&ready, "mail")),
            )
            .await;
        assert_eq!((status, graph_code(&body)), (401, "Unauthorized"), "{who}");
    }
    // Scope: a token without User.Invite.All is refused.
    let read_only = sim.token(ADMIN, "User.Read.All").await;
    let (status, _) = sim
        .post(
            &read_only,
            "/v1.0/invitations",
            convert_body(&field(&ready, "id"), &field(&ready, "mail")),
        )
        .await;
    assert_eq!(status, 403);
    let (_, after) = sim
        .get(
            &t,
            &format!("/v1.0/users/{}?$select=externalUserState", field(&ready, "id")),
        )
        .await;
    assert!(after["externalUserState"].is_null(), "no half-done state");
}

#[tokio::test]
async fn batch_limits_dependencies_and_per_item_throttling() {
    let sim = Sim::start().await;
    let t = sim.admin().await;
    let many: Vec<Value> = (0..21)
        .map(|i| json!({ "id": i.to_string(), "method": "GET", "url": "/me" }))
        .collect();
    assert_eq!(
        sim.post(&t, "/v1.0/$batch", json!({ "requests": many })).await.0,
        400
    );
    let dup = json!({ "requests": [{ "id": "1", "method": "GET", "url": "/me" }, { "id": "1", "method": "GET", "url": "/me" }] });
    assert_eq!(sim.post(&t, "/v1.0/$batch", dup).await.0, 400);

    let ready = sim.case_users("ready-to-convert").await;
    let batch = json!({ "requests": [
        { "id": "1", "method": "GET", "url": "/users/00000000-0000-4000-8000-00000000dead" },
        { "id": "2", "method": "GET", "url": "/me", "dependsOn": ["1"] },
        { "id": "3", "method": "GET", "url": format!("/users/{}?$select=id,mail", ready[0]["id"].as_str().unwrap_or("")) },
        { "id": "4", "method": "GET", "url": "/users?$filter=endswith(mail,'northwind.example')&$count=true",
          "headers": { "ConsistencyLevel": "eventual" } }
    ]});
    let (status, body) = sim.post(&t, "/v1.0/$batch", batch).await;
    assert_eq!(status, 200);
    let by_id = |id: &str| {
        body["responses"]
            .as_array()
            .and_then(|r| r.iter().find(|x| x["id"] == id))
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(by_id("1")["status"], 404);
    assert_eq!(by_id("2")["status"], 424);
    assert_eq!(by_id("3")["status"], 200);
    assert_eq!(by_id("3")["body"]["mail"], ready[0]["mail"]);
    assert_eq!(
        by_id("4")["status"],
        200,
        "ConsistencyLevel in the item's headers"
    );

    // Writes inside a batch are throttled one by one.
    sim.faults(json!({ "throttle": { "writes": 1, "windowS": 60.0 } }))
        .await;
    let patch = |i: usize| {
        json!({ "id": i.to_string(), "method": "PATCH", "url": format!("/users/{}", ready[i]["id"].as_str().unwrap_or("")),
                "headers": { "Content-Type": "application/json" }, "body": { "userType": "Member" } })
    };
    let (status, body) = sim
        .post(&t, "/v1.0/$batch", json!({ "requests": [patch(1), patch(2)] }))
        .await;
    assert_eq!(status, 200);
    let statuses: Vec<i64> = body["responses"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["status"].as_i64())
        .collect();
    assert_eq!(statuses, vec![204, 429]);
    let retry: f64 = body["responses"][1]["headers"]["Retry-After"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("Retry-After");
    assert!(retry > 0.0 && retry <= 60.0);
}

#[tokio::test]
async fn faults_throttle_503_drop_and_latency() {
    let sim = Sim::start().await;
    let t = sim.admin().await;
    let users = sim.case_users("ready-to-convert").await;
    sim.faults(json!({ "throttle": { "writes": 2, "windowS": 30.0 } }))
        .await;
    for u in users.iter().take(2) {
        let (status, _) = sim
            .patch(
                &t,
                &format!("/v1.0/users/{}", u["id"].as_str().unwrap_or("")),
                json!({ "userType": "Member" }),
            )
            .await;
        assert_eq!(status, 204);
    }
    let r = sim
        .http
        .patch(sim.url(&format!("/v1.0/users/{}", users[2]["id"].as_str().unwrap_or(""))))
        .bearer_auth(&t)
        .json(&json!({ "userType": "Member" }))
        .send()
        .await
        .expect("PATCH");
    assert_eq!(r.status(), 429);
    let retry: f64 = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.parse().ok())
        .expect("decimal");
    assert!(retry > 0.0 && retry <= 30.0);
    let body: Value = r.json().await.expect("json");
    assert_eq!(graph_code(&body), "TooManyRequests");
    // Reads are not writes.
    assert_eq!(sim.get(&t, "/v1.0/me").await.0, 200);

    sim.faults(json!({ "routes": { "GET /v1.0/me": { "failRate": 1.0 } } }))
        .await;
    let r = sim
        .http
        .get(sim.url("/v1.0/me"))
        .bearer_auth(&t)
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(
        sim.get(&t, "/v1.0/organization").await.0,
        200,
        "other routes unaffected"
    );

    sim.faults(json!({ "routes": { "GET /v1.0/me": { "dropRate": 1.0 } } }))
        .await;
    let r = sim.http.get(sim.url("/v1.0/me")).bearer_auth(&t).send().await;
    assert!(r.is_err(), "the connection closes without an answer");

    sim.faults(json!({ "routes": { "GET /v1.0/me": { "throttleRetryAfter": "0.25" } } }))
        .await;
    let r = sim
        .http
        .get(sim.url("/v1.0/me"))
        .bearer_auth(&t)
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), 429);
    assert_eq!(
        r.headers().get("retry-after").and_then(|v| v.to_str().ok()),
        Some("0.25")
    );

    sim.faults(json!({ "latencyMs": 150 })).await;
    let start = Instant::now();
    assert_eq!(sim.get(&t, "/v1.0/me").await.0, 200);
    assert!(start.elapsed() >= Duration::from_millis(150));

    let r = sim
        .http
        .post(sim.url("/_sim/faults"))
        .json(&json!({ "failRate": 2.0 }))
        .send()
        .await
        .expect("faults");
    assert_eq!(r.status(), 400, "invalid faults are refused");
    let r = sim
        .http
        .post(sim.url("/_sim/faults"))
        .json(&json!({ "latncyMs": 1 }))
        .send()
        .await
        .expect("faults");
    assert_eq!(r.status(), 400, "unknown fields are refused");

    let r = sim.http.post(sim.url("/_sim/reset")).send().await.expect("reset");
    assert_eq!(r.status(), 204);
    let faults: Value = sim
        .http
        .get(sim.url("/_sim/faults"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(faults["latencyMs"], 0);
}

#[tokio::test]
async fn new_guest_invitation_creates_a_guest() {
    let sim = Sim::start().await;
    let helpdesk = sim.token(HELPDESK, APP_SCOPES).await;
    let body = json!({ "invitedUserEmailAddress": "new.partner@adatum.example", "inviteRedirectUrl": "https://myapp.contoso.com" });
    let (status, inv) = sim.post(&helpdesk, "/v1.0/invitations", body).await;
    assert_eq!(status, 201, "a Guest Inviter may invite new guests");
    let upn = inv["invitedUser"]["userPrincipalName"].as_str().expect("upn");
    assert!(upn.starts_with("new.partner_adatum.example#EXT#@"), "{upn}");
    assert_eq!(inv["sendInvitationMessage"], false);
    assert_eq!(
        inv["invitedUserMessageInfo"]["ccRecipients"][0]["emailAddress"]["address"],
        Value::Null
    );
}
