//! The bulk run: workers convert the ready rows, at most `limit` at once. The limit halves when
//! Graph throttles and grows back with successes; every worker waits out a Retry-After (the Graph
//! client's shared pause), so nobody hammers. Pause holds workers between rows; cancel lets the
//! requests in flight finish and leaves the rest "not run". The journal makes it resumable.

use crate::codes::FollowUpWarning;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::codes::{SkipReason, StopReason};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use ts_rs::TS;

use super::journal::{Journal, Known, Link, Phase, Record};
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
    /// An invitation file's row: the new external user was invited.
    Invited,
    /// Done in an earlier run of the same file (from the journal).
    AlreadyDone,
    Failed,
    /// Sent, but the answer was lost and reading the user does not show the change yet: not sent
    /// again; a later run of the same file settles it (CONTRACT.md 9.8).
    Unknown,
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
    /// Converted without an e-mail, but its redeem link is not known (a journal from before links
    /// were kept, or a conversion settled by re-reading): a new one can be made by a reset.
    pub link_lost: bool,
}

/// Where a run stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum RunState {
    #[default]
    Running,
    /// No new row starts; the ones in flight finish.
    Paused,
    /// Cancel asked: the rows in flight finish, the rest are not run.
    Cancelling,
    /// The report is ready.
    Finished,
}

#[derive(Debug, Clone, Default, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Progress {
    /// Rows with a result, those done in an earlier run of the file included.
    pub done: u32,
    pub total: u32,
    pub succeeded: u32,
    pub failed: u32,
    /// Rows sent to Microsoft in this run (not those the journal or the preview settled).
    pub attempted: u32,
    /// Rows this run will send at most: ready, and not done before.
    pub to_attempt: u32,
    /// Rows sent per minute of running (pauses excluded); 0 until one was sent.
    pub per_minute: f64,
    /// Seconds left at that rate; `None` while paused or cancelling, or before any rate is known.
    #[ts(type = "number | null")]
    pub eta_s: Option<u64>,
    pub state: RunState,
    pub concurrency: u32,
    #[ts(type = "number")]
    pub throttled: u64,
    /// Set when the run stopped itself (it is then cancelling): the rows in flight finish.
    pub stop_reason: Option<StopReason>,
}

impl Progress {
    /// Seen in `state`: no time left is promised unless the run is running.
    pub fn in_state(mut self, state: RunState) -> Self {
        self.state = state;
        if state != RunState::Running {
            self.eta_s = None;
        }
        self
    }
}

/// Rows sent per minute of running time, and the seconds left at that rate for the rows to send.
pub fn rate_and_eta(attempted: u32, to_attempt: u32, running: Duration) -> (f64, Option<u64>) {
    let secs = running.as_secs_f64();
    if attempted == 0 || secs <= 0.0 {
        return (0.0, None);
    }
    let per_s = f64::from(attempted) / secs;
    let left = f64::from(to_attempt.saturating_sub(attempted));
    (per_s * 60.0, Some((left / per_s).round() as u64))
}

/// Pause, resume and cancel, from another task.
#[derive(Default)]
pub struct Control {
    paused: AtomicBool,
    cancelled: AtomicBool,
    stop_reason: Mutex<Option<StopReason>>,
    wake: tokio::sync::Notify,
    /// Since when paused, and how long all earlier pauses lasted: the rate counts running time.
    pauses: Mutex<(Option<Instant>, Duration)>,
}

