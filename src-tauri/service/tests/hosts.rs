//! The service against tenant-sim over HTTP, through test hosts: the app's and `b2b`'s hosts
//! differ only in who they say acts, so the same work must leave the same History.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use b2b_core::auth::vault::{MemoryStore, SecretStore};
use b2b_core::auth::Secret;
use b2b_core::convert_service::ConvertRequest;
use b2b_core::history::HistoryEntry;
use b2b_core::policy::Policy;
use b2b_core::settings::Connection;
use b2b_core::AppError;
use b2b_service::bulk::ProgressSink;
use b2b_service::{Host, Overrides, Service, SettingsFile};
use serde_json::{json, Value};
use tenant_sim::{SimConfig, SimServer, DEMO_CLIENT_ID};

struct TestHost {
    source: &'static str,
    dir: PathBuf,
    throttled: std::sync::Mutex<Vec<b2b_service::bulk::ThrottledEvent>>,
}

impl Host for TestHost {
    fn source(&self) -> &'static str {
        self.source
    }
    fn data_dir(&self) -> Result<PathBuf, AppError> {
        Ok(self.dir.clone())
    }
    fn export_dir(&self) -> Result<PathBuf, AppError> {
        Ok(self.dir.join("exports"))
    }
    fn throttled(&self, notice: &b2b_service::bulk::ThrottledEvent) {
        self.throttled
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(notice.clone());
    }
    fn open_url(&self, _: &str) -> Result<(), AppError> {
        Err(AppError::new(
            b2b_core::ErrorCode::Internal,
            "no browser in tests",
        ))
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("b2b-service-{name}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&d).expect("dir");
    d
}

fn organisation(sim: &SimServer) -> Connection {
    Connection::Organisation {
        client_id: DEMO_CLIENT_ID.into(),
        tenant: "organizations".into(),
        authority_url: sim.base_url(),
        graph_url: sim.base_url(),
    }
}

/// A service as the app (or `b2b`) builds it, over its own data folder and an in-memory keychain.
fn service(source: &'static str, dir: &Path, overrides: Overrides) -> Arc<Service> {
    service_on(test_host(source, dir), dir, overrides)
}

fn test_host(source: &'static str, dir: &Path) -> Arc<TestHost> {
    Arc::new(TestHost {
        source,
        dir: dir.to_owned(),
        throttled: std::sync::Mutex::new(Vec::new()),
    })
}

fn service_on(host: Arc<TestHost>, dir: &Path, overrides: Overrides) -> Arc<Service> {
    Arc::new(Service::new(
        host,
        Box::new(SettingsFile::new(dir.join("settings.json"))),
        Box::new(MemoryStore::default()),
        Policy::default(),
        overrides,
    ))
}

/// A fresh simulated tenant, and a service on it acting with an admin's token.
async fn on_a_fresh_tenant(source: &'static str) -> (SimServer, PathBuf, Arc<Service>) {
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    let dir = temp_dir(source);
    let svc = service(
        source,
        &dir,
        Overrides {
            connection: Some(organisation(&sim)),
            access_token: Some(admin_token(&sim).await),
            ..Overrides::default()
        },
    );
    (sim, dir, svc)
}

async fn admin_token(sim: &SimServer) -> Secret {
    let token: Value = reqwest_json(
        &format!("{}/_sim/token", sim.base_url()),
        json!({ "username": "admin@contoso.com", "scope": "User.Read User.ReadWrite.All User.Invite.All" }),
    )
    .await;
    Secret::new(token["access_token"].as_str().expect("token").to_owned())
}

/// tenant-sim's test hooks.
async fn reqwest_json(url: &str, body: Value) -> Value {
    post(url, body).await.json().await.unwrap_or(Value::Null)
}

async fn post(url: &str, body: Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .expect("sim hook")
}

/// One in-memory keychain shared by two services, as two programs share the OS keychain.
#[derive(Clone, Default)]
struct SharedStore(Arc<MemoryStore>);

impl SecretStore for SharedStore {
    fn set(&self, key: &str, value: &str) -> Result<(), AppError> {
        self.0.set(key, value)
    }
    fn get(&self, key: &str) -> Result<Option<String>, AppError> {
        self.0.get(key)
    }
    fn delete(&self, key: &str) -> Result<(), AppError> {
        self.0.delete(key)
    }
}

/// History as written, with what differs by nature between two runs (ids, times, request ids)
/// blanked.
fn history(dir: &Path) -> Vec<HistoryEntry> {
    let text = std::fs::read_to_string(dir.join(b2b_core::history::FILE_NAME)).expect("History written");
    let mut entries: Vec<HistoryEntry> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("entry"))
        .collect();
    for e in &mut entries {
        e.id.clear();
        e.at.clear();
        e.request_id = None;
        e.invitation_id = e.invitation_id.as_ref().map(|_| "present".into());
    }
    entries.sort_by(|a, b| a.user_id.cmp(&b.user_id));
    entries
}

