//! The simulator's mutable state, behind one mutex held only for short, non-async sections.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use serde::Serialize;

use crate::faults::{Faults, WriteWindow};
use crate::model::Directory;

pub struct AuthCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub user_id: String,
    pub scopes: Vec<String>,
    pub challenge: String,
    pub method: String,
    pub expires: Instant,
    pub used: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DeviceStatus {
    Pending,
    Approved(String),
    Declined,
    Redeemed,
}

pub struct DeviceCode {
    pub user_code: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub expires: Instant,
    pub interval_s: u64,
    pub last_poll: Option<Instant>,
    pub status: DeviceStatus,
}

/// An invitation e-mail that would have been sent.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxMail {
    pub invitation_id: String,
    pub user_id: String,
    pub to: String,
    pub cc: Vec<String>,
    pub language: Option<String>,
    pub message: Option<String>,
    pub redeem_url: String,
    pub sent_at: String,
}

#[derive(Debug, Default, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// Requests per route key, e.g. "GET /v1.0/users/{id}".
    pub routes: BTreeMap<String, u64>,
    /// Successful invitations per user id.
    pub invitations: BTreeMap<String, u64>,
    /// Answers per status code.
    pub statuses: BTreeMap<u16, u64>,
    pub throttled: u64,
    pub dropped: u64,
}

pub struct Inner {
    pub dir: Directory,
    pub faults: Faults,
    pub codes: HashMap<String, AuthCode>,
    /// Refresh tokens of a user issued before this time (ms) are revoked.
    pub revoked_before: HashMap<String, i64>,
    pub devices: HashMap<String, DeviceCode>,
    pub outbox: Vec<OutboxMail>,
    pub stats: Stats,
    pub writes: WriteWindow,
    /// What readers still see of recently written users (replication lag).
    pub stale: crate::replication::Stale,
}

pub struct SimState {
    inner: Mutex<Inner>,
    /// Signs tokens and skiptokens. Random at every start unless the caller keeps one (the app's
    /// demo tenant does, so that its sign-ins survive a restart).
    pub key: [u8; 32],
    pub base_url: String,
    seed: Directory,
    start_faults: Faults,
}

impl SimState {
    /// `key` signs tokens; a new random one when `None`.
    pub fn new(dir: Directory, faults: Faults, base_url: String, key: Option<[u8; 32]>) -> Self {
        let key = key.unwrap_or_else(|| {
            let mut k = [0u8; 32];
            rand::Rng::fill(&mut rand::rng(), &mut k);
            k
        });
        SimState {
            inner: Mutex::new(Inner {
                dir: dir.clone(),
                faults: faults.clone(),
                codes: HashMap::new(),
                revoked_before: HashMap::new(),
                devices: HashMap::new(),
                outbox: Vec::new(),
                stats: Stats::default(),
                writes: WriteWindow::default(),
                stale: Default::default(),
            }),
            key,
            base_url,
            seed: dir,
            start_faults: faults,
        }
    }

    /// A panic while holding the lock leaves data that is still consistent enough for a simulator.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Back to the seeded directory and the start-up faults; forgets codes, tokens, mail, stats.
    pub fn reset(&self) {
        let mut g = self.lock();
        g.dir = self.seed.clone();
        g.faults = self.start_faults.clone();
        g.codes.clear();
        g.revoked_before.clear();
        g.devices.clear();
        g.outbox.clear();
        g.stats = Stats::default();
        g.writes.clear();
        g.stale.clear();
    }

    pub fn tenant_id(&self) -> String {
        self.lock().dir.tenant.id.clone()
    }
}
