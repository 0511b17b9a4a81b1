//! `b2b` against the simulated tenant and the real keychain (a throw-away gnome-keyring under
//! `cargo xtask test`). The test plays the browser: B2B_BROWSER points at a script that hands the
//! authorize URL back to the test, which submits the sign-in form over HTTP.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use b2b_core::bulk::journal::Journal;
use serde_json::{json, Value};
use tenant_sim::{SimConfig, SimServer, DEMO_CLIENT_ID};
use time::format_description::well_known::Rfc3339;

/// A throw-away folder for one test, removed when the test drops it. Keep it bound for as long as
/// anything uses it, `b2b` children included (`let _ = temp(..)` would remove it at once).
fn temp(prefix: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .expect("temp dir")
}

/// `b2b` against `sim`, its data (History, journals) in `data`: a test's throw-away folder, never
/// the developer's own.
fn b2b(sim: &SimServer, data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_b2b"));
    c.env("B2B_AUTHORITY_URL", sim.base_url())
        .env("B2B_GRAPH_URL", sim.base_url())
        .env("B2B_CLIENT_ID", DEMO_CLIENT_ID)
        .env_remove("B2B_BROWSER")
        .env_remove("B2B_POLICY_FILE")
        .env("XDG_DATA_HOME", data);
    c
}

/// `b2b` acting with `token`, its data (History, journals) in `data`, and no terminal: what most
/// tests run.
fn b2b_with_token(
    sim: &SimServer,
    token: &str,
    data: &std::path::Path,
    args: &[&str],
) -> std::process::Output {
    b2b(sim, data)
        .args(args)
        .env("B2B_ACCESS_TOKEN", token)
        .stdin(Stdio::null())
        .output()
        .expect("b2b")
}

/// An admin's access token from the simulator's test hook.
async fn admin_token(sim: &SimServer) -> String {
    admin_token_with(&reqwest::Client::new(), sim).await
}

/// `admin_token` through `http`: a client that trusts the test CA, for tenant-sim over https.
async fn admin_token_with(http: &reqwest::Client, sim: &SimServer) -> String {
    let token: Value = http
        .post(format!("{}/_sim/token", sim.base_url()))
        .json(&json!({ "username": "admin@contoso.com", "scope": "User.Read User.ReadWrite.All User.Invite.All" }))
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    token["access_token"].as_str().expect("token").to_owned()
}

fn lines(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

async fn play_browser(url: &str, username: &str) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let (base, query) = url.split_once('?').expect("query");
    let mut form: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    form.push(("username".into(), username.into()));
    form.push(("password".into(), "demo".into()));
    form.push(("action".into(), "signin".into()));
    let r = http.post(base).form(&form).send().await.expect("submit");
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("redirect")
        .to_owned();
    http.get(&location).send().await.expect("loopback");
}

/// A "browser" that writes the URL it was given to a file, both in the returned folder (keep it
/// until the `b2b` that calls the browser has ended).
fn recording_browser() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = temp("b2b-cli-test-");
    let script = dir.path().join("browser.sh");
    let url_file = dir.path().join("url.txt");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n", url_file.display()),
    )
    .expect("script");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    (dir, script, url_file)
}

