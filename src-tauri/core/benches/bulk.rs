//! Whole-run figures for bulk conversion against the simulated tenant, printed as a table:
//!
//! - N rows (default 1,000) with 100 ms per request and a write limit of 300 per 15 s: the run's
//!   wall time against the floor that limit sets under the simulator's sliding window, as the median
//!   of RUNS runs (default 3);
//! - the same rows converted one at a time, as a PowerShell loop does (read the user, look for
//!   another holder of the address, invite), once;
//! - with B2B_CLI=path/to/b2b and MEMORY_ROWS (e.g. 50000): the peak memory (VmHWM) of
//!   `b2b bulk run` on a file that long, without latency or throttling (Linux only).
//!
//! `cargo bench -p b2b-core --bench bulk` (ROWS, RUNS, BASELINE_ROWS, B2B_CLI, MEMORY_ROWS).
//! Each run takes at least the floor (45 s for 1,000 rows): this is not a criterion benchmark.

use std::sync::Arc;
use std::time::{Duration, Instant};

use b2b_core::auth::Secret;
use b2b_core::bulk::{self, journal::Journal, run};
use b2b_core::graph::{quote, GraphClient, Idempotence};
use serde_json::{json, Value};
use tenant_sim::{Faults, SimConfig, SimServer, Throttle};

const LATENCY_MS: u64 = 100;
const WRITES: u32 = 300;
const WINDOW_S: f64 = 15.0;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A simulator with `rows` extra ready users (`bulk{i}@contoso.com`, mail at partner.example).
async fn sim(rows: usize, faults: Faults) -> (SimServer, String) {
    let sim = SimServer::start(SimConfig {
        faults,
        ..SimConfig::default()
    })
    .await
    .unwrap_or_else(|e| panic!("sim: {e}"));
    let mut csv = String::from("user,email\n");
    {
        let mut g = sim.state().lock();
        let template = tenant_sim::seed::users_in_case(&g.dir, "ready-to-convert")[0].clone();
        for i in 0..rows {
            let mut u = template.clone();
            u.id = uuid::Uuid::new_v4().to_string();
            u.user_principal_name = format!("bulk{i}@contoso.com");
            u.display_name = format!("Bulk {i}");
            let mail = format!("bulk{i}@partner.example");
            u.proxy_addresses = vec![format!("SMTP:{mail}")];
            u.mail = Some(mail.clone());
            csv.push_str(&format!("{},{mail}\n", u.user_principal_name));
            g.dir.users.push(u);
        }
    }
    (sim, csv)
}