impl Control {
    pub fn pause(&self) {
        let mut p = self.pauses.lock().unwrap_or_else(PoisonError::into_inner);
        if p.0.is_none() {
            p.0 = Some(Instant::now());
        }
        self.paused.store(true, Ordering::SeqCst);
    }
    pub fn resume(&self) {
        {
            let mut p = self.pauses.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(since) = p.0.take() {
                p.1 += since.elapsed();
            }
        }
        self.paused.store(false, Ordering::SeqCst);
        self.wake.notify_waiters();
    }
    /// Time spent paused so far, the current pause included.
    pub fn paused_for(&self) -> Duration {
        let p = self.pauses.lock().unwrap_or_else(PoisonError::into_inner);
        p.1 + p.0.map_or(Duration::ZERO, |since| since.elapsed())
    }
    /// Running, paused or cancelling (finished is the caller's to say).
    pub fn state(&self) -> RunState {
        if self.is_cancelled() {
            RunState::Cancelling
        } else if self.is_paused() {
            RunState::Paused
        } else {
            RunState::Running
        }
    }
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        self.wake.notify_waiters();
    }
    /// Cancels, saying why: the run stopped itself. The first reason stays.
    pub fn stop(&self, reason: StopReason) {
        self.stop_reason
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert(reason);
        self.cancel();
    }
    pub fn stop_reason(&self) -> Option<StopReason> {
        *self.stop_reason.lock().unwrap_or_else(PoisonError::into_inner)
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
/// Called with every attempted invitation of a new user, for History.
pub type OnInvite = dyn Fn(
        &crate::invite::InvitePreflight,
        &crate::invite::InviteOptions,
        &Result<crate::invite::InviteResult, AppError>,
    ) + Send
    + Sync;

pub struct RunSetup {
    /// What is done to each ready row.
    pub action: super::BulkAction,
    pub graph: Arc<GraphClient>,
    pub tenant_id: String,
    /// The admin's object id, when known (`ConvertOptions::inviter`).
    pub inviter: Option<String>,
    pub journal: Arc<Journal>,
    pub control: Arc<Control>,
    pub max_concurrency: usize,
    pub on_attempt: Arc<OnAttempt>,
    pub on_progress: Arc<OnProgress>,
    /// History for an invitation file's rows (`None`: not recorded).
    pub on_invite: Option<Arc<OnInvite>>,
    /// How long after a row went out a later run waits for its user to show the change before
    /// sending it again: `users::REPLICATION_GRACE` (tests shorten it).
    pub resend_grace: Duration,
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
        link_lost: false,
    }
}

/// The link kept for a row converted without an e-mail, or a note that it is lost.
fn with_link(out: &mut RowResult, journal: &Journal, user_id: &str, send_mail: bool) {
    if send_mail {
        return;
    }
    match journal.link(user_id) {
        Some(l) => {
            out.redeem_url = Some(l.redeem_url);
            if out.invitation_id.is_none() {
                out.invitation_id = l.invitation_id;
            }
        }
        None => out.link_lost = true,
    }
}

