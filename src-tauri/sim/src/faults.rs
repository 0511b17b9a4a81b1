//! Fault injection: latency, write throttling with Retry-After, 503s, dropped connections, short
//! token lifetimes, missing consent. Set for a run (command line) and changed at run time through
//! `POST /_sim/faults`, globally or per route (`"GET /v1.0/users/{id}"`, see `route_key`).

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// "N writes per window": the (N+1)th write inside any sliding window of that length gets a 429.
/// CONTRACT.md section 4 documents app+tenant writes as 3,000 per 150 s (a token bucket whose refill
/// is not documented); a sliding window is the stricter reading: it never lets a burst through early.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Throttle {
    pub writes: u32,
    pub window_s: f64,
}

impl Throttle {
    /// Parses "300/15" (writes/seconds).
    pub fn parse(s: &str) -> Result<Throttle, String> {
        let (n, w) = s
            .split_once('/')
            .ok_or_else(|| format!("expected N/SECONDS, got {s:?}"))?;
        let writes: u32 = n
            .trim()
            .parse()
            .map_err(|_| format!("not a number of writes: {n:?}"))?;
        let window_s: f64 = w
            .trim()
            .parse()
            .map_err(|_| format!("not a number of seconds: {w:?}"))?;
        if writes == 0 || !(window_s > 0.0 && window_s.is_finite()) {
            return Err(format!("writes and seconds must be positive: {s:?}"));
        }
        Ok(Throttle { writes, window_s })
    }
}

/// Faults for one route, overriding the global ones where set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RouteFaults {
    pub latency_ms: Option<u64>,
    pub fail_rate: Option<f64>,
    pub drop_rate: Option<f64>,
    /// Answer every request of this route with 429 and this Retry-After (e.g. "1.5").
    pub throttle_retry_after: Option<String>,
    /// The 503 or dropped connection comes after the request was carried out: the change is made
    /// and its answer lost, as when a gateway times out behind Graph.
    pub after_handler: Option<bool>,
    /// The request is carried out and the answer's status and headers are sent, then the
    /// connection closes halfway through its body: a success whose answer is cut off.
    pub cut_body: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Faults {
    /// Fixed latency added to every identity and Graph request.
    pub latency_ms: u64,
    /// Random extra latency, uniform in 0..=jitter.
    pub latency_jitter_ms: u64,
    pub throttle: Option<Throttle>,
    /// Probability of a 503 (with Retry-After) for any identity or Graph request.
    pub fail_rate: f64,
    /// Probability that the connection is closed without an answer.
    pub drop_rate: f64,
    /// Lifetime of access tokens, seconds (Entra: 3599).
    pub token_lifetime_s: u64,
    /// Lifetime of refresh tokens, seconds (Entra: 90 days).
    pub refresh_lifetime_s: u64,
    /// Device-code polling interval, seconds (Entra: 5).
    pub device_interval_s: u64,
    /// Device-code lifetime, seconds (Entra: 900).
    pub device_code_lifetime_s: u64,
    /// Scopes that have no consent in the tenant (AADSTS65001 when requested).
    pub missing_consent: Vec<String>,
    /// An AADSTS error every interactive sign-in and refresh gets: 50076 (MFA required, as
    /// `interaction_required`) or 53003 (blocked by Conditional Access, as `access_denied`).
    pub sign_in_error: Option<u32>,
    /// Per route, keyed like "POST /v1.0/invitations".
    pub routes: BTreeMap<String, RouteFaults>,
    /// Replication lag (CONTRACT.md 9.8): for this long after a write to a user (PATCH, a
    /// successful invitation), reads of that user and the invitation service see it as it was
    /// before the write (a user created by the write is not found). 0 = off.
    pub replication_lag_ms: u64,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            latency_ms: 0,
            latency_jitter_ms: 0,
            throttle: None,
            fail_rate: 0.0,
            drop_rate: 0.0,
            token_lifetime_s: 3599,
            refresh_lifetime_s: 90 * 24 * 3600,
            device_interval_s: 5,
            device_code_lifetime_s: 900,
            missing_consent: Vec::new(),
            sign_in_error: None,
            routes: BTreeMap::new(),
            replication_lag_ms: 0,
        }
    }
}

impl Faults {
    pub fn validate(&self) -> Result<(), String> {
        let rates = [
            ("failRate", Some(self.fail_rate)),
            ("dropRate", Some(self.drop_rate)),
        ]
        .into_iter()
        .chain(
            self.routes
                .values()
                .flat_map(|r| [("failRate", r.fail_rate), ("dropRate", r.drop_rate)]),
        );
        for (name, rate) in rates {
            if let Some(p) = rate {
                if !(0.0..=1.0).contains(&p) {
                    return Err(format!("{name} must be between 0 and 1, got {p}"));
                }
            }
        }
        if self.token_lifetime_s == 0 {
            return Err("tokenLifetimeS must be at least 1".into());
        }
        Ok(())
    }
}