fn as_source(mut entries: Vec<HistoryEntry>, source: &str) -> Vec<HistoryEntry> {
    for e in &mut entries {
        e.source = source.into();
    }
    entries
}

#[tokio::test]
async fn app_and_cli_hosts_write_the_same_history_for_the_same_conversion() {
    let mut seen = Vec::new();
    for source in ["app", "cli"] {
        let (sim, dir, svc) = on_a_fresh_tenant(source).await;
        let dir_state = sim.state().lock().dir.clone();
        let user = tenant_sim::seed::users_in_case(&dir_state, "ready-to-convert")[0].clone();
        let mail = user.mail.clone().expect("mail");
        let pre = svc
            .preflight(
                &user.user_principal_name,
                &mail,
                b2b_core::convert_service::CheckKind::Convert,
            )
            .await
            .expect("pre-flight");
        assert!(pre.can_convert, "{pre:?}");
        let request = ConvertRequest {
            send_mail: false,
            message: Some("  Welcome  ".into()),
            ..ConvertRequest::default()
        };
        let r = svc
            .convert_user(&user.user_principal_name, &mail, request)
            .await
            .expect("converted");
        assert!(r.redeem_url.is_some());
        let entries = history(&dir);
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].source, source);
        // The service trims what either host hands it.
        assert_eq!(entries[0].options.message.as_deref(), Some("Welcome"));
        seen.push(entries);
    }
    assert_eq!(seen[0], as_source(seen[1].clone(), "app"));
}

#[tokio::test]
async fn app_and_cli_hosts_write_the_same_history_for_the_same_bulk_run() {
    let mut seen = Vec::new();
    for source in ["app", "cli"] {
        let (sim, dir, svc) = on_a_fresh_tenant(source).await;
        let dir_state = sim.state().lock().dir.clone();
        let mut csv = String::from("user,email,sendMail\n");
        for u in tenant_sim::seed::users_in_case(&dir_state, "ready-to-convert")
            .iter()
            .take(5)
        {
            csv.push_str(&format!(
                "{},{},no\n",
                u.user_principal_name,
                u.mail.clone().unwrap_or_default()
            ));
        }
        csv.push_str("nobody@contoso.com,someone@partner.example,no\n");
        let loaded = svc
            .bulk_load("partners.csv", csv.into_bytes())
            .await
            .expect("loaded");
        assert_eq!(loaded.preview.ready, 5);
        assert!(!loaded.run_before);
        let sink: ProgressSink = Arc::new(|_, _| {});
        let report = svc.bulk_run(3, false, sink.clone()).await.expect("ran");
        assert_eq!(report.converted, 5);
        let entries = history(&dir);
        assert_eq!(entries.len(), 5);
        assert!(entries.iter().all(|e| e.source == source));

        // The same file again: refused unless resumed, and a resume invites no one twice.
        let again = svc
            .bulk_load(
                "partners.csv",
                std::fs::read(dir.join("none")).unwrap_or_default(),
            )
            .await;
        assert!(again.is_err(), "an empty file is not a bulk file");
        seen.push(entries);
    }
    assert_eq!(seen[0], as_source(seen[1].clone(), "app"));
}

#[tokio::test]
async fn a_file_run_before_runs_only_as_a_resume_and_never_twice() {
    let (sim, dir, svc) = on_a_fresh_tenant("app").await;
    let state = sim.state().lock().dir.clone();
    let mut csv = String::from("user,email\n");
    for u in tenant_sim::seed::users_in_case(&state, "ready-to-convert")
        .iter()
        .take(3)
    {
        csv.push_str(&format!(
            "{},{}\n",
            u.user_principal_name,
            u.mail.clone().unwrap_or_default()
        ));
    }
    let sink: ProgressSink = Arc::new(|_, _| {});
    svc.bulk_load("a.csv", csv.clone().into_bytes())
        .await
        .expect("loaded");
    assert_eq!(
        svc.bulk_run(2, false, sink.clone()).await.expect("ran").converted,
        3
    );

    let loaded = svc
        .bulk_load("a.csv", csv.into_bytes())
        .await
        .expect("loaded again");
    assert!(loaded.run_before);
    assert_eq!(loaded.done_before, 3);
    let refused = svc
        .bulk_run(2, false, sink.clone())
        .await
        .expect_err("needs resume");
    assert_eq!(refused.code, b2b_core::ErrorCode::BulkAlreadyRun);
    let report = svc.bulk_run(2, true, sink).await.expect("resumed");
    assert_eq!((report.converted, report.already_done), (0, 3));
    assert_eq!(
        history(&dir).len(),
        3,
        "nothing sent twice, nothing recorded twice"
    );
}

