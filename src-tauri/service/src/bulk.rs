//! Bulk conversion: load a CSV (size limit, the policy's values, the preview), run it with a
//! journal that makes it resumable (never twice to one person), pause, resume, cancel, report,
//! exports. The app runs it in the background; `b2b` waits for it.

use std::sync::{Arc, Mutex};

use b2b_core::bulk::{self, journal::Journal, run, BulkLoaded, BulkReport, BulkStatus, PreviewRow};
use b2b_core::convert_service::{AddressSlot, CheckKind};
use b2b_core::graph::GraphClient;
use b2b_core::history::{self, ExportView, HistoryAction};
use b2b_core::AppError;

use crate::error::ServiceError;
use crate::{count, lock, Service};

/// Files larger than this are refused: about 100,000 rows.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// Rows in flight at first (fewer while Graph throttles), and the most a caller may ask for.
pub const DEFAULT_CONCURRENCY: usize = 6;
pub const MAX_CONCURRENCY: usize = 32;

/// A run's progress, pushed to the window after every row.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BulkProgressEvent {
    pub progress: run::Progress,
    pub row: run::RowResult,
}

/// The events the app sends to the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub enum EventName {
    /// A `BulkProgressEvent` after every row.
    #[serde(rename = "bulk-progress")]
    BulkProgress,
    /// The run's `BulkReport` without its rows (those come from `bulk_report`).
    #[serde(rename = "bulk-finished")]
    BulkFinished,
    /// A `ThrottledEvent`: Microsoft asked to slow down during a conversion or resend.
    #[serde(rename = "graph-throttled")]
    GraphThrottled,
    /// A `DiscoverProgress` after every page of a directory scan.
    #[serde(rename = "discover-progress")]
    DiscoverProgress,
}

impl EventName {
    pub fn name(self) -> &'static str {
        match self {
            EventName::BulkProgress => "bulk-progress",
            EventName::BulkFinished => "bulk-finished",
            EventName::GraphThrottled => "graph-throttled",
            EventName::DiscoverProgress => "discover-progress",
        }
    }
}

/// Microsoft answered 429: nothing was done, and the app tries again at `retry_at`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThrottledEvent {
    /// RFC 3339, UTC.
    pub retry_at: String,
    /// Seconds from now, rounded up.
    #[ts(type = "number")]
    pub wait_s: u64,
}

impl From<b2b_core::graph::Throttled> for ThrottledEvent {
    fn from(t: b2b_core::graph::Throttled) -> Self {
        let at = time::OffsetDateTime::from(t.retry_at);
        ThrottledEvent {
            retry_at: at
                .replace_nanosecond(0)
                .ok()
                .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
                .unwrap_or_default(),
            wait_s: t.wait.as_secs_f64().ceil() as u64,
        }
    }
}

/// Told after every row.
pub type ProgressSink = Arc<dyn Fn(&run::Progress, &run::RowResult) + Send + Sync>;

#[derive(Default)]
pub struct BulkState {
    pub(crate) loaded: Mutex<Option<(BulkLoaded, Vec<u8>)>>,
    pub(crate) control: Mutex<Option<Arc<run::Control>>>,
    /// Shared with the run's progress callback.
    pub(crate) progress: Arc<Mutex<Option<run::Progress>>>,
    pub(crate) report: Mutex<Option<BulkReport>>,
}

impl Service {
    pub(crate) fn journal_for(&self, bytes: &[u8]) -> Result<Journal, AppError> {
        let dir = self.host.data_dir()?.join("bulk");
        Journal::open(&Journal::path_for(&dir, bytes))
    }

    pub fn bulk_template(&self) -> Result<ExportView, AppError> {
        self.save_export("b2b-convert-template.csv", bulk::TEMPLATE, 1)
    }

    /// The template of a bulk invitation of new external users (no user column).
    pub fn bulk_invite_template(&self) -> Result<ExportView, AppError> {
        self.save_export("b2b-invite-template.csv", bulk::INVITE_TEMPLATE, 1)
    }

