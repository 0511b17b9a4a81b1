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

// ------------------------------------------------------------------ memberOf (CONTRACT.md 9.2)

const MANY: &str = "manygroups@contoso.com";
const VIA_GROUP: &str = "groupadmin@contoso.com";
const UA_TEMPLATE: &str = "fe930be7-5e62-47db-91af-98c3a49a38b1";

async fn token_for(sim: &Sim, client: &str, username: &str, scope: &str) -> String {
    let body: Value = sim
        .http
        .post(sim.url("/_sim/token"))
        .json(&json!({ "username": username, "scope": scope, "client_id": client }))
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    body["access_token"].as_str().expect("access_token").to_owned()
}

/// Every page of a collection, following @odata.nextLink; (items, pages).
async fn all_pages(sim: &Sim, token: &str, path: &str) -> (Vec<Value>, usize) {
    let mut next = Some(sim.url(path));
    let (mut items, mut pages) = (Vec::new(), 0);
    while let Some(url) = next.take() {
        let r = sim.http.get(&url).bearer_auth(token).send().await.expect("page");
        assert_eq!(r.status(), 200, "{url}");
        let body: Value = r.json().await.expect("json");
        items.extend(body["value"].as_array().cloned().unwrap_or_default());
        next = body["@odata.nextLink"].as_str().map(str::to_owned);
        pages += 1;
    }
    (items, pages)
}

fn of_type<'a>(items: &'a [Value], kind: &str) -> Vec<&'a Value> {
    items
        .iter()
        .filter(|o| o["@odata.type"] == format!("#microsoft.graph.{kind}"))
        .collect()
}

/// Limited information: `@odata.type` and `id`, every other property present and null.
fn is_limited(o: &Value) -> bool {
    let Some(m) = o.as_object() else {
        return false;
    };
    m.len() > 2
        && o["id"].is_string()
        && m.iter()
            .all(|(k, v)| k == "@odata.type" || k == "id" || v.is_null())
}

#[tokio::test]
async fn member_of_pages_at_100_and_puts_the_role_of_a_busy_admin_on_page_two() {
    let sim = Sim::start().await;
    let t = sim.token(MANY, "User.Read GroupMember.Read.All").await;
    let (status, first) = sim.get(&t, "/v1.0/me/memberOf").await;
    assert_eq!(status, 200);
    let page = first["value"].as_array().cloned().unwrap_or_default();
    assert_eq!(page.len(), 100);
    assert!(of_type(&page, "directoryRole").is_empty(), "no role on page one");
    let next = first["@odata.nextLink"].as_str().expect("a second page");
    assert!(
        next.starts_with(&sim.url("/v1.0/me/memberOf?")) && next.contains("$skiptoken="),
        "{next}"
    );
    let (items, pages) = all_pages(&sim, &t, "/v1.0/me/memberOf").await;
    assert_eq!((items.len(), pages), (151, 2));
    let roles = of_type(&items, "directoryRole");
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0]["displayName"], "User Administrator");
    assert_eq!(roles[0]["roleTemplateId"], UA_TEMPLATE);
    assert!(roles[0]["description"].is_string() && roles[0]["id"].is_string());
    let groups = of_type(&items, "group");
    assert_eq!(groups[0]["displayName"], "Project Team 001");
    assert_eq!(groups[0]["securityEnabled"], true);

    // $top 1..999; the query is bound to its skiptoken, route and user.
    let (_, one_page) = sim.get(&t, "/v1.0/me/memberOf?$top=999").await;
    assert_eq!(one_page["value"].as_array().map(Vec::len), Some(151));
    assert!(one_page.get("@odata.nextLink").is_none());
    for bad in [
        "$top=0",
        "$top=1000",
        "$skip=100",
        "$filter=displayName%20eq%20'x'",
    ] {
        let (status, body) = sim.get(&t, &format!("/v1.0/me/memberOf?{bad}")).await;
        assert_eq!((status, graph_code(&body)), (400, "Request_BadRequest"), "{bad}");
    }
    let token_part = next.split("$skiptoken=").nth(1).unwrap_or("");
    let (status, _) = sim
        .get(
            &t,
            &format!("/v1.0/me/transitiveMemberOf?$skiptoken={token_part}"),
        )
        .await;
    assert_eq!(status, 400, "a memberOf skiptoken is no transitiveMemberOf one");
    let other = sim.token(ADMIN, "User.Read GroupMember.Read.All").await;
    let r = sim.http.get(next).bearer_auth(&other).send().await.expect("GET");
    assert_eq!(r.status(), 400, "nor another user's");
    let r = sim
        .http
        .get(format!("{next}x"))
        .bearer_auth(&t)
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), 400, "a tampered skiptoken is refused");
}