#[tokio::test]
async fn a_file_over_20_mb_is_refused_before_anything_is_read() {
    let dir = temp_dir("large");
    let svc = service("app", &dir, Overrides::default());
    let e = svc
        .bulk_load("big.csv", vec![b'a'; b2b_service::bulk::MAX_FILE_BYTES + 1])
        .await
        .expect_err("too large");
    assert_eq!(e.code, b2b_core::ErrorCode::CsvTooLarge);
}

/// The session end to end: a device-code sign-in saves the account and makes it current in the
/// settings file, which a second service (as `b2b` started later) follows.
#[tokio::test]
async fn a_sign_in_becomes_the_current_account_that_a_second_program_follows() {
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    post(
        &format!("{}/_sim/faults", sim.base_url()),
        json!({ "deviceIntervalS": 1 }),
    )
    .await;
    let dir = temp_dir("session");
    let keychain = SharedStore::default();
    let with_keychain = |source| {
        Arc::new(Service::new(
            test_host(source, &dir),
            Box::new(SettingsFile::new(dir.join("settings.json"))),
            Box::new(keychain.clone()),
            Policy::default(),
            Overrides::default(),
        ))
    };
    let app = with_keychain("app");
    app.connect_organisation(DEMO_CLIENT_ID, "organizations")
        .expect("connected");
    // Point the stored connection at the simulator, as an organisation's URLs.
    app.settings
        .update(|s| s.connection = Some(organisation(&sim)))
        .expect("saved");
    let (view, _) = app.start_device_code(None).await.expect("device code");
    let approve = format!("{}/_sim/device/approve", sim.base_url());
    let body = json!({ "user_code": view.user_code, "username": "helpdesk@contoso.com" });
    let finish = tokio::spawn({
        let app = app.clone();
        async move { app.finish_device_code().await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(post(&approve, body).await.status(), 204);
    let account = finish.await.expect("join").expect("signed in");
    assert_eq!(account.username, "helpdesk@contoso.com");
    assert_eq!(
        app.settings.get().current_account.as_deref(),
        Some(account.id.as_str())
    );

    // A second program over the same settings file reads the connection and the current account.
    let raw: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("settings.json")).expect("settings"))
            .expect("json");
    assert_eq!(raw["settings"]["currentAccount"], account.id.as_str());
    assert_eq!(raw["settings"]["connection"]["authorityUrl"], sim.base_url());
    let cli = with_keychain("cli");
    let acting = cli.acting().await.expect("acts as the app's current account");
    assert_eq!(acting.actor.admin, "helpdesk@contoso.com");
    assert_eq!(acting.actor.source, "cli");
    assert!(cli.search_users("Adele", None).await.is_ok());
}

async fn signed_in(sim: &SimServer, name: &str) -> (PathBuf, Arc<TestHost>, Arc<Service>) {
    let dir = temp_dir(name);
    let host = test_host("app", &dir);
    let svc = service_on(
        host.clone(),
        &dir,
        Overrides {
            connection: Some(organisation(sim)),
            access_token: Some(admin_token(sim).await),
            ..Overrides::default()
        },
    );
    (dir, host, svc)
}

fn ready_csv(sim: &SimServer, n: usize, send_mail: &str) -> String {
    let state = sim.state().lock().dir.clone();
    let mut csv = String::from("user,email,sendMail\n");
    for u in tenant_sim::seed::users_in_case(&state, "ready-to-convert")
        .iter()
        .take(n)
    {
        csv.push_str(&format!(
            "{},{},{send_mail}\n",
            u.user_principal_name,
            u.mail.clone().unwrap_or_default()
        ));
    }
    csv
}

/// Issue 12.1 and 12.10 in the app's path: a run without e-mails is cancelled, then resumed;
/// the final report holds a redeem link for every converted row, the links live beside the
/// journal (owner only) and never in History; the rate counts only rows sent in this run.
/// With the links file gone (a journal from before), "new links for the rows without one" resets
/// redemption without an e-mail.
#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_run_without_mail_keeps_every_link_through_a_resume() {
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    post(
        &format!("{}/_sim/faults", sim.base_url()),
        json!({ "latencyMs": 30 }),
    )
    .await;
    let (dir, _, svc) = signed_in(&sim, "links").await;
    let csv = ready_csv(&sim, 12, "no");
    svc.bulk_load("links.csv", csv.clone().into_bytes())
        .await
        .expect("loaded");
    let cancel_after = {
        let svc = svc.clone();
        let states = Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = states.clone();
        let sink: ProgressSink = Arc::new(move |p, _| {
            seen.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(p.state);
            if p.done == 4 {
                let now = svc.bulk_cancel().expect("cancel").expect("progress");
                assert_eq!(now.state, b2b_core::bulk::run::RunState::Cancelling);
                assert_eq!(now.eta_s, None, "no time left promised while cancelling");
            }
        });
        (sink, states)
    };
    let first = svc.bulk_run(2, false, cancel_after.0).await.expect("ran");
    assert!(first.not_run > 0, "cancelled mid-run: {first:?}");
    assert!(first.converted >= 4);
    assert_eq!(
        svc.bulk_status().progress.map(|p| p.state),
        Some(b2b_core::bulk::run::RunState::Finished)
    );

    svc.bulk_load("links.csv", csv.clone().into_bytes())
        .await
        .expect("loaded again");
    let last = Arc::new(std::sync::Mutex::new(None));
    let keep = last.clone();
    let sink: ProgressSink = Arc::new(move |p, _| {
        *keep.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(p.clone());
    });
    let report = svc.bulk_run(3, true, sink).await.expect("resumed");
    assert_eq!(report.converted + report.already_done, 12);
    assert_eq!(report.already_done, first.converted);
    assert_eq!(report.links_lost, 0);
    for r in &report.rows {
        assert!(r.redeem_url.is_some(), "line {} has no link: {r:?}", r.line);
    }
    let p = last
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
        .expect("progress");
    assert_eq!(
        p.attempted, report.converted,
        "rows done before are not in the rate"
    );
    assert_eq!(p.to_attempt, report.converted);
    let history_text = std::fs::read_to_string(dir.join(b2b_core::history::FILE_NAME)).expect("History");
    assert!(!history_text.contains("redeem"), "no link in History");
    let bulk_dir = dir.join("bulk");
    let links: Vec<PathBuf> = std::fs::read_dir(&bulk_dir)
        .expect("bulk dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".links.jsonl"))
        .collect();
    assert_eq!(links.len(), 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&links[0]).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the links file is the owner's only");
    }

    // A journal from before links were kept: every row's link is lost, and new ones are made.
    std::fs::remove_file(&links[0]).expect("remove links");
    svc.bulk_load("links.csv", csv.into_bytes())
        .await
        .expect("loaded a third time");
    let sink: ProgressSink = Arc::new(|_, _| {});
    let report = svc.bulk_run(3, true, sink).await.expect("resumed again");
    assert_eq!((report.already_done, report.links_lost), (12, 12));
    let invitations_before = sim.state().lock().stats.invitations.clone();
    let relinked = svc.bulk_relink().await.expect("relinked");
    assert_eq!(relinked.links_lost, 0);
    assert!(relinked.rows.iter().all(|r| r.redeem_url.is_some()));
    assert_eq!(
        svc.bulk_report().expect("kept").links_lost,
        0,
        "the report shown and exported is the relinked one"
    );
    let invitations_after = sim.state().lock().stats.invitations.clone();
    assert_ne!(invitations_before, invitations_after, "one reset per user");
    assert_eq!(
        sim.state().lock().outbox.len(),
        0,
        "no e-mail went out, neither in the run nor for the new links"
    );
    let history = history(&dir);
    assert_eq!(
        history
            .iter()
            .filter(|e| e.action == b2b_core::history::HistoryAction::Resend)
            .count(),
        12
    );
    assert!(history.iter().all(|e| !e.options.send_mail));
}

