//! The `tenant-sim` and `sim-browser` programs, run as processes against the library's simulator.

// The simulator's own test helpers, shared rather than copied.
#[path = "../../sim/tests/common/mod.rs"]
mod common;

use common::*;
use serde_json::Value;
use tenant_sim::DEMO_CLIENT_ID;

#[tokio::test]
async fn binary_prints_its_address_first() {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tenant-sim"))
        .args(["--port", "0", "--latency-ms", "1", "--throttle-writes", "10/1.5"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn tenant-sim");
    let mut line = String::new();
    let stdout = child.stdout.take().expect("stdout");
    BufReader::new(stdout).read_line(&mut line).expect("first line");
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .expect("first line names the address")
        .to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{line}");
    let accounts: Value = reqwest::get(format!("{base}/_sim/accounts"))
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(accounts["tenantId"], TENANT_ID);
    let _ = child.kill();
    let _ = child.wait();

    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_tenant-sim"))
        .args(["--throttle-writes", "oops"])
        .output()
        .expect("run");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("N/SECONDS"));
}

/// A one-shot HTTP listener like the app's; returns the request line it got.
fn one_shot(listener: std::net::TcpListener) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        let Ok((mut stream, _)) = listener.accept() else {
            return String::new();
        };
        let mut request = Vec::new();
        let mut buf = [0u8; 1024];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => request.extend_from_slice(&buf[..n]),
            }
        }
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
        String::from_utf8_lossy(&request)
            .lines()
            .next()
            .unwrap_or("")
            .to_owned()
    })
}

#[tokio::test]
async fn sim_browser_follows_the_redirect_to_localhost_on_either_loopback_address() {
    let sim = Sim::start().await;
    for bind in ["127.0.0.1:0", "[::1]:0"] {
        let listener = match std::net::TcpListener::bind(bind) {
            Ok(l) => l,
            Err(e) if bind.starts_with('[') => {
                eprintln!("no IPv6 loopback on this machine ({e}); skipping {bind}");
                continue;
            }
            Err(e) => panic!("bind {bind}: {e}"),
        };
        let port = listener.local_addr().expect("addr").port();
        let redirect = format!("http://localhost:{port}/");
        let server = one_shot(listener);
        let url = reqwest::Url::parse_with_params(
            &sim.url("/organizations/oauth2/v2.0/authorize"),
            authorize_query(&redirect, APP_SCOPES),
        )
        .expect("url");
        let out = tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_sim-browser"))
                .arg(url.as_str())
                .output()
        })
        .await
        .expect("join")
        .expect("run sim-browser");
        assert!(
            out.status.success(),
            "{bind}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = server.join().expect("listener");
        assert!(line.starts_with("GET /?code="), "{bind}: {line}");
        let path = line.split(' ').nth(1).unwrap_or("");
        let code = query_of(path).remove("code").expect("code");
        let (status, body) = token_request(
            &sim,
            "organizations",
            &[
                ("client_id", DEMO_CLIENT_ID),
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", &redirect),
                ("code_verifier", VERIFIER),
                ("scope", APP_SCOPES),
            ],
        )
        .await;
        assert_eq!(status, 200, "{bind}: {body}");
    }
}
