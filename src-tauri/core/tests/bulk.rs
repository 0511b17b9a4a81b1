//! Bulk conversion against the simulated tenant over HTTP: the preview, a run under throttling,
//! 503s and dropped connections, and a cancelled run resumed: exactly one invitation per user.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use b2b_core::auth::Secret;
use b2b_core::bulk::{self, journal::Journal, run, RowStatus};
use b2b_core::codes::{FollowUpWarning, StopReason};
use b2b_core::graph::GraphClient;
use serde_json::{json, Value};
use tenant_sim::{SimConfig, SimServer};

const SCOPES: &str = "User.Read User.ReadWrite.All User.Invite.All";

async fn setup() -> (SimServer, Arc<GraphClient>) {
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    let body: Value = reqwest::Client::new()
        .post(format!("{}/_sim/token", sim.base_url()))
        .json(&json!({ "username": "admin@contoso.com", "scope": SCOPES }))
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let g = GraphClient::new(
        &sim.base_url(),
        Secret::new(body["access_token"].as_str().expect("token").into()),
    )
    .expect("client")
    .patient(200);
    (sim, Arc::new(g))
}

fn scopes() -> Option<Vec<String>> {
    Some(SCOPES.split(' ').map(str::to_owned).collect())
}

/// A CSV of `n` ready users, then one synced, one with an internal address, one unknown, one bad row.
fn csv(sim: &SimServer, n: usize) -> String {
    let dir = sim.state().lock().dir.clone();
    let mut text = String::from("user;email;sendMail\r\n");
    for u in tenant_sim::seed::users_in_case(&dir, "ready-to-convert")
        .into_iter()
        .take(n)
    {
        text.push_str(&format!(
            "{};{};no\r\n",
            u.user_principal_name,
            u.mail.clone().unwrap_or_default()
        ));
    }
    let synced = tenant_sim::seed::users_in_case(&dir, "synced-onprem-upn")[0].clone();
    text.push_str(&format!(
        "{};{};\r\n",
        synced.user_principal_name,
        synced.mail.clone().unwrap_or_default()
    ));
    let internal = tenant_sim::seed::users_in_case(&dir, "mail-verified-domain")[0].clone();
    text.push_str(&format!(
        "{};{};\r\n",
        internal.user_principal_name,
        internal.mail.clone().unwrap_or_default()
    ));
    text.push_str("nobody@contoso.com;nobody@x.example;\r\n");
    text.push_str("someone@contoso.com;not-an-address;\r\n");
    text
}

async fn stats(sim: &SimServer) -> Value {
    reqwest::get(format!("{}/_sim/stats", sim.base_url()))
        .await
        .expect("stats")
        .json()
        .await
        .expect("json")
}

async fn faults(sim: &SimServer, f: Value) {
    reqwest::Client::new()
        .post(format!("{}/_sim/faults", sim.base_url()))
        .json(&f)
        .send()
        .await
        .expect("faults");
}

fn setup_run(
    g: &Arc<GraphClient>,
    journal: Arc<Journal>,
    control: Arc<run::Control>,
    attempts: Arc<Mutex<u32>>,
) -> Arc<run::RunSetup> {
    setup_run_with_grace(g, journal, control, attempts, b2b_core::users::REPLICATION_GRACE)
}

/// `setup_run` with the wait before a row left "started" may be sent again.
fn setup_run_with_grace(
    g: &Arc<GraphClient>,
    journal: Arc<Journal>,
    control: Arc<run::Control>,
    attempts: Arc<Mutex<u32>>,
    resend_grace: Duration,
) -> Arc<run::RunSetup> {
    Arc::new(run::RunSetup {
        action: b2b_core::bulk::BulkAction::Convert,
        graph: g.clone(),
        tenant_id: "t".into(),
        inviter: None,
        journal,
        control,
        max_concurrency: 6,
        on_attempt: Arc::new(move |_, _, _| {
            *attempts.lock().expect("lock") += 1;
        }),
        on_progress: Arc::new(|_, _| {}),
        on_invite: None,
        resend_grace,
    })
}

/// A journal's path in a throw-away folder; the folder goes when the test drops the `TempDir`.
fn temp_journal(csv: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::Builder::new()
        .prefix("b2b-bulk-")
        .tempdir()
        .expect("temp dir");
    let path = Journal::path_for(&tmp.path().join("bulk"), csv.as_bytes());
    (tmp, path)
}

