//! Only the queries Microsoft Graph supports (CONTRACT.md 9.6): Microsoft's per-property filter
//! table over real HTTP, with the queries B2B Convert sends.

mod common;

use common::*;
use serde_json::Value;

fn enc(s: &str) -> String {
    urlencoding::encode(s).into_owned()
}

fn count(body: &Value) -> usize {
    body["value"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn external_user_state_eq_null_is_refused_like_graph() {
    let sim = Sim::start().await;
    let t = sim.admin().await;
    let expected = "Unsupported or invalid query filter clause specified for property 'externalUserState' of resource 'User'.";
    for q in [
        "externalUserState eq null",
        "externalUserState eq null and userType eq 'Member'",
        "externalUserState ne null",
    ] {
        for advanced in [false, true] {
            let path = format!("/v1.0/users?$filter={}&$count=true", enc(q));
            let (status, body) = if advanced {
                sim.get_eventual(&t, &path).await
            } else {
                sim.get(&t, &path).await
            };
            assert_eq!(
                (status, graph_code(&body)),
                (400, "Request_UnsupportedQuery"),
                "{q}"
            );
            // The envelope of examples/error_unindexed-filter_Request_UnsupportedQuery.json.
            assert_eq!(graph_message(&body), expected, "{q}");
            let inner = &body["error"]["innerError"];
            assert!(inner["date"].is_string() && inner["request-id"].is_string());
            assert!(inner["client-request-id"].is_string());
        }
    }
}

#[tokio::test]
async fn the_apps_state_filters_work_by_default_and_with_search() {
    let sim = Sim::start().await;
    let t = sim.admin().await;
    for (q, min) in [
        ("externalUserState eq 'PendingAcceptance'", 12),
        ("externalUserState eq 'Accepted'", 10),
        ("userType eq 'Member'", 300),
        ("userType eq 'Guest'", 16),
    ] {
        let (status, body) = sim
            .get(&t, &format!("/v1.0/users?$filter={}&$top=999", enc(q)))
            .await;
        assert_eq!(status, 200, "{q}: {body}");
        assert!(count(&body) >= min, "{q}: {}", count(&body));

        // The same filter with $search, as the app sends it: ConsistencyLevel and $count=true.
        let path = format!(
            "/v1.0/users?$filter={}&$search={}&$count=true&$top=999",
            enc(q),
            enc("\"displayName:a\"")
        );
        let (status, body) = sim.get_eventual(&t, &path).await;
        assert_eq!(status, 200, "{q} with $search: {body}");
        assert!(body["@odata.count"].is_number());
        // $search needs the header.
        let (status, body) = sim.get(&t, &path).await;
        assert_eq!((status, graph_code(&body)), (400, "Request_UnsupportedQuery"));
    }
    // Combined states work too.
    let q = "userType eq 'Member' and externalUserState eq 'PendingAcceptance'";
    let (status, body) = sim.get(&t, &format!("/v1.0/users?$filter={}", enc(q))).await;
    assert_eq!(status, 200);
    assert_eq!(count(&body), 12);
}

#[tokio::test]
async fn the_holders_query_works_by_default() {
    let sim = Sim::start().await;
    let t = sim.admin().await;
    let ready = sim.case_user("ready-to-convert").await;
    let a = ready["mail"].as_str().expect("mail").to_owned();
    let q = format!(
        "userPrincipalName eq '{a}' or mail eq '{a}' or proxyAddresses/any(p:p eq 'SMTP:{a}') or \
         proxyAddresses/any(p:p eq 'smtp:{a}') or otherMails/any(m:m eq '{a}')"
    );
    let (status, body) = sim
        .get(
            &t,
            &format!(
                "/v1.0/users?$filter={}&$select=id,userPrincipalName&$top=10",
                enc(&q)
            ),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["value"][0]["id"], ready["id"]);
    assert_eq!(count(&body), 1);
}

#[tokio::test]
async fn proxy_addresses_compare_the_prefix_exactly() {
    let sim = Sim::start().await;
    let t = sim.admin().await;
    // The sign-in accounts hold SMTP:<upn> and a secondary smtp:<alias>@contosodemo.onmicrosoft.com.
    let by_proxy = |p: &str| {
        format!(
            "/v1.0/users?$filter={}&$select=userPrincipalName",
            enc(&format!("proxyAddresses/any(p:p eq '{p}')"))
        )
    };
    for (p, hit) in [
        ("SMTP:admin@contoso.com", true),
        ("SMTP:ADMIN@Contoso.com", true),
        ("smtp:admin@contoso.com", false),
        ("smtp:admin@contosodemo.onmicrosoft.com", true),
        ("smtp:ADMIN@CONTOSODEMO.onmicrosoft.com", true),
        ("SMTP:admin@contosodemo.onmicrosoft.com", false),
        ("admin@contoso.com", false),
    ] {
        let (status, body) = sim.get(&t, &by_proxy(p)).await;
        assert_eq!(status, 200, "{p}");
        let found = body["value"]
            .as_array()
            .is_some_and(|v| v.iter().any(|u| u["userPrincipalName"] == ADMIN));
        assert_eq!(found, hit, "{p}");
    }
    // A seeded internal user holds another user's external mail as a secondary smtp: entry;
    // asking for the primary form alone finds only the user whose mail it is.
    let holder = sim
        .case_users("address-held-as-secondary")
        .await
        .into_iter()
        .find(|u| u["mail"].as_str().is_some_and(|m| m.ends_with("@contoso.com")))
        .expect("the internal holder");
    let secondary = holder["proxyAddresses"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .find(|p| p.starts_with("smtp:"))
        })
        .expect("a secondary address")
        .to_owned();
    let upns = |body: &Value| -> Vec<String> {
        body["value"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|u| u["userPrincipalName"].as_str().map(str::to_owned))
            .collect()
    };
    let (_, body) = sim.get(&t, &by_proxy(&secondary)).await;
    assert_eq!(upns(&body), [holder["userPrincipalName"].as_str().unwrap_or("")]);
    let primary_form = secondary.replacen("smtp:", "SMTP:", 1);
    let (_, body) = sim.get(&t, &by_proxy(&primary_form)).await;
    assert_eq!(count(&body), 1);
    assert!(!upns(&body).contains(&holder["userPrincipalName"].as_str().unwrap_or("").to_owned()));
}

#[tokio::test]
async fn the_documented_table_default_advanced_and_unsupported() {
    let sim = Sim::start().await;
    let t = sim.admin().await;
    // Default: no headers needed.
    for q in [
        "id eq '41107898-42ff-5053-86be-1701889a718e'",
        "id in ('41107898-42ff-5053-86be-1701889a718e')",
        "userPrincipalName eq 'admin@contoso.com'",
        "startsWith(userPrincipalName,'adm')",
        "mail eq 'admin@contoso.com'",
        "startsWith(mail,'adm')",
        "displayName eq 'Ada Admin'",
        "startsWith(displayName,'Ada')",
        "userType in ('Member','Guest')",
        "accountEnabled eq true",
        "onPremisesSyncEnabled eq true",
        "creationType eq 'Invitation'",
        "otherMails/any(m:m eq 'a@northwind.example')",
        "otherMails/any(m:startsWith(m,'a'))",
        "proxyAddresses/any(p:startsWith(p,'SMTP:adm'))",
        "externalUserState in ('PendingAcceptance','Accepted')",
    ] {
        let (status, body) = sim.get(&t, &format!("/v1.0/users?$filter={}", enc(q))).await;
        assert_eq!(status, 200, "{q}: {body}");
    }
    // Advanced only: refused without ConsistencyLevel + $count=true, accepted with them.
    for q in [
        "mail ne 'admin@contoso.com'",
        "not(userType eq 'Guest')",
        "not(proxyAddresses/any(p:p eq 'SMTP:admin@contoso.com'))",
        "endsWith(mail,'@northwind.example')",
        "endsWith(userPrincipalName,'@contoso.com')",
        "otherMails/any(m:endsWith(m,'.example'))",
        "proxyAddresses/any(p:endsWith(p,'@contoso.com'))",
        "mail eq null",
        "mail ne null",
        "displayName eq null",
        "userType eq null",
        "onPremisesSyncEnabled eq null",
        "userType ne 'Guest'",
        "accountEnabled ne true",
    ] {
        let path = format!("/v1.0/users?$filter={}", enc(q));
        let (status, body) = sim.get(&t, &path).await;
        assert_eq!(
            (status, graph_code(&body)),
            (400, "Request_UnsupportedQuery"),
            "{q} without the advanced parameters"
        );
        assert!(
            graph_message(&body).contains("required parameters might be missing"),
            "{q}: {body}"
        );
        let (status, body) = sim.get_eventual(&t, &format!("{path}&$count=true")).await;
        assert_eq!(status, 200, "{q} as an advanced query: {body}");
    }
    // Not supported at all, with or without the advanced parameters.
    for q in [
        "externalUserState eq null",
        "startsWith(externalUserState,'P')",
        "userPrincipalName eq null",
        "accountEnabled eq null",
        "creationType eq null",
        "id eq null",
        "endsWith(displayName,'n')",
        "startsWith(userType,'M')",
        "onPremisesUserPrincipalName eq 'a@corp.contoso.local'",
        "startsWith(onPremisesUserPrincipalName,'a')",
        "externalUserStateChangeDateTime ge 2026-01-01T00:00:00Z",
        "displayName ge 'A'",
        "proxyAddresses/any(p:p in ('SMTP:admin@contoso.com'))",
        "otherMails/any(m:m ne 'a@b.example')",
        "contains(mail,'admin')",
    ] {
        for advanced in [false, true] {
            let path = format!("/v1.0/users?$filter={}&$count=true", enc(q));
            let (status, body) = if advanced {
                sim.get_eventual(&t, &path).await
            } else {
                sim.get(&t, &path).await
            };
            assert_eq!(
                (status, graph_code(&body)),
                (400, "Request_UnsupportedQuery"),
                "{q} (advanced: {advanced}): {body}"
            );
        }
    }
}

#[tokio::test]
async fn orderby_search_and_count_rules() {
    let sim = Sim::start().await;
    let t = sim.admin().await;
    // $orderby alone works by default on displayName and userPrincipalName.
    for o in ["displayName", "userPrincipalName desc"] {
        let (status, _) = sim.get(&t, &format!("/v1.0/users?$orderby={}", enc(o))).await;
        assert_eq!(status, 200, "{o}");
    }
    let (status, body) = sim.get(&t, "/v1.0/users?$orderby=createdDateTime").await;
    assert_eq!((status, graph_code(&body)), (400, "Request_UnsupportedQuery"));
    // With $filter or $search it is an advanced query.
    let path = format!(
        "/v1.0/users?$filter={}&$orderby=displayName",
        enc("userType eq 'Member'")
    );
    assert_eq!(sim.get(&t, &path).await.0, 400);
    assert_eq!(sim.get_eventual(&t, &path).await.0, 400, "$count=true missing");
    assert_eq!(sim.get_eventual(&t, &format!("{path}&$count=true")).await.0, 200);
    // $search needs only the header; $count=true adds @odata.count.
    let search = format!("/v1.0/users?$search={}", enc("\"displayName:ada\""));
    let (status, body) = sim.get_eventual(&t, &search).await;
    assert_eq!(status, 200);
    assert!(body.get("@odata.count").is_none());
    let (_, body) = sim.get_eventual(&t, &format!("{search}&$count=true")).await;
    assert!(body["@odata.count"].as_u64().is_some_and(|n| n >= 1));
}