/// Issue 12.10: pausing is seen at once, with no time left promised; resuming runs again.
#[tokio::test(flavor = "multi_thread")]
async fn a_paused_run_says_so_and_promises_no_time() {
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    post(
        &format!("{}/_sim/faults", sim.base_url()),
        json!({ "latencyMs": 30 }),
    )
    .await;
    let (_, _, svc) = signed_in(&sim, "pause").await;
    svc.bulk_load("p.csv", ready_csv(&sim, 8, "yes").into_bytes())
        .await
        .expect("loaded");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let sink: ProgressSink = Arc::new(move |p, _| {
        let _ = tx.send(p.clone());
    });
    let finished = tokio::sync::oneshot::channel();
    let done = std::sync::Mutex::new(Some(finished.0));
    svc.bulk_start(1, false, sink, move |r| {
        if let Some(tx) = done
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
        {
            let _ = tx.send(r.converted);
        }
    })
    .await
    .expect("started");
    let first = rx.recv().await.expect("a row");
    assert!(first.eta_s.is_some());
    let paused = svc.bulk_pause().expect("pause").expect("progress");
    assert_eq!(paused.state, b2b_core::bulk::run::RunState::Paused);
    assert_eq!(paused.eta_s, None);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let status = svc.bulk_status();
    assert!(status.running && status.report.is_none());
    let p = status.progress.expect("progress");
    assert_eq!(p.state, b2b_core::bulk::run::RunState::Paused);
    assert!(p.done < p.total, "paused mid-run: {p:?}");
    let resumed = svc.bulk_resume().expect("resume").expect("progress");
    assert_eq!(resumed.state, b2b_core::bulk::run::RunState::Running);
    assert_eq!(finished.1.await.expect("finished"), 8);
    assert_eq!(
        svc.bulk_status().progress.map(|p| p.state),
        Some(b2b_core::bulk::run::RunState::Finished)
    );
}

