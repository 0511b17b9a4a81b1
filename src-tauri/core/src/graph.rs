//! A small Microsoft Graph client: bearer tokens from the account, lenient error parsing that keeps
//! Graph's request-id for support, retries as DESIGN.md describes (Retry-After, decimals included;
//! otherwise exponential backoff with jitter; bounded), paging that sends ConsistencyLevel again on
//! every page, `$batch` in chunks of 20, and OData literal escaping.
//!
//! A POST whose outcome is unknown (the connection dropped, a timeout, a 5xx) is never repeated:
//! the caller gets `OutcomeUnknown` and must re-read the state it meant to change.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde_json::{json, Value};

use crate::auth::Secret;
use crate::error::{AppError, ErrorCode};

/// How many times a request is sent at most.
pub const MAX_ATTEMPTS: u32 = 5;
/// Longest backoff between two attempts when Graph gives no Retry-After.
pub const MAX_WAIT: Duration = Duration::from_secs(60);
/// Longest Retry-After waited out: Graph asks to wait that long before trying again (CONTRACT.md
/// section 4), so a longer one ends the request as throttled instead of being tried early, which
/// would only be refused again.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(10 * 60);
/// Most pages one listing follows (999 users a page: about a million users).
pub const MAX_PAGES: usize = 1_000;

/// Graph's error, as parsed from any of its envelope variants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphFailure {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
}

/// Whether a 401 says the token itself was refused (expired, revoked, malformed): only
/// `InvalidAuthenticationToken` or a `WWW-Authenticate` challenge with `invalid_token` do. The
/// invitation service answers `Unauthorized` for missing privileges (CONTRACT.md 9.5).
pub fn token_refused(status: u16, code: &str, www_authenticate: Option<&str>) -> bool {
    status == 401
        && (code == "InvalidAuthenticationToken"
            || www_authenticate.is_some_and(|w| w.to_ascii_lowercase().contains("invalid_token")))
}

impl GraphFailure {
    fn into_error(self, token_refused: bool) -> AppError {
        let id = self
            .request_id
            .as_deref()
            .map(|r| format!(" (request-id {r})"))
            .unwrap_or_default();
        let code = match self.status {
            401 if token_refused => ErrorCode::SessionExpired,
            401 | 403 => ErrorCode::PermissionDenied,
            404 => ErrorCode::UserNotFound,
            429 => ErrorCode::Throttled,
            _ => ErrorCode::GraphError,
        };
        AppError::new(
            code,
            format!("{} {}: {}{id}", self.status, self.code, self.message),
        )
        .with_status(self.status)
    }
}

/// Gives a new access token after Graph refused the one in use (it expired during a long run, or
/// was revoked). Implemented over the account's refresh token by the app and the CLI.
pub trait TokenSource: Send + Sync {
    fn renew(
        &self,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Secret, AppError>> + Send + '_>>;
}

/// Reads `{"error":{"code","message","innerError"|"innererror":{"request-id"}}}` leniently
/// (CONTRACT.md section 3); branches on `code`, never on `message`.
pub fn parse_failure(status: u16, header_request_id: Option<&str>, body: &[u8]) -> GraphFailure {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let e = &v["error"];
    let inner = if e["innerError"].is_object() {
        &e["innerError"]
    } else {
        &e["innererror"]
    };
    GraphFailure {
        status,
        code: e["code"].as_str().unwrap_or("unknown").to_owned(),
        message: e["message"].as_str().unwrap_or("").to_owned(),
        request_id: inner["request-id"]
            .as_str()
            .or(header_request_id)
            .map(str::to_owned),
    }
}

/// Retry-After in seconds, decimals allowed ("2.128"); `None` when absent or unreadable.
pub fn retry_after(value: Option<&str>) -> Option<Duration> {
    let secs: f64 = value?.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(1e9)))
}

/// Exponential backoff with full jitter: attempt 1 waits up to 0.5 s, then 1 s, 2 s, ...
pub fn backoff(attempt: u32) -> Duration {
    let cap = Duration::from_millis(500)
        .saturating_mul(1 << attempt.min(7))
        .min(MAX_WAIT);
    let jitter = uuid::Uuid::new_v4().as_u128() % 1000;
    cap.mul_f64(jitter as f64 / 1000.0)
}