#[tokio::test]
async fn objects_the_token_cannot_read_come_back_with_limited_information() {
    let sim = Sim::start().await;
    // Microsoft Graph Command Line Tools with User.Read only: neither type is readable.
    let t = token_for(&sim, GRAPH_CLI_CLIENT_ID, MANY, "User.Read").await;
    let (items, _) = all_pages(&sim, &t, "/v1.0/me/memberOf").await;
    assert_eq!(items.len(), 151);
    assert!(items.iter().all(is_limited), "{:?}", items.last());
    let role = of_type(&items, "directoryRole")[0];
    assert!(role.get("roleTemplateId").is_some_and(Value::is_null));
    assert!(role.get("displayName").is_some_and(Value::is_null));
    let group = of_type(&items, "group")[0];
    assert!(group.get("displayName").is_some_and(Value::is_null));

    // One scope per type.
    let t = token_for(&sim, GRAPH_CLI_CLIENT_ID, MANY, "User.Read GroupMember.Read.All").await;
    let (items, _) = all_pages(&sim, &t, "/v1.0/me/memberOf").await;
    assert!(of_type(&items, "group").iter().all(|g| !is_limited(g)));
    assert!(is_limited(of_type(&items, "directoryRole")[0]));
    let t = token_for(
        &sim,
        GRAPH_CLI_CLIENT_ID,
        MANY,
        "User.Read RoleManagement.Read.Directory",
    )
    .await;
    let (items, _) = all_pages(&sim, &t, "/v1.0/me/memberOf").await;
    assert!(of_type(&items, "group").iter().all(|g| is_limited(g)));
    assert_eq!(
        of_type(&items, "directoryRole")[0]["displayName"],
        "User Administrator"
    );
    let t = token_for(&sim, GRAPH_CLI_CLIENT_ID, MANY, "Directory.Read.All").await;
    let (items, _) = all_pages(&sim, &t, "/v1.0/me/memberOf").await;
    assert!(!items.iter().any(is_limited));

    // The demo client has RoleManagement.Read.Directory consented: roles readable with User.Read.
    let t = sim.token(ADMIN, "User.Read").await;
    let (_, body) = sim.get(&t, "/v1.0/me/memberOf").await;
    assert_eq!(body["value"][0]["roleTemplateId"], UA_TEMPLATE);
    // ... until the consent is revoked.
    let r = sim
        .http
        .post(sim.url("/_sim/consent"))
        .json(
            &json!({ "client_id": DEMO_CLIENT_ID, "scope": "RoleManagement.Read.Directory", "revoke": true }),
        )
        .send()
        .await
        .expect("consent");
    assert_eq!(r.status(), 200);
    let t = sim.token(ADMIN, "User.Read").await;
    let (_, body) = sim.get(&t, "/v1.0/me/memberOf").await;
    assert!(is_limited(&body["value"][0]), "{body}");

    // $select: the selected properties; limited objects still show only their id.
    let t = sim.token(MANY, "User.Read Directory.Read.All").await;
    let (status, body) = sim
        .get(
            &t,
            "/v1.0/me/memberOf?$top=999&$select=displayName,roleTemplateId",
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let role = body["value"]
        .as_array()
        .and_then(|v| {
            v.iter()
                .find(|o| o["@odata.type"] == "#microsoft.graph.directoryRole")
        })
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        role,
        json!({ "@odata.type": "#microsoft.graph.directoryRole", "displayName": "User Administrator", "roleTemplateId": UA_TEMPLATE })
    );
    let (status, _) = sim.get(&t, "/v1.0/me/memberOf?$select=nonsense").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn roles_held_through_a_role_assignable_group_are_transitive_only() {
    let sim = Sim::start().await;
    let t = sim.token(VIA_GROUP, "User.Read GroupMember.Read.All").await;
    let (status, direct) = sim.get(&t, "/v1.0/me/memberOf").await;
    assert_eq!(status, 200);
    let direct = direct["value"].as_array().cloned().unwrap_or_default();
    assert_eq!(direct.len(), 1, "{direct:?}");
    assert_eq!(direct[0]["@odata.type"], "#microsoft.graph.group");
    assert_eq!(direct[0]["isAssignableToRole"], true);
    let (status, all) = sim.get(&t, "/v1.0/me/transitiveMemberOf").await;
    assert_eq!(status, 200);
    let all = all["value"].as_array().cloned().unwrap_or_default();
    assert_eq!(of_type(&all, "group").len(), 1);
    let roles = of_type(&all, "directoryRole");
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0]["roleTemplateId"], UA_TEMPLATE);

    // Same paging and limited information as memberOf.
    let t = token_for(&sim, GRAPH_CLI_CLIENT_ID, MANY, "User.Read").await;
    let (items, pages) = all_pages(&sim, &t, "/v1.0/me/transitiveMemberOf").await;
    assert_eq!((items.len(), pages), (151, 2));
    assert!(items.iter().all(is_limited));
    // The accounts hook shows the roles an account holds, however it holds them.
    let accounts: Value = sim
        .http
        .get(sim.url("/_sim/accounts"))
        .send()
        .await
        .expect("accounts")
        .json()
        .await
        .expect("json");
    let account = accounts["accounts"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["username"] == VIA_GROUP))
        .cloned()
        .unwrap_or_default();
    assert_eq!(account["roles"], json!(["User Administrator"]));
}

#[tokio::test]
async fn member_of_inside_a_batch_follows_the_same_rules() {
    let sim = Sim::start().await;
    let t = token_for(&sim, GRAPH_CLI_CLIENT_ID, ADMIN, "User.Read").await;
    let batch = json!({ "requests": [
        { "id": "1", "method": "GET", "url": "/me/memberOf" },
        { "id": "2", "method": "GET", "url": "/me/transitiveMemberOf" }
    ]});
    let (status, body) = sim.post(&t, "/v1.0/$batch", batch).await;
    assert_eq!(status, 200);
    for r in body["responses"].as_array().into_iter().flatten() {
        assert_eq!(r["status"], 200);
        assert!(is_limited(&r["body"]["value"][0]), "{r}");
    }
}