/// Issue 12.2: the invitation is made but its answer lost (a 503 after the write), and reads lag
/// behind it, so the conversion ends unknown. History says unknown; a read of the user once
/// Graph shows the invitation settles it as done, with a second History entry naming the first.
#[tokio::test(flavor = "multi_thread")]
async fn a_lost_answer_is_settled_by_reading_the_user() {
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    let (dir, _, svc) = signed_in(&sim, "unknown").await;
    let state = sim.state().lock().dir.clone();
    let user = tenant_sim::seed::users_in_case(&state, "ready-to-convert")[0].clone();
    let mail = user.mail.clone().expect("mail");
    post(
        &format!("{}/_sim/faults", sim.base_url()),
        json!({
            "replicationLagMs": 9000,
            "routes": { "POST /v1.0/invitations": { "failRate": 1.0, "afterHandler": true } }
        }),
    )
    .await;
    let request = ConvertRequest {
        send_mail: true,
        ..ConvertRequest::default()
    };
    let e = svc
        .convert_user(&user.id, &mail, request)
        .await
        .expect_err("no answer");
    assert_eq!(e.code, b2b_core::ErrorCode::OutcomeUnknown);
    let entries = history(&dir);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].outcome, b2b_core::history::Outcome::Unknown);

    // At once: Graph does not show it yet, so it stays unknown (not failed).
    let d = svc.get_user(&user.id).await.expect("read");
    let check = d.outcome_check.expect("a check");
    assert_eq!(check.outcome, b2b_core::history::Outcome::Unknown);
    assert_eq!(history(&dir).len(), 1);

    // Once Graph shows it: settled as done, the badge follows, History says so.
    tokio::time::sleep(Duration::from_millis(9500)).await;
    let d = svc.get_user(&user.id).await.expect("read");
    let check = d.outcome_check.expect("a check");
    assert_eq!(check.outcome, b2b_core::history::Outcome::Succeeded);
    assert_eq!(check.status.as_deref(), Some("PendingAcceptance"));
    assert_eq!(d.state, Some(b2b_core::users::B2bState::Pending));
    let raw = b2b_core::history::History::new(dir.join(b2b_core::history::FILE_NAME))
        .read("")
        .expect("History");
    assert_eq!(raw.entries.len(), 2);
    assert_eq!(raw.entries[0].outcome, b2b_core::history::Outcome::Succeeded);
    assert_eq!(
        raw.entries[0].settles.as_deref(),
        Some(raw.entries[1].id.as_str())
    );
    // Settled once: the next read has nothing left to settle.
    assert!(svc
        .get_user(&user.id)
        .await
        .expect("read")
        .outcome_check
        .is_none());

    // A program started later takes unsettled entries from History.
    let other = temp_dir("unknown-later");
    std::fs::copy(
        dir.join(b2b_core::history::FILE_NAME),
        other.join(b2b_core::history::FILE_NAME),
    )
    .expect("copy");
    let later = service(
        "app",
        &other,
        Overrides {
            connection: Some(organisation(&sim)),
            access_token: Some(admin_token(&sim).await),
            ..Overrides::default()
        },
    );
    assert!(later
        .get_user(&user.id)
        .await
        .expect("read")
        .outcome_check
        .is_none());
}

