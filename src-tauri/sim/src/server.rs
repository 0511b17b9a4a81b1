//! The accept loop. Faults are applied here, before routing, so that a "dropped connection" can
//! really close the socket without an answer (a service error makes hyper do exactly that).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, Response};
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tower::ServiceExt;

use crate::errors;
use crate::faults::{is_write, retry_after_value, route_key};
use crate::state::SimState;

#[derive(Debug)]
struct Dropped;
impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}
impl std::error::Error for Dropped {}

pub fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .merge(crate::identity::routes())
        .merge(crate::graph::routes())
        .merge(crate::graph::holders::routes())
        .merge(crate::graph::sponsors::routes())
        .merge(crate::hooks::routes())
        .with_state(state)
}

pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<SimState>,
    mut shutdown: tokio::sync::oneshot::Receiver<()>,
    tls: Option<tokio_rustls::TlsAcceptor>,
) {
    let app = router(state.clone());
    loop {
        let accepted = tokio::select! {
            _ = &mut shutdown => break,
            a = listener.accept() => a,
        };
        let Ok((stream, _)) = accepted else { continue };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let state = state.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                let app = app.clone();
                let state = state.clone();
                async move { handle(app, state, req.map(Body::new)).await }
            });
            let http = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            match tls {
                // A client that refuses the certificate ends the handshake: nothing to serve.
                Some(acceptor) => {
                    if let Ok(stream) = acceptor.accept(stream).await {
                        let _ = http.serve_connection(TokioIo::new(stream), service).await;
                    }
                }
                None => {
                    let _ = http.serve_connection(TokioIo::new(stream), service).await;
                }
            }
        });
    }
}

async fn handle(app: Router, state: Arc<SimState>, req: Request<Body>) -> Result<Response<Body>, Dropped> {
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    if path.starts_with("/_sim/") {
        return Ok(dispatch(app, req).await);
    }
    let key = route_key(&method, &path);
    let write = is_write(&method, &path);

    // Decide everything under one short lock; sleep outside it.
    let (latency, verdict, after, cut) = {
        let mut g = state.lock();
        *g.stats.routes.entry(key.clone()).or_default() += 1;
        let route = g.faults.routes.get(&key).cloned().unwrap_or_default();
        let base = route.latency_ms.unwrap_or(g.faults.latency_ms);
        let jitter = g.faults.latency_jitter_ms;
        let latency = base
            + if jitter > 0 {
                rand::random_range(0..=jitter)
            } else {
                0
            };
        let verdict = if rand::random::<f64>() < route.drop_rate.unwrap_or(g.faults.drop_rate) {
            Some(Verdict::Drop)
        } else if rand::random::<f64>() < route.fail_rate.unwrap_or(g.faults.fail_rate) {
            Some(Verdict::Unavailable)
        } else {
            route.throttle_retry_after.map(Verdict::Throttled)
        };
        (
            Duration::from_millis(latency),
            verdict,
            route.after_handler == Some(true),
            route.cut_body == Some(true),
        )
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    // The change is made, then its answer is lost.
    if after && matches!(verdict, Some(Verdict::Drop | Verdict::Unavailable)) {
        let _ = dispatch(app, req).await;
        if matches!(verdict, Some(Verdict::Drop)) {
            state.lock().stats.dropped += 1;
            return Err(Dropped);
        }
        return Ok(errors::unavailable());
    }
    let response = match verdict {
        Some(Verdict::Drop) => {
            state.lock().stats.dropped += 1;
            return Err(Dropped);
        }
        Some(Verdict::Unavailable) => errors::unavailable(),
        Some(Verdict::Throttled(ra)) => {
            state.lock().stats.throttled += 1;
            errors::throttled(&ra)
        }
        None => match write.then(|| admit_write(&state)).flatten() {
            Some(retry_after) => errors::throttled(&retry_after),
            None => dispatch(app, req).await,
        },
    };
    let mut response = if cut { cut_body(response).await } else { response };
    // Graph sends a request-id with every answer, not only errors (CONTRACT.md section 3).
    if path.starts_with("/v1.0/") && !response.headers().contains_key("request-id") {
        if let Ok(v) = axum::http::HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
            response.headers_mut().insert("request-id", v);
        }
    }
    *state
        .lock()
        .stats
        .statuses
        .entry(response.status().as_u16())
        .or_default() += 1;
    Ok(response)
}

/// The same answer with a Content-Length for its whole body, of which half is sent before the
/// connection is closed (hyper ends a connection whose body stream fails).
async fn cut_body(response: Response<Body>) -> Response<Body> {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    parts
        .headers
        .insert(axum::http::header::CONTENT_LENGTH, bytes.len().into());
    let half = bytes.slice(..bytes.len() / 2);
    let chunks: [Result<axum::body::Bytes, Dropped>; 2] = [Ok(half), Err(Dropped)];
    // A pause before the failure, so the status, headers and first half reach the client: an
    // immediate failure would close the connection before anything was written.
    let stream = futures_util::StreamExt::then(futures_util::stream::iter(chunks), |chunk| async move {
        if chunk.is_err() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        chunk
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

enum Verdict {
    Drop,
    Unavailable,
    Throttled(String),
}

/// Counts a write against the throttle window; `Some(retry_after)` when it must be refused.
/// Also used for each write inside a `$batch`, which Graph throttles item by item.
pub fn admit_write(state: &SimState) -> Option<String> {
    let mut g = state.lock();
    let throttle = g.faults.throttle?;
    match g.writes.admit(throttle, Instant::now()) {
        Ok(()) => None,
        Err(wait) => {
            g.stats.throttled += 1;
            Some(retry_after_value(wait))
        }
    }
}

pub async fn dispatch(app: Router, req: Request<Body>) -> Response<Body> {
    match app.oneshot(req).await {
        Ok(r) => r,
        Err(e) => match e {},
    }
}
