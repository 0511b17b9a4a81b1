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

// ------------------------------------------------------------------ role checks (CONTRACT.md 1.3, 9.4, 9.5)

const HELPDESK_ADMIN: &str = "helpdeskadmin@contoso.com";
const WRITER: &str = "writer@contoso.com";
const GLOBAL: &str = "global@contoso.com";

fn invite_401_message() -> String {
    format!(
        "Insufficient privileges to perform requested operation by the application \
         '00000003-0000-0000-c000-000000000000'. ControllerName=MSGraphInviteAPI, \
         ActionName=CreateInvite, URL absolute path=/api/{TENANT_ID}/invites"
    )
}

fn convert_body(user: &Value, reset: bool) -> Value {
    json!({
        "invitedUserEmailAddress": user["mail"],
        "inviteRedirectUrl": "https://myapps.microsoft.com",
        "invitedUser": { "id": user["id"] },
        "resetRedemption": reset
    })
}

fn new_guest_body(address: &str) -> Value {
    json!({ "invitedUserEmailAddress": address, "inviteRedirectUrl": "https://myapps.microsoft.com" })
}

/// POSTs an invitation as `who`; (status, error code or "", whether WWW-Authenticate was sent).
async fn invite_as(sim: &Sim, who: &str, body: Value) -> (u16, String, bool) {
    let t = sim.token(who, APP_SCOPES).await;
    let r = sim
        .http
        .post(sim.url("/v1.0/invitations"))
        .bearer_auth(&t)
        .json(&body)
        .send()
        .await
        .expect("POST");
    let status = r.status().as_u16();
    let challenge = r.headers().contains_key("www-authenticate");
    let body: Value = r.json().await.unwrap_or(Value::Null);
    if status == 401 {
        assert_eq!(graph_message(&body), invite_401_message());
        assert!(body["error"]["innerError"]["request-id"].is_string(), "{body}");
        assert!(body["error"]["innerError"]["date"].is_string(), "{body}");
    }
    (status, graph_code(&body).to_owned(), challenge)
}

#[tokio::test]
async fn only_user_managing_roles_may_patch_mail_other_mails_and_user_type() {
    let sim = Sim::start().await;
    let users = sim.case_users("ready-other-mail").await;
    let path = |u: &Value| format!("/v1.0/users/{}", u["id"].as_str().unwrap_or(""));
    let changes = [
        json!({ "mail": users[0]["otherMails"][0] }),
        json!({ "otherMails": ["x@northwind.example"] }),
        json!({ "userType": "Guest" }),
    ];
    for who in [HELPDESK_ADMIN, HELPDESK, NOROLE] {
        let t = sim.token(who, APP_SCOPES).await;
        for change in &changes {
            let (status, body) = sim.patch(&t, &path(&users[0]), change.clone()).await;
            assert_eq!(
                (status, graph_code(&body)),
                (403, "Authorization_RequestDenied"),
                "{who} {change}"
            );
            assert_eq!(
                graph_message(&body),
                "Insufficient privileges to complete the operation."
            );
        }
    }
    for (i, who) in [ADMIN, VIA_GROUP, WRITER, GLOBAL].into_iter().enumerate() {
        let t = sim.token(who, APP_SCOPES).await;
        let (status, body) = sim
            .patch(&t, &path(&users[i]), json!({ "userType": "Member" }))
            .await;
        assert_eq!(status, 204, "{who}: {body}");
    }
    // Directory Writers: not for users holding admin roles, however held.
    let writer = sim.token(WRITER, APP_SCOPES).await;
    let admins = [ADMIN, VIA_GROUP, HELPDESK, WRITER];
    for target in admins {
        let (status, _) = sim
            .patch(
                &writer,
                &format!("/v1.0/users/{target}"),
                json!({ "userType": "Member" }),
            )
            .await;
        assert_eq!(status, 403, "{target}");
    }
    let global = sim.token(GLOBAL, APP_SCOPES).await;
    let (status, _) = sim
        .patch(
            &global,
            &format!("/v1.0/users/{HELPDESK}"),
            json!({ "userType": "Member" }),
        )
        .await;
    assert_eq!(status, 204);
    // A missing scope stays 403.
    let read_only = sim.token(GLOBAL, "User.Read.All").await;
    let (status, body) = sim
        .patch(&read_only, &path(&users[0]), json!({ "userType": "Member" }))
        .await;
    assert_eq!((status, graph_code(&body)), (403, "Authorization_RequestDenied"));
}

