//! The bulk run: workers convert the ready rows, at most `limit` at once. The limit halves when
//! Graph throttles and grows back with successes; every worker waits out a Retry-After (the Graph
//! client's shared pause), so nobody hammers. Pause holds workers between rows; cancel lets the
//! requests in flight finish and leaves the rest "not run". The journal makes it resumable.

use crate::codes::FollowUpWarning;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use crate::codes::SkipReason;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::journal::{Journal, Known, Phase, Record};
use super::{PreviewRow, RowStatus};
use crate::convert_service::{self as svc, ConvertOptions, ConvertResult, Failed, Preflight};
use crate::error::{AppError, ErrorCode};
use crate::export::{csv_text, wire_name};
use crate::graph::GraphClient;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum RowOutcome {
    Converted,
    /// Done in an earlier run of the same file (from the journal).
    AlreadyDone,
    Failed,
    /// Not ready in the preview: not attempted.
    Skipped,
    /// Cancelled before its turn.
    NotRun,
}

/// One line of the report.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RowResult {
    pub line: u32,
    pub user: String,
    pub email: String,
    pub outcome: RowOutcome,
    pub status: Option<String>,
    pub invitation_id: Option<String>,
    /// Only when no e-mail was sent, for the admin to pass on.
    pub redeem_url: Option<String>,
    pub error_code: Option<ErrorCode>,
    /// The error's English detail (with Graph's request-id when there was one), for support.
    pub message: Option<String>,
    /// Why a row was skipped: the preview's problem or first blocker.
    pub reason: Option<SkipReason>,
    pub confirmed_by_reread: bool,
    /// Steps after a conversion that did not work (`user_type_not_set`): the row is still converted.
    pub warnings: Vec<FollowUpWarning>,
}

#[derive(Debug, Clone, Default, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Progress {
    pub done: u32,
    pub total: u32,
    pub succeeded: u32,
    pub failed: u32,
    pub per_minute: f64,
    #[ts(type = "number | null")]
    pub eta_s: Option<u64>,
    pub paused: bool,
    pub cancelled: bool,
    pub concurrency: u32,
    #[ts(type = "number")]
    pub throttled: u64,
}

/// Pause, resume and cancel, from another task.
#[derive(Default)]
pub struct Control {
    paused: AtomicBool,
    cancelled: AtomicBool,
    wake: tokio::sync::Notify,
}

impl Control {
    pub fn pause(&self) {
        self.paused.store(true, Ordering::SeqCst);
    }
    pub fn resume(&self) {
        self.paused.store(false, Ordering::SeqCst);
        self.wake.notify_waiters();
    }
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        self.wake.notify_waiters();
    }
    pub fn is_paused(&self) -> bool {
        self.paused.load(Ordering::SeqCst)
    }
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }
    /// Returns false once cancelled.
    async fn proceed(&self) -> bool {
        loop {
            let notified = self.wake.notified();
            if self.is_cancelled() {
                return false;
            }
            if !self.is_paused() {
                return true;
            }
            notified.await;
        }
    }
}

/// Additive increase, multiplicative decrease of the number of rows in flight.
struct Limiter {
    max: usize,
    limit: AtomicUsize,
    in_flight: Mutex<usize>,
    successes: AtomicUsize,
    freed: tokio::sync::Notify,
}

impl Limiter {
    fn new(max: usize) -> Self {
        Limiter {
            max,
            limit: AtomicUsize::new(max),
            in_flight: Mutex::new(0),
            successes: AtomicUsize::new(0),
            freed: tokio::sync::Notify::new(),
        }
    }
    async fn acquire(&self) {
        loop {
            let freed = self.freed.notified();
            {
                let mut n = self.in_flight.lock().unwrap_or_else(PoisonError::into_inner);
                if *n < self.limit.load(Ordering::SeqCst) {
                    *n += 1;
                    return;
                }
            }
            freed.await;
        }
    }
    fn release(&self, throttled: bool) {
        if throttled {
            let l = self.limit.load(Ordering::SeqCst);
            self.limit.store((l / 2).max(1), Ordering::SeqCst);
            self.successes.store(0, Ordering::SeqCst);
        } else if self.successes.fetch_add(1, Ordering::SeqCst) + 1 >= self.limit.load(Ordering::SeqCst) {
            self.successes.store(0, Ordering::SeqCst);
            let l = self.limit.load(Ordering::SeqCst);
            self.limit.store((l + 1).min(self.max), Ordering::SeqCst);
        }
        *self.in_flight.lock().unwrap_or_else(PoisonError::into_inner) -= 1;
        self.freed.notify_waiters();
    }
}

/// Called with every attempted conversion, for History.
pub type OnAttempt = dyn Fn(&Preflight, &ConvertOptions, &Result<ConvertResult, Failed>) + Send + Sync;
pub type OnProgress = dyn Fn(&Progress, &RowResult) + Send + Sync;