    /// Reads and checks a file, applies the organisation's values to its rows, and previews every
    /// row as a single conversion would. Changes nothing.
    pub async fn bulk_load(&self, file_name: &str, bytes: Vec<u8>) -> Result<BulkLoaded, AppError> {
        if lock(&self.bulk.control).is_some() {
            return Err(ServiceError::BulkRunning.into());
        }
        if bytes.len() > MAX_FILE_BYTES {
            return Err(ServiceError::FileTooLarge { bytes: bytes.len() }.into());
        }
        let mut parsed = bulk::parse(&bytes)?;
        self.policy().apply_to_rows(&mut parsed.rows);
        // An empty sponsors cell takes the default sponsors.
        let default_sponsors = self.default_sponsors();
        for row in parsed.rows.iter_mut().filter(|r| r.sponsors.is_empty()) {
            row.sponsors.clone_from(&default_sponsors);
        }
        let a = self.acting().await?;
        let preview = bulk::preview(&a.graph, &parsed, a.scopes.clone()).await?;
        let journal = self.journal_for(&bytes)?;
        let view = BulkLoaded {
            // A file converts, or invites when it has no user column (the preview says which).
            action: preview.action,
            file_name: file_name.to_owned(),
            preview,
            done_before: count(journal.done_count()),
            run_before: !journal.is_empty(),
        };
        *lock(&self.bulk.report) = None;
        *lock(&self.bulk.progress) = None;
        *lock(&self.bulk.loaded) = Some((view.clone(), bytes));
        Ok(view)
    }

    pub fn bulk_export_preview(&self) -> Result<ExportView, AppError> {
        let csv = {
            let loaded = lock(&self.bulk.loaded);
            let Some((BulkLoaded { preview, .. }, _)) = loaded.as_ref() else {
                return Err(ServiceError::NothingLoaded.into());
            };
            (bulk::preview_csv(preview)?, count(preview.rows.len()))
        };
        self.save_export("b2b-convert-preview.csv", &csv.0, csv.1)
    }

    /// Whether the loaded file may run: a file with a journal runs only as a resume, and a file
    /// with nothing ready and no journal does not run. Asked again when the run starts.
    pub fn bulk_can_start(&self, loaded: &BulkLoaded, resume: bool) -> Result<(), AppError> {
        if loaded.run_before && !resume {
            let bytes = lock(&self.bulk.loaded)
                .as_ref()
                .map(|(_, b)| b.clone())
                .unwrap_or_default();
            let dir = self.host.data_dir()?.join("bulk");
            return Err(ServiceError::AlreadyRun {
                journal: Journal::path_for(&dir, &bytes).display().to_string(),
            }
            .into());
        }
        if loaded.preview.ready == 0 && !loaded.run_before {
            return Err(ServiceError::NothingReady.into());
        }
        Ok(())
    }

    /// Everything a run of the loaded file needs.
    async fn bulk_prepare(
        &self,
        concurrency: usize,
        resume: bool,
        sink: ProgressSink,
    ) -> Result<(Arc<run::RunSetup>, Vec<PreviewRow>), AppError> {
        let Some((loaded, bytes)) = lock(&self.bulk.loaded).clone() else {
            return Err(ServiceError::NothingLoaded.into());
        };
        let journal = Arc::new(self.journal_for(&bytes)?);
        let now = BulkLoaded {
            run_before: !journal.is_empty(),
            ..loaded
        };
        self.bulk_can_start(&now, resume)?;
        let preview = now.preview;
        let a = self.acting().await?;
        let control = Arc::new(run::Control::default());
        {
            let mut current = lock(&self.bulk.control);
            if current.is_some() {
                return Err(ServiceError::BulkRunning.into());
            }
            *current = Some(control.clone());
        }
        let mut graph = GraphClient::new(&a.graph_url, a.token.clone())?.patient(1_000);
        if let Some(r) = &a.renewal {
            graph = graph.renewing(r.clone());
        }
        let history = self.history().ok();
        let actor = a.actor.clone();
        let action = now.action;
        let history_action = match action {
            bulk::BulkAction::Convert => HistoryAction::Convert,
            bulk::BulkAction::Resend => HistoryAction::Resend,
            // Invitations write their own entries (`on_invite`).
            bulk::BulkAction::Invite => HistoryAction::Invite,
        };
        let (invite_history, invite_actor) = (history.clone(), actor.clone());
        let unknown = self.single.unknown_notes();
        let progress = self.bulk_progress_slot();
        let setup = Arc::new(run::RunSetup {
            action,
            graph: Arc::new(graph),
            tenant_id: a.actor.tenant_id.clone(),
            inviter: a.inviter.clone(),
            journal,
            control,
            max_concurrency: concurrency.clamp(1, MAX_CONCURRENCY),
            on_attempt: Arc::new(move |pre, o, result| {
                let entry = history::entry_for(&actor, history_action, pre, o, result, None);
                if entry.outcome == history::Outcome::Unknown {
                    let before = (history_action == HistoryAction::Resend)
                        .then(|| pre.target.external_user_state_change_date_time.clone())
                        .flatten();
                    unknown.note(&entry, before);
                }
                if let Some(h) = &history {
                    if let Err(e) = h.append(&entry) {
                        tracing::error!("History: {}", e.message);
                    }
                }
            }),
            on_progress: Arc::new(move |p, row| {
                progress(p);
                sink(p, row);
            }),
            on_invite: Some(Arc::new(move |pre, o, result| {
                if let Some(h) = &invite_history {
                    let entry = b2b_core::invite::history_entry(&invite_actor, pre, o, result, None);
                    if let Err(e) = h.append(&entry) {
                        tracing::error!("History: {}", e.message);
                    }
                }
            })),
            resend_grace: b2b_core::users::REPLICATION_GRACE,
        });
        Ok((setup, preview.rows))
    }

