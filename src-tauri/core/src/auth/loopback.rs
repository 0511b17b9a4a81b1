//! The one-shot loopback redirect listener of RFC 8252 section 7.3: loopback only (127.0.0.1, and
//! ::1 on the same port where it binds, since browsers resolve `localhost` to either), a port the OS
//! picks,
//! one accepted answer, `state` checked, a timeout, cancellation, and a small "you can close this
//! tab" page. HTTP is hyper's.

use std::convert::Infallible;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use super::Secret;

pub enum Callback {
    Code(Secret),
    Error { error: String, description: String },
}

pub struct Listener {
    v4: TcpListener,
    /// `[::1]` on the same port, when the system has IPv6 loopback and the port is free there.
    v6: Option<TcpListener>,
    port: u16,
}

/// What one request to the listener means.
enum Outcome {
    Code(Secret),
    Error { error: String, description: String },
    StateMismatch,
}

const DONE_PAGE: &str =
    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>B2B Convert</title></head>\
<body style=\"font-family:system-ui,sans-serif;margin:3rem\"><h1>You are signed in</h1>\
<p>You can close this tab and return to B2B Convert.</p></body></html>";
const FAILED_PAGE: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>B2B Convert</title></head>\
<body style=\"font-family:system-ui,sans-serif;margin:3rem\"><h1>Sign-in did not complete</h1>\
<p>Return to B2B Convert: it says what happened and what to do next. You can close this tab.</p></body></html>";

/// Why the browser's answer did not arrive. `error.rs` maps each to the code the user sees.
#[derive(Debug, thiserror::Error)]
pub enum LoopbackError {
    #[error("could not listen on 127.0.0.1")]
    Listen(#[source] std::io::Error),
    #[error("no loopback port free on both 127.0.0.1 and ::1")]
    NoPortPair(#[source] Option<std::io::Error>),
    #[error("no answer from the browser in time")]
    TimedOut,
    #[error("sign-in cancelled")]
    Cancelled,
    #[error("the browser came back with a different sign-in request")]
    StateMismatch,
    #[error("the loopback listener stopped")]
    Stopped,
}

impl Listener {
    pub async fn bind() -> Result<Listener, LoopbackError> {
        // The redirect URI says `localhost` (Entra ignores its port only for that name, CONTRACT.md
        // 9.1); the browser may resolve it to either loopback address, so listen on both when we can.
        // A port taken on ::1 by another program would let it receive the code when the browser
        // resolves `localhost` to ::1: then another port pair is tried. A system without IPv6
        // loopback serves 127.0.0.1 alone.
        let mut last_in_use = None;
        for _ in 0..8 {
            let v4 = TcpListener::bind(("127.0.0.1", 0))
                .await
                .map_err(LoopbackError::Listen)?;
            let port = v4.local_addr().map_err(LoopbackError::Listen)?.port();
            match TcpListener::bind((std::net::Ipv6Addr::LOCALHOST, port)).await {
                Ok(v6) => {
                    return Ok(Listener {
                        v4,
                        v6: Some(v6),
                        port,
                    })
                }
                Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => last_in_use = Some(e),
                Err(_) => return Ok(Listener { v4, v6: None, port }),
            }
        }
        Err(LoopbackError::NoPortPair(last_in_use))
    }

    /// The `redirect_uri` to send, identical at /authorize and at the token endpoint.
    pub fn redirect_uri(&self) -> String {
        format!("http://localhost:{}/", self.port)
    }

    /// Whether `[::1]` is served too.
    pub fn has_ipv6(&self) -> bool {
        self.v6.is_some()
    }

    async fn accept(&self) -> std::io::Result<tokio::net::TcpStream> {
        match &self.v6 {
            Some(v6) => tokio::select! {
                r = self.v4.accept() => r.map(|(s, _)| s),
                r = v6.accept() => r.map(|(s, _)| s),
            },
            None => self.v4.accept().await.map(|(s, _)| s),
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until a request to `/` carries `code` or `error`; other paths (a favicon) get 404.
    pub async fn wait(
        self,
        expected_state: &str,
        timeout: Duration,
        cancel: tokio::sync::watch::Receiver<bool>,
    ) -> Result<Callback, LoopbackError> {
        let (tx, mut rx) = mpsc::channel::<Outcome>(1);
        let expected = expected_state.to_owned();
        let accept = async {
            loop {
                let Ok(stream) = self.accept().await else {
                    continue;
                };
                let tx = tx.clone();
                let expected = expected.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                        let tx = tx.clone();
                        let expected = expected.clone();
                        async move { Ok::<_, Infallible>(answer(&req, &expected, &tx).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .keep_alive(false)
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        };
        let outcome = tokio::select! {
            o = rx.recv() => o,
            _ = accept => None,
            _ = tokio::time::sleep(timeout) => {
                return Err(LoopbackError::TimedOut);
            }
            _ = super::flow::cancelled(cancel) => {
                return Err(LoopbackError::Cancelled);
            }
        };
        match outcome {
            Some(Outcome::Code(code)) => Ok(Callback::Code(code)),
            Some(Outcome::Error { error, description }) => Ok(Callback::Error { error, description }),
            Some(Outcome::StateMismatch) => Err(LoopbackError::StateMismatch),
            None => Err(LoopbackError::Stopped),
        }
    }
}

async fn answer(
    req: &Request<hyper::body::Incoming>,
    expected: &str,
    tx: &mpsc::Sender<Outcome>,
) -> Response<Full<Bytes>> {
    if req.uri().path() != "/" {
        return page(StatusCode::NOT_FOUND, "");
    }
    let mut code = None;
    let mut state = None;
    let mut error = None;
    let mut description = String::new();
    for (k, v) in oauth2::url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "code" => code = Some(v.into_owned()),
            "state" => state = Some(v.into_owned()),
            "error" => error = Some(v.into_owned()),
            "error_description" => description = v.into_owned(),
            _ => {}
        }
    }
    if code.is_none() && error.is_none() {
        return page(StatusCode::NOT_FOUND, "");
    }
    // Constant-time comparison is not needed: the state is single-use and never reused.
    if state.as_deref() != Some(expected) {
        let _ = tx.send(Outcome::StateMismatch).await;
        return page(StatusCode::BAD_REQUEST, FAILED_PAGE);
    }
    let (outcome, body) = match (code, error) {
        (Some(c), _) => (Outcome::Code(Secret::new(c)), DONE_PAGE),
        (None, Some(error)) => (Outcome::Error { error, description }, FAILED_PAGE),
        (None, None) => return page(StatusCode::NOT_FOUND, ""),
    };
    let _ = tx.send(outcome).await;
    page(StatusCode::OK, body)
}

fn page(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        "content-type",
        hyper::header::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r.headers_mut().insert(
        "cache-control",
        hyper::header::HeaderValue::from_static("no-store"),
    );
    r
}
