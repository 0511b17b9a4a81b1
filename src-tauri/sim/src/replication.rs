//! Replication lag (CONTRACT.md 9.8): Microsoft warns that reads "might have replication delays
//! for users that were recently created, updated, or deleted". With the `replicationLagMs` fault,
//! a user written less than that long ago is read as it was before the write: by GET /users/{id},
//! GET /users (and $count), `$batch` items and the invitation service. A user created by the write
//! is not found yet. Writes themselves go to the live directory.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::model::User;
use crate::state::Inner;

/// Users written within the lag, with what readers see of them.
#[derive(Debug, Default)]
pub struct Stale {
    users: HashMap<String, Snapshot>,
}

#[derive(Debug)]
struct Snapshot {
    /// The user before the first write of the burst; `None` when the burst created it.
    before: Option<User>,
    until: Instant,
}

impl Stale {
    /// Notes a write to user `id` whose previous state was `before`. A write inside an earlier
    /// write's lag keeps the oldest view and extends the lag: readers catch up only after the
    /// directory has been quiet for the whole lag (the stricter choice [inf]).
    fn record(&mut self, id: &str, before: Option<User>, lag: Duration, now: Instant) {
        if lag.is_zero() {
            return;
        }
        self.users.retain(|_, s| s.until > now);
        let until = now + lag;
        self.users
            .entry(id.to_ascii_lowercase())
            .and_modify(|s| s.until = until)
            .or_insert(Snapshot { before, until });
    }

    /// What a reader sees of the live user `live` at `now`.
    fn view<'a>(&'a self, live: &'a User, now: Instant) -> Option<&'a User> {
        match self.users.get(&live.id.to_ascii_lowercase()) {
            Some(s) if s.until > now => s.before.as_ref(),
            _ => Some(live),
        }
    }

    pub fn clear(&mut self) {
        self.users.clear();
    }
}

fn lag(g: &Inner) -> Duration {
    Duration::from_millis(g.faults.replication_lag_ms)
}

/// Call before changing an existing user; `before` is its state as the writer found it.
pub fn updating(g: &mut Inner, before: &User) {
    let lag = lag(g);
    g.stale
        .record(&before.id, Some(before.clone()), lag, Instant::now());
}

/// Call after creating user `id`.
pub fn created(g: &mut Inner, id: &str) {
    let lag = lag(g);
    g.stale.record(id, None, lag, Instant::now());
}

/// The users as readers see them now, in directory order.
pub fn visible(g: &Inner) -> impl Iterator<Item = &User> {
    let now = Instant::now();
    g.dir.users.iter().filter_map(move |u| g.stale.view(u, now))
}

/// As `visible`, from position `start` of the directory, each with its position there (stable
/// between pages: users are only ever appended).
pub fn visible_from(g: &Inner, start: usize) -> impl Iterator<Item = (usize, &User)> {
    let now = Instant::now();
    g.dir
        .users
        .iter()
        .enumerate()
        .skip(start)
        .filter_map(move |(i, u)| g.stale.view(u, now).map(|v| (i, v)))
}

/// How readers see the live user `live` now; `None` while its creation has not replicated.
pub fn seen(g: &Inner, live: &User) -> Option<User> {
    g.stale.view(live, Instant::now()).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str, mail: &str) -> User {
        let json = serde_json::json!({
            "id": id, "displayName": "U", "userPrincipalName": format!("{id}@contoso.com"),
            "mail": mail, "userType": "Member", "accountEnabled": true,
            "createdDateTime": "2024-01-01T00:00:00Z"
        });
        match serde_json::from_value(json) {
            Ok(u) => u,
            Err(e) => panic!("test user: {e}"),
        }
    }

    #[test]
    fn readers_see_the_oldest_state_until_the_lag_after_the_last_write() {
        let mut s = Stale::default();
        let start = Instant::now();
        let lag = Duration::from_secs(10);
        let v1 = user("a", "one@x.example");
        let v3 = user("a", "three@x.example");
        s.record("A", Some(v1.clone()), lag, start);
        s.record(
            "a",
            Some(user("a", "two@x.example")),
            lag,
            start + Duration::from_secs(5),
        );
        let seen = |at: u64| {
            s.view(&v3, start + Duration::from_secs(at))
                .and_then(|u| u.mail.clone())
        };
        assert_eq!(seen(1).as_deref(), Some("one@x.example"));
        assert_eq!(
            seen(14).as_deref(),
            Some("one@x.example"),
            "extended by the second write"
        );
        assert_eq!(seen(15).as_deref(), Some("three@x.example"));
        // A user created within the lag is not seen; no lag records nothing.
        s.record("b", None, lag, start);
        assert!(s.view(&user("b", "b@x.example"), start).is_none());
        s.record("c", None, Duration::ZERO, start);
        assert!(s.view(&user("c", "c@x.example"), start).is_some());
    }
}
