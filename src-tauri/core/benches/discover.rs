//! Discovery over a large simulated directory: the time of a whole scan (criterion, 10 samples)
//! and the scan's peak heap, measured by a counting allocator on the scanning thread only (the
//! simulator runs on threads of its own). Directory sizes: MEMBERS (default 100,000), with the
//! heap also measured at a tenth of it, to show what grows with the accounts found.
//!
//! `cargo bench -p b2b-core --bench discover` (MEMBERS=100000).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use b2b_core::auth::Secret;
use b2b_core::discover::{self, Discovery};
use b2b_core::graph::GraphClient;
use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::{json, Value};
use tenant_sim::{SimConfig, SimServer};

struct Counting;

static CURRENT: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

thread_local! {
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}

fn counted() -> bool {
    COUNTED.try_with(Cell::get).unwrap_or(false)
}

fn grow(by: isize) {
    let now = CURRENT.fetch_add(by, Relaxed) + by;
    PEAK.fetch_max(now, Relaxed);
}

// SAFETY: every call is passed to the system allocator unchanged; only counters are kept beside.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() && counted() {
            grow(layout.size() as isize);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        if counted() {
            CURRENT.fetch_sub(layout.size() as isize, Relaxed);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() && counted() {
            grow(new_size as isize - layout.size() as isize);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

struct Tenant {
    _runtime: tokio::runtime::Runtime,
    _sim: SimServer,
    graph: GraphClient,
    members: usize,
}

/// A simulator on its own runtime, grown to `members` members in all.
fn tenant(client: &tokio::runtime::Runtime, members: usize) -> Tenant {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    let sim = runtime
        .block_on(SimServer::start(SimConfig::default()))
        .unwrap_or_else(|e| panic!("sim: {e}"));
    {
        let mut g = sim.state().lock();
        let now = g.dir.users.iter().filter(|u| u.user_type == "Member").count();
        tenant_sim::seed::add_members(&mut g.dir, members.saturating_sub(now));
    }
    let base = sim.base_url();
    let token = client.block_on(async {
        let body: Value = reqwest::Client::new()
            .post(format!("{base}/_sim/token"))
            .json(&json!({ "username": "admin@contoso.com", "scope": "User.Read User.ReadWrite.All User.Invite.All" }))
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .unwrap_or_else(|e| panic!("token: {e}"))
            .json()
            .await
            .unwrap_or_else(|e| panic!("token body: {e}"));
        body["access_token"].as_str().unwrap_or_default().to_owned()
    });
    let graph = GraphClient::new(&base, Secret::new(token)).unwrap_or_else(|e| panic!("client: {e}"));
    Tenant {
        _runtime: runtime,
        _sim: sim,
        graph,
        members,
    }
}

fn scan(client: &tokio::runtime::Runtime, t: &Tenant) -> Discovery {
    let cancel = AtomicBool::new(false);
    client
        .block_on(discover::discover(&t.graph, None, &cancel, |_| {}))
        .unwrap_or_else(|e| panic!("discover: {}", e.message))
}

/// The scan's time and the peak of the heap it held above what was live when it started.
fn measured(client: &tokio::runtime::Runtime, t: &Tenant) -> (Duration, f64, Discovery) {
    CURRENT.store(0, Relaxed);
    PEAK.store(0, Relaxed);
    COUNTED.with(|c| c.set(true));
    let started = Instant::now();
    let found = scan(client, t);
    let took = started.elapsed();
    COUNTED.with(|c| c.set(false));
    (took, PEAK.load(Relaxed) as f64 / 1_048_576.0, found)
}

fn bench(c: &mut Criterion) {
    let members: usize = std::env::var("MEMBERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    // The scanning thread runs every task of the client: the counter sees all its allocations.
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    for n in [members / 10, members] {
        let t = tenant(&client, n);
        let (took, peak, found) = measured(&client, &t);
        assert_eq!(found.scanned as usize, t.members);
        println!(
            "discover: {} members, {} found in {} domains: {:.2} s, peak heap {peak:.1} MB ({:.0} bytes per member)",
            found.scanned,
            found.found,
            found.groups.len(),
            took.as_secs_f64(),
            peak * 1_048_576.0 / found.scanned as f64,
        );
    }
    let t = tenant(&client, members);
    let mut g = c.benchmark_group("discover");
    g.sample_size(10).measurement_time(Duration::from_secs(60));
    g.bench_function(format!("{members}_members"), |b| b.iter(|| scan(&client, &t)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
