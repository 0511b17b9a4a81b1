//! `tenant-sim --port 0 [--seed FILE] [--latency-ms N] [--throttle-writes N/SECONDS] [--fail-rate P]
//! [--token-lifetime-s N] [--replication-lag-ms N]`: prints `listening on http://127.0.0.1:PORT` first, then serves until
//! interrupted.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use tenant_sim::{Faults, SimConfig, SimServer, Throttle};

#[derive(Parser, Debug)]
#[command(
    name = "tenant-sim",
    version,
    about = "A simulated Microsoft Entra tenant and Microsoft Graph on loopback"
)]
struct Args {
    /// Port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Directory JSON file (the default seed when absent).
    #[arg(long)]
    seed: Option<PathBuf>,
    /// Latency added to every identity and Graph request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Random extra latency, 0..=N milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_jitter_ms: u64,
    /// Write limit as N/SECONDS, e.g. 3000/150: the write after N within any window gets 429.
    #[arg(long, value_parser = Throttle::parse)]
    throttle_writes: Option<Throttle>,
    /// Probability (0..1) of a 503 for any identity or Graph request.
    #[arg(long, default_value_t = 0.0)]
    fail_rate: f64,
    /// Probability (0..1) that a connection is dropped without an answer.
    #[arg(long, default_value_t = 0.0)]
    drop_rate: f64,
    /// Access token lifetime in seconds.
    #[arg(long, default_value_t = 3599)]
    token_lifetime_s: u64,
    /// Device code polling interval in seconds.
    #[arg(long, default_value_t = 5)]
    device_interval_s: u64,
    /// Replication lag in milliseconds: reads of a user written less than this long ago see it
    /// as it was before the write. 0 = off.
    #[arg(long, default_value_t = 0)]
    replication_lag_ms: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let faults = Faults {
        latency_ms: args.latency_ms,
        latency_jitter_ms: args.latency_jitter_ms,
        throttle: args.throttle_writes,
        fail_rate: args.fail_rate,
        drop_rate: args.drop_rate,
        token_lifetime_s: args.token_lifetime_s,
        device_interval_s: args.device_interval_s,
        replication_lag_ms: args.replication_lag_ms,
        ..Faults::default()
    };
    if let Err(e) = faults.validate() {
        eprintln!("tenant-sim: {e}");
        return ExitCode::from(2);
    }
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SIM_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tenant-sim: could not start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let server = match SimServer::start(SimConfig {
            port: args.port,
            seed: args.seed,
            faults,
            signing_key: None,
            tls: None,
        })
        .await
        {
            Ok(s) => s,
            Err(e) => {
                eprintln!("tenant-sim: {e}");
                return ExitCode::FAILURE;
            }
        };
        let mut out = std::io::stdout();
        let _ = writeln!(out, "listening on {}", server.base_url());
        let _ = out.flush();
        let _ = tokio::signal::ctrl_c().await;
        server.shutdown().await;
        ExitCode::SUCCESS
    })
}