/// Issue 12.11: Microsoft asks to slow down during a single conversion; the host is told when
/// the app tries again, and the conversion then goes through.
#[tokio::test(flavor = "multi_thread")]
async fn throttling_during_a_conversion_is_told_with_the_time_of_the_next_try() {
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    let (_, host, svc) = signed_in(&sim, "throttle").await;
    let state = sim.state().lock().dir.clone();
    let user = tenant_sim::seed::users_in_case(&state, "ready-to-convert")[0].clone();
    let mail = user.mail.clone().expect("mail");
    let faults = format!("{}/_sim/faults", sim.base_url());
    post(
        &faults,
        json!({ "routes": { "POST /v1.0/invitations": { "throttleRetryAfter": "1.5" } } }),
    )
    .await;
    let convert = tokio::spawn({
        let svc = svc.clone();
        let id = user.id.clone();
        async move { svc.convert_user(&id, &mail, ConvertRequest::default()).await }
    });
    let notice = loop {
        if let Some(n) = host
            .throttled
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .first()
            .cloned()
        {
            break n;
        }
        assert!(!convert.is_finished(), "ended without telling of the 429");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(notice.wait_s, 2, "1.5 s, rounded up");
    let at = time::OffsetDateTime::parse(&notice.retry_at, &time::format_description::well_known::Rfc3339)
        .expect("RFC 3339");
    assert!(at > time::OffsetDateTime::now_utc() - Duration::from_secs(3));
    post(&faults, json!({})).await;
    let r = convert.await.expect("join").expect("converted after waiting");
    assert_eq!(r.status, "PendingAcceptance");
}

/// The sponsors a user has in tenant-sim's directory, by UPN (or id for a group).
fn sponsors_in_sim(sim: &SimServer, user_id: &str) -> Vec<String> {
    let g = sim.state().lock();
    let Some(u) = g.dir.user(user_id) else {
        return Vec::new();
    };
    u.sim
        .sponsors
        .iter()
        .map(|s| {
            g.dir
                .user(s)
                .map(|x| x.user_principal_name.clone())
                .unwrap_or(s.clone())
        })
        .collect()
}

/// Issue 14.3: the sponsors the admin names replace Microsoft's default (the inviter); an unknown
/// sponsor or a sixth stops the conversion before anything changes; `get_user` shows them;
/// without sponsors Microsoft's default stands.
#[tokio::test(flavor = "multi_thread")]
async fn a_conversion_names_its_sponsors_instead_of_the_admin() {
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    let (dir, _, svc) = signed_in(&sim, "sponsors").await;
    let state = sim.state().lock().dir.clone();
    let users = tenant_sim::seed::users_in_case(&state, "ready-to-convert");
    let (first, second) = (users[0].clone(), users[1].clone());
    let group = state.groups[0].clone();

    let unknown = ConvertRequest {
        send_mail: true,
        sponsors: vec!["nobody.here@contoso.com".into()],
        ..ConvertRequest::default()
    };
    let e = svc
        .convert_user(&first.id, first.mail.as_deref().unwrap_or(""), unknown)
        .await
        .expect_err("unknown sponsor");
    assert_eq!(e.code, b2b_core::ErrorCode::SponsorNotFound);
    assert!(
        sim.state()
            .lock()
            .dir
            .user(&first.id)
            .and_then(|u| u.external_user_state.clone())
            .is_none(),
        "nothing was sent"
    );
    let six = ConvertRequest {
        sponsors: (0..6).map(|i| format!("s{i}@contoso.com")).collect(),
        ..ConvertRequest::default()
    };
    let e = svc
        .convert_user(&first.id, first.mail.as_deref().unwrap_or(""), six)
        .await
        .expect_err("six");
    assert_eq!(e.code, b2b_core::ErrorCode::TooManySponsors);

    let request = ConvertRequest {
        send_mail: true,
        sponsors: vec![format!("global@contoso.com|{}", group.id)],
        ..ConvertRequest::default()
    };
    let r = svc
        .convert_user(&first.id, first.mail.as_deref().unwrap_or(""), request)
        .await
        .expect("converted");
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let set: Vec<&str> = r.sponsors_set.iter().map(|s| s.label()).collect();
    assert_eq!(set, ["global@contoso.com", group.id.as_str()]);
    assert_eq!(
        sponsors_in_sim(&sim, &first.id),
        ["global@contoso.com".to_owned(), group.id.clone()],
        "the admin who converted is not left as a sponsor"
    );
    let d = svc.get_user(&first.id).await.expect("read");
    let shown = d.sponsors.expect("sponsors read");
    assert_eq!(
        shown[0].user_principal_name.as_deref(),
        Some("global@contoso.com")
    );
    assert_eq!(shown[1].kind, b2b_core::sponsors::SponsorKind::Group);
    let entries = history(&dir);
    let failed: Vec<_> = entries
        .iter()
        .filter(|e| e.outcome == b2b_core::history::Outcome::Failed)
        .map(|e| (e.error_code, e.changes.is_empty()))
        .collect();
    assert_eq!(
        failed,
        [(Some(b2b_core::ErrorCode::SponsorNotFound), true)],
        "the unknown sponsor is in History, with nothing changed; the sixth was refused before"
    );
    assert!(
        entries
            .iter()
            .any(|e| e.outcome == b2b_core::history::Outcome::Succeeded
                && e.options.sponsors == ["global@contoso.com".to_owned(), group.id.clone()]),
        "History keeps the sponsors named"
    );

    // Without sponsors: Microsoft's default, the admin, as the user page then shows.
    svc.convert_user(
        &second.id,
        second.mail.as_deref().unwrap_or(""),
        ConvertRequest::default(),
    )
    .await
    .expect("converted");
    assert_eq!(sponsors_in_sim(&sim, &second.id), ["admin@contoso.com"]);
}

/// Issue 14.3: Microsoft refusing to add a sponsor after the 201 is a warning on a success; the
/// default sponsors (settings, under the policy) fill a bulk file's empty `sponsors` cells.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_sponsor_is_a_warning_and_bulk_rows_take_the_default() {
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    let (_, _, svc) = signed_in(&sim, "sponsors-bulk").await;
    let state = sim.state().lock().dir.clone();
    let users = tenant_sim::seed::users_in_case(&state, "ready-to-convert");
    let faults = format!("{}/_sim/faults", sim.base_url());
    post(
        &faults,
        json!({ "routes": { "POST /v1.0/users/{id}/sponsors/$ref": { "failRate": 1.0 } } }),
    )
    .await;
    let request = ConvertRequest {
        send_mail: true,
        sponsors: vec!["global@contoso.com".into()],
        ..ConvertRequest::default()
    };
    let r = svc
        .convert_user(&users[0].id, users[0].mail.as_deref().unwrap_or(""), request)
        .await
        .expect("a success, whatever the sponsors");
    assert_eq!(r.status, "PendingAcceptance");
    assert_eq!(r.warnings, [b2b_core::codes::FollowUpWarning::SponsorsNotAdded]);
    assert!(r.sponsors_set.is_empty());
    post(&faults, json!({})).await;

    let e = svc
        .set_default_sponsors(vec!["not a sponsor".into()])
        .expect_err("checked");
    assert_eq!(e.code, b2b_core::ErrorCode::SponsorNotFound);
    let view = svc
        .set_default_sponsors(vec!["helpdesk@contoso.com".into()])
        .expect("saved");
    assert_eq!(view.sponsors, ["helpdesk@contoso.com"]);
    assert!(!view.locked);
    let csv = format!(
        "user;email;sponsors\n{};{};global@contoso.com\n{};{};\n",
        users[1].user_principal_name,
        users[1].mail.clone().unwrap_or_default(),
        users[2].user_principal_name,
        users[2].mail.clone().unwrap_or_default(),
    );
    let sink: ProgressSink = Arc::new(|_, _| {});
    svc.bulk_load("sponsors.csv", csv.into_bytes())
        .await
        .expect("loaded");
    let report = svc.bulk_run(2, false, sink).await.expect("ran");
    assert_eq!(report.converted, 2, "{:?}", report.rows);
    assert!(
        report.rows.iter().all(|r| r.warnings.is_empty()),
        "{:?}",
        report.rows
    );
    assert_eq!(sponsors_in_sim(&sim, &users[1].id), ["global@contoso.com"]);
    assert_eq!(sponsors_in_sim(&sim, &users[2].id), ["helpdesk@contoso.com"]);
}