/// A header of a `$batch` answer item, whatever the case of its name (Graph's documented answers mix
/// "Content-Type" and "x-ms-resource-unit"), as text even when sent as a JSON number.
fn item_header(headers: &Value, name: &str) -> Option<String> {
    let (_, v) = headers
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))?;
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An OData string literal: `O'Brien` becomes `'O''Brien'`.
pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Whether a request may be sent again after an unclear failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotence {
    /// GET, and PATCH of absolute values: retried on 429, 503, 504 and network errors.
    Safe,
    /// POST /invitations: retried only on 429 (the service refused it unprocessed).
    Unsafe,
}

/// Graph asked to slow down (429): no request leaves before `retry_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub retry_at: std::time::SystemTime,
    pub wait: Duration,
    /// How many 429 answers this client has seen, this one included.
    pub count: u64,
}

pub struct GraphClient {
    http: reqwest::Client,
    base: String,
    token: std::sync::RwLock<Secret>,
    /// Renews the token once per request after Graph refused it; `None`: the 401 is final.
    renewal: Option<std::sync::Arc<dyn TokenSource>>,
    /// One renewal at a time: parallel requests refused together share the new token.
    renewing: tokio::sync::Mutex<()>,
    last_request_id: std::sync::Mutex<Option<String>>,
    /// No request leaves before this instant: one Retry-After pauses every task sharing the client.
    paused_until: std::sync::Mutex<Option<tokio::time::Instant>>,
    throttle_events: std::sync::atomic::AtomicU64,
    /// The latest 429, for whoever waits on this client to say so (`throttled()`).
    throttled: tokio::sync::watch::Sender<Option<Throttled>>,
    /// Attempts allowed when Graph answers 429 (it did not process the request).
    throttle_attempts: u32,
}

/// One request of a `$batch`.
#[derive(Debug, Clone, Serialize)]
pub struct BatchItem {
    pub id: String,
    pub method: String,
    /// Relative to /v1.0, e.g. `/users/{id}?$select=mail`.
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headers: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

impl BatchItem {
    /// A read: `GET url`, no headers, no body.
    pub fn get(id: &str, url: String) -> BatchItem {
        BatchItem {
            id: id.into(),
            method: "GET".into(),
            url,
            headers: None,
            body: None,
        }
    }
}

/// One answer of a `$batch`.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchAnswer {
    pub id: String,
    pub status: u16,
    pub body: Value,
}

impl GraphClient {
    pub fn new(base: &str, token: Secret) -> Result<Self, AppError> {
        let http = crate::net::client_builder()
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
        Ok(GraphClient {
            http,
            base: base.trim_end_matches('/').to_owned(),
            token: std::sync::RwLock::new(token),
            renewal: None,
            renewing: tokio::sync::Mutex::new(()),
            last_request_id: std::sync::Mutex::new(None),
            paused_until: std::sync::Mutex::new(None),
            throttle_events: std::sync::atomic::AtomicU64::new(0),
            throttled: tokio::sync::watch::Sender::new(None),
            throttle_attempts: MAX_ATTEMPTS,
        })
    }

    /// Renew the access token through `source` when Graph refuses it, and repeat the request once.
    pub fn renewing(mut self, source: std::sync::Arc<dyn TokenSource>) -> Self {
        self.renewal = Some(source);
        self
    }