    /// Keeps the run's latest progress for `bulk_status`.
    fn bulk_progress_slot(&self) -> impl Fn(&run::Progress) + Send + Sync + 'static {
        let shared = self.bulk.progress.clone();
        move |p: &run::Progress| *lock(&shared) = Some(p.clone())
    }

    async fn bulk_finish(&self, setup: Arc<run::RunSetup>, rows: Vec<PreviewRow>) -> BulkReport {
        let control = setup.control.clone();
        let rows = run::run(setup, rows).await;
        let report = BulkReport {
            stop_reason: control.stop_reason(),
            ..BulkReport::new(rows)
        };
        {
            let mut p = lock(&self.bulk.progress);
            if let Some(last) = p.take() {
                *p = Some(last.in_state(run::RunState::Finished));
            }
        }
        tracing::info!(
            "bulk run: {} converted, {} failed, {} unknown, {} not run, stopped: {:?}",
            report.converted,
            report.failed,
            report.unknown,
            report.not_run,
            report.stop_reason
        );
        *lock(&self.bulk.report) = Some(report.clone());
        *lock(&self.bulk.control) = None;
        report
    }

    /// Runs the loaded file to its end (or until cancelled) and returns the report.
    pub async fn bulk_run(
        &self,
        concurrency: usize,
        resume: bool,
        sink: ProgressSink,
    ) -> Result<BulkReport, AppError> {
        let (setup, rows) = self.bulk_prepare(concurrency, resume, sink).await?;
        Ok(self.bulk_finish(setup, rows).await)
    }

    /// Starts the run in the background; `finished` gets the report.
    pub async fn bulk_start(
        self: &Arc<Self>,
        concurrency: usize,
        resume: bool,
        sink: ProgressSink,
        finished: impl FnOnce(&BulkReport) + Send + 'static,
    ) -> Result<(), AppError> {
        let (setup, rows) = self.bulk_prepare(concurrency, resume, sink).await?;
        let me = self.clone();
        tokio::spawn(async move {
            let report = me.bulk_finish(setup, rows).await;
            finished(&report);
        });
        Ok(())
    }

    pub fn bulk_status(&self) -> BulkStatus {
        let control = lock(&self.bulk.control).clone();
        BulkStatus {
            loaded: lock(&self.bulk.loaded).as_ref().map(|(l, _)| l.clone()),
            running: control.is_some(),
            progress: self.progress_now(control.as_deref()),
            report: lock(&self.bulk.report).clone(),
        }
    }

    /// The latest progress in the state the run is in now (a pause is seen at once, not at the
    /// next row).
    fn progress_now(&self, control: Option<&run::Control>) -> Option<run::Progress> {
        let p = lock(&self.bulk.progress).clone()?;
        Some(match control {
            Some(c) => p.in_state(c.state()),
            None => p,
        })
    }

    fn control(&self) -> Result<Arc<run::Control>, AppError> {
        lock(&self.bulk.control)
            .clone()
            .ok_or_else(|| ServiceError::NotRunning.into())
    }

    /// No new row starts; returns the progress as it now stands (`None` before the first row).
    pub fn bulk_pause(&self) -> Result<Option<run::Progress>, AppError> {
        let c = self.control()?;
        c.pause();
        Ok(self.progress_now(Some(&c)))
    }

    pub fn bulk_resume(&self) -> Result<Option<run::Progress>, AppError> {
        let c = self.control()?;
        c.resume();
        Ok(self.progress_now(Some(&c)))
    }

    /// The rows in flight finish; the rest are not run.
    pub fn bulk_cancel(&self) -> Result<Option<run::Progress>, AppError> {
        let c = self.control()?;
        c.cancel();
        Ok(self.progress_now(Some(&c)))
    }

    /// New redeem links, without an e-mail, for the report's rows converted or invited without one
    /// whose link is lost: each user still waiting to redeem gets `resetRedemption` (History records a
    /// resend); a user who has already redeemed is left alone. Links are kept beside the journal,
    /// so later reports of the file hold them too. Returns the updated report.
    pub async fn bulk_relink(&self) -> Result<BulkReport, AppError> {
        if lock(&self.bulk.control).is_some() {
            return Err(ServiceError::BulkRunning.into());
        }
        let mut report = self.bulk_report()?;
        let Some((loaded, bytes)) = lock(&self.bulk.loaded).clone() else {
            return Err(ServiceError::NothingLoaded.into());
        };
        let journal = self.journal_for(&bytes)?;
        let a = self.acting().await?;
        for row in report.rows.iter_mut().filter(|r| r.link_lost) {
            let Some(p) = loaded.preview.rows.iter().find(|p| p.line == row.line) else {
                continue;
            };
            let Some(csv_row) = &p.row else {
                continue;
            };
            // A converted row's user is the preview's; an invited row's is found by its address,
            // which also keys its link in the journal.
            let (user_id, link_key) = match (&p.user_id, &p.invite) {
                (Some(id), _) => (id.clone(), id.clone()),
                (None, Some(invite)) => match b2b_core::invite::settle(&a.graph, &invite.email).await {
                    Ok(Some(u)) => match u["id"].as_str() {
                        Some(id) => (id.to_owned(), run::invite_key(&invite.email)),
                        None => continue,
                    },
                    Ok(None) => continue,
                    Err(e) => {
                        row.message = Some(e.message);
                        continue;
                    }
                },
                (None, None) => continue,
            };
            let user_id = &user_id;
            let pre = match self.checks(&a, user_id, &row.email, CheckKind::Resend).await {
                Ok(pre) => pre,
                Err(e) => {
                    row.message = Some(e.message);
                    continue;
                }
            };
            // A user who redeemed has a way in; a reset would take it away.
            if pre.target.external_user_state.as_deref() != Some("PendingAcceptance") {
                row.link_lost = false;
                row.status = pre.target.external_user_state.clone();
                continue;
            }
            let mut o = csv_row.options(&a.actor.tenant_id);
            o.send_mail = false;
            o.cc = None;
            match self
                .perform(&a, &pre, &o, CheckKind::Resend, AddressSlot::Mail)
                .await
            {
                Ok(r) => {
                    if let Some(url) = r.redeem_url {
                        let link =
                            bulk::journal::Link::new(link_key.clone(), r.invitation_id.clone(), url.clone());
                        row.warnings.extend(run::keep_link(&journal, &link, row.line));
                        row.redeem_url = Some(url);
                        row.invitation_id = r.invitation_id;
                        row.link_lost = false;
                    }
                }
                Err(f) => row.message = Some(f.error.message),
            }
        }
        report = BulkReport {
            stop_reason: report.stop_reason,
            ..BulkReport::new(report.rows)
        };
        *lock(&self.bulk.report) = Some(report.clone());
        Ok(report)
    }

    pub fn bulk_report(&self) -> Result<BulkReport, AppError> {
        lock(&self.bulk.report)
            .clone()
            .ok_or_else(|| ServiceError::NoReport.into())
    }

    pub fn bulk_export_report(&self) -> Result<ExportView, AppError> {
        let r = self.bulk_report()?;
        let action = lock(&self.bulk.loaded)
            .as_ref()
            .map(|(l, _)| l.action)
            .unwrap_or_default();
        self.save_export(
            "b2b-convert-report.csv",
            &run::report_csv_for(action, &r.rows)?,
            count(r.rows.len()),
        )
    }
}