/// One row: the journal first, then the conversion between a "started" and a "done" line.
/// `sent` tells whether this row went to Microsoft in this run (for the rate).
async fn one(s: &RunSetup, r: &PreviewRow, sent: &mut bool) -> RowResult {
    if r.invite.is_some() {
        return one_invite(s, r, sent).await;
    }
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
        at: None,
    };
    match s.journal.known(user_id) {
        Some(Known::Done(done)) => {
            out.outcome = if done_ok(&done) {
                RowOutcome::AlreadyDone
            } else {
                RowOutcome::Failed
            };
            out.status = done.status;
            out.invitation_id = done.invitation_id;
            out.error_code = done.error_code;
            out.warnings = done.warnings;
            if out.outcome == RowOutcome::AlreadyDone {
                with_link(&mut out, &s.journal, user_id, row.send_mail);
                return out;
            }
            // A failure last time may succeed now: try again if the preview says ready.
            if r.status != RowStatus::Ready {
                return out;
            }
        }
        Some(Known::Started(at)) => {
            // The last run stopped mid-invitation: the user's state says whether it went through
            // (read a few times: a read right after the write can be stale).
            // A resend shows as a new externalUserStateChangeDateTime.
            let before = match s.action {
                // Invitation rows go through `one_invite`, never here.
                super::BulkAction::Convert | super::BulkAction::Invite => None,
                super::BulkAction::Resend => pre.target.external_user_state_change_date_time.as_deref(),
            };
            let now = svc::settle(&s.graph, user_id, before).await;
            match now {
                Ok(Some(state)) => {
                    let status = Some(state);
                    let mut done = record(Phase::Done, Some("converted"));
                    done.status = status.clone();
                    // Converted whatever the journal says: a failed write only means the next
                    // run reads the user again.
                    if let Err(e) = s.journal.write(&done) {
                        out.error_code = Some(e.code);
                    }
                    out.outcome = RowOutcome::Converted;
                    out.status = status;
                    out.confirmed_by_reread = true;
                    // Killed after the link was kept but before "done": the link is there.
                    with_link(&mut out, &s.journal, user_id, row.send_mail);
                    return out;
                }
                Ok(None) if within_grace(at.as_deref(), s.resend_grace) => {
                    return unsettled(out, at.as_deref())
                }
                Ok(None) => {}
                Err(e) => return unread(out, e),
            }
        }
        None if r.status != RowStatus::Ready => return skipped(r),
        None => {}
    }
    if r.status != RowStatus::Ready {
        return skipped(r);
    }
    if s.action == super::BulkAction::Resend {
        // Read the user again just before: one who accepted, or whose invitation changed since
        // the list was made, gets no second e-mail.
        match super::overdue::recheck(&s.graph, user_id, pre).await {
            Ok(None) => {}
            Ok(Some(problem)) => {
                out.outcome = RowOutcome::Skipped;
                out.reason = Some(SkipReason::Problem(problem));
                return out;
            }
            Err(e) => {
                out.outcome = RowOutcome::Failed;
                out.error_code = Some(e.code);
                out.message = Some(e.message);
                return out;
            }
        }
    }
    if let Err(e) = s.journal.write(&started(record(Phase::Started, None))) {
        out.outcome = RowOutcome::Failed;
        out.error_code = Some(e.code);
        return out;
    }
    let mut o = row.options(&s.tenant_id);
    o.inviter = s.inviter.clone();
    *sent = true;
    let result = match s.action {
        super::BulkAction::Convert | super::BulkAction::Invite => svc::convert(&s.graph, pre, &o).await,
        super::BulkAction::Resend => svc::resend(&s.graph, pre, &o, svc::AddressSlot::Mail).await,
    };
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
            out.link_lost = !row.send_mail && out.redeem_url.is_none();
            // The link first: a kill between the two leaves a "started" row, settled next time
            // by reading the user, and its link still kept.
            keep_row_link(s, user_id, &mut out, r.line);
            if let Err(e) = s.journal.write(&done) {
                out.error_code = Some(e.code);
            }
        }
        Err(Failed {
            error: e, mail_set, ..
        }) => {
            out.outcome = if e.code == ErrorCode::OutcomeUnknown {
                RowOutcome::Unknown
            } else {
                RowOutcome::Failed
            };
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

/// A journal line that says the row is done with success.
fn done_ok(r: &Record) -> bool {
    matches!(r.outcome.as_deref(), Some("converted" | "invited"))
}

/// The journal key of an invitation file's row: there is no user id before Microsoft makes one,
/// and the address is unique in the file.
pub fn invite_key(email: &str) -> String {
    format!("invite:{}", email.trim().to_lowercase())
}

/// Keeps a redeem link beside the journal, under the row's journal key; a failure is logged and
/// returned as the row's warning (the report still shows the link: copy it now). Used by the run
/// and by the relinking of lost links.
pub fn keep_link(journal: &Journal, link: &Link, line: u32) -> Option<FollowUpWarning> {
    let e = journal.keep_link(link).err()?;
    tracing::error!("the redeem link of line {line} was not kept: {:?}", e.code);
    Some(FollowUpWarning::LinkNotKept)
}

/// A done row's link, before its "done" line.
fn keep_row_link(s: &RunSetup, key: &str, out: &mut RowResult, line: u32) {
    if let Some(url) = &out.redeem_url {
        let link = Link::new(key.to_owned(), out.invitation_id.clone(), url.clone());
        out.warnings.extend(keep_link(&s.journal, &link, line));
    }
}

/// An invitation file's row: the journal first, then the invitation between a "started" and a
/// "done" line. A row left "started" by a stopped run is settled by looking the address up.
async fn one_invite(s: &RunSetup, r: &PreviewRow, sent: &mut bool) -> RowResult {
    let mut out = skipped(r);
    out.reason = None;
    let (Some(row), Some(pre)) = (&r.row, &r.invite) else {
        return skipped(r);
    };
    let key = invite_key(&pre.email);
    let record = |phase, outcome: Option<&str>| Record {
        user_id: key.clone(),
        line: r.line,
        phase,
        outcome: outcome.map(str::to_owned),
        status: None,
        invitation_id: None,
        error_code: None,
        warnings: Vec::new(),
        at: None,
    };
    match s.journal.known(&key) {
        Some(Known::Done(done)) if done_ok(&done) => {
            out.outcome = RowOutcome::AlreadyDone;
            out.status = done.status;
            out.invitation_id = done.invitation_id;
            with_link(&mut out, &s.journal, &key, row.send_mail);
            return out;
        }
        Some(Known::Started(at)) => match crate::invite::settle(&s.graph, &pre.email).await {
            Ok(Some(u)) => {
                let status = u["externalUserState"].as_str().map(str::to_owned);
                let mut done = record(Phase::Done, Some("invited"));
                done.status = status.clone();
                if let Err(e) = s.journal.write(&done) {
                    out.error_code = Some(e.code);
                }
                out.outcome = RowOutcome::Invited;
                out.user = u["userPrincipalName"].as_str().unwrap_or_default().to_owned();
                out.status = status;
                out.confirmed_by_reread = true;
                with_link(&mut out, &s.journal, &key, row.send_mail);
                return out;
            }
            Ok(None) if within_grace(at.as_deref(), s.resend_grace) => return unsettled(out, at.as_deref()),
            Ok(None) => {}
            Err(e) => return unread(out, e),
        },
        _ => {}
    }
    if r.status != RowStatus::Ready {
        return skipped(r);
    }
    if let Err(e) = s.journal.write(&started(record(Phase::Started, None))) {
        out.outcome = RowOutcome::Failed;
        out.error_code = Some(e.code);
        return out;
    }
    let o = crate::invite::InviteOptions {
        email: pre.email.clone(),
        display_name: row.display_name.clone(),
        member: row.member,
        mail: row.options(&s.tenant_id),
    };
    *sent = true;
    let result = crate::invite::invite(&s.graph, pre, &o).await;
    if let Some(h) = &s.on_invite {
        h(pre, &o, &result);
    }
    match result {
        Ok(c) => {
            let mut done = record(Phase::Done, Some("invited"));
            done.status = Some(c.status.clone());
            done.invitation_id = c.invitation_id.clone();
            out.outcome = RowOutcome::Invited;
            out.user = c.user_principal_name.clone().unwrap_or_default();
            out.status = Some(c.status);
            out.invitation_id = c.invitation_id;
            out.redeem_url = c.redeem_url.filter(|_| !row.send_mail);
            out.confirmed_by_reread = c.confirmed_by_reread;
            out.link_lost = !row.send_mail && out.redeem_url.is_none();
            keep_row_link(s, &key, &mut out, r.line);
            if let Err(e) = s.journal.write(&done) {
                out.error_code = Some(e.code);
            }
        }
        Err(e) => {
            out.outcome = if e.code == ErrorCode::OutcomeUnknown {
                RowOutcome::Unknown
            } else {
                RowOutcome::Failed
            };
            out.error_code = Some(e.code);
            out.message = Some(e.message.clone());
            if e.code != ErrorCode::OutcomeUnknown {
                let mut done = record(Phase::Done, Some("failed"));
                done.error_code = Some(e.code);
                let _ = s.journal.write(&done);
            }
        }
    }
    out
}

/// A "started" line stamped with the time the invitation goes out.
fn started(r: Record) -> Record {
    Record {
        at: OffsetDateTime::now_utc().format(&Rfc3339).ok(),
        ..r
    }
}

/// Whether a row left started may still show its change: within the replication grace of when it
/// was sent. A journal line without a time (written before times were kept) is taken as recent:
/// sending twice is the worse mistake (CONTRACT.md 9.8).
fn within_grace(at: Option<&str>, grace: Duration) -> bool {
    at.and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
        .is_none_or(|t| OffsetDateTime::now_utc() - t < grace)
}

/// A row sent earlier whose user does not show the change yet: not sent again.
fn unsettled(mut out: RowResult, at: Option<&str>) -> RowResult {
    out.outcome = RowOutcome::Unknown;
    out.error_code = Some(ErrorCode::OutcomeUnknown);
    out.message = Some(format!(
        "sent {}; reading the user does not show the change yet, so it is not sent again",
        at.map_or_else(|| "in an earlier run".to_owned(), |t| format!("at {t}"))
    ));
    out
}

/// A row sent earlier whose user could not be read: its outcome stays unknown, not failed.
fn unread(mut out: RowResult, e: AppError) -> RowResult {
    out.outcome = RowOutcome::Unknown;
    out.error_code = Some(e.code);
    out.message = Some(format!(
        "sent in an earlier run; reading the user failed: {}",
        e.message
    ));
    out
}

/// Runs every row of the preview (ready ones are converted, the rest reported) and returns the
/// report in the file's order.
pub async fn run(s: Arc<RunSetup>, rows: Vec<PreviewRow>) -> Vec<RowResult> {
    let total = rows.len();
    // Ready rows the journal does not hold as converted: what this run may send.
    let to_attempt = rows
        .iter()
        .filter(|r| r.status == RowStatus::Ready)
        .filter(|r| {
            !r.user_id
                .as_deref()
                .is_some_and(|id| matches!(s.journal.known(id), Some(Known::Done(d)) if done_ok(&d)))
                && !r.invite.as_ref().is_some_and(
                    |p| matches!(s.journal.known(&invite_key(&p.email)), Some(Known::Done(d)) if done_ok(&d)),
                )
        })
        .count();
    let queue: Arc<Mutex<VecDeque<usize>>> = Arc::new(Mutex::new((0..total).collect()));
    let rows = Arc::new(rows);
    let results: Arc<Mutex<Vec<Option<RowResult>>>> = Arc::new(Mutex::new(vec![None; total]));
    let limiter = Arc::new(Limiter::new(s.max_concurrency.max(1)));
    let started = Instant::now();
    // done, succeeded, failed, sent
    let counts = Arc::new([
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
    ]);
    let throttled_before = Arc::new(AtomicU64::new(s.graph.throttle_events()));
    let n32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
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
                let mut sent = false;
                let result = one(&s, r, &mut sent).await;
                let now = s.graph.throttle_events();
                let throttled = now > throttled_before.swap(now, Ordering::SeqCst);
                limiter.release(throttled);
                let done = counts[0].fetch_add(1, Ordering::SeqCst) + 1;
                match result.outcome {
                    RowOutcome::Converted | RowOutcome::Invited | RowOutcome::AlreadyDone => {
                        counts[1].fetch_add(1, Ordering::SeqCst);
                    }
                    RowOutcome::Failed => {
                        counts[2].fetch_add(1, Ordering::SeqCst);
                    }
                    _ => {}
                }
                if sent {
                    counts[3].fetch_add(1, Ordering::SeqCst);
                }
                // A link that could not be kept is shown once, in the report: send no more rows
                // whose links would be lost the same way (a full disk, a folder gone read-only).
                if result.warnings.contains(&FollowUpWarning::LinkNotKept) {
                    s.control.stop(StopReason::LinkNotKept);
                }
                let attempted = n32(counts[3].load(Ordering::SeqCst));
                let running = started.elapsed().saturating_sub(s.control.paused_for());
                let (per_minute, eta_s) = rate_and_eta(attempted, n32(to_attempt), running);
                let progress = Progress {
                    done: n32(done),
                    total: n32(total),
                    succeeded: n32(counts[1].load(Ordering::SeqCst)),
                    failed: n32(counts[2].load(Ordering::SeqCst)),
                    attempted,
                    to_attempt: n32(to_attempt),
                    per_minute,
                    eta_s,
                    state: RunState::Running,
                    concurrency: n32(limiter.limit.load(Ordering::SeqCst)),
                    throttled: s.graph.throttle_events(),
                    stop_reason: s.control.stop_reason(),
                }
                .in_state(s.control.state());
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
    report_csv_for(super::BulkAction::Convert, rows)
}

/// The report of a run of `action` as CSV: a resend's done rows say "resent".
pub fn report_csv_for(action: super::BulkAction, rows: &[RowResult]) -> Result<String, AppError> {
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
                &match (action, r.outcome) {
                    (super::BulkAction::Resend, RowOutcome::Converted) => "resent".to_owned(),
                    (_, o) => wire_name(&o),
                },
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_counts_rows_sent_in_running_time_only() {
        // 4,700 rows done before and skipped in a second, 10 sent in 60 s: 10 a minute.
        let (rate, eta) = rate_and_eta(10, 30, Duration::from_secs(60));
        assert!((rate - 10.0).abs() < 1e-9, "{rate}");
        assert_eq!(eta, Some(120));
        assert_eq!(rate_and_eta(0, 30, Duration::from_secs(5)), (0.0, None));
        let p = Progress {
            eta_s: Some(120),
            ..Progress::default()
        };
        assert_eq!(p.clone().in_state(RunState::Paused).eta_s, None);
        assert_eq!(p.clone().in_state(RunState::Cancelling).eta_s, None);
        assert_eq!(p.in_state(RunState::Running).eta_s, Some(120));
    }

    #[test]
    fn pauses_do_not_count_as_running_time() {
        let c = Control::default();
        assert_eq!(c.state(), RunState::Running);
        c.pause();
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(c.state(), RunState::Paused);
        c.pause();
        c.resume();
        let paused = c.paused_for();
        assert!(paused >= Duration::from_millis(30), "{paused:?}");
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(c.paused_for(), paused, "not paused any more");
        c.cancel();
        assert_eq!(c.state(), RunState::Cancelling);
    }
}