    fn token(&self) -> Secret {
        self.token
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The access token in use now (for a client of another kind built from this one).
    pub fn current_token(&self) -> Secret {
        self.token()
    }

    /// After Graph refused `used`: a new token, unless another request renewed it meanwhile.
    async fn renew(&self, used: &Secret) -> Result<(), AppError> {
        let Some(source) = &self.renewal else {
            return Err(AppError::new(
                ErrorCode::SessionExpired,
                "Graph refused the access token",
            ));
        };
        let _one = self.renewing.lock().await;
        if self.token().expose() != used.expose() {
            return Ok(());
        }
        let fresh = source.renew().await?;
        *self
            .token
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = fresh;
        Ok(())
    }

    /// For long runs: keep waiting out 429s (each one is a refusal, never a half-done change).
    pub fn patient(mut self, attempts: u32) -> Self {
        self.throttle_attempts = attempts.max(MAX_ATTEMPTS);
        self
    }

    /// How many 429 answers (whole requests or `$batch` items) this client has seen.
    pub fn throttle_events(&self) -> u64 {
        self.throttle_events.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Told of every 429 from now on: when the next attempt leaves. A watch, so a slow reader
    /// sees the latest notice rather than a backlog.
    pub fn throttled(&self) -> tokio::sync::watch::Receiver<Option<Throttled>> {
        self.throttled.subscribe()
    }

    fn pause_all(&self, wait: Duration) {
        let count = self
            .throttle_events
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            + 1;
        let now = tokio::time::Instant::now();
        let until = {
            let mut p = self
                .paused_until
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if p.is_none_or(|t| t < now + wait) {
                *p = Some(now + wait);
            }
            p.unwrap_or(now + wait)
        };
        let wait = until.saturating_duration_since(now);
        self.throttled.send_replace(Some(Throttled {
            retry_at: std::time::SystemTime::now() + wait,
            wait,
            count,
        }));
    }

    async fn wait_if_paused(&self) {
        let until = *self
            .paused_until
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(t) = until {
            tokio::time::sleep_until(t).await;
        }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else {
            format!("{}/v1.0{path}", self.base)
        }
    }

    /// Sends with retries; `eventual` adds `ConsistencyLevel: eventual`.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        eventual: bool,
        idempotence: Idempotence,
    ) -> Result<Value, AppError> {
        let url = self.url(path);
        let mut attempt = 0;
        let mut renewed = false;
        loop {
            attempt += 1;
            self.wait_if_paused().await;
            let used = self.token();
            let mut req = self.http.request(method.clone(), &url).bearer_auth(used.expose());
            if eventual {
                req = req.header("ConsistencyLevel", "eventual");
            }
            if let Some(b) = body {
                req = req.json(b);
            }
            let last = attempt >= MAX_ATTEMPTS;
            let last_throttled = attempt >= self.throttle_attempts;
            let response = match req.send().await {
                Ok(r) => r,
                Err(e) => {
                    let failure = crate::error::network_error(&e);
                    // No connection, a certificate this computer does not trust, or a proxy that
                    // refused the tunnel: nothing was sent, so even a POST's outcome is known; a
                    // refusal won't change on retry.
                    let nothing_sent = e.is_connect() || failure.code.is_network_refusal();
                    if idempotence == Idempotence::Unsafe && !nothing_sent {
                        return Err(AppError::new(
                            ErrorCode::OutcomeUnknown,
                            format!("{method} {path}: no answer ({e}); re-read before trying again"),
                        ));
                    }
                    if last || failure.code.is_network_refusal() || idempotence == Idempotence::Unsafe {
                        return Err(AppError::new(
                            failure.code,
                            format!("{method} {path}: {}", failure.message),
                        ));
                    }
                    tokio::time::sleep(backoff(attempt)).await;
                    continue;
                }
            };
            let status = response.status();
            let wait = retry_after(
                response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok()),
            );
            let request_id = response
                .headers()
                .get("request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            if let Some(id) = &request_id {
                *self
                    .last_request_id
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(id.clone());
            }
            if status.is_success() {
                let bytes = match response.bytes().await {
                    Ok(b) => b,
                    // Microsoft did it, but its answer was cut off: for a change, what it made
                    // (an invitation's redeem link, say) is unknown and the caller re-reads; never
                    // a failure. A read is simply asked again.
                    Err(e) if idempotence == Idempotence::Unsafe => {
                        return Err(AppError::new(
                            ErrorCode::OutcomeUnknown,
                            format!("{method} {path}: answered {status}, then the answer was cut off ({e}); re-read before trying again"),
                        ));
                    }
                    Err(e) if !last => {
                        tracing::debug!("{method} {path}: answer cut off ({e}), asking again");
                        tokio::time::sleep(backoff(attempt)).await;
                        continue;
                    }
                    Err(e) => {
                        return Err(AppError::new(
                            ErrorCode::NetworkUnreachable,
                            format!("{method} {path}: {e}"),
                        ))
                    }
                };
                if bytes.is_empty() {
                    return Ok(Value::Null);
                }
                return serde_json::from_slice(&bytes)
                    .or_else(|_| Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned())));
            }
            let retryable = matches!(
                (status, idempotence),
                (StatusCode::TOO_MANY_REQUESTS, _)
                    | (
                        StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT,
                        Idempotence::Safe
                    )
            );
            let give_up = if status == StatusCode::TOO_MANY_REQUESTS {
                last_throttled || wait.is_some_and(|w| w > MAX_RETRY_AFTER)
            } else {
                last
            };
            if !retryable || give_up {
                let www = response
                    .headers()
                    .get("www-authenticate")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let bytes = response.bytes().await.unwrap_or_default();
                let failure = parse_failure(status.as_u16(), request_id.as_deref(), &bytes);
                let refused = token_refused(failure.status, &failure.code, www.as_deref());
                // A refused token means nothing was processed: renew it and repeat once, even a POST.
                if refused && !renewed && self.renewal.is_some() {
                    renewed = true;
                    self.renew(&used).await?;
                    attempt -= 1;
                    continue;
                }
                if idempotence == Idempotence::Unsafe && status.is_server_error() {
                    return Err(AppError::new(
                        ErrorCode::OutcomeUnknown,
                        format!(
                            "{method} {path}: {} {}; re-read before trying again",
                            failure.status, failure.code
                        ),
                    ));
                }
                return Err(failure.into_error(refused));
            }
            let wait = wait.unwrap_or_else(|| backoff(attempt));
            if status == StatusCode::TOO_MANY_REQUESTS {
                self.pause_all(wait);
            } else {
                tokio::time::sleep(wait).await;
            }
        }
    }

    /// The `request-id` of the last answer Graph sent, for History and support.
    pub fn last_request_id(&self) -> Option<String> {
        self.last_request_id
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    pub async fn get(&self, path: &str) -> Result<Value, AppError> {
        self.send(Method::GET, path, None, false, Idempotence::Safe).await
    }

    /// Every item of a collection, following `@odata.nextLink` whole and sending ConsistencyLevel
    /// again on every page when `eventual` (it is not carried over).
    pub async fn get_all(&self, path: &str, eventual: bool) -> Result<Vec<Value>, AppError> {
        let mut items = Vec::new();
        let mut next = Some(path.to_owned());
        let mut pages = 0;
        while let Some(url) = next.take() {
            pages += 1;
            if pages > MAX_PAGES {
                return Err(AppError::new(
                    ErrorCode::GraphError,
                    format!("more than {MAX_PAGES} pages at {path}"),
                ));
            }
            let page = self
                .send(Method::GET, &url, None, eventual, Idempotence::Safe)
                .await?;
            if let Some(v) = page["value"].as_array() {
                items.extend(v.iter().cloned());
            }
            next = page["@odata.nextLink"].as_str().map(str::to_owned);
        }
        Ok(items)
    }

    /// Runs the items in `$batch` requests of at most 20. GET items answered 429, 503 or 504 (Graph
    /// throttles and fails each item on its own) are sent again after their Retry-After; other
    /// items' answers, and every write's, are returned as they are.
    pub async fn batch(&self, items: &[BatchItem]) -> Result<Vec<BatchAnswer>, AppError> {
        let mut answers = Vec::with_capacity(items.len());
        for chunk in items.chunks(20) {
            let mut pending: Vec<BatchItem> = chunk.to_vec();
            let mut attempt = 0;
            while !pending.is_empty() {
                attempt += 1;
                let body = json!({ "requests": pending });
                let v = self
                    .send(Method::POST, "/$batch", Some(&body), false, Idempotence::Safe)
                    .await?;
                let mut again = Vec::new();
                let mut wait = Duration::ZERO;
                for r in v["responses"].as_array().into_iter().flatten() {
                    let id = r["id"].as_str().unwrap_or("").to_owned();
                    let status = r["status"].as_u64().unwrap_or(0) as u16;
                    let item = pending.iter().find(|i| i.id == id);
                    let ra = retry_after(item_header(&r["headers"], "retry-after").as_deref())
                        .unwrap_or_else(|| backoff(attempt));
                    if matches!(status, 429 | 503 | 504)
                        && attempt < MAX_ATTEMPTS
                        && ra <= MAX_RETRY_AFTER
                        && item.is_some_and(|i| i.method.eq_ignore_ascii_case("GET"))
                    {
                        wait = wait.max(ra);
                        if status == 429 {
                            self.pause_all(ra);
                        }
                        again.extend(item.cloned());
                    } else {
                        answers.push(BatchAnswer {
                            id,
                            status,
                            body: r["body"].clone(),
                        });
                    }
                }
                if !again.is_empty() {
                    tokio::time::sleep(wait).await;
                }
                pending = again;
            }
        }
        Ok(answers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_error_parsing_keeps_the_request_id() {
        let f = parse_failure(
            400,
            None,
            br#"{"error":{"code":"Request_BadRequest","message":"m","innerError":{"request-id":"r1"}}}"#,
        );
        assert_eq!(
            (f.code.as_str(), f.request_id.as_deref()),
            ("Request_BadRequest", Some("r1"))
        );
        let f = parse_failure(
            403,
            Some("h1"),
            br#"{"error":{"code":"Authorization_RequestDenied","innererror":{}}}"#,
        );
        assert_eq!(
            (f.code.as_str(), f.request_id.as_deref()),
            ("Authorization_RequestDenied", Some("h1"))
        );
        let f = parse_failure(502, None, b"<html>bad gateway</html>");
        assert_eq!(f.code, "unknown");
        assert!(f.into_error(false).message.starts_with("502 unknown"));
    }

    #[test]
    fn only_a_refused_token_is_an_expired_session() {
        assert!(token_refused(401, "InvalidAuthenticationToken", None));
        assert!(token_refused(
            401,
            "unknown",
            Some("Bearer realm=\"\", error=\"invalid_token\"")
        ));
        assert!(!token_refused(401, "Unauthorized", None));
        assert!(!token_refused(403, "InvalidAuthenticationToken", None));
        let f = parse_failure(
            401,
            None,
            br#"{"error":{"code":"Unauthorized","message":"Insufficient privileges to perform requested operation"}}"#,
        );
        assert_eq!(f.clone().into_error(false).code, ErrorCode::PermissionDenied);
        assert_eq!(f.into_error(true).code, ErrorCode::SessionExpired);
    }

    #[test]
    fn retry_after_takes_decimals_and_is_bounded() {
        assert_eq!(retry_after(Some("2.128")), Some(Duration::from_millis(2128)));
        assert_eq!(retry_after(Some("10")), Some(Duration::from_secs(10)));
        assert_eq!(retry_after(Some("100000")), Some(Duration::from_secs(100_000)));
        assert_eq!(retry_after(Some("soon")), None);
        assert_eq!(retry_after(Some("-1")), None);
        assert_eq!(retry_after(None), None);
        for attempt in 1..10 {
            assert!(backoff(attempt) <= MAX_WAIT);
        }
    }

    #[test]
    fn batch_item_headers_are_found_in_any_case_and_as_numbers() {
        let h = json!({ "retry-after": "2.5", "Content-Type": "application/json", "X-N": 3 });
        assert_eq!(item_header(&h, "Retry-After").as_deref(), Some("2.5"));
        assert_eq!(
            item_header(&h, "content-type").as_deref(),
            Some("application/json")
        );
        assert_eq!(item_header(&h, "x-n").as_deref(), Some("3"));
        assert_eq!(item_header(&h, "location"), None);
        assert_eq!(item_header(&Value::Null, "retry-after"), None);
    }

    #[test]
    fn odata_literals_double_the_apostrophe() {
        assert_eq!(quote("O'Brien"), "'O''Brien'");
        assert_eq!(quote("''"), "''''''");
    }
}
