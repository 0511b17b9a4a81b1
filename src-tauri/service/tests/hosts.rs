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
    Arc::new(Service::new(
        Arc::new(TestHost {
            source,
            dir: dir.to_owned(),
        }),
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
            Arc::new(TestHost {
                source,
                dir: dir.clone(),
            }),
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