/// The sign-in URL the recording browser was given, once it has been.
async fn url_handed_to_the_browser(url_file: &std::path::Path) -> String {
    loop {
        if let Ok(u) = std::fs::read_to_string(url_file) {
            if !u.is_empty() {
                return u;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The tests that sign in share the OS keychain (one list of accounts): one at a time.
static KEYCHAIN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs an unlocked OS keychain: run through `cargo xtask test`"]
async fn login_whoami_logout_with_the_browser_and_the_device_code() {
    let _keychain = KEYCHAIN.lock().await;
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    let data = temp("b2b-cli-login-");
    let (_browser, script, url_file) = recording_browser();

    let child = b2b(&sim, data.path())
        .args(["login", "--json", "--timeout-s", "30"])
        .env("B2B_BROWSER", &script)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn login");
    let url = url_handed_to_the_browser(&url_file).await;
    assert!(
        url.contains("code_challenge_method=S256") && url.contains("redirect_uri=http%3A%2F%2Flocalhost%3A"),
        "{url}"
    );
    play_browser(&url, "admin@contoso.com").await;
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("join")
        .expect("login");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let events = lines(&output);
    let signed_in = events
        .iter()
        .find(|e| e["event"] == "signed_in")
        .expect("signed_in event");
    assert_eq!(signed_in["account"]["username"], "admin@contoso.com");
    assert_eq!(signed_in["capabilities"]["canConvert"], true);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains("eyJ"), "no token in the output");

    // Device code, as another account: the output shows the user code.
    let r = reqwest::Client::new()
        .post(format!("{}/_sim/faults", sim.base_url()))
        .json(&json!({ "deviceIntervalS": 1 }))
        .send()
        .await
        .expect("faults");
    assert_eq!(r.status(), 200);
    let mut child = b2b(&sim, data.path())
        .args(["login", "--device-code"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let prompt = tokio::task::spawn_blocking(move || (rx.recv_timeout(Duration::from_secs(20)), rx))
        .await
        .expect("join");
    let (first, rx) = (prompt.0.expect("a prompt line"), prompt.1);
    assert!(
        first.starts_with("To sign in, use a web browser to open the page"),
        "{first}"
    );
    let user_code = first
        .split("enter the code ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .expect("user code");
    let r = reqwest::Client::new()
        .post(format!("{}/_sim/device/approve", sim.base_url()))
        .json(&json!({ "user_code": user_code, "username": "helpdesk@contoso.com" }))
        .send()
        .await
        .expect("approve");
    assert_eq!(r.status(), 204);
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .expect("join")
        .expect("wait");
    assert!(status.success());
    let last: Vec<String> = rx.try_iter().collect();
    assert!(
        last.iter().any(|l| l.contains("Signed in as Hal Helpdesk")),
        "{last:?}"
    );

    let out = b2b(&sim, data.path())
        .args(["whoami", "--json"])
        .output()
        .expect("whoami");
    assert!(out.status.success());
    let who = lines(&out);
    assert!(
        who.iter()
            .any(|w| w["account"]["username"] == "admin@contoso.com"
                && w["capabilities"]["canConvert"] == true),
        "{who:?}"
    );

    let out = b2b(&sim, data.path())
        .args(["logout", "--all", "--json"])
        .output()
        .expect("logout");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let out = b2b(&sim, data.path())
        .args(["whoami", "--json"])
        .output()
        .expect("whoami");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(lines(&out)[0]["error"]["code"], "not_signed_in");
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn no_keychain_is_a_clear_error_not_a_file() {
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    let data = temp("b2b-cli-no-keychain-");
    let out = b2b(&sim, data.path())
        .args(["whoami", "--json"])
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/b2b-test-bus")
        .output()
        .expect("whoami");
    assert_eq!(out.status.code(), Some(1));
    let e = &lines(&out)[0]["error"];
    assert!(
        e["code"] == "keychain_unavailable" || e["code"] == "keychain_locked",
        "{e}"
    );
    let human = b2b(&sim, data.path())
        .args(["whoami"])
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/b2b-test-bus")
        .output()
        .expect("whoami");
    assert!(
        String::from_utf8_lossy(&human.stderr).contains("keychain"),
        "a plain message on stderr"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn check_and_convert_with_an_access_token() {
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    let token = admin_token(&sim).await;
    let dir = sim.state().lock().dir.clone();
    let ready = tenant_sim::seed::users_in_case(&dir, "ready-to-convert")[0].clone();
    let synced = tenant_sim::seed::users_in_case(&dir, "synced-onprem-upn")[0].clone();
    let mail = ready.mail.clone().expect("mail");
    let data = temp("b2b-cli-convert-");
    let run = |args: &[&str]| {
        b2b(&sim, data.path())
            .args(args)
            .env("B2B_ACCESS_TOKEN", &token)
            .output()
            .expect("b2b")
    };

    let out = run(&[
        "check",
        "--user",
        &ready.user_principal_name,
        "--email",
        &mail,
        "--json",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let checks = lines(&out);
    // A handed-in token's scopes are unknown (access tokens are opaque, CONTRACT.md 9.2), and
    // groups and contacts can't be read with it: warnings, not blockers. Everything else is ok.
    let warned = |c: &Value| {
        c["check"]["severity"] == "warning"
            && matches!(
                c["check"]["code"].as_str(),
                Some("admin_can_convert" | "address_not_used_elsewhere")
            )
    };
    assert!(
        checks.len() >= 8 && checks.iter().all(|c| c["check"]["severity"] == "ok" || warned(c)),
        "{checks:?}"
    );
    assert!(
        checks
            .iter()
            .any(|c| c["check"]["code"] == "admin_can_convert" && c["check"]["severity"] == "warning"),
        "{checks:?}"
    );

    let out = run(&[
        "check",
        "--user",
        &synced.user_principal_name,
        "--email",
        synced.mail.as_deref().unwrap_or(""),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let l = lines(&out);
    assert!(l
        .iter()
        .any(|c| c["check"]["code"] == "not_synced_from_on_premises" && c["check"]["severity"] == "blocker"));
    assert_eq!(
        l.last().map(|e| e["error"]["code"].clone()),
        Some(json!("conversion_blocked"))
    );

    // Without --yes and without a terminal nothing happens.
    let out = run(&["convert", "--user", &ready.user_principal_name, "--email", &mail]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"));

    let out = run(&[
        "convert",
        "--user",
        &ready.user_principal_name,
        "--email",
        &mail,
        "--yes",
        "--no-mail",
        "--json",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let l = lines(&out);
    let converted = l.iter().find(|e| e["event"] == "converted").expect("converted");
    assert_eq!(converted["result"]["status"], "PendingAcceptance");
    assert!(converted["result"]["redeemUrl"]
        .as_str()
        .is_some_and(|u| u.contains("/redeem?rd=")));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains(&token), "the token is never printed");
    let stats: Value = reqwest::get(format!("{}/_sim/stats", sim.base_url()))
        .await
        .expect("stats")
        .json()
        .await
        .expect("json");
    assert_eq!(stats["invitations"][ready.id.as_str()], 1);
    let outbox: Value = reqwest::get(format!("{}/_sim/outbox", sim.base_url()))
        .await
        .expect("outbox")
        .json()
        .await
        .expect("json");
    assert_eq!(
        outbox["value"].as_array().map(Vec::len),
        Some(0),
        "--no-mail sends no mail"
    );

    // Converting again is blocked: the user is already external.
    let out = run(&[
        "convert",
        "--user",
        &ready.user_principal_name,
        "--email",
        &mail,
        "--yes",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was changed"));
}

#[tokio::test(flavor = "multi_thread")]
async fn resend_pending_and_history() {
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    let token = admin_token(&sim).await;
    let tmp = temp("b2b-cli-history-");
    let data = tmp.path();
    let dir = sim.state().lock().dir.clone();
    let pending = tenant_sim::seed::users_in_case(&dir, "pending-acceptance")[0].clone();
    let run = |args: &[&str]| b2b_with_token(&sim, &token, data, args);

    let out = run(&["pending", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows = lines(&out);
    assert!(rows
        .iter()
        .any(|r| r["row"]["user"]["userPrincipalName"] == pending.user_principal_name));

    let new = "fresh.start@tailspin.example";
    let out = run(&[
        "resend",
        "--user",
        &pending.user_principal_name,
        "--email",
        new,
        "--add-to",
        "other-mails",
        "--language",
        "fr-FR",
        "--yes",
        "--json",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let resent = lines(&out)
        .into_iter()
        .find(|e| e["event"] == "resent")
        .expect("resent");
    assert_eq!(resent["result"]["otherMailsSet"], true);
    let outbox: Value = reqwest::get(format!("{}/_sim/outbox", sim.base_url()))
        .await
        .expect("outbox")
        .json()
        .await
        .expect("json");
    assert!(outbox.to_string().contains(new), "{outbox}");

    // A resend to an internal user is refused by the checks, and History says so.
    let internal = tenant_sim::seed::users_in_case(&dir, "ready-to-convert")[0].clone();
    let out = run(&["resend", "--user", &internal.user_principal_name, "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("BLOCKED"));

    let out = run(&["history", "--json"]);
    assert!(out.status.success());
    let entries = lines(&out);
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(entries[0]["entry"]["outcome"], "blocked", "newest first");
    assert_eq!(entries[1]["entry"]["outcome"], "succeeded");
    assert_eq!(entries[1]["entry"]["options"]["language"], "fr-FR");
    assert!(entries[1]["entry"]["requestId"]
        .as_str()
        .is_some_and(|r| !r.is_empty()));
    let out = run(&["history", "--csv", "--search", "succeeded"]);
    let csv = String::from_utf8_lossy(&out.stdout);
    assert_eq!(csv.lines().count(), 2, "header and one row: {csv}");
    assert!(csv.contains(&pending.user_principal_name));
    let file = std::fs::read_to_string(data.join("com.b2bconvert.app/history.jsonl")).expect("history file");
    assert!(
        !file.contains(&token) && !file.contains("redeem"),
        "no secret in History"
    );
}

/// `kill -9` in the middle of a bulk run without e-mails, then `--resume`: every user is invited
/// exactly once, and the final report holds a redeem link for every converted row (issue 12.1).
#[tokio::test(flavor = "multi_thread")]
async fn bulk_run_killed_then_resumed_invites_each_user_once() {
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    let http = reqwest::Client::new();
    http.post(format!("{}/_sim/faults", sim.base_url()))
        .json(&json!({ "latencyMs": 40 }))
        .send()
        .await
        .expect("faults");
    let token = admin_token(&sim).await;
    // Outlives every `b2b` the test starts, the killed one included (it is waited for).
    let tmp = temp("b2b-cli-bulk-");
    let work = tmp.path();
    let dir = sim.state().lock().dir.clone();
    let ready: Vec<_> = tenant_sim::seed::users_in_case(&dir, "ready-to-convert")
        .into_iter()
        .take(60)
        .cloned()
        .collect();
    let mut text = String::from("\u{feff}user;email;sendMail\r\n");
    for u in &ready {
        text.push_str(&format!(
            "{};{};no\r\n",
            u.user_principal_name,
            u.mail.clone().unwrap_or_default()
        ));
    }
    let file = work.join("partners.csv");
    std::fs::write(&file, text).expect("csv");
    let b2b_run = |args: &[&str]| {
        let mut c = b2b(&sim, &work.join("data"));
        c.arg("bulk")
            .arg("run")
            .arg(&file)
            .args(args)
            .env("B2B_ACCESS_TOKEN", &token);
        c
    };
    let invited = || async {
        let s: Value = reqwest::get(format!("{}/_sim/stats", sim.base_url()))
            .await
            .expect("stats")
            .json()
            .await
            .expect("json");
        s["invitations"].clone()
    };

    let mut child = b2b_run(&["--yes", "--concurrency", "3"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    loop {
        tokio::time::sleep(Duration::from_millis(25)).await;
        if invited().await.as_object().map_or(0, |m| m.len()) >= 12 {
            break;
        }
        assert!(
            child.try_wait().expect("wait").is_none(),
            "the run ended before it could be killed"
        );
    }
    child.kill().expect("kill -9");
    let _ = child.wait();
    let before = invited().await.as_object().map_or(0, |m| m.len());
    assert!(before < 60, "killed mid-run: {before} invited");

    let out = b2b_run(&["--yes"]).output().expect("run again");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--resume"));

    let count = |e: &Value, k: &str| e[k].as_u64().unwrap_or(0);
    // Resumed at once: a row the kill caught after its "started" line whose user shows no change
    // may still be replicating (CONTRACT.md 9.8): it is reported unknown and not sent again.
    let out = b2b_run(&["--yes", "--resume", "--json"])
        .output()
        .expect("resume");
    let summary = lines(&out)
        .into_iter()
        .find(|e| e["event"] == "report")
        .expect("report event");
    let unknown = count(&summary, "unknown");
    assert!(unknown <= 3, "at most the rows in flight at the kill: {summary}");
    assert_eq!(out.status.success(), unknown == 0, "{summary}");
    assert_eq!(
        count(&summary, "converted") + count(&summary, "alreadyDone") + unknown,
        60
    );
    let per_user = invited().await;
    assert!(
        per_user.as_object().expect("map").values().all(|n| n == 1),
        "{per_user:?}"
    );
    // Past the replication grace (the journal's times moved back 16 minutes), those rows are
    // sent: they never reached Microsoft.
    let journals: Vec<_> = std::fs::read_dir(work.join("data").join("com.b2bconvert.app").join("bulk"))
        .expect("bulk dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".journal.jsonl"))
        .collect();
    assert_eq!(journals.len(), 1);
    let aged: String = std::fs::read_to_string(&journals[0])
        .expect("journal")
        .lines()
        .map(|l| {
            let mut r: Value = serde_json::from_str(l).expect("journal line");
            if r.get("at").is_some() {
                let at = time::OffsetDateTime::parse(r["at"].as_str().expect("at"), &Rfc3339).expect("time");
                r["at"] = json!((at - time::Duration::minutes(16))
                    .format(&Rfc3339)
                    .expect("format"));
            }
            format!("{r}\n")
        })
        .collect();
    std::fs::write(&journals[0], aged).expect("age the journal");
    let out = b2b_run(&["--yes", "--resume", "--json"])
        .output()
        .expect("resume");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary = lines(&out)
        .into_iter()
        .find(|e| e["event"] == "report")
        .expect("report event");
    assert_eq!(
        count(&summary, "converted") + count(&summary, "alreadyDone"),
        60,
        "{summary}"
    );
    let per_user = invited().await;
    let per_user = per_user.as_object().expect("map");
    assert_eq!(per_user.len(), 60);
    assert!(per_user.values().all(|n| n == 1), "{per_user:?}");
    // A kill that lands after Microsoft's 201 and before the link is written loses that link for
    // good (it was only in the answer): the row is confirmed by reading the user, counted as
    // lost, and `--relink` makes a new one by a reset without an e-mail.
    let lost = lines(&out)
        .into_iter()
        .find(|e| e["event"] == "links_lost")
        .and_then(|e| e["count"].as_u64())
        .unwrap_or(0);
    assert!(lost <= 3, "at most the rows in flight at the kill: {lost}");
    if lost > 0 {
        let out = b2b_run(&["--yes", "--resume", "--relink", "--json"])
            .output()
            .expect("relink");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let relinked = lines(&out)
            .into_iter()
            .find(|e| e["event"] == "relinked")
            .expect("relinked event");
        assert_eq!(relinked["lost"].as_u64(), Some(lost));
        assert_eq!(relinked["stillLost"].as_u64(), Some(0));
    }
    let report = std::fs::read_to_string(work.join("partners.report.csv")).expect("report file");
    assert_eq!(report.lines().count(), 61);
    let mut csv = csv::Reader::from_reader(report.as_bytes());
    let headers = csv.headers().expect("headers").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let (outcome, link) = (col("outcome"), col("redeem url"));
    let mut linked = 0;
    for row in csv.records() {
        let row = row.expect("row");
        assert!(matches!(&row[outcome], "converted" | "alreadyDone"), "{row:?}");
        assert!(
            row[link].starts_with("http"),
            "line {} has no redeem link",
            &row[0]
        );
        linked += 1;
    }
    assert_eq!(linked, 60);
    // The links live beside the journal, the owner's only, and nowhere in History.
    let app_dir = work.join("data").join("com.b2bconvert.app");
    let links: Vec<_> = std::fs::read_dir(app_dir.join("bulk"))
        .expect("bulk dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".links.jsonl"))
        .collect();
    assert_eq!(links.len(), 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&links[0]).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let history = std::fs::read_to_string(app_dir.join("history.jsonl")).expect("History");
    assert!(!history.contains("redeem"), "no link in History");
}

/// A data folder that cannot keep a redeem link stops `b2b bulk run` after the row in flight; when
/// the report cannot be written either, its link is printed, the only place left. `--resume` sends
/// the rest once the folder can be written to, each user once.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn bulk_run_stops_when_a_link_cannot_be_kept_and_prints_it() {
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    let token = admin_token(&sim).await;
    let tmp = temp("b2b-cli-bulk-unkept-");
    let work = tmp.path();
    let dir = sim.state().lock().dir.clone();
    let mut text = String::from("user;email;sendMail\r\n");
    for u in tenant_sim::seed::users_in_case(&dir, "ready-to-convert")
        .into_iter()
        .take(5)
    {
        text.push_str(&format!(
            "{};{};no\r\n",
            u.user_principal_name,
            u.mail.clone().unwrap_or_default()
        ));
    }
    let file = work.join("partners.csv");
    std::fs::write(&file, &text).expect("csv");
    let data = work.join("data");
    let journal = Journal::path_for(&data.join("com.b2bconvert.app").join("bulk"), text.as_bytes());
    // The links file leads into a folder that is not there, and a folder stands where the report
    // goes: neither can be written, even by root. (A symbolic link: this test is Unix's.)
    let links = Journal::links_path_for(&journal);
    std::fs::create_dir_all(links.parent().expect("bulk folder")).expect("bulk folder");
    std::os::unix::fs::symlink(work.join("gone").join("links.jsonl"), &links).expect("links blocker");
    let report = work.join("partners.report.csv");
    std::fs::create_dir_all(&report).expect("report blocker");
    let file_arg = file.display().to_string();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "bulk",
            "run",
            file_arg.as_str(),
            "--yes",
            "--json",
            "--concurrency",
            "1",
        ];
        args.extend_from_slice(extra);
        b2b_with_token(&sim, &token, &data, &args)
    };
    let out = run(&[]);
    assert!(!out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let l = lines(&out);
    assert!(
        l.iter()
            .any(|e| e["event"] == "stopped" && e["reason"] == "link_not_kept"),
        "{l:?}"
    );
    let printed: Vec<&Value> = l.iter().filter(|e| e["event"] == "link").collect();
    assert_eq!(printed.len(), 1, "{l:?}");
    assert!(printed[0]["redeemUrl"]
        .as_str()
        .is_some_and(|u| u.starts_with("http")));
    assert_eq!(printed[0]["line"], 2);
    assert_eq!(
        l.last().map(|e| e["error"]["code"].clone()),
        Some(json!("export_io")),
        "{l:?}"
    );
    assert_eq!(sim.state().lock().stats.invitations.values().sum::<u64>(), 1);

    std::fs::remove_file(&links).expect("links unblocked");
    std::fs::remove_dir(&report).expect("report unblocked");
    let out = run(&["--resume"]);
    let l = lines(&out);
    // The first row's link was never kept: counted as lost, which exits 0 with --relink's hint.
    assert!(
        out.status.success(),
        "{l:?}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = l.iter().find(|e| e["event"] == "report").expect("report");
    assert_eq!(
        (r["alreadyDone"].as_u64(), r["converted"].as_u64()),
        (Some(1), Some(4))
    );
    assert!(
        l.iter().any(|e| e["event"] == "links_lost" && e["count"] == 1),
        "{l:?}"
    );
    let invitations = sim.state().lock().stats.invitations.clone();
    assert_eq!(invitations.len(), 5);
    assert!(invitations.values().all(|n| *n == 1), "{invitations:?}");
}

/// A success is never reported as a failure: Microsoft accepted the invitation, the userType PATCH
/// after it was refused; `b2b convert` exits 0, prints the warning, and History keeps it.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_follow_up_step_still_exits_0() {
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    let token = admin_token(&sim).await;
    let tmp = temp("b2b-cli-warning-");
    let data = tmp.path();
    let dir = sim.state().lock().dir.clone();
    let ready = tenant_sim::seed::users_in_case(&dir, "ready-to-convert")[0].clone();
    let mail = ready.mail.clone().expect("mail");
    reqwest::Client::new()
        .post(format!("{}/_sim/faults", sim.base_url()))
        .json(&json!({ "routes": { "PATCH /v1.0/users/{id}": { "failRate": 1.0 } } }))
        .send()
        .await
        .expect("faults");
    let run = |args: &[&str]| b2b_with_token(&sim, &token, data, args);
    let out = run(&[
        "convert",
        "--user",
        &ready.user_principal_name,
        "--email",
        &mail,
        "--set-guest",
        "--yes",
        "--json",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let l = lines(&out);
    assert!(
        l.iter()
            .any(|e| e["event"] == "warning" && e["code"] == "user_type_not_set"),
        "{l:?}"
    );
    let converted = l.iter().find(|e| e["event"] == "converted").expect("converted");
    assert_eq!(converted["result"]["userTypeSetToGuest"], false);
    let out = run(&["history", "--json"]);
    assert!(out.status.success());
    let h = lines(&out);
    let entry = &h
        .iter()
        .find(|e| e["event"] == "history" && e["entry"]["userId"] == ready.id.as_str())
        .unwrap_or_else(|| panic!("{h:?}"))["entry"];
    assert_eq!(entry["outcome"], "succeeded");
    assert_eq!(entry["warnings"], json!(["user_type_not_set"]));
}

/// A test CA (standing for a TLS-inspecting proxy's root) and a `localhost` certificate it signed.
fn test_ca() -> (String, tenant_sim::SimTls) {
    let ca_key = rcgen::KeyPair::generate().expect("key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "B2B Convert test inspection CA");
    let ca = ca_params.self_signed(&ca_key).expect("CA");
    let key = rcgen::KeyPair::generate().expect("key");
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
        .expect("params")
        .signed_by(&key, &ca, &ca_key)
        .expect("cert");
    (
        ca.pem(),
        tenant_sim::SimTls {
            cert_chain_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        },
    )
}

/// Behind a TLS-inspecting proxy Graph arrives with a certificate from the company's root: trusted
/// when it is in the machine's trust store (here through SSL_CERT_FILE, which the OS store reader
/// honours on Linux), refused otherwise with its own code, never `network_unreachable`.
#[tokio::test(flavor = "multi_thread")]
async fn https_is_trusted_through_the_os_store_and_refused_without_it() {
    let (ca_pem, tls) = test_ca();
    let sim = SimServer::start(SimConfig {
        tls: Some(tls),
        ..SimConfig::default()
    })
    .await
    .expect("sim over https");
    assert!(sim.base_url().starts_with("https://localhost:"));
    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(ca_pem.as_bytes()).expect("ca"))
        .build()
        .expect("client");
    let token = admin_token_with(&http, &sim).await;
    let dir = sim.state().lock().dir.clone();
    let ready = tenant_sim::seed::users_in_case(&dir, "ready-to-convert")[0].clone();
    let mail = ready.mail.clone().expect("mail");
    let tmp = temp("b2b-test-ca-");
    let ca_file = tmp.path().join("ca.pem");
    std::fs::write(&ca_file, &ca_pem).expect("write CA");
    let data = tmp.path().join("data");
    let check = |trust: bool| {
        let mut c = b2b(&sim, &data);
        c.args([
            "check",
            "--user",
            &ready.user_principal_name,
            "--email",
            &mail,
            "--json",
        ])
        .env("B2B_ACCESS_TOKEN", &token)
        .env_remove("SSL_CERT_DIR");
        if trust {
            c.env("SSL_CERT_FILE", &ca_file);
        } else {
            c.env_remove("SSL_CERT_FILE");
        }
        c.output().expect("b2b")
    };
    let out = check(true);
    assert!(
        out.status.success(),
        "trusted: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let out = check(false);
    assert_eq!(out.status.code(), Some(1));
    let l = lines(&out);
    assert_eq!(
        l.last().map(|e| e["error"]["code"].clone()),
        Some(json!("tls_untrusted")),
        "{l:?}"
    );
}

/// What the test proxy does with a CONNECT.
#[derive(Clone, Copy)]
enum ProxyMode {
    Tunnel,
    /// 407, asking for Windows sign-in (Negotiate, NTLM), as many corporate proxies do.
    AskSignIn,
    /// 403: the destination is not allowed.
    Refuse,
}

/// A forward proxy on 127.0.0.1 for https, through CONNECT as corporate networks have them. It
/// records the target of each CONNECT.
async fn test_proxy(mode: ProxyMode) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("proxy");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let record = record.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let target = head.split_whitespace().nth(1).unwrap_or_default().to_owned();
                record.lock().expect("lock").push(target.clone());
                let answer: &[u8] = match mode {
                    ProxyMode::Tunnel => {
                        let Ok(mut upstream) = tokio::net::TcpStream::connect(&target).await else {
                            return;
                        };
                        let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await;
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                        return;
                    }
                    ProxyMode::AskSignIn => b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Negotiate\r\nProxy-Authenticate: NTLM\r\nContent-Length: 0\r\n\r\n",
                    ProxyMode::Refuse => b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n",
                };
                let _ = client.write_all(answer).await;
            });
        }
    });
    (url, seen)
}

/// `b2b check` of `user` with `token`, no proxy variable set and no policy file: the proxy tests
/// add what each case needs.
fn proxied_check(sim: &SimServer, data: &Path, token: &str, user: &tenant_sim::model::User) -> Command {
    let mut c = b2b(sim, data);
    c.args(["check", "--user", &user.user_principal_name, "--email"])
        .arg(user.mail.as_deref().unwrap_or_default())
        .arg("--json")
        .env("B2B_ACCESS_TOKEN", token)
        .env_remove("SSL_CERT_DIR");
    for name in [
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        c.env_remove(name);
    }
    c
}

/// Behind a corporate proxy: `HTTPS_PROXY` is honoured and `NO_PROXY` bypasses it; a proxy that asks
/// for a sign-in or refuses the destination gets its own code (not `network_unreachable`), at once,
/// without the retries a flaky network gets.
#[tokio::test(flavor = "multi_thread")]
async fn https_proxy_is_honoured_and_its_refusals_have_their_own_codes() {
    let tmp = temp("b2b-proxy-");
    let (sim, http, ca_file) = https_sim(tmp.path(), tenant_sim::Faults::default()).await;
    let token = admin_token_with(&http, &sim).await;
    let dir = sim.state().lock().dir.clone();
    let ready = tenant_sim::seed::users_in_case(&dir, "ready-to-convert")[0].clone();
    let data = tmp.path().join("data");
    let check = |proxy: &str, no_proxy: Option<&str>| {
        let mut c = proxied_check(&sim, &data, &token, &ready);
        c.env("SSL_CERT_FILE", &ca_file).env("HTTPS_PROXY", proxy);
        if let Some(n) = no_proxy {
            c.env("NO_PROXY", n);
        }
        c.output().expect("b2b")
    };
    let host = sim.base_url().trim_start_matches("https://").to_owned();

    let (proxy, seen) = test_proxy(ProxyMode::Tunnel).await;
    let out = check(&proxy, None);
    assert!(out.status.success(), "through the proxy: {:?}", lines(&out));
    let tunnels = seen.lock().expect("lock").clone();
    assert!(
        !tunnels.is_empty() && tunnels.iter().all(|t| *t == host),
        "{tunnels:?}"
    );
    let out = check(&proxy, Some("localhost"));
    assert!(out.status.success(), "around the proxy: {:?}", lines(&out));
    assert_eq!(
        seen.lock().expect("lock").len(),
        tunnels.len(),
        "NO_PROXY bypasses it"
    );

    for (mode, code) in [
        (ProxyMode::AskSignIn, "proxy_auth_required"),
        (ProxyMode::Refuse, "proxy_refused"),
    ] {
        let (proxy, seen) = test_proxy(mode).await;
        let out = check(&proxy, None);
        assert_eq!(out.status.code(), Some(1));
        let l = lines(&out);
        assert_eq!(
            l.last().map(|e| e["error"]["code"].clone()),
            Some(json!(code)),
            "{l:?}"
        );
        // The first refusal ends it: no request is asked again (each would be up to 5 tries).
        let asked = seen.lock().expect("lock").len();
        assert!((1..=3).contains(&asked), "{code}: {asked} CONNECTs");
    }
}

/// The organisation's proxy (policy `HttpsProxy`, for networks whose system proxy is a PAC script):
/// locked, it wins over `HTTPS_PROXY`; recommended, it yields to it; the demo tenant's loopback
/// address is never sent through it.
#[tokio::test(flavor = "multi_thread")]
async fn the_policys_proxy_is_used_unless_the_variable_outranks_it() {
    let tmp = temp("b2b-policy-proxy-");
    let (sim, http, ca_file) = https_sim(tmp.path(), tenant_sim::Faults::default()).await;
    let token = admin_token_with(&http, &sim).await;
    let dir = sim.state().lock().dir.clone();
    let ready = tenant_sim::seed::users_in_case(&dir, "ready-to-convert")[0].clone();
    let data = tmp.path().join("data");
    let (tunnel, tunnelled) = test_proxy(ProxyMode::Tunnel).await;
    let (refuser, refused) = test_proxy(ProxyMode::Refuse).await;
    let policy =
        |level: &str, proxy: &str| policy_file(tmp.path(), level, &json!({ level: { "HttpsProxy": proxy } }));
    let run = |sim: &SimServer, token: &str, policy: &PathBuf, variable: Option<&str>| {
        let mut c = proxied_check(sim, &data, token, &ready);
        c.env("SSL_CERT_FILE", &ca_file).env("B2B_POLICY_FILE", policy);
        if let Some(v) = variable {
            c.env("HTTPS_PROXY", v);
        }
        c.output().expect("b2b")
    };
    let count = |seen: &std::sync::Arc<std::sync::Mutex<Vec<String>>>| seen.lock().expect("lock").len();

    // Locked, with no variable: through the policy's proxy.
    let out = run(&sim, &token, &policy("locked", &tunnel), None);
    assert!(out.status.success(), "{:?}", lines(&out));
    let through = count(&tunnelled);
    assert!(through > 0, "the locked proxy carried the requests");
    // Recommended, with HTTPS_PROXY set: the variable wins.
    let out = run(&sim, &token, &policy("recommended", &refuser), Some(&tunnel));
    assert!(out.status.success(), "{:?}", lines(&out));
    assert!(count(&tunnelled) > through);
    assert_eq!(count(&refused), 0, "the recommended proxy yields to HTTPS_PROXY");
    // Locked wins over the variable.
    let out = run(&sim, &token, &policy("locked", &refuser), Some(&tunnel));
    assert_eq!(
        lines(&out).last().map(|e| e["error"]["code"].clone()),
        Some(json!("proxy_refused"))
    );
    assert!(count(&refused) > 0);

    // The demo tenant runs on 127.0.0.1: always reached directly.
    let demo = SimServer::start(SimConfig::default()).await.expect("sim");
    assert!(demo.base_url().starts_with("http://127.0.0.1:"));
    let before = count(&refused);
    let demo_token = admin_token(&demo).await;
    let out = run(&demo, &demo_token, &policy("locked", &refuser), None);
    assert!(out.status.success(), "{:?}", lines(&out));
    assert_eq!(count(&refused), before, "loopback is never proxied");
}

/// A policy file for `B2B_POLICY_FILE` in the test's folder `dir`, in the JSON shape of
/// /etc/b2b-convert/policy.json.
fn policy_file(dir: &Path, name: &str, policy: &Value) -> PathBuf {
    let path = dir.join(format!("policy-{name}.json"));
    std::fs::write(&path, policy.to_string()).expect("policy file");
    path
}

/// tenant-sim over https (policy URLs must be https), a client that trusts it, and the CA file
/// that makes `b2b` trust it, written in the test's folder `dir`.
async fn https_sim(dir: &Path, faults: tenant_sim::Faults) -> (SimServer, reqwest::Client, PathBuf) {
    let (ca_pem, tls) = test_ca();
    let sim = SimServer::start(SimConfig {
        tls: Some(tls),
        faults,
        ..SimConfig::default()
    })
    .await
    .expect("sim over https");
    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(ca_pem.as_bytes()).expect("ca"))
        .build()
        .expect("client");
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, &ca_pem).expect("write CA");
    (sim, http, ca_file)
}

/// `b2b` for the policy tests: no endpoint flags or variables unless a test sets them; its data in
/// `data`, a test's throw-away folder.
fn b2b_with_policy(policy: &PathBuf, ca_file: &PathBuf, data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_b2b"));
    c.env("B2B_POLICY_FILE", policy)
        .env("SSL_CERT_FILE", ca_file)
        .env_remove("SSL_CERT_DIR")
        .env_remove("B2B_AUTHORITY_URL")
        .env_remove("B2B_GRAPH_URL")
        .env_remove("B2B_CLIENT_ID")
        .env_remove("B2B_ACCESS_TOKEN")
        .env_remove("B2B_BROWSER")
        .env("XDG_DATA_HOME", data);
    c
}

/// Locked values win over flags and variables (with a note), recommended ones fill in when none is
/// given, bad values are ignored with their code; `b2b policy` shows it all.
#[tokio::test(flavor = "multi_thread")]
async fn the_policy_locks_and_recommends_graph_and_invitation_options() {
    let tmp = temp("b2b-cli-policy-");
    let data = tmp.path().join("data");
    let (sim, http, ca_file) = https_sim(tmp.path(), tenant_sim::Faults::default()).await;
    let token = admin_token_with(&http, &sim).await;
    let dir = sim.state().lock().dir.clone();
    let ready: Vec<_> = tenant_sim::seed::users_in_case(&dir, "ready-to-convert")
        .into_iter()
        .take(2)
        .cloned()
        .collect();
    assert_eq!(ready.len(), 2);
    let outbox = || async {
        let v: Value = http
            .get(format!("{}/_sim/outbox", sim.base_url()))
            .send()
            .await
            .expect("outbox")
            .json()
            .await
            .expect("json");
        v["value"].as_array().cloned().unwrap_or_default()
    };

    let locked = policy_file(
        tmp.path(),
        "locked",
        &json!({
            "locked": { "GraphUrl": sim.base_url(), "SendInvitationMessage": false, "ClientId": "not-a-guid" },
            "recommended": { "InvitationLanguage": "fr-FR" }
        }),
    );
    let out = b2b_with_policy(&locked, &ca_file, &data)
        .args(["policy", "--json"])
        .output()
        .expect("b2b policy");
    assert!(out.status.success());
    let shown = &lines(&out)[0];
    assert_eq!(shown["event"], "policy");
    assert_eq!(shown["entries"][0]["key"], "GraphUrl");
    assert_eq!(shown["entries"][0]["level"], "locked");
    assert_eq!(shown["entries"][0]["source"], "file");
    assert_eq!(shown["warnings"][0]["code"], "invalid_client_id");

    // A dead Graph URL in the environment and --send-mail on the command line: the locks win.
    let u = &ready[0];
    let out = b2b_with_policy(&locked, &ca_file, &data)
        .args([
            "convert",
            "--user",
            &u.user_principal_name,
            "--email",
            u.mail.as_deref().unwrap_or(""),
            "--send-mail",
            "--yes",
            "--json",
        ])
        .env("B2B_ACCESS_TOKEN", &token)
        .env("B2B_GRAPH_URL", "http://127.0.0.1:9")
        .output()
        .expect("convert");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{}\n{stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(stderr.contains("locks GraphUrl"), "{stderr}");
    assert!(
        stderr.contains("locks SendInvitationMessage to false"),
        "{stderr}"
    );
    assert!(
        stderr.contains("policy value ignored (invalid_client_id"),
        "{stderr}"
    );
    let converted = lines(&out)
        .into_iter()
        .find(|e| e["event"] == "converted")
        .expect("converted");
    assert!(
        converted["result"]["redeemUrl"]
            .as_str()
            .is_some_and(|r| r.contains("/redeem?rd=")),
        "no mail: the redeem URL is printed"
    );
    assert_eq!(
        outbox().await.len(),
        0,
        "the locked SendInvitationMessage=false holds"
    );

    // Recommended values: used when no flag says otherwise; a flag wins without a note.
    let recommended = policy_file(
        tmp.path(),
        "recommended",
        &json!({
            "locked": { "GraphUrl": sim.base_url() },
            "recommended": { "SendInvitationMessage": false, "InvitationLanguage": "fr-FR", "InvitationMessage": "Welcome from IT" }
        }),
    );
    let u = &ready[1];
    let out = b2b_with_policy(&recommended, &ca_file, &data)
        .args([
            "convert",
            "--user",
            &u.user_principal_name,
            "--email",
            u.mail.as_deref().unwrap_or(""),
            "--send-mail",
            "--yes",
        ])
        .env("B2B_ACCESS_TOKEN", &token)
        .output()
        .expect("convert");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{}\n{stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!stderr.contains("locks"), "{stderr}");
    let mails = outbox().await;
    assert_eq!(mails.len(), 1, "--send-mail beats a recommended false");
    assert_eq!(mails[0]["to"], json!(u.mail));
    assert_eq!(mails[0]["language"], "fr-FR");
    assert_eq!(mails[0]["message"], "Welcome from IT");
}

/// `b2b login --device-code --json [extra]` against the simulator: approves the code it prints.
async fn device_login(
    sim: &SimServer,
    http: &reqwest::Client,
    mut cmd: Command,
    extra: &[&str],
    username: &str,
) -> Output {
    let mut child = cmd
        .args(["login", "--device-code", "--json"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn login");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let (first, rx) = tokio::task::spawn_blocking(move || (rx.recv_timeout(Duration::from_secs(20)), rx))
        .await
        .expect("join");
    let mut seen = Vec::new();
    if let Ok(line) = first {
        let prompt: Value = serde_json::from_str(&line).unwrap_or_default();
        if let Some(code) = prompt["userCode"].as_str() {
            let r = http
                .post(format!("{}/_sim/device/approve", sim.base_url()))
                .json(&json!({ "user_code": code, "username": username }))
                .send()
                .await
                .expect("approve");
            assert_eq!(r.status(), 204);
        }
        seen.push(line);
    }
    let (mut out, rest) = tokio::task::spawn_blocking(move || {
        let out = child.wait_with_output().expect("login");
        // Until the reader thread has seen the end of the output.
        let rest: Vec<String> =
            std::iter::from_fn(|| rx.recv_timeout(Duration::from_secs(10)).ok()).collect();
        (out, rest)
    })
    .await
    .expect("join");
    seen.extend(rest);
    out.stdout = seen.join("\n").into_bytes();
    out
}

/// `b2b login` with no flags follows the policy's client id, tenant, authority and Graph URL;
/// explicit flags win over recommended values and lose to locked ones.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs an unlocked OS keychain: run through `cargo xtask test`"]
async fn login_follows_the_policy() {
    let _keychain = KEYCHAIN.lock().await;
    let tmp = temp("b2b-cli-policy-login-");
    let data = tmp.path().join("data");
    let (sim, http, ca_file) = https_sim(
        tmp.path(),
        tenant_sim::Faults {
            device_interval_s: 1,
            ..tenant_sim::Faults::default()
        },
    )
    .await;
    let base = sim.base_url();
    let endpoints = |level: &str| json!({ level: { "ClientId": DEMO_CLIENT_ID, "TenantId": "contoso.com", "AuthorityUrl": base, "GraphUrl": base } });

    // No flags, no variables: the recommended values.
    let rec = policy_file(tmp.path(), "login-recommended", &endpoints("recommended"));
    let out = device_login(
        &sim,
        &http,
        b2b_with_policy(&rec, &ca_file, &data),
        &[],
        "admin@contoso.com",
    )
    .await;
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let signed_in = lines(&out)
        .into_iter()
        .find(|e| e["event"] == "signed_in")
        .expect("signed_in");
    assert_eq!(signed_in["account"]["username"], "admin@contoso.com");
    assert_eq!(signed_in["account"]["graphUrl"], json!(base));
    assert_eq!(signed_in["account"]["clientId"], DEMO_CLIENT_ID);

    // Locked: an unknown client id and a dead authority in the environment, a tenant that does
    // not exist on the command line; the policy's values are used, and b2b says so.
    let locked = policy_file(tmp.path(), "login-locked", &endpoints("locked"));
    let mut cmd = b2b_with_policy(&locked, &ca_file, &data);
    cmd.env("B2B_CLIENT_ID", "00000000-0000-0000-0000-000000000000")
        .env("B2B_AUTHORITY_URL", "http://127.0.0.1:9");
    let out = device_login(
        &sim,
        &http,
        cmd,
        &["--tenant", "nosuch.example"],
        "helpdesk@contoso.com",
    )
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{}\n{stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
    for key in ["ClientId", "AuthorityUrl", "TenantId"] {
        assert!(stderr.contains(&format!("locks {key}")), "{key}: {stderr}");
    }

    // Recommended, with flags: the flags win. An unknown recommended client id fails without them.
    let other = policy_file(
        tmp.path(),
        "login-other",
        &json!({ "recommended": { "ClientId": "00000000-0000-0000-0000-000000000000", "AuthorityUrl": base, "GraphUrl": base } }),
    );
    let out = b2b_with_policy(&other, &ca_file, &data)
        .args(["login", "--device-code", "--json"])
        .output()
        .expect("login");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        lines(&out).last().map(|e| e["error"]["code"].clone()),
        Some(json!("app_not_found"))
    );
    let out = device_login(
        &sim,
        &http,
        b2b_with_policy(&other, &ca_file, &data),
        &["--client-id", DEMO_CLIENT_ID],
        "admin@contoso.com",
    )
    .await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("locks"));

    let out = b2b_with_policy(&rec, &ca_file, &data)
        .args(["logout", "--all"])
        .output()
        .expect("logout");
    assert!(out.status.success());
}

/// `b2b` with no flag follows the app: the connection chosen in the app's settings file, and the
/// app's current account (issue "One service layer").
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs an unlocked OS keychain: run through `cargo xtask test`"]
async fn follows_the_apps_connection_and_current_account() {
    let _keychain = KEYCHAIN.lock().await;
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    let tmp = temp("b2b-cli-follow-");
    let data = tmp.path();
    let settings_path = data.join("com.b2bconvert.app").join("settings.json");
    std::fs::create_dir_all(settings_path.parent().expect("dir")).expect("dir");
    // What the app writes after "Connect your organisation" (tauri-plugin-store's format).
    let settings = |current: Option<&str>| {
        json!({ "settings": {
            "version": 2,
            "connection": { "mode": "organisation", "clientId": DEMO_CLIENT_ID, "tenant": "organizations",
                            "authorityUrl": sim.base_url(), "graphUrl": sim.base_url() },
            "currentAccount": current,
        }})
    };
    std::fs::write(&settings_path, settings(None).to_string()).expect("settings");
    let plain = || plain_b2b(data);
    let admin = login_following_the_app(data, &sim.base_url(), "admin@contoso.com").await;
    let helpdesk = login_following_the_app(data, &sim.base_url(), "helpdesk@contoso.com").await;
    let current = |path: &PathBuf| -> Value {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("settings")).expect("json");
        v["settings"]["currentAccount"].clone()
    };
    // b2b login makes the new account current, as the app's sign-in does.
    assert_eq!(current(&settings_path), helpdesk.as_str());

    // The app switches to the admin: b2b acts as the admin from then on.
    std::fs::write(&settings_path, settings(Some(&admin)).to_string()).expect("settings");
    let out = plain().args(["whoami", "--json"]).output().expect("whoami");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let who = lines(&out);
    let marked: Vec<&str> = who
        .iter()
        .filter(|w| w["current"] == true)
        .filter_map(|w| w["account"]["username"].as_str())
        .collect();
    assert_eq!(marked, vec!["admin@contoso.com"]);
    let dir = sim.state().lock().dir.clone();
    let user = tenant_sim::seed::users_in_case(&dir, "ready-to-convert")[0].clone();
    let out = plain()
        .args([
            "convert",
            "--json",
            "--yes",
            "--no-mail",
            "--user",
            &user.user_principal_name,
        ])
        .args(["--email", user.mail.as_deref().expect("mail")])
        .output()
        .expect("convert");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let out = plain().args(["history", "--json"]).output().expect("history");
    let entries = lines(&out);
    assert_eq!(entries[0]["entry"]["admin"], "admin@contoso.com");
    assert_eq!(entries[0]["entry"]["source"], "cli");

    let out = plain().args(["logout", "--all"]).output().expect("logout");
    assert!(out.status.success());
}

/// `b2b` with no flag or variable of its own: only the data folder the app uses.
fn plain_b2b(data: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_b2b"));
    c.env_remove("B2B_AUTHORITY_URL")
        .env_remove("B2B_GRAPH_URL")
        .env_remove("B2B_CLIENT_ID")
        .env_remove("B2B_ACCESS_TOKEN")
        .env_remove("B2B_POLICY_FILE")
        .env_remove("B2B_BROWSER")
        .env("XDG_DATA_HOME", data);
    c
}

/// `b2b login` with no flag, through the recording browser; the new account's id.
async fn login_following_the_app(data: &std::path::Path, base: &str, username: &str) -> String {
    let (_browser, script, url_file) = recording_browser();
    let child = plain_b2b(data)
        .args(["login", "--json", "--timeout-s", "30"])
        .env("B2B_BROWSER", &script)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn login");
    let url = url_handed_to_the_browser(&url_file).await;
    // No flag: the sign-in goes to the connection chosen in the app.
    assert!(url.starts_with(base), "{url}");
    play_browser(&url, username).await;
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("join")
        .expect("login");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let events = lines(&output);
    let e = events
        .iter()
        .find(|e| e["event"] == "signed_in")
        .expect("signed_in");
    e["account"]["id"].as_str().expect("id").to_owned()
}

/// The sponsors tenant-sim holds for a user, as UPNs (a group by its id).
fn sim_sponsors(sim: &SimServer, user_id: &str) -> Vec<String> {
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
                .map_or_else(|| s.clone(), |x| x.user_principal_name.clone())
        })
        .collect()
}

/// Issue 14.3: `b2b convert --sponsor` (repeatable) names the sponsors instead of the admin; an
/// unknown sponsor or a sixth changes nothing; the policy's DefaultSponsors apply without it.
#[tokio::test(flavor = "multi_thread")]
async fn convert_names_sponsors_and_follows_the_default() {
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    let token = admin_token(&sim).await;
    let dir = sim.state().lock().dir.clone();
    let ready = tenant_sim::seed::users_in_case(&dir, "ready-to-convert");
    let group = dir.groups[0].id.clone();
    let tmp = temp("b2b-cli-sponsors-");
    let data = tmp.path().join("data");
    let run = |args: &[&str], policy: Option<&PathBuf>| {
        let mut c = b2b(&sim, &data);
        if let Some(p) = policy {
            c.env("B2B_POLICY_FILE", p);
        }
        c.args(args)
            .env("B2B_ACCESS_TOKEN", &token)
            .output()
            .expect("b2b")
    };
    let convert = |u: &tenant_sim::model::User, extra: &[&str], policy: Option<&PathBuf>| {
        let mut args = vec![
            "convert".to_owned(),
            "--user".to_owned(),
            u.user_principal_name.clone(),
            "--email".to_owned(),
            u.mail.clone().unwrap_or_default(),
            "--yes".to_owned(),
            "--json".to_owned(),
        ];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&refs, policy)
    };

    let out = convert(ready[0], &["--sponsor", "nobody.here@contoso.com"], None);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        lines(&out).last().map(|e| e["error"]["code"].clone()),
        Some(json!("sponsor_not_found"))
    );
    let mut six = vec![
        "convert",
        "--user",
        &ready[0].user_principal_name,
        "--email",
        ready[0].mail.as_deref().unwrap_or(""),
        "--yes",
    ];
    for s in ["a", "b", "c", "d", "e", "f"] {
        six.extend(["--sponsor", s]);
    }
    let names: Vec<String> = (0..6).map(|i| format!("s{i}@contoso.com")).collect();
    for (i, n) in names.iter().enumerate() {
        six[7 + 2 * i] = n;
    }
    let out = run(&six, None);
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("at most five") && said.contains("(too_many_sponsors)"),
        "{said}"
    );
    assert!(sim_sponsors(&sim, &ready[0].id).is_empty(), "nothing was sent");

    let out = convert(
        ready[0],
        &["--sponsor", "global@contoso.com", "--sponsor", &group],
        None,
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let l = lines(&out);
    let converted = l.iter().find(|e| e["event"] == "converted").expect("converted");
    assert_eq!(
        converted["result"]["sponsorsSet"][0]["userPrincipalName"],
        "global@contoso.com"
    );
    assert_eq!(converted["result"]["sponsorsSet"][1]["kind"], "group");
    assert_eq!(
        sim_sponsors(&sim, &ready[0].id),
        ["global@contoso.com".to_owned(), group.clone()]
    );

    // In words, without --json.
    let policy = policy_file(
        tmp.path(),
        "sponsors",
        &json!({ "recommended": { "DefaultSponsors": "helpdesk@contoso.com" } }),
    );
    let mut args = vec![
        "convert",
        "--user",
        &ready[1].user_principal_name,
        "--email",
        ready[1].mail.as_deref().unwrap_or(""),
        "--yes",
    ];
    let out = run(&args, Some(&policy));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Sponsors: helpdesk@contoso.com."));
    assert_eq!(sim_sponsors(&sim, &ready[1].id), ["helpdesk@contoso.com"]);

    // Without --sponsor and without a default: Microsoft's default, the admin.
    args[2] = &ready[2].user_principal_name;
    args[4] = ready[2].mail.as_deref().unwrap_or("");
    let out = run(&args, None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(sim_sponsors(&sim, &ready[2].id), ["admin@contoso.com"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn discover_lists_partner_accounts_by_domain_and_writes_a_bulk_file_the_preview_agrees_with() {
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    let token = admin_token(&sim).await;
    let tmp = temp("b2b-cli-discover-");
    let data = tmp.path();
    let csv = data.join("discovered.csv");
    let run = |args: &[&str]| b2b_with_token(&sim, &token, data, args);
    let out = run(&["discover", "--json", "--csv", &csv.display().to_string()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let events = lines(&out);
    let summary = events
        .iter()
        .find(|e| e["event"] == "discovered")
        .expect("summary");
    let found = summary["found"].as_u64().expect("found");
    let ready = summary["ready"].as_u64().expect("ready");
    let ready_case =
        tenant_sim::seed::users_in_case(&sim.state().lock().dir, "ready-to-convert").len() as u64;
    assert!(ready >= ready_case, "{summary}");
    let domains: Vec<&Value> = events.iter().filter(|e| e["event"] == "domain").collect();
    assert!(domains.len() >= 3, "a few partner domains");
    let listed: u64 = domains
        .iter()
        .map(|d| d["group"]["accounts"].as_array().map_or(0, |a| a.len() as u64))
        .sum();
    assert_eq!(listed, found);
    assert!(events.iter().any(|e| e["event"] == "progress"));
    let exported = events
        .iter()
        .find(|e| e["event"] == "exported")
        .expect("exported");
    assert_eq!(exported["rows"].as_u64(), Some(found));

    // The file is a bulk file, and the bulk preview's full checks agree with discovery's verdicts.
    let out = run(&["bulk", "preview", &csv.display().to_string(), "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let preview = lines(&out)
        .into_iter()
        .find(|e| e["event"] == "preview")
        .expect("preview");
    assert_eq!(preview["ready"].as_u64(), Some(ready), "{preview}");

    // In words: each domain, then its accounts.
    let out = run(&["discover"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("northwind.example"), "{text}");
    assert!(text.contains("look like partners"), "{text}");
}

/// Issue 14.2: `b2b invite` checks the directory first, invites a new Guest (no mail: the redeem
/// link is printed), a Member when asked, and refuses an address already in the directory with
/// the user that holds it; History lists the invitations.
#[tokio::test(flavor = "multi_thread")]
async fn invite_a_new_guest_and_a_member_with_an_access_token() {
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    let token = admin_token(&sim).await;
    let tmp = temp("b2b-cli-invite-");
    let data = tmp.path();
    let run = |args: &[&str]| b2b_with_token(&sim, &token, data, args);
    let email = "new.partner@fabrikam.example";

    // Without --yes and without a terminal nothing is sent.
    let out = run(&["invite", "--email", email, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(sim
        .state()
        .lock()
        .dir
        .users
        .iter()
        .all(|u| u.mail.as_deref() != Some(email)));

    let out = run(&[
        "invite",
        "--email",
        email,
        "--display-name",
        "New Partner",
        "--no-mail",
        "--language",
        "sv-SE",
        "--yes",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let l = lines(&out);
    assert!(
        l.iter().any(|c| c["check"]["code"] == "not_in_directory"),
        "{l:?}"
    );
    let invited = l.iter().find(|e| e["event"] == "invited").expect("invited");
    assert_eq!(invited["result"]["userType"], "Guest");
    assert_eq!(
        invited["result"]["userPrincipalName"],
        "new.partner_fabrikam.example#EXT#@contosodemo.onmicrosoft.com"
    );
    assert!(invited["result"]["redeemUrl"]
        .as_str()
        .is_some_and(|u| u.contains("/redeem?")));
    let id = invited["result"]["userId"].as_str().expect("id").to_owned();
    {
        let g = sim.state().lock();
        assert!(
            g.outbox.iter().all(|m| m.user_id != id),
            "--no-mail sends nothing"
        );
        let u = g.dir.user(&id).expect("created");
        assert_eq!(u.display_name, "New Partner");
        assert_eq!(u.external_user_state.as_deref(), Some("PendingAcceptance"));
    }
    // Plain text prints the link to send.
    let again = run(&["invite", "--email", email, "--yes"]);
    assert_eq!(again.status.code(), Some(1));
    let text = String::from_utf8_lossy(&again.stdout);
    assert!(text.contains(&id) && text.contains("BLOCKED"), "{text}");

    let out = run(&[
        "invite",
        "--email",
        "boss@fabrikam.example",
        "--member",
        "--yes",
        "--json",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let l = lines(&out);
    // A User Administrator may invite a Member; a handed-in token's scopes are unknown, so
    // "may invite" is a warning and Microsoft decides.
    let severity = |code: &str| {
        l.iter()
            .find(|c| c["check"]["code"] == code)
            .map(|c| c["check"]["severity"].clone())
    };
    assert_eq!(severity("member_allowed"), Some(json!("ok")), "{l:?}");
    assert_eq!(severity("admin_can_invite"), Some(json!("warning")), "{l:?}");
    let invited = l.iter().find(|e| e["event"] == "invited").expect("invited");
    assert_eq!(invited["result"]["userType"], "Member");

    let out = run(&["invite", "--email", "someone@contoso.com", "--yes", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(lines(&out)
        .iter()
        .any(|c| c["check"]["code"] == "address_not_internal" && c["check"]["severity"] == "blocker"));

    let out = run(&["history", "--search", "invite succeeded"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 2, "{text}");
}

/// Issue 14.2, bulk: `b2b bulk template --invite` prints a file without a user column that says
/// so; `b2b bulk run` takes such a file, invites its ready rows and writes the report.
#[tokio::test(flavor = "multi_thread")]
async fn bulk_run_accepts_an_invite_csv() {
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    let token = admin_token(&sim).await;
    let tmp = temp("b2b-cli-bulk-invite-");
    let work = tmp.path();
    let run = |args: &[&str]| b2b_with_token(&sim, &token, work, args);
    let template = run(&["bulk", "template", "--invite"]);
    let template = String::from_utf8_lossy(&template.stdout).into_owned();
    assert!(template.starts_with("email,displayName,userType,"), "{template}");
    assert!(template.contains("No user column"), "{template}");
    let convert_template = run(&["bulk", "template"]);
    assert!(String::from_utf8_lossy(&convert_template.stdout).starts_with("user,email,"));

    let file = work.join("invites.csv");
    std::fs::write(
        &file,
        "email;displayName;userType;sendMail\r\nann@fabrikam.example;Ann;Guest;no\r\nben@fabrikam.example;Ben;;no\r\nsomeone@contoso.com;X;;no\r\n",
    )
    .expect("csv");
    let file_arg = file.display().to_string();
    let out = run(&["bulk", "run", &file_arg, "--yes", "--json"]);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let l = lines(&out);
    let report = l.iter().find(|e| e["event"] == "report").expect("report");
    assert_eq!(report["action"], "invite");
    assert_eq!(report["converted"], 2);
    assert_eq!(report["skipped"], 1);
    let rows: Vec<&Value> = l.iter().filter(|e| e["event"] == "row").collect();
    assert!(rows.iter().any(|r| r["row"]["outcome"] == "invited"
        && r["row"]["user"] == "ann_fabrikam.example#EXT#@contosodemo.onmicrosoft.com"
        && r["row"]["redeemUrl"].as_str().is_some()));
    let csv = std::fs::read_to_string(work.join("invites.report.csv")).expect("report file");
    assert_eq!(csv.matches(",invited,").count(), 2, "{csv}");
    assert!(sim
        .state()
        .lock()
        .dir
        .users
        .iter()
        .any(|u| u.mail.as_deref() == Some("ben@fabrikam.example") && u.user_type == "Guest"));
}

/// Issue 14.4 in `b2b`: `pending --older-than DAYS` marks the overdue ones (computed from the whole
/// list, as Graph filters no dates there), `--resend` refuses without a terminal and without
/// `--yes`, runs with `--yes` as a bulk resend (one e-mail each, a report), finds nothing to resend
/// the second time; an acceptance afterwards shows as newly accepted and goes to History.
#[tokio::test(flavor = "multi_thread")]
async fn pending_older_than_resends_to_the_overdue_once() {
    let sim = SimServer::start(SimConfig::default()).await.expect("sim");
    let token = admin_token(&sim).await;
    let tmp = temp("b2b-cli-overdue-");
    let data = tmp.path();
    let report = data.join("resend.csv");
    let days: i64 = 100;
    let overdue: Vec<String> = {
        let state = sim.state().lock();
        // The seed's dates are fixed and the clock is not: the cut is computed as the CLI does.
        let now = std::time::SystemTime::now().into();
        state
            .dir
            .users
            .iter()
            .filter(|u| u.external_user_state.as_deref() == Some("PendingAcceptance"))
            .filter(|u| {
                b2b_core::users::days_since(u.external_user_state_change_date_time.as_deref(), now)
                    .is_some_and(|d| d >= days)
            })
            .map(|u| u.id.clone())
            .collect()
    };
    assert!(!overdue.is_empty());
    let run = |args: &[&str]| b2b_with_token(&sim, &token, data, args);
    let d = days.to_string();

    let out = run(&["pending", "--older-than", &d, "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let events = lines(&out);
    let marked: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "pending" && e["overdue"] == true)
        .filter_map(|e| e["row"]["user"]["id"].as_str())
        .collect();
    assert_eq!(marked.len(), overdue.len());
    assert!(marked.iter().all(|id| overdue.iter().any(|o| o == id)));
    let summary = events.iter().find(|e| e["event"] == "overdue").expect("summary");
    assert_eq!(summary["count"], overdue.len());
    assert_eq!(summary["olderThanDays"], days);

    // No terminal, no --yes: refused, nothing sent.
    let out = run(&["pending", "--older-than", &d, "--resend", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let error = lines(&out)
        .into_iter()
        .find(|e| e.get("error").is_some())
        .expect("error");
    assert_eq!(error["error"]["code"], "not_confirmed");
    assert_eq!(sim.state().lock().outbox.len(), 0);

    let out = run(&[
        "pending",
        "--older-than",
        &d,
        "--resend",
        "--yes",
        "--json",
        "--report",
        report.to_str().expect("path"),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let done = lines(&out)
        .into_iter()
        .find(|e| e["event"] == "report")
        .expect("report");
    assert_eq!(done["action"], "resend");
    assert_eq!(done["converted"], overdue.len());
    let csv = std::fs::read_to_string(&report).expect("report file");
    assert_eq!(csv.matches(",resent,").count(), overdue.len(), "{csv}");
    {
        let g = sim.state().lock();
        assert_eq!(g.outbox.len(), overdue.len());
        for id in &overdue {
            assert_eq!(g.outbox.iter().filter(|m| &m.user_id == id).count(), 1, "{id}");
        }
    }

    // Again: those resent wait since now, so nothing is overdue and nothing is sent.
    let out = run(&["pending", "--older-than", &d, "--resend", "--yes", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(lines(&out)
        .iter()
        .any(|e| e["event"] == "resend" && e["count"] == 0));
    assert_eq!(sim.state().lock().outbox.len(), overdue.len());

    // One of them accepts: newly accepted at the next look, and History records it once.
    let r = reqwest::Client::new()
        .post(format!("{}/_sim/redeem", sim.base_url()))
        .json(&json!({ "user_id": overdue[0] }))
        .send()
        .await
        .expect("redeem");
    assert!(r.status().is_success());
    let out = run(&["pending", "--json"]);
    let newly: Vec<Value> = lines(&out)
        .into_iter()
        .filter(|e| e["event"] == "newly_accepted")
        .collect();
    assert_eq!(newly.len(), 1, "{newly:?}");
    assert_eq!(newly[0]["user"]["id"], overdue[0].as_str());
    assert_eq!(newly[0]["user"]["inHistory"], true);
    assert!(newly[0]["user"]["acceptedAt"]
        .as_str()
        .is_some_and(|a| a.starts_with("20")));
    let out = run(&["pending", "--json"]);
    assert!(
        !lines(&out).iter().any(|e| e["event"] == "newly_accepted"),
        "shown once per look"
    );
    let out = run(&["history", "--json"]);
    let accepted = lines(&out)
        .into_iter()
        .filter(|e| e["entry"]["action"] == "accepted")
        .count();
    assert_eq!(accepted, 1);
}