pub struct RunSetup {
    pub graph: Arc<GraphClient>,
    pub tenant_id: String,
    pub journal: Arc<Journal>,
    pub control: Arc<Control>,
    pub max_concurrency: usize,
    pub on_attempt: Arc<OnAttempt>,
    pub on_progress: Arc<OnProgress>,
}

fn skipped(r: &PreviewRow) -> RowResult {
    RowResult {
        line: r.line,
        user: r.user.clone(),
        email: r.email.clone(),
        outcome: RowOutcome::Skipped,
        status: None,
        invitation_id: None,
        redeem_url: None,
        error_code: None,
        message: None,
        reason: r.problem.map(SkipReason::Problem).or_else(|| {
            r.checks
                .iter()
                .find(|c| c.severity == crate::convert::Severity::Blocker)
                .map(|c| SkipReason::Check(c.code))
        }),
        confirmed_by_reread: false,
        warnings: Vec::new(),
    }
}

/// One row: the journal first, then the conversion between a "started" and a "done" line.
async fn one(s: &RunSetup, r: &PreviewRow) -> RowResult {
    let mut out = skipped(r);
    out.reason = None;
    let (Some(row), Some(pre), Some(user_id)) = (&r.row, &r.preflight, &r.user_id) else {
        return skipped(r);
    };
    let record = |phase, outcome: Option<&str>| Record {
        user_id: user_id.clone(),
        line: r.line,
        phase,
        outcome: outcome.map(str::to_owned),
        status: None,
        invitation_id: None,
        error_code: None,
        warnings: Vec::new(),
    };
    match s.journal.known(user_id) {
        Some(Known::Done(done)) => {
            out.outcome = if done.outcome.as_deref() == Some("converted") {
                RowOutcome::AlreadyDone
            } else {
                RowOutcome::Failed
            };
            out.status = done.status;
            out.invitation_id = done.invitation_id;
            out.error_code = done.error_code;
            out.warnings = done.warnings;
            if out.outcome == RowOutcome::AlreadyDone {
                return out;
            }
            // A failure last time may succeed now: try again if the preview says ready.
            if r.status != RowStatus::Ready {
                return out;
            }
        }
        Some(Known::Started) => {
            // The last run stopped mid-invitation: the user's state says whether it went through
            // (read a few times: a read right after the write can be stale).
            let now = svc::settle(&s.graph, user_id, None).await;
            match now {
                Ok(Some(state)) => {
                    let status = Some(state);
                    let mut done = record(Phase::Done, Some("converted"));
                    done.status = status.clone();
                    if let Err(e) = s.journal.write(&done) {
                        out.outcome = RowOutcome::Failed;
                        out.error_code = Some(e.code);
                        return out;
                    }
                    out.outcome = RowOutcome::Converted;
                    out.status = status;
                    out.confirmed_by_reread = true;
                    return out;
                }
                Ok(None) => {}
                Err(e) => {
                    out.outcome = RowOutcome::Failed;
                    out.error_code = Some(e.code);
                    out.message = Some(e.message);
                    return out;
                }
            }
        }
        None if r.status != RowStatus::Ready => return skipped(r),
        None => {}
    }
    if r.status != RowStatus::Ready {
        return skipped(r);
    }
    if let Err(e) = s.journal.write(&record(Phase::Started, None)) {
        out.outcome = RowOutcome::Failed;
        out.error_code = Some(e.code);
        return out;
    }
    let o = row.options(&s.tenant_id);
    let result = svc::convert(&s.graph, pre, &o).await;
    (s.on_attempt)(pre, &o, &result);
    match result {
        Ok(c) => {
            let mut done = record(Phase::Done, Some("converted"));
            done.status = Some(c.status.clone());
            done.invitation_id = c.invitation_id.clone();
            done.warnings = c.warnings.clone();
            out.outcome = RowOutcome::Converted;
            out.warnings = c.warnings;
            out.status = Some(c.status);
            out.invitation_id = c.invitation_id;
            out.redeem_url = c.redeem_url.filter(|_| !row.send_mail);
            out.confirmed_by_reread = c.confirmed_by_reread;
            if let Err(e) = s.journal.write(&done) {
                out.error_code = Some(e.code);
            }
        }
        Err(Failed {
            error: e, mail_set, ..
        }) => {
            out.outcome = RowOutcome::Failed;
            out.error_code = Some(e.code);
            out.message = Some(e.message.clone());
            if mail_set {
                out.warnings.push(FollowUpWarning::MailSetBeforeFailure);
            }
            // An unknown outcome stays "started": the next run settles it by reading the user.
            if e.code != ErrorCode::OutcomeUnknown {
                let mut done = record(Phase::Done, Some("failed"));
                done.error_code = Some(e.code);
                done.warnings = out.warnings.clone();
                let _ = s.journal.write(&done);
            }
        }
    }
    out
}

