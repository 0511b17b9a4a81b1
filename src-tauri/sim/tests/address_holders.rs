//! Address holders beyond users (CONTRACT.md 9.9): GET /groups and /contacts, and invitations
//! and PATCH refused when another object holds the address in mail or proxyAddresses.

mod common;

use common::*;
use serde_json::{json, Value};
use tenant_sim::seed::{CONTACT_HELD_ADDRESS, GROUP_HELD_ADDRESS, SECONDARY_HELD_ADDRESS};

const CONFLICT: &str = "Another object with the same value for property proxyAddresses already exists.";

fn enc(s: &str) -> String {
    urlencoding::encode(s).into_owned()
}

fn names(body: &Value) -> Vec<String> {
    body["value"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| o["displayName"].as_str().map(str::to_owned))
        .collect()
}

fn invite(email: &str, id: Option<&str>) -> Value {
    let mut b = json!({
        "invitedUserEmailAddress": email,
        "inviteRedirectUrl": format!("https://myapps.microsoft.com/?tenantId={TENANT_ID}"),
    });
    if let Some(id) = id {
        b["invitedUser"] = json!({ "id": id });
    }
    b
}

#[tokio::test]
async fn groups_list_filter_select_page_and_permissions() {
    let sim = Sim::start().await;
    // Users' scopes are not enough.
    let users_only = sim.admin().await;
    let (status, body) = sim.get(&users_only, "/v1.0/groups").await;
    assert_eq!((status, graph_code(&body)), (403, "Authorization_RequestDenied"));
    for scope in [
        "GroupMember.Read.All",
        "Group.Read.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
    ] {
        let t = sim.token(ADMIN, scope).await;
        let (status, body) = sim.get(&t, "/v1.0/groups").await;
        assert_eq!(status, 200, "{scope}");
        // 156 groups (150 project teams and a role-assignable group for the role tests): a page.
        assert_eq!(names(&body).len(), 100, "{scope}");
        assert!(body["@odata.nextLink"].is_string(), "{scope}");
    }
    let t = sim.token(ADMIN, "Group.Read.All").await;
    let (_, body) = sim.get(&t, "/v1.0/groups").await;
    let g = &body["value"][0];
    for p in [
        "id",
        "displayName",
        "mail",
        "mailEnabled",
        "mailNickname",
        "proxyAddresses",
        "securityEnabled",
        "groupTypes",
    ] {
        assert!(g.get(p).is_some(), "default property {p}");
    }
    assert!(body["@odata.context"]
        .as_str()
        .is_some_and(|c| c.ends_with("/v1.0/$metadata#groups")));

    // The holders query against groups: the secondary smtp: form only.
    let by = |f: &str| format!("/v1.0/groups?$filter={}&$select=displayName,mail", enc(f));
    let (status, body) = sim
        .get(
            &t,
            &by(&format!("proxyAddresses/any(p:p eq 'smtp:{GROUP_HELD_ADDRESS}')")),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(names(&body), ["Wingtip Project"]);
    assert_eq!(body["value"][0].as_object().map(|o| o.len()), Some(2), "$select");
    let (_, body) = sim
        .get(
            &t,
            &by(&format!("proxyAddresses/any(p:p eq 'SMTP:{GROUP_HELD_ADDRESS}')")),
        )
        .await;
    assert!(names(&body).is_empty(), "the prefix is compared exactly");
    let (_, body) = sim.get(&t, &by("mail eq 'Sales@contoso.com'")).await;
    assert_eq!(names(&body), ["Sales Team"]);
    let (_, body) = sim
        .get(&t, &by("mailEnabled eq false and startsWith(displayName,'F')"))
        .await;
    assert_eq!(names(&body), ["Finance Readers"]);
    let (_, body) = sim.get(&t, &by("groupTypes/any(c:c eq 'Unified')")).await;
    assert_eq!(names(&body), ["Sales Team"]);
    // Graph's table: endsWith is advanced, userType is no group property.
    let (status, body) = sim.get(&t, &by("endsWith(mail,'@contoso.com')")).await;
    assert_eq!((status, graph_code(&body)), (400, "Request_UnsupportedQuery"));
    let (status, body) = sim
        .get_eventual(
            &t,
            &format!("{}&$count=true", by("endsWith(mail,'@contoso.com')")),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["@odata.count"], 4);
    let (status, body) = sim.get(&t, &by("userType eq 'Member'")).await;
    assert_eq!((status, graph_code(&body)), (400, "Request_UnsupportedQuery"));
    assert!(graph_message(&body).ends_with("of resource 'Group'."));
    let (status, _) = sim.get(&t, "/v1.0/groups?$select=nope").await;
    assert_eq!(status, 400);

    // Paging like /users.
    let mut next = Some(sim.url("/v1.0/groups?$top=40&$select=id"));
    let mut seen = 0;
    while let Some(url) = next.take() {
        let r = sim.http.get(&url).bearer_auth(&t).send().await.expect("page");
        assert_eq!(r.status(), 200);
        let page: Value = r.json().await.expect("json");
        seen += page["value"].as_array().map_or(0, Vec::len);
        next = page["@odata.nextLink"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, 156);
    assert_eq!(sim.get(&t, "/v1.0/groups?$top=1000").await.0, 400);
}

#[tokio::test]
async fn contacts_list_filter_and_permissions() {
    let sim = Sim::start().await;
    let (status, _) = sim.get(&sim.admin().await, "/v1.0/contacts").await;
    assert_eq!(status, 403);
    let (status, _) = sim
        .get(&sim.token(ADMIN, "Group.Read.All").await, "/v1.0/contacts")
        .await;
    assert_eq!(status, 403, "group permissions don't read contacts");
    for scope in [
        "OrgContact.Read.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
    ] {
        let t = sim.token(ADMIN, scope).await;
        let (status, body) = sim.get(&t, "/v1.0/contacts").await;
        assert_eq!((status, names(&body).len()), (200, 4), "{scope}");
    }
    let t = sim.token(ADMIN, "OrgContact.Read.All").await;
    let by = |f: &str| format!("/v1.0/contacts?$filter={}", enc(f));
    let (_, body) = sim
        .get(&t, &by(&format!("mail eq '{CONTACT_HELD_ADDRESS}'")))
        .await;
    assert_eq!(names(&body), ["Lena Marsh"]);
    assert_eq!(
        body["value"][0]["proxyAddresses"],
        json!([format!("SMTP:{CONTACT_HELD_ADDRESS}")])
    );
    let (_, body) = sim
        .get(
            &t,
            &by("proxyAddresses/any(p:p eq 'smtp:helpdesk@tailspin.example')"),
        )
        .await;
    assert_eq!(names(&body), ["Tailspin Support"]);
    let (_, body) = sim
        .get(
            &t,
            &by("proxyAddresses/any(p:p eq 'SMTP:helpdesk@tailspin.example')"),
        )
        .await;
    assert!(names(&body).is_empty());
    let (status, body) = sim.get(&t, &by("companyName eq 'Litware'")).await;
    assert_eq!(
        (status, graph_code(&body)),
        (400, "Request_UnsupportedQuery"),
        "advanced only"
    );
}

#[tokio::test]
async fn groups_and_contacts_inside_batch() {
    let sim = Sim::start().await;
    let t = sim
        .token(ADMIN, &format!("{APP_SCOPES} Group.Read.All OrgContact.Read.All"))
        .await;
    let batch = json!({ "requests": [
        { "id": "1", "method": "GET", "url": format!("/groups?$filter=proxyAddresses/any(p:p eq 'smtp:{GROUP_HELD_ADDRESS}')&$select=id,displayName") },
        { "id": "2", "method": "GET", "url": format!("/contacts?$filter=mail eq '{CONTACT_HELD_ADDRESS}'") },
        { "id": "3", "method": "GET", "url": format!("/users?$filter=proxyAddresses/any(p:p eq 'smtp:{SECONDARY_HELD_ADDRESS}')&$select=id") }
    ]});
    let (status, body) = sim.post(&t, "/v1.0/$batch", batch).await;
    assert_eq!(status, 200);
    let item = |id: &str| {
        body["responses"]
            .as_array()
            .and_then(|r| r.iter().find(|x| x["id"] == id))
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(item("1")["status"], 200);
    assert_eq!(item("1")["body"]["value"][0]["displayName"], "Wingtip Project");
    assert_eq!(item("2")["body"]["value"][0]["displayName"], "Lena Marsh");
    assert_eq!(item("3")["body"]["value"].as_array().map(Vec::len), Some(1));
    // Without the scope, the item (not the batch) is refused.
    let users_only = sim.admin().await;
    let (status, body) = sim
        .post(
            &users_only,
            "/v1.0/$batch",
            json!({ "requests": [{ "id": "1", "method": "GET", "url": "/groups" }] }),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["responses"][0]["status"], 403);
}

#[tokio::test]
async fn invitations_refuse_addresses_other_objects_hold() {
    let sim = Sim::start().await;
    let t = sim.admin().await;
    // Converting users whose mail a group or a contact also holds.
    for (case, address) in [
        ("address-held-by-group", GROUP_HELD_ADDRESS),
        ("address-held-by-contact", CONTACT_HELD_ADDRESS),
    ] {
        let u = sim.case_user(case).await;
        assert_eq!(u["mail"], address);
        let id = u["id"].as_str().unwrap_or("").to_owned();
        let (status, body) = sim
            .post(&t, "/v1.0/invitations", invite(address, Some(&id)))
            .await;
        assert_eq!(
            (status, graph_code(&body), graph_message(&body)),
            (400, "BadRequest", CONFLICT),
            "{case}"
        );
        let (_, after) = sim
            .get(&t, &format!("/v1.0/users/{id}?$select=externalUserState"))
            .await;
        assert!(after["externalUserState"].is_null(), "{case}");
    }
    // An internal user holding the address as a secondary smtp: alias.
    let pair = sim.case_users("address-held-as-secondary").await;
    let target = pair
        .iter()
        .find(|u| u["mail"] == SECONDARY_HELD_ADDRESS)
        .expect("the convertible one");
    let (status, body) = sim
        .post(
            &t,
            "/v1.0/invitations",
            invite(SECONDARY_HELD_ADDRESS, target["id"].as_str()),
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        graph_message(&body).starts_with("Non-external user already exists"),
        "{body}"
    );

    // New guests: a contact's primary and secondary addresses, a group's secondary one.
    for address in [
        "support@tailspin.example",
        "HELPDESK@tailspin.example",
        "escalations@tailspin.example",
        GROUP_HELD_ADDRESS,
    ] {
        let (status, body) = sim.post(&t, "/v1.0/invitations", invite(address, None)).await;
        assert_eq!(status, 400, "{address}: {body}");
    }
    for address in ["support@tailspin.example", "escalations@tailspin.example"] {
        let (_, body) = sim.post(&t, "/v1.0/invitations", invite(address, None)).await;
        assert_eq!(graph_message(&body), CONFLICT, "{address}");
    }
    // A free external address is fine.
    let (status, _) = sim
        .post(
            &t,
            "/v1.0/invitations",
            invite("someone.new@tailspin.example", None),
        )
        .await;
    assert_eq!(status, 201);
    // An external user (a guest) holding the address: converting another user to it is refused.
    let guest = sim.case_user("guest").await;
    let ready = sim.case_user("ready-other-mail").await;
    let ready_id = ready["id"].as_str().unwrap_or("").to_owned();
    let guest_mail = guest["mail"].as_str().unwrap_or("").to_owned();
    let (status, body) = sim
        .patch(
            &t,
            &format!("/v1.0/users/{ready_id}"),
            json!({ "mail": guest_mail }),
        )
        .await;
    assert_eq!((status, graph_message(&body)), (400, CONFLICT));
}

#[tokio::test]
async fn patch_mail_refuses_a_group_or_contact_address() {
    let sim = Sim::start().await;
    let t = sim.admin().await;
    let u = sim.case_user("no-mail").await;
    let id = u["id"].as_str().unwrap_or("").to_owned();
    for address in [
        "sales@northwind.example",
        "invoices@fourthcoffee.example",
        GROUP_HELD_ADDRESS,
        "sales@contoso.com",
    ] {
        let (status, body) = sim
            .patch(&t, &format!("/v1.0/users/{id}"), json!({ "mail": address }))
            .await;
        assert_eq!((status, graph_message(&body)), (400, CONFLICT), "{address}");
    }
    let (status, _) = sim
        .patch(
            &t,
            &format!("/v1.0/users/{id}"),
            json!({ "mail": "free@northwind.example" }),
        )
        .await;
    assert_eq!(status, 204);
}