async fn client(sim: &SimServer) -> GraphClient {
    let body: Value = reqwest::Client::new()
        .post(format!("{}/_sim/token", sim.base_url()))
        .json(&json!({ "username": "admin@contoso.com", "scope": "User.Read User.ReadWrite.All User.Invite.All" }))
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .unwrap_or_else(|e| panic!("token: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("token body: {e}"));
    let token = body["access_token"].as_str().unwrap_or_default().to_owned();
    GraphClient::new(&sim.base_url(), Secret::new(token)).unwrap_or_else(|e| panic!("client: {e}"))
}

fn throttled() -> Faults {
    Faults {
        latency_ms: LATENCY_MS,
        throttle: Some(Throttle {
            writes: WRITES,
            window_s: WINDOW_S,
        }),
        ..Faults::default()
    }
}

/// The least time N writes take under a sliding window of W writes per S seconds, plus one
/// request's latency: write k·W+1 cannot be admitted before k·S.
fn floor(n: usize) -> Duration {
    let windows = (n.saturating_sub(1) / WRITES as usize) as f64;
    Duration::from_secs_f64(windows * WINDOW_S + LATENCY_MS as f64 / 1000.0)
}

async fn one_run(rows: usize) -> (Duration, Duration, u64) {
    let (sim, csv) = sim(rows, throttled()).await;
    let g = Arc::new(client(&sim).await.patient(1_000));
    let parsed = bulk::parse(csv.as_bytes()).unwrap_or_else(|e| panic!("parse: {e}"));
    let t = Instant::now();
    let preview = bulk::preview(
        &g,
        &parsed,
        Some(vec!["User.Invite.All".into(), "User.ReadWrite.All".into()]),
    )
    .await
    .unwrap_or_else(|e| panic!("preview: {e}"));
    let preview_time = t.elapsed();
    assert_eq!(preview.ready as usize, rows, "every generated row is ready");
    let dir = tempfile::Builder::new()
        .prefix("b2b-bench-")
        .tempdir()
        .unwrap_or_else(|e| panic!("temp dir: {e}"));
    let journal = Arc::new(
        Journal::open(&Journal::path_for(&dir.path().join("bulk"), csv.as_bytes()))
            .unwrap_or_else(|e| panic!("journal: {e}")),
    );
    let setup = Arc::new(run::RunSetup {
        action: b2b_core::bulk::BulkAction::Convert,
        graph: g.clone(),
        tenant_id: "t".into(),
        inviter: None,
        journal,
        control: Arc::new(run::Control::default()),
        max_concurrency: 6,
        on_attempt: Arc::new(|_, _, _| {}),
        on_progress: Arc::new(|_, _| {}),
        on_invite: None,
        resend_grace: b2b_core::users::REPLICATION_GRACE,
    });
    let t = Instant::now();
    let report = run::run(setup, preview.rows).await;
    let run_time = t.elapsed();
    let converted = report
        .iter()
        .filter(|r| r.outcome == run::RowOutcome::Converted)
        .count();
    assert_eq!(converted, rows, "every row converted");
    (preview_time, run_time, g.throttle_events())
}

/// What a PowerShell loop does per user, one user at a time: Get-MgUser, a Get-MgUser -Filter
/// for another holder of the address, New-MgInvitation.
async fn baseline(rows: usize) -> Duration {
    let (sim, csv) = sim(rows, throttled()).await;
    let g = client(&sim).await.patient(1_000);
    let t = Instant::now();
    for line in csv.lines().skip(1) {
        let Some((upn, mail)) = line.split_once(',') else {
            continue;
        };
        let user = g
            .get(&format!(
                "/users/{upn}?$select=id,mail,externalUserState,onPremisesUserPrincipalName"
            ))
            .await
            .unwrap_or_else(|e| panic!("user: {e}"));
        let filter = format!("mail eq {}", quote(mail));
        let _holders = g
            .get(&format!(
                "/users?$filter={}&$select=id",
                b2b_core::users::encode(&filter)
            ))
            .await
            .unwrap_or_else(|e| panic!("holders: {e}"));
        let body = json!({
            "invitedUserEmailAddress": mail,
            "inviteRedirectUrl": "https://myapps.microsoft.com",
            "sendInvitationMessage": true,
            "invitedUser": { "id": user["id"] },
        });
        g.send(
            reqwest::Method::POST,
            "/invitations",
            Some(&body),
            false,
            Idempotence::Unsafe,
        )
        .await
        .unwrap_or_else(|e| panic!("invite: {e}"));
    }
    t.elapsed()
}

/// Peak resident memory of `b2b bulk run` on a long file (Linux: VmHWM from /proc). The
/// simulator evaluates every `$filter` by scanning its whole directory, so only MEMORY_REAL rows
/// (default 2,000) name real users; the rest name users that do not exist, which the preview
/// reads, reports and the run skips: every row still goes through parse, preview and report.
async fn memory(cli: &str, rows: usize) -> Option<u64> {
    let real = env("MEMORY_REAL", 2_000).min(rows);
    let (sim, mut csv) = sim(real, Faults::default()).await;
    for i in real..rows {
        csv.push_str(&format!("ghost{i}@contoso.com,ghost{i}@partner.example\n"));
    }
    let body: Value = reqwest::Client::new()
        .post(format!("{}/_sim/token", sim.base_url()))
        .json(&json!({ "username": "admin@contoso.com", "scope": "User.Read User.ReadWrite.All User.Invite.All" }))
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    // Removed when this returns, after the child has ended (or on any early return).
    let dir = tempfile::Builder::new().prefix("b2b-bench-mem-").tempdir().ok()?;
    let file = dir.path().join("big.csv");
    std::fs::write(&file, csv).ok()?;
    let mut child = tokio::process::Command::new(cli)
        .args(["bulk", "run"])
        .arg(&file)
        .args(["--yes", "--concurrency", "16"])
        .env("B2B_GRAPH_URL", sim.base_url())
        .env(
            "B2B_ACCESS_TOKEN",
            body["access_token"].as_str().unwrap_or_default(),
        )
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let pid = child.id()?;
    let mut peak = 0;
    loop {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            for line in status.lines() {
                if let Some(v) = line.strip_prefix("VmHWM:") {
                    let kb: u64 = v.trim().trim_end_matches("kB").trim().parse().unwrap_or(0);
                    peak = peak.max(kb);
                }
            }
        }
        if child.try_wait().ok()?.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Some(peak * 1024)
}

fn main() {
    // `cargo bench` passes --bench; nothing else is taken from the command line.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    let rows = env("ROWS", 1_000);
    let runs = env("RUNS", 3);
    let baseline_rows = env("BASELINE_ROWS", rows);
    rt.block_on(async {
        let mut times = Vec::new();
        for i in 0..runs {
            let (preview, run, throttled) = one_run(rows).await;
            println!(
                "run {}: preview {:.1} s, run {:.1} s, {} throttled answers",
                i + 1,
                preview.as_secs_f64(),
                run.as_secs_f64(),
                throttled
            );
            times.push((preview, run));
        }
        times.sort_by_key(|t| t.1);
        let (preview, run) = times[times.len() / 2];
        let f = floor(rows);
        println!(
            "{rows} rows, {LATENCY_MS} ms per request, {WRITES} writes per {WINDOW_S} s: median run {:.1} s against a floor of {:.1} s ({:+.1}%); preview {:.1} s",
            run.as_secs_f64(),
            f.as_secs_f64(),
            (run.as_secs_f64() / f.as_secs_f64() - 1.0) * 100.0,
            preview.as_secs_f64()
        );
        if baseline_rows > 0 {
            let b = baseline(baseline_rows).await;
            let per_row = b.as_secs_f64() / baseline_rows as f64;
            let loop_time = per_row * rows as f64;
            println!(
                "one at a time: {:.1} s for {baseline_rows} rows ({:.0} ms a row, {:.0} s for {rows}); bulk (preview + run) is {:.1}x faster",
                b.as_secs_f64(),
                per_row * 1000.0,
                loop_time,
                loop_time / (preview + run).as_secs_f64()
            );
        }
        if let (Ok(cli), Some(mem_rows)) = (std::env::var("B2B_CLI"), std::env::var("MEMORY_ROWS").ok().and_then(|v| v.parse().ok())) {
            match memory(&cli, mem_rows).await {
                Some(bytes) => println!("b2b bulk run, {mem_rows} rows: peak memory {:.1} MB", bytes as f64 / 1_048_576.0),
                None => println!("b2b bulk run, {mem_rows} rows: memory could not be measured"),
            }
        }
    });
}
