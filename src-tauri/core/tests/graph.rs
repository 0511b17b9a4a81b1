//! The Graph client against the simulated tenant over real HTTP: paging with ConsistencyLevel on
//! every page, Retry-After on 429, no blind retry of a POST whose outcome is unknown, $batch in
//! chunks, OData escaping.

use std::time::{Duration, Instant};

use b2b_core::auth::Secret;
use b2b_core::graph::{quote, BatchItem, GraphClient, Idempotence};
use b2b_core::ErrorCode;
use reqwest::Method;
use serde_json::{json, Value};
use tenant_sim::{SimConfig, SimServer};

async fn setup() -> (SimServer, GraphClient) {
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    let body: Value = reqwest::Client::new()
        .post(format!("{}/_sim/token", sim.base_url()))
        .json(&json!({ "username": "admin@contoso.com", "scope": "User.Read User.ReadWrite.All User.Invite.All" }))
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let token = Secret::new(body["access_token"].as_str().expect("token").to_owned());
    let client = GraphClient::new(&sim.base_url(), token).expect("client");
    (sim, client)
}

async fn faults(sim: &SimServer, body: Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/_sim/faults", sim.base_url()))
        .json(&body)
        .send()
        .await
        .expect("faults");
    assert_eq!(r.status(), 200);
}

