//! Simple Graph GETs per second against the simulator over real loopback HTTP.
//! `cargo bench -p tenant-sim --bench graph_get`; criterion reports elements (requests) per second.

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tenant_sim::{SimConfig, SimServer};

const REQUESTS: usize = 2_000;
const CONCURRENCY: usize = 32;

fn bench(c: &mut Criterion) {
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => panic!("runtime: {e}"),
    };
    let (server, token) = rt.block_on(async {
        let server = SimServer::start(SimConfig::default()).await.unwrap_or_else(|e| panic!("start: {e}"));
        let client = reqwest::Client::new();
        let body: serde_json::Value = client
            .post(format!("{}/_sim/token", server.base_url()))
            .json(&serde_json::json!({"username": "admin@contoso.com", "scope": "User.Read User.ReadWrite.All"}))
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .unwrap_or_else(|e| panic!("token: {e}"))
            .json()
            .await
            .unwrap_or_else(|e| panic!("token body: {e}"));
        let token = body["access_token"].as_str().unwrap_or_default().to_owned();
        (server, token)
    });
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .build()
        .unwrap_or_default();
    let urls: Arc<Vec<String>> = Arc::new(vec![
        format!("{}/v1.0/me", server.base_url()),
        format!(
            "{}/v1.0/users/admin@contoso.com?$select=id,mail,externalUserState",
            server.base_url()
        ),
    ]);
    let mut group = c.benchmark_group("graph_get");
    group.throughput(Throughput::Elements(REQUESTS as u64));
    group.sample_size(20);
    group.bench_function("me_and_user_by_upn", |b| {
        b.to_async(&rt).iter(|| {
            let client = client.clone();
            let token = token.clone();
            let urls = urls.clone();
            async move {
                let mut tasks = Vec::with_capacity(CONCURRENCY);
                for w in 0..CONCURRENCY {
                    let client = client.clone();
                    let token = token.clone();
                    let urls = urls.clone();
                    tasks.push(tokio::spawn(async move {
                        for i in 0..REQUESTS / CONCURRENCY {
                            let url = &urls[(w + i) % urls.len()];
                            let r = client.get(url).bearer_auth(&token).send().await;
                            let ok = matches!(r, Ok(ref r) if r.status().is_success());
                            assert!(ok, "GET {url} failed: {r:?}");
                            let _ = r.map(|r| r.bytes());
                        }
                    }));
                }
                for t in tasks {
                    let _ = t.await;
                }
            }
        });
    });
    group.finish();
    drop(server);
}

criterion_group!(benches, bench);
criterion_main!(benches);
