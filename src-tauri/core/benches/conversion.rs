//! One conversion and one search against the simulated tenant with 100 ms of injected latency per
//! request: what an admin waits for. Also prints the Graph requests one conversion costs.
//! `cargo bench -p b2b-core --bench conversion`

use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::{json, Value};
use tenant_sim::{Faults, SimConfig, SimServer};

use b2b_core::auth::Secret;
use b2b_core::convert_service::{self as svc, ConvertOptions};
use b2b_core::graph::GraphClient;
use b2b_core::users;

const LATENCY_MS: u64 = 100;
const SCOPES: &str = "User.Read User.ReadWrite.All User.Invite.All";

async fn client(sim: &SimServer) -> GraphClient {
    let body: Value = reqwest::Client::new()
        .post(format!("{}/_sim/token", sim.base_url()))
        .json(&json!({ "username": "admin@contoso.com", "scope": SCOPES }))
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

fn total_requests(stats: &Value) -> u64 {
    stats["routes"]
        .as_object()
        .map(|m| m.values().filter_map(Value::as_u64).sum())
        .unwrap_or(0)
}

async fn stats(sim: &SimServer) -> Value {
    reqwest::get(format!("{}/_sim/stats", sim.base_url()))
        .await
        .unwrap_or_else(|e| panic!("stats: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("stats body: {e}"))
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    let sim = rt.block_on(async {
        SimServer::start(SimConfig {
            faults: Faults {
                latency_ms: LATENCY_MS,
                ..Faults::default()
            },
            ..SimConfig::default()
        })
        .await
        .unwrap_or_else(|e| panic!("sim: {e}"))
    });
    let g = rt.block_on(client(&sim));
    let dir = sim.state().lock().dir.clone();
    let ready: Vec<(String, String)> = tenant_sim::seed::users_in_case(&dir, "ready-to-convert")
        .into_iter()
        .filter_map(|u| Some((u.user_principal_name.clone(), u.mail.clone()?)))
        .collect();
    let scopes: Option<Vec<String>> = Some(SCOPES.split(' ').map(str::to_owned).collect());

    // Requests per conversion, from the simulator's own count.
    rt.block_on(async {
        let (upn, mail) = &ready[0];
        let before = total_requests(&stats(&sim).await);
        let ctx = svc::load_context(&g, upn, mail, scopes.clone())
            .await
            .unwrap_or_else(|e| panic!("context: {e}"));
        let pre = svc::preflight(&ctx, mail);
        svc::convert(&g, &pre, &ConvertOptions::new("t"))
            .await
            .unwrap_or_else(|e| panic!("convert: {e}"));
        let after = stats(&sim).await;
        let n = |route: &str| after["routes"][route].as_u64().unwrap_or(0);
        println!(
            "one conversion (pre-flight + invitation): {} HTTP requests ($batch: {}, POST /invitations: {}, PATCH: {}); {} Graph calls counting the reads inside the $batch",
            n("POST /v1.0/$batch") + n("POST /v1.0/invitations") + n("PATCH /v1.0/users/{id}"),
            n("POST /v1.0/$batch"),
            n("POST /v1.0/invitations"),
            n("PATCH /v1.0/users/{id}"),
            total_requests(&after) - before,
        );
    });

    let mut group = c.benchmark_group("with_100ms_latency");
    group.sample_size(20);
    let mut next = 1;
    group.bench_function("preflight_and_convert", |b| {
        b.to_async(&rt).iter(|| {
            let (upn, mail) = ready[next % ready.len()].clone();
            next += 1;
            let g = &g;
            let scopes = scopes.clone();
            async move {
                let ctx = svc::load_context(g, &upn, &mail, scopes)
                    .await
                    .unwrap_or_else(|e| panic!("context: {e}"));
                let pre = svc::preflight(&ctx, &mail);
                // Users converted by earlier samples are blocked; the pre-flight still counts.
                if pre.can_convert {
                    let _ = svc::convert(g, &pre, &ConvertOptions::new("t")).await;
                }
            }
        });
    });
    group.bench_function("search_first_page", |b| {
        b.to_async(&rt).iter(|| async {
            users::search(&g, "ad", None)
                .await
                .unwrap_or_else(|e| panic!("search: {e}"))
        });
    });
    group.finish();
    drop(sim);
}

criterion_group!(benches, bench);
criterion_main!(benches);