/// The seeded users of a case, by id.
fn case_ids(sim: &SimServer, case: &str) -> Vec<String> {
    let dir = sim.state().lock().dir.clone();
    tenant_sim::seed::users_in_case(&dir, case)
        .iter()
        .map(|u| u.id.clone())
        .collect()
}

#[tokio::test]
async fn discovery_finds_the_partner_accounts_with_their_verdicts_and_hands_them_to_the_bulk_preview() {
    use b2b_core::bulk::RowStatus;
    use b2b_core::codes::CheckCode;
    let (sim, _dir, svc) = on_a_fresh_tenant("app").await;
    let members = sim
        .state()
        .lock()
        .dir
        .users
        .iter()
        .filter(|u| u.user_type == "Member")
        .count();
    let mut pages = Vec::new();
    let found = svc.discover(|p| pages.push(p)).await.expect("discover");
    assert_eq!(found.scanned as usize, members);
    assert_eq!(
        pages.first().and_then(|p| p.total),
        Some(found.scanned),
        "{pages:?}"
    );
    // The app's scopes do not read groups or contacts: their addresses are unknown, a warning.
    assert!(!found.holders_complete);
    let by_id: std::collections::HashMap<&str, &b2b_core::discover::Found> =
        found.accounts().map(|f| (f.id.as_str(), f)).collect();
    assert_eq!(by_id.len() as u32, found.found);
    for id in case_ids(&sim, "ready-to-convert") {
        let f = by_id
            .get(id.as_str())
            .expect("every ready-to-convert user is found");
        assert_eq!(f.status, RowStatus::Ready, "{f:?}");
        assert!(f.in_mail);
    }
    for id in case_ids(&sim, "ready-other-mail") {
        let f = by_id.get(id.as_str()).expect("found by its other mail");
        assert!(!f.in_mail);
        assert!(
            f.checks.iter().any(|c| c.code == CheckCode::AddressOnUser),
            "{f:?}"
        );
    }
    for case in ["mailbox-other-mail", "shared-external-address"] {
        for id in case_ids(&sim, case) {
            let f = by_id.get(id.as_str()).unwrap_or_else(|| panic!("{case} found"));
            assert_eq!(f.status, RowStatus::NeedsFix, "{case}: {f:?}");
        }
    }
    for id in case_ids(&sim, "shared-external-address") {
        assert!(!by_id[id.as_str()].others_using.is_empty());
    }
    // Unknown is not no: a group holding the address goes unseen here, so the account is ready
    // and the scan says once that groups were not compared (the bulk preview asks again).
    for id in case_ids(&sim, "address-held-by-group") {
        let f = by_id[id.as_str()];
        assert_eq!(f.status, RowStatus::Ready, "{f:?}");
        assert!(
            f.checks
                .iter()
                .all(|c| c.code != CheckCode::AddressNotUsedElsewhere),
            "{f:?}"
        );
    }
    for case in [
        "guest",
        "mail-verified-domain",
        "mail-verified-subdomain",
        "synced-onprem-upn",
        "pending-acceptance",
        "accepted",
        "no-mail",
    ] {
        for id in case_ids(&sim, case) {
            assert!(!by_id.contains_key(id.as_str()), "{case} is not a candidate");
        }
    }
    // Grouped by the address's domain, largest group first.
    for g in &found.groups {
        assert!(g
            .accounts
            .iter()
            .all(|a| a.address.to_lowercase().ends_with(&format!("@{}", g.domain))));
    }
    assert!(found
        .groups
        .windows(2)
        .all(|w| w[0].accounts.len() >= w[1].accounts.len()));

    // Three ready accounts straight to the bulk preview.
    let chosen: Vec<String> = case_ids(&sim, "ready-to-convert").into_iter().take(3).collect();
    let loaded = svc.discover_to_bulk(&chosen).await.expect("to bulk");
    assert_eq!(loaded.preview.rows.len(), 3);
    assert_eq!(loaded.preview.ready, 3);
    assert!(!loaded.run_before);
    let export = svc.discover_export(&chosen).await.expect("export");
    assert_eq!(export.rows, 3);
    let text = std::fs::read_to_string(&export.path).expect("exported file");
    let parsed = b2b_core::bulk::parse(text.as_bytes()).expect("a bulk file");
    assert_eq!(parsed.rows.len(), 3);

    // A cancelled scan says so and keeps the last result.
    let svc2 = svc.clone();
    let err = svc
        .discover(move |_| {
            svc2.discover_cancel();
        })
        .await
        .expect_err("cancelled");
    assert_eq!(err.code, b2b_core::ErrorCode::ScanCancelled);
    assert_eq!(
        svc.discover_last().await.expect("last").map(|d| d.found),
        Some(found.found)
    );
}