#[tokio::test(flavor = "multi_thread")]
async fn preview_sorts_rows_into_ready_needs_fix_and_blocked() {
    let (sim, g) = setup().await;
    let text = csv(&sim, 25);
    let parsed = bulk::parse(text.as_bytes()).expect("parse");
    let p = bulk::preview(&g, &parsed, scopes()).await.expect("preview");
    assert_eq!((p.ready, p.needs_fix, p.blocked), (25, 3, 1), "{:?}", p.rows);
    let s = stats(&sim).await;
    // The 4 shared reads in one $batch (groups and contacts are not readable with these scopes),
    // then 2 reads per readable row (27 rows: 54) in batches of 20.
    assert_eq!(s["routes"]["POST /v1.0/$batch"], 4);
    let by_line = |l: u32| p.rows.iter().find(|r| r.line == l).expect("row");
    assert_eq!(by_line(27).status, RowStatus::Blocked);
    assert_eq!(
        by_line(28)
            .checks
            .iter()
            .find(|c| c.code == "address_not_internal")
            .map(|c| c.severity),
        Some(b2b_core::convert::Severity::Blocker)
    );
    assert_eq!(by_line(29).problem.map(|p| p.as_str()), Some("user_not_found"));
    assert_eq!(by_line(30).problem.map(|p| p.as_str()), Some("invalid_email"));
    // A row the parser rejected still names its user and address.
    assert_eq!(
        (by_line(30).user.as_str(), by_line(30).email.as_str()),
        ("someone@contoso.com", "not-an-address")
    );
    let exported = bulk::preview_csv(&p).expect("csv");
    assert_eq!(exported.lines().count(), 1 + 29);
    // The export carries the code and, beside it, what it means.
    let line30 = exported.lines().find(|l| l.starts_with("30,")).expect("line 30");
    assert!(
        line30.starts_with("30,someone@contoso.com,not-an-address,needs fix,invalid_email,"),
        "{line30}"
    );
    assert!(
        line30.ends_with("The email is not a valid e-mail address."),
        "{line30}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_under_throttling_503s_and_drops_invites_each_user_once() {
    let (sim, g) = setup().await;
    let text = csv(&sim, 40);
    let parsed = bulk::parse(text.as_bytes()).expect("parse");
    let preview = bulk::preview(&g, &parsed, scopes()).await.expect("preview");
    faults(
        &sim,
        json!({ "throttle": { "writes": 10, "windowS": 1.0 }, "routes": { "POST /v1.0/invitations": { "failRate": 0.1, "dropRate": 0.1 } } }),
    )
    .await;
    let (_tmp, path) = temp_journal(&text);
    let journal = Arc::new(Journal::open(&path).expect("journal"));
    let attempts = Arc::new(Mutex::new(0));
    let report = run::run(
        setup_run(&g, journal.clone(), Arc::new(run::Control::default()), attempts),
        preview.rows.clone(),
    )
    .await;
    let s = stats(&sim).await;
    assert!(s["throttled"].as_u64().unwrap_or(0) > 0, "throttling bit: {s}");
    let converted = report
        .iter()
        .filter(|r| r.outcome == run::RowOutcome::Converted)
        .count();
    let unknown: Vec<_> = report
        .iter()
        .filter(|r| r.outcome == run::RowOutcome::Unknown)
        .collect();
    // A 503 or a dropped POST leaves the outcome unknown: reported as such, never as failed, and
    // never resent blindly.
    assert!(!unknown.is_empty(), "some answers were lost: {s}");
    assert!(
        unknown
            .iter()
            .all(|r| r.error_code == Some(b2b_core::ErrorCode::OutcomeUnknown)),
        "{unknown:?}"
    );
    assert_eq!(converted + unknown.len(), 40, "{report:?}");
    assert_eq!(
        bulk::BulkReport::new(report.clone()).unknown as usize,
        unknown.len()
    );
    for (id, n) in s["invitations"].as_object().expect("per user") {
        assert_eq!(n, 1, "user {id} invited {n} times");
    }
    faults(&sim, json!({})).await;
    let posts = |s: &Value| s["routes"]["POST /v1.0/invitations"].as_u64().unwrap_or(0);
    let sent_before = posts(&stats(&sim).await);
    // Resuming at once: reads do not show the lost ones, which may still be replicating
    // (CONTRACT.md 9.8), so they stay unknown and nothing is sent again.
    let again = bulk::preview(&g, &parsed, scopes()).await.expect("preview");
    let at_once = run::run(
        setup_run(
            &g,
            journal.clone(),
            Arc::new(run::Control::default()),
            Arc::new(Mutex::new(0)),
        ),
        again.rows,
    )
    .await;
    assert_eq!(posts(&stats(&sim).await), sent_before, "nothing sent again");
    assert_eq!(
        at_once
            .iter()
            .filter(|r| r.outcome == run::RowOutcome::Unknown)
            .count(),
        unknown.len()
    );
    // After the replication grace (shortened here), the ones still unchanged were never made:
    // each is invited once.
    let again = bulk::preview(&g, &parsed, scopes()).await.expect("preview");
    let report = run::run(
        setup_run_with_grace(
            &g,
            journal,
            Arc::new(run::Control::default()),
            Arc::new(Mutex::new(0)),
            Duration::ZERO,
        ),
        again.rows,
    )
    .await;
    let ok = report
        .iter()
        .filter(|r| {
            matches!(
                r.outcome,
                run::RowOutcome::Converted | run::RowOutcome::AlreadyDone
            )
        })
        .count();
    assert_eq!(ok, 40, "{report:?}");
    let s = stats(&sim).await;
    assert_eq!(s["invitations"].as_object().map(|m| m.len()), Some(40));
    assert!(
        s["invitations"]
            .as_object()
            .expect("map")
            .values()
            .all(|n| n == 1),
        "{s}"
    );
    let csv = run::report_csv(&report).expect("report");
    assert_eq!(csv.lines().count(), 1 + report.len());
}

/// Microsoft made the invitations but their answers were lost, and reads lag behind the writes
/// for longer than the run reads them (CONTRACT.md 9.8): the rows are unknown, and a run resumed
/// at once sends nothing again (tenant-sim, like Microsoft, would invite them a second time).
#[tokio::test(flavor = "multi_thread")]
async fn a_resume_inside_the_replication_lag_sends_nothing_twice() {
    let (sim, g) = setup().await;
    let text = csv(&sim, 3);
    let parsed = bulk::parse(text.as_bytes()).expect("parse");
    let preview = bulk::preview(&g, &parsed, scopes()).await.expect("preview");
    faults(
        &sim,
        json!({ "replicationLagMs": 30000, "routes": { "POST /v1.0/invitations": { "failRate": 1.0, "afterHandler": true } } }),
    )
    .await;
    let (_tmp, path) = temp_journal(&text);
    let journal = Arc::new(Journal::open(&path).expect("journal"));
    let control = || Arc::new(run::Control::default());
    let first = run::run(
        setup_run(&g, journal.clone(), control(), Arc::new(Mutex::new(0))),
        preview.rows.clone(),
    )
    .await;
    let sent: Vec<_> = first
        .iter()
        .filter(|r| r.outcome != run::RowOutcome::Skipped)
        .collect();
    assert!(
        sent.len() == 3 && sent.iter().all(|r| r.outcome == run::RowOutcome::Unknown),
        "{first:?}"
    );
    faults(&sim, json!({ "replicationLagMs": 30000 })).await;
    let again = bulk::preview(&g, &parsed, scopes()).await.expect("preview");
    let resumed = run::run(
        setup_run(&g, journal, control(), Arc::new(Mutex::new(0))),
        again.rows,
    )
    .await;
    let sent: Vec<_> = resumed
        .iter()
        .filter(|r| r.outcome != run::RowOutcome::Skipped)
        .collect();
    assert!(
        sent.len() == 3 && sent.iter().all(|r| r.outcome == run::RowOutcome::Unknown),
        "{resumed:?}"
    );
    let s = stats(&sim).await;
    assert_eq!(s["routes"]["POST /v1.0/invitations"], 3, "{s}");
    let invited = s["invitations"].as_object().expect("per user");
    assert_eq!(invited.len(), 3);
    assert!(invited.values().all(|n| n == 1), "{s}");
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_then_resume() {
    let (sim, g) = setup().await;
    faults(&sim, json!({ "latencyMs": 30 })).await;
    let text = csv(&sim, 30);
    let parsed = bulk::parse(text.as_bytes()).expect("parse");
    let preview = bulk::preview(&g, &parsed, scopes()).await.expect("preview");
    let (_tmp, path) = temp_journal(&text);
    let journal = Arc::new(Journal::open(&path).expect("journal"));
    let control = Arc::new(run::Control::default());
    let setup_ = setup_run(&g, journal, control.clone(), Arc::new(Mutex::new(0)));
    let handle = tokio::spawn(run::run(setup_, preview.rows.clone()));
    // Cancel once a few users are done; the requests in flight finish.
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        if stats(&sim).await["invitations"]
            .as_object()
            .map_or(0, |m| m.len())
            >= 5
        {
            break;
        }
    }
    control.cancel();
    let report = handle.await.expect("run");
    let not_run = report
        .iter()
        .filter(|r| r.outcome == run::RowOutcome::NotRun)
        .count();
    let done = report
        .iter()
        .filter(|r| r.outcome == run::RowOutcome::Converted)
        .count();
    assert!(not_run > 0 && done >= 5, "done {done}, not run {not_run}");
    assert_eq!(
        stats(&sim).await["invitations"].as_object().map(|m| m.len()),
        Some(done)
    );

    let journal = Arc::new(Journal::open(&path).expect("reopen"));
    let again = bulk::preview(&g, &parsed, scopes()).await.expect("preview");
    let report = run::run(
        setup_run(
            &g,
            journal,
            Arc::new(run::Control::default()),
            Arc::new(Mutex::new(0)),
        ),
        again.rows,
    )
    .await;
    let already = report
        .iter()
        .filter(|r| r.outcome == run::RowOutcome::AlreadyDone)
        .count();
    let converted = report
        .iter()
        .filter(|r| r.outcome == run::RowOutcome::Converted)
        .count();
    assert_eq!((already, converted), (done, 30 - done));
    let s = stats(&sim).await;
    assert!(
        s["invitations"]
            .as_object()
            .expect("map")
            .values()
            .all(|n| n == 1),
        "{s}"
    );
    assert_eq!(s["invitations"].as_object().map(|m| m.len()), Some(30));
}

#[tokio::test(flavor = "multi_thread")]
async fn pause_holds_every_worker_and_resume_finishes() {
    let (sim, g) = setup().await;
    faults(&sim, json!({ "latencyMs": 30 })).await;
    let text = csv(&sim, 30);
    let parsed = bulk::parse(text.as_bytes()).expect("parse");
    let preview = bulk::preview(&g, &parsed, scopes()).await.expect("preview");
    let (_tmp, path) = temp_journal(&text);
    let journal = Arc::new(Journal::open(&path).expect("journal"));
    let control = Arc::new(run::Control::default());
    let handle = tokio::spawn(run::run(
        setup_run(&g, journal, control.clone(), Arc::new(Mutex::new(0))),
        preview.rows.clone(),
    ));
    let invited = || async {
        stats(&sim).await["invitations"]
            .as_object()
            .map_or(0, |m| m.len())
    };
    while invited().await < 5 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    control.pause();
    // The rows in flight finish; then nothing moves while paused.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let held = invited().await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(invited().await, held, "no invitation while paused");
    assert!(held < 30, "paused before the end: {held}");
    control.resume();
    let report = handle.await.expect("run");
    let converted = report
        .iter()
        .filter(|r| r.outcome == run::RowOutcome::Converted)
        .count();
    assert_eq!(converted, 30);
    assert!(stats(&sim).await["invitations"]
        .as_object()
        .expect("map")
        .values()
        .all(|n| n == 1));
}

/// Access tokens live 60 to 90 minutes on Microsoft's side (CONTRACT.md 9.7): a run that outlives
/// one renews it from the refresh token and repeats the refused request once; no row fails.
#[tokio::test(flavor = "multi_thread")]
async fn a_run_that_outlives_the_access_token_renews_it() {
    use b2b_core::auth::accounts::AccountTokens;
    use b2b_core::auth::vault::MemoryStore;
    use b2b_core::auth::{Account, Accounts, TokenSet};
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    faults(&sim, json!({ "tokenLifetimeS": 2 })).await;
    let body: Value = reqwest::Client::new()
        .post(format!("{}/_sim/token", sim.base_url()))
        .json(&json!({ "username": "admin@contoso.com", "scope": format!("{SCOPES} offline_access") }))
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let tokens = TokenSet {
        access_token: Secret::new(body["access_token"].as_str().expect("at").into()),
        refresh_token: Some(Secret::new(body["refresh_token"].as_str().expect("rt").into())),
        expires_in: std::time::Duration::from_secs(2),
        scopes: SCOPES.split(' ').map(str::to_owned).collect(),
        identity: None,
    };
    let account = Account {
        id: "admin.t".into(),
        username: "admin@contoso.com".into(),
        display_name: "Admin".into(),
        tenant_id: "organizations".into(),
        tenant_name: None,
        authority: sim.base_url(),
        client_id: tenant_sim::DEMO_CLIENT_ID.into(),
        graph_url: sim.base_url(),
    };
    let accounts = Arc::new(Accounts::new(MemoryStore::default()));
    accounts.save(&account, &tokens).expect("save");
    let g = Arc::new(
        GraphClient::new(&sim.base_url(), tokens.access_token.clone())
            .expect("client")
            .patient(200)
            .renewing(Arc::new(AccountTokens {
                accounts: accounts.clone(),
                account,
            })),
    );
    let text = csv(&sim, 12);
    let parsed = bulk::parse(text.as_bytes()).expect("parse");
    let preview = bulk::preview(&g, &parsed, scopes()).await.expect("preview");
    // The access token expires between the preview and the run, and again during the run.
    faults(&sim, json!({ "latencyMs": 300 })).await;
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let (_tmp, path) = temp_journal(&text);
    let journal = Arc::new(Journal::open(&path).expect("journal"));
    let report = run::run(
        setup_run(
            &g,
            journal,
            Arc::new(run::Control::default()),
            Arc::new(Mutex::new(0)),
        ),
        preview.rows.clone(),
    )
    .await;
    let converted = report
        .iter()
        .filter(|r| r.outcome == run::RowOutcome::Converted)
        .count();
    let failed: Vec<_> = report
        .iter()
        .filter(|r| r.outcome == run::RowOutcome::Failed)
        .collect();
    assert!(
        failed.is_empty(),
        "no row fails while the refresh token is good: {failed:?}"
    );
    assert_eq!(converted, 12);
    let s = stats(&sim).await;
    assert!(
        s["routes"]["POST /{tenant}/oauth2/v2.0/token"]
            .as_u64()
            .unwrap_or(0)
            >= 1,
        "the token was renewed: {s}"
    );
    for (id, n) in s["invitations"].as_object().expect("per user") {
        assert_eq!(n, 1, "user {id} invited {n} times");
    }
}

/// A redeem link the data folder cannot keep stops the run: the rows in flight finish with their
/// links in the report, no other row is sent, and a resume once the folder can be written to sends
/// the rest, each user once.
#[tokio::test(flavor = "multi_thread")]
async fn a_link_that_cannot_be_kept_stops_the_run_until_resumed() {
    let (sim, g) = setup().await;
    let text = csv(&sim, 12);
    let parsed = bulk::parse(text.as_bytes()).expect("parse");
    let preview = bulk::preview(&g, &parsed, scopes()).await.expect("preview");
    let (_tmp, path) = temp_journal(&text);
    let journal = Arc::new(Journal::open(&path).expect("journal"));
    // A folder where the links file goes: it cannot be opened for writing, even by root.
    let blocker = journal.links_path().to_owned();
    std::fs::create_dir_all(&blocker).expect("blocker");
    let control = Arc::new(run::Control::default());
    let report = run::run(
        setup_run(&g, journal, control.clone(), Arc::new(Mutex::new(0))),
        preview.rows.clone(),
    )
    .await;
    assert_eq!(control.stop_reason(), Some(StopReason::LinkNotKept));
    let converted: Vec<_> = report
        .iter()
        .filter(|r| r.outcome == run::RowOutcome::Converted)
        .collect();
    // At most the six rows in flight when the first link failed.
    assert!((1..=6).contains(&converted.len()), "{report:?}");
    for r in &converted {
        assert!(
            r.redeem_url.is_some(),
            "line {}: the report holds the link",
            r.line
        );
        assert!(r.warnings.contains(&FollowUpWarning::LinkNotKept), "{r:?}");
    }
    let not_run = report
        .iter()
        .filter(|r| r.outcome == run::RowOutcome::NotRun)
        .count();
    assert!(converted.len() + not_run >= 12, "{report:?}");
    let invitations = stats(&sim).await["invitations"].clone();
    assert_eq!(invitations.as_object().map(|m| m.len()), Some(converted.len()));

    std::fs::remove_dir(&blocker).expect("unblocked");
    let journal = Arc::new(Journal::open(&path).expect("reopen"));
    let control = Arc::new(run::Control::default());
    let again = bulk::preview(&g, &parsed, scopes()).await.expect("preview");
    let report = run::run(
        setup_run(&g, journal.clone(), control.clone(), Arc::new(Mutex::new(0))),
        again.rows,
    )
    .await;
    assert_eq!(control.stop_reason(), None);
    let count = |o| report.iter().filter(|r| r.outcome == o).count();
    assert_eq!(
        (
            count(run::RowOutcome::AlreadyDone),
            count(run::RowOutcome::Converted)
        ),
        (converted.len(), 12 - converted.len())
    );
    // The first rows' links were never kept: the report says so, and a reset can make new ones.
    assert_eq!(report.iter().filter(|r| r.link_lost).count(), converted.len());
    assert!(report
        .iter()
        .filter(|r| r.outcome == run::RowOutcome::Converted)
        .all(|r| r.redeem_url.is_some() && r.warnings.is_empty()));
    let s = stats(&sim).await;
    let per_user = s["invitations"].as_object().expect("map");
    assert_eq!(per_user.len(), 12, "{s}");
    assert!(per_user.values().all(|n| n == 1), "{s}");
}