/// Runs every row of the preview (ready ones are converted, the rest reported) and returns the
/// report in the file's order.
pub async fn run(s: Arc<RunSetup>, rows: Vec<PreviewRow>) -> Vec<RowResult> {
    let total = rows.len();
    let queue: Arc<Mutex<VecDeque<usize>>> = Arc::new(Mutex::new((0..total).collect()));
    let rows = Arc::new(rows);
    let results: Arc<Mutex<Vec<Option<RowResult>>>> = Arc::new(Mutex::new(vec![None; total]));
    let limiter = Arc::new(Limiter::new(s.max_concurrency.max(1)));
    let started = Instant::now();
    let counts = Arc::new((AtomicUsize::new(0), AtomicUsize::new(0), AtomicUsize::new(0)));
    let throttled_before = Arc::new(AtomicU64::new(s.graph.throttle_events()));
    let mut workers = Vec::new();
    for _ in 0..s.max_concurrency.max(1) {
        let (s, queue, rows, results, limiter, counts, throttled_before) = (
            s.clone(),
            queue.clone(),
            rows.clone(),
            results.clone(),
            limiter.clone(),
            counts.clone(),
            throttled_before.clone(),
        );
        workers.push(tokio::spawn(async move {
            loop {
                if !s.control.proceed().await {
                    break;
                }
                limiter.acquire().await;
                let next = queue.lock().unwrap_or_else(PoisonError::into_inner).pop_front();
                let Some(i) = next else {
                    limiter.release(false);
                    break;
                };
                let Some(r) = rows.get(i) else {
                    limiter.release(false);
                    continue;
                };
                let result = one(&s, r).await;
                let now = s.graph.throttle_events();
                let throttled = now > throttled_before.swap(now, Ordering::SeqCst);
                limiter.release(throttled);
                let done = counts.0.fetch_add(1, Ordering::SeqCst) + 1;
                match result.outcome {
                    RowOutcome::Converted | RowOutcome::AlreadyDone => {
                        counts.1.fetch_add(1, Ordering::SeqCst);
                    }
                    RowOutcome::Failed => {
                        counts.2.fetch_add(1, Ordering::SeqCst);
                    }
                    _ => {}
                }
                let elapsed = started.elapsed().as_secs_f64().max(0.001);
                let rate = done as f64 / elapsed;
                let progress = Progress {
                    done: u32::try_from(done).unwrap_or(u32::MAX),
                    total: u32::try_from(total).unwrap_or(u32::MAX),
                    succeeded: u32::try_from(counts.1.load(Ordering::SeqCst)).unwrap_or(u32::MAX),
                    failed: u32::try_from(counts.2.load(Ordering::SeqCst)).unwrap_or(u32::MAX),
                    per_minute: rate * 60.0,
                    eta_s: (rate > 0.0).then(|| ((total - done) as f64 / rate).round() as u64),
                    paused: s.control.is_paused(),
                    cancelled: s.control.is_cancelled(),
                    concurrency: u32::try_from(limiter.limit.load(Ordering::SeqCst)).unwrap_or(u32::MAX),
                    throttled: s.graph.throttle_events(),
                };
                (s.on_progress)(&progress, &result);
                if let Some(slot) = results.lock().unwrap_or_else(PoisonError::into_inner).get_mut(i) {
                    *slot = Some(result);
                }
            }
        }));
    }
    for w in workers {
        let _ = w.await;
    }
    let results = std::mem::take(&mut *results.lock().unwrap_or_else(PoisonError::into_inner));
    results
        .into_iter()
        .zip(rows.iter())
        .map(|(r, row)| {
            r.unwrap_or_else(|| RowResult {
                outcome: RowOutcome::NotRun,
                reason: None,
                ..skipped(row)
            })
        })
        .collect()
}

/// The report as CSV.
pub fn report_csv(rows: &[RowResult]) -> Result<String, AppError> {
    let header = [
        "line",
        "user",
        "email",
        "outcome",
        "status",
        "invitation id",
        "redeem url",
        "error code",
        "message",
        "reason",
        "confirmed by re-reading",
        "warnings",
        "reason in words",
    ];
    csv_text(&header, |w| {
        for r in rows {
            w.write_record([
                r.line.to_string().as_str(),
                &r.user,
                &r.email,
                &wire_name(&r.outcome),
                r.status.as_deref().unwrap_or(""),
                r.invitation_id.as_deref().unwrap_or(""),
                r.redeem_url.as_deref().unwrap_or(""),
                &r.error_code.map(|c| wire_name(&c)).unwrap_or_default(),
                r.message.as_deref().unwrap_or(""),
                r.reason.map_or("", SkipReason::as_str),
                if r.confirmed_by_reread { "yes" } else { "" },
                &crate::export::words(&r.warnings),
                &super::reason::texts(r.reason),
            ])?;
        }
        Ok(())
    })
}