#[tokio::test]
async fn invitation_roles_per_kind_and_the_401_for_a_missing_role() {
    let sim = Sim::start().await;
    let ready = sim.case_users("ready-to-convert").await;
    let pending = sim.case_users("pending-acceptance").await;

    // Converting an internal user.
    for who in [HELPDESK_ADMIN, HELPDESK, NOROLE] {
        let (status, code, challenge) = invite_as(&sim, who, convert_body(&ready[0], false)).await;
        assert_eq!(
            (status, code.as_str(), challenge),
            (401, "Unauthorized", false),
            "{who}"
        );
    }
    for (i, who) in [ADMIN, VIA_GROUP, WRITER, GLOBAL].into_iter().enumerate() {
        let (status, code, _) = invite_as(&sim, who, convert_body(&ready[i], false)).await;
        assert_eq!(status, 201, "{who}: {code}");
    }
    // Resetting redemption.
    for who in [WRITER, HELPDESK, NOROLE] {
        let (status, code, challenge) = invite_as(&sim, who, convert_body(&pending[0], true)).await;
        assert_eq!(
            (status, code.as_str(), challenge),
            (401, "Unauthorized", false),
            "{who}"
        );
    }
    for (i, who) in [HELPDESK_ADMIN, ADMIN, VIA_GROUP, GLOBAL].into_iter().enumerate() {
        let (status, code, _) = invite_as(&sim, who, convert_body(&pending[i], true)).await;
        assert_eq!(status, 201, "{who}: {code}");
    }
    // A new guest.
    for who in [HELPDESK_ADMIN, NOROLE] {
        let (status, code, challenge) = invite_as(&sim, who, new_guest_body("someone@adatum.example")).await;
        assert_eq!(
            (status, code.as_str(), challenge),
            (401, "Unauthorized", false),
            "{who}"
        );
    }
    for (i, who) in [HELPDESK, WRITER, ADMIN, GLOBAL].into_iter().enumerate() {
        let address = format!("guest{i}@adatum.example");
        let (status, code, _) = invite_as(&sim, who, new_guest_body(&address)).await;
        assert_eq!(status, 201, "{who}: {code}");
    }
    // [inf] A user who holds admin roles: a Global Administrator only.
    let target =
        json!({ "mail": "wes@northwind.example", "id": sim.case_user("directory-writers").await["id"] });
    let (status, code, _) = invite_as(&sim, ADMIN, convert_body(&target, false)).await;
    assert_eq!((status, code.as_str()), (401, "Unauthorized"));

    // A missing scope is still 403; an expired token still the 401 with the challenge.
    let t = sim.token(ADMIN, "User.Read User.Read.All").await;
    let (status, body) = sim
        .post(&t, "/v1.0/invitations", new_guest_body("x@adatum.example"))
        .await;
    assert_eq!((status, graph_code(&body)), (403, "Authorization_RequestDenied"));
    sim.faults(json!({ "tokenLifetimeS": 1 })).await;
    let t = sim.admin().await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let r = sim
        .http
        .post(sim.url("/v1.0/invitations"))
        .bearer_auth(&t)
        .json(&new_guest_body("y@adatum.example"))
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 401);
    let challenge = r
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    let body: Value = r.json().await.expect("json");
    assert_eq!(graph_code(&body), "InvalidAuthenticationToken");
}

#[tokio::test]
async fn batch_items_report_missing_roles_and_scopes_like_single_requests() {
    let sim = Sim::start().await;
    let ready = sim.case_user("ready-to-convert").await;
    let json_headers = json!({ "Content-Type": "application/json" });
    let batch = json!({ "requests": [
        { "id": "convert", "method": "POST", "url": "/invitations", "headers": json_headers, "body": convert_body(&ready, false) },
        { "id": "patch", "method": "PATCH", "url": format!("/users/{}", ready["id"].as_str().unwrap_or("")),
          "headers": json_headers, "body": { "userType": "Guest" } },
        { "id": "guest", "method": "POST", "url": "/invitations", "headers": json_headers, "body": new_guest_body("z@adatum.example") }
    ]});
    // Guest Inviter: no role to convert (401), none to PATCH (403), may invite a new guest.
    let t = sim.token(HELPDESK, APP_SCOPES).await;
    let (status, body) = sim.post(&t, "/v1.0/$batch", batch.clone()).await;
    assert_eq!(status, 200);
    let item = |id: &str| {
        body["responses"]
            .as_array()
            .and_then(|r| r.iter().find(|x| x["id"] == id))
            .cloned()
            .unwrap_or_default()
    };
    let convert = item("convert");
    assert_eq!(convert["status"], 401);
    assert_eq!(graph_code(&convert["body"]), "Unauthorized");
    assert_eq!(graph_message(&convert["body"]), invite_401_message());
    assert!(convert["headers"].get("WWW-Authenticate").is_none());
    assert_eq!(item("patch")["status"], 403);
    assert_eq!(graph_code(&item("patch")["body"]), "Authorization_RequestDenied");
    assert_eq!(item("guest")["status"], 201);

    // Without an inviting scope the invitation items are 403, not 401.
    let t = sim.token(ADMIN, "User.Read User.Read.All").await;
    let (_, body) = sim.post(&t, "/v1.0/$batch", batch).await;
    let convert = body["responses"]
        .as_array()
        .and_then(|r| r.iter().find(|x| x["id"] == "convert"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(convert["status"], 403);
    assert_eq!(graph_code(&convert["body"]), "Authorization_RequestDenied");
}