/// What to do with one request before it reaches its handler.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Proceed,
    Drop,
    Unavailable,
    /// 429 with this Retry-After value (decimal seconds).
    Throttled(String),
}

/// The sliding window of accepted writes.
#[derive(Debug, Default)]
pub struct WriteWindow {
    accepted: VecDeque<Instant>,
}

impl WriteWindow {
    /// Admits a write or says how long until one would be admitted.
    pub fn admit(&mut self, throttle: Throttle, now: Instant) -> Result<(), Duration> {
        let window = Duration::from_secs_f64(throttle.window_s);
        while self
            .accepted
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            self.accepted.pop_front();
        }
        if self.accepted.len() < throttle.writes as usize {
            self.accepted.push_back(now);
            Ok(())
        } else {
            let oldest = self.accepted.front().copied().unwrap_or(now);
            Err(window.saturating_sub(now.duration_since(oldest)))
        }
    }

    pub fn clear(&mut self) {
        self.accepted.clear();
    }
}

/// Retry-After as Graph sends it: decimal seconds, e.g. "2.128"; never "0".
pub fn retry_after_value(wait: Duration) -> String {
    let secs = wait.as_secs_f64().max(0.001);
    format!("{secs:.3}")
}

/// The route a request belongs to, with ids replaced, e.g. "GET /v1.0/users/{id}" or
/// "POST /{tenant}/oauth2/v2.0/token". Used for statistics and per-route faults.
pub fn route_key(method: &str, path: &str) -> String {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let shape = match segments.as_slice() {
        ["v1.0", "users", id, rest @ ..] if *id != "$count" => {
            let mut s = String::from("/v1.0/users/{id}");
            for r in rest {
                s.push('/');
                s.push_str(r);
            }
            s
        }
        ["v1.0", ..] | ["_sim", ..] => path.to_owned(),
        [_tenant, "oauth2", "v2.0", endpoint] => format!("/{{tenant}}/oauth2/v2.0/{endpoint}"),
        _ => path.to_owned(),
    };
    format!("{method} {shape}")
}

pub fn is_write(method: &str, path: &str) -> bool {
    path.starts_with("/v1.0/")
        && path != "/v1.0/$batch"
        && matches!(method, "POST" | "PATCH" | "PUT" | "DELETE")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_throttle() {
        assert_eq!(
            Throttle::parse("300/15"),
            Ok(Throttle {
                writes: 300,
                window_s: 15.0
            })
        );
        assert_eq!(Throttle::parse("3000/150.5").map(|t| t.window_s), Ok(150.5));
        assert!(Throttle::parse("300").is_err());
        assert!(Throttle::parse("0/15").is_err());
        assert!(Throttle::parse("10/-1").is_err());
        assert!(Throttle::parse("x/1").is_err());
    }

    #[test]
    fn sliding_window_admits_n_then_waits_for_the_oldest() {
        let t = Throttle {
            writes: 2,
            window_s: 10.0,
        };
        let mut w = WriteWindow::default();
        let start = Instant::now();
        assert!(w.admit(t, start).is_ok());
        assert!(w.admit(t, start + Duration::from_secs(4)).is_ok());
        let wait = w
            .admit(t, start + Duration::from_secs(5))
            .expect_err("third write is throttled");
        assert_eq!(wait, Duration::from_secs(5));
        assert_eq!(retry_after_value(wait), "5.000");
        // Once the oldest leaves the window, one more is admitted.
        assert!(w.admit(t, start + Duration::from_secs(10)).is_ok());
        assert!(w.admit(t, start + Duration::from_secs(11)).is_err());
    }

    #[test]
    fn route_keys() {
        assert_eq!(route_key("GET", "/v1.0/users/abc"), "GET /v1.0/users/{id}");
        assert_eq!(
            route_key("GET", "/v1.0/users/abc/memberOf"),
            "GET /v1.0/users/{id}/memberOf"
        );
        assert_eq!(route_key("GET", "/v1.0/users/$count"), "GET /v1.0/users/$count");
        assert_eq!(route_key("GET", "/v1.0/users"), "GET /v1.0/users");
        assert_eq!(
            route_key("POST", "/contoso.com/oauth2/v2.0/token"),
            "POST /{tenant}/oauth2/v2.0/token"
        );
        assert!(is_write("POST", "/v1.0/invitations"));
        assert!(is_write("PATCH", "/v1.0/users/x"));
        assert!(!is_write("POST", "/v1.0/$batch"));
        assert!(!is_write("POST", "/x/oauth2/v2.0/token"));
    }

    #[test]
    fn validates_rates() {
        let f = Faults {
            fail_rate: 1.5,
            ..Faults::default()
        };
        assert!(f.validate().is_err());
        let mut f = Faults::default();
        f.routes.insert(
            "GET /v1.0/me".into(),
            RouteFaults {
                drop_rate: Some(-0.1),
                ..RouteFaults::default()
            },
        );
        assert!(f.validate().is_err());
        assert!(Faults::default().validate().is_ok());
    }
}