#[tokio::test]
async fn discovery_pages_through_a_larger_directory_and_counts_it_with_consistency_level() {
    use b2b_core::discover::DiscoverPhase;
    let (sim, _dir, svc) = on_a_fresh_tenant("cli").await;
    let grown = reqwest_json(
        &format!("{}/_sim/members", sim.base_url()),
        json!({ "count": 2500 }),
    )
    .await;
    let users = grown["users"].as_u64().expect("users") as usize;
    let members = sim
        .state()
        .lock()
        .dir
        .users
        .iter()
        .filter(|u| u.user_type == "Member")
        .count();
    assert!(users > 2500 && members > 2500);
    let mut pages = Vec::new();
    let found = svc.discover(|p| pages.push(p)).await.expect("discover");
    assert_eq!(found.scanned as usize, members);
    let user_pages: Vec<_> = pages.iter().filter(|p| p.phase == DiscoverPhase::Users).collect();
    assert_eq!(user_pages.len(), members.div_ceil(999), "{pages:?}");
    assert!(user_pages.windows(2).all(|w| w[0].scanned < w[1].scanned));
    let partners = case_ids(&sim, "scale-partner");
    assert_eq!(partners.len(), 250);
    let ids: std::collections::HashSet<&str> = found.accounts().map(|f| f.id.as_str()).collect();
    assert!(partners.iter().all(|p| ids.contains(p.as_str())));

    // Without ConsistencyLevel, Microsoft ignores `$count=true` (no count, so no total to show).
    let token = admin_token(&sim).await;
    let bare: Value = reqwest::Client::new()
        .get(format!(
            "{}/v1.0/users?$filter=userType%20eq%20'Member'&$count=true&$top=999&$select=id",
            sim.base_url()
        ))
        .bearer_auth(token.expose())
        .send()
        .await
        .expect("first page")
        .json()
        .await
        .expect("json");
    assert!(
        bare.get("@odata.count").is_none(),
        "{:?}",
        bare.get("@odata.count")
    );
    assert!(bare["@odata.nextLink"].is_string());
}