async fn stats(sim: &SimServer) -> Value {
    reqwest::get(format!("{}/_sim/stats", sim.base_url()))
        .await
        .expect("stats")
        .json()
        .await
        .expect("json")
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_through_the_directory_with_consistency_on_every_page() {
    let (sim, g) = setup().await;
    let all = g
        .get_all("/users?$top=37&$select=id", false)
        .await
        .expect("all users");
    assert_eq!(all.len(), sim.state().lock().dir.users.len());
    // $search needs ConsistencyLevel on every page: the simulator refuses a page without it.
    let found = g
        .get_all(
            "/users?$search=%22displayName:a%22&$top=5&$count=true&$select=id",
            true,
        )
        .await
        .expect("search");
    assert!(found.len() > 5, "more than one page: {}", found.len());
    let err = g
        .get_all("/users?$search=%22displayName:a%22", false)
        .await
        .expect_err("no header");
    assert_eq!(err.code, ErrorCode::GraphError);
    assert!(
        err.message.contains("Request_UnsupportedQuery") && err.message.contains("request-id"),
        "{}",
        err.message
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn escapes_literals() {
    let (_sim, g) = setup().await;
    let filter = format!("startswith(displayName,{})", quote("Sean O'B"));
    let found = g
        .get_all(&format!("/users?$filter={}", urlencode(&filter)), false)
        .await
        .expect("filter");
    assert!(!found.is_empty(), "the apostrophe user is found");
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'(' | b')' | b',' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Graph throttles each request of a `$batch` on its own (CONTRACT.md 4): a read answered 429 or
/// 503 inside a batch is sent again, alone, after its Retry-After, whatever the case of that
/// header's name; the batch's other answers are kept.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_read_inside_a_batch_is_sent_again_after_its_retry_after() {
    for (fault, wait) in [
        (json!({ "throttleRetryAfter": "1.2" }), 1.2),
        (json!({ "failRate": 1.0 }), 1.5),
    ] {
        let (sim, g) = setup().await;
        let ids: Vec<String> = sim.state().lock().dir.users[..3]
            .iter()
            .map(|u| u.id.clone())
            .collect();
        let mut items: Vec<BatchItem> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| BatchItem::get(&i.to_string(), format!("/users/{id}?$select=id")))
            .collect();
        items.push(BatchItem::get("org", "/organization?$select=id".into()));
        faults(&sim, json!({ "routes": { "GET /v1.0/users/{id}": fault } })).await;
        let start = Instant::now();
        let clear = async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            faults(&sim, json!({})).await;
        };
        let (answers, ()) = tokio::join!(g.batch(&items), clear);
        let answers = answers.expect("batch");
        let mut statuses: Vec<(String, u16)> = answers.iter().map(|a| (a.id.clone(), a.status)).collect();
        statuses.sort();
        assert_eq!(
            statuses,
            [("0", 200), ("1", 200), ("2", 200), ("org", 200)].map(|(i, s)| (i.to_owned(), s)),
            "{fault}"
        );
        assert!(
            start.elapsed() >= Duration::from_secs_f64(wait),
            "{fault}: Retry-After {wait} s honoured, not {:?}",
            start.elapsed()
        );
        let s = stats(&sim).await;
        assert_eq!(s["routes"]["POST /v1.0/$batch"], 2, "{fault}");
        assert_eq!(
            s["routes"]["GET /v1.0/users/{id}"], 6,
            "{fault}: the three reads twice"
        );
        assert_eq!(
            s["routes"]["GET /v1.0/organization"], 1,
            "{fault}: kept, not asked again"
        );
    }
}

/// A Retry-After longer than the client waits out ends the request as throttled at once; it is
/// not tried again early (Graph would only refuse it again).
#[tokio::test(flavor = "multi_thread")]
async fn a_retry_after_too_long_to_wait_is_throttled_not_tried_early() {
    let (sim, g) = setup().await;
    let id = sim.state().lock().dir.users[0].id.clone();
    faults(
        &sim,
        json!({ "routes": { "GET /v1.0/users/{id}": { "throttleRetryAfter": "900" } } }),
    )
    .await;
    let start = Instant::now();
    let err = g
        .get(&format!("/users/{id}?$select=id"))
        .await
        .expect_err("throttled");
    assert_eq!(err.code, ErrorCode::Throttled, "{err:?}");
    assert!(start.elapsed() < Duration::from_secs(5), "not waited out");
    assert_eq!(
        stats(&sim).await["routes"]["GET /v1.0/users/{id}"],
        1,
        "asked once"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn honours_retry_after_on_429() {
    let (sim, g) = setup().await;
    let users = sim
        .state()
        .lock()
        .dir
        .users
        .iter()
        .skip(10)
        .take(3)
        .map(|u| u.id.clone())
        .collect::<Vec<_>>();
    faults(&sim, json!({ "throttle": { "writes": 2, "windowS": 1.5 } })).await;
    let told = g.throttled();
    assert!(told.borrow().is_none());
    let start = Instant::now();
    for id in &users {
        g.send(
            Method::PATCH,
            &format!("/users/{id}"),
            Some(&json!({ "userType": "Member" })),
            false,
            Idempotence::Safe,
        )
        .await
        .expect("patched after waiting");
    }
    assert!(
        start.elapsed() >= Duration::from_millis(1000),
        "the third write waited for the window"
    );
    assert!(stats(&sim).await["throttled"].as_u64().unwrap_or(0) >= 1);
    // Whoever waits on the client is told when the next attempt leaves.
    let notice = (*told.borrow()).expect("told of the 429");
    assert!(notice.count >= 1);
    assert!(notice.wait > Duration::ZERO && notice.wait <= Duration::from_millis(1500));
    assert!(notice.retry_at > std::time::SystemTime::now() - Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread")]
async fn never_repeats_a_post_whose_outcome_is_unknown() {
    let (sim, g) = setup().await;
    faults(
        &sim,
        json!({ "routes": { "POST /v1.0/invitations": { "dropRate": 1.0 } } }),
    )
    .await;
    let body = json!({ "invitedUserEmailAddress": "x@northwind.example", "inviteRedirectUrl": "https://myapps.microsoft.com" });
    let err = g
        .send(
            Method::POST,
            "/invitations",
            Some(&body),
            false,
            Idempotence::Unsafe,
        )
        .await
        .expect_err("dropped");
    assert_eq!(err.code, ErrorCode::OutcomeUnknown);
    assert_eq!(
        stats(&sim).await["routes"]["POST /v1.0/invitations"],
        1,
        "sent once"
    );

    faults(
        &sim,
        json!({ "routes": { "POST /v1.0/invitations": { "failRate": 1.0 } } }),
    )
    .await;
    let err = g
        .send(
            Method::POST,
            "/invitations",
            Some(&body),
            false,
            Idempotence::Unsafe,
        )
        .await
        .expect_err("503");
    assert_eq!(err.code, ErrorCode::OutcomeUnknown);
    assert_eq!(
        stats(&sim).await["routes"]["POST /v1.0/invitations"],
        2,
        "a 503 on a POST is not retried blindly"
    );

    // A GET is retried through 503s, then gives up with the code and request-id.
    faults(&sim, json!({ "routes": { "GET /v1.0/me": { "failRate": 1.0 } } })).await;
    let err = g.get("/me").await.expect_err("always 503");
    assert_eq!(err.code, ErrorCode::GraphError);
    assert_eq!(
        stats(&sim).await["routes"]["GET /v1.0/me"],
        b2b_core::graph::MAX_ATTEMPTS
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn batches_in_chunks_of_twenty() {
    let (sim, g) = setup().await;
    let ids: Vec<String> = sim
        .state()
        .lock()
        .dir
        .users
        .iter()
        .take(25)
        .map(|u| u.id.clone())
        .collect();
    let items: Vec<BatchItem> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| BatchItem::get(&i.to_string(), format!("/users/{id}?$select=id,mail")))
        .collect();
    let answers = g.batch(&items).await.expect("batch");
    assert_eq!(answers.len(), 25);
    assert!(answers.iter().all(|a| a.status == 200));
    assert_eq!(stats(&sim).await["routes"]["POST /v1.0/$batch"], 2);
}
