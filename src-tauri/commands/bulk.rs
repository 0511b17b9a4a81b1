//! Bulk conversion in the app: load a CSV (its bytes come from the window's file picker), preview,
//! run in the background with progress events, pause, resume, cancel, report. The work is in
//! `b2b_core::bulk`; the journal lives in the app data folder, shared with `b2b bulk`.

use std::sync::{Arc, Mutex};

use b2b_core::bulk::{self, journal::Journal, run, BulkLoaded, BulkReport, BulkStatus};
use b2b_core::history::{self, ExportView, HistoryAction};
use b2b_core::{AppError, ErrorCode};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, State};

use crate::auth_state::AuthState;
use crate::commands::lock;
use crate::commands::users::save_export;
use crate::settings_store::SettingsStore;

type Settings<'a> = State<'a, SettingsStore>;
type Auth<'a> = State<'a, AuthState>;
type Bulk<'a> = State<'a, BulkState>;

/// Files larger than this are refused: about 100,000 rows.
const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;

#[derive(Default)]
pub struct BulkState {
    loaded: Mutex<Option<(BulkLoaded, Vec<u8>)>>,
    control: Mutex<Option<Arc<run::Control>>>,
    progress: Mutex<Option<run::Progress>>,
    report: Mutex<Option<BulkReport>>,
}

fn journal_for(app: &AppHandle, bytes: &[u8]) -> Result<Journal, AppError> {
    let dir = app
        .path()
        .app_data_dir()
        .map_err(|e| AppError::new(ErrorCode::JournalIo, e.to_string()))?
        .join("bulk");
    Journal::open(&Journal::path_for(&dir, bytes))
}

#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct ProgressEvent<'a> {
    progress: &'a run::Progress,
    row: &'a run::RowResult,
}

#[tauri::command]
pub fn bulk_template(app: AppHandle) -> Result<ExportView, AppError> {
    save_export(&app, "b2b-convert-template.csv", bulk::TEMPLATE, 1)
}

#[tauri::command]
pub async fn bulk_load(
    app: AppHandle,
    settings: Settings<'_>,
    auth: Auth<'_>,
    state: Bulk<'_>,
    file_name: String,
    bytes: Vec<u8>,
) -> Result<BulkLoaded, AppError> {
    if lock(&state.control).is_some() {
        return Err(AppError::new(ErrorCode::BulkRunning, "a bulk run is in progress"));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(AppError::new(
            ErrorCode::CsvTooLarge,
            format!("{} bytes", bytes.len()),
        ));
    }
    let mut parsed = bulk::parse(&bytes)?;
    settings.policy().apply_to_rows(&mut parsed.rows);
    let a = auth.graph(&app, &settings).await?;
    let preview = bulk::preview(&a.graph, &parsed, a.scopes.clone()).await?;
    let done_before = u32::try_from(journal_for(&app, &bytes)?.done_count()).unwrap_or(u32::MAX);
    let view = BulkLoaded {
        file_name,
        preview,
        done_before,
    };
    *lock(&state.report) = None;
    *lock(&state.progress) = None;
    *lock(&state.loaded) = Some((view.clone(), bytes));
    Ok(view)
}

#[tauri::command]
pub fn bulk_export_preview(app: AppHandle, state: Bulk<'_>) -> Result<ExportView, AppError> {
    let loaded = lock(&state.loaded);
    let Some((BulkLoaded { preview, .. }, _)) = loaded.as_ref() else {
        return Err(AppError::new(ErrorCode::InvalidInput, "no file is loaded"));
    };
    let rows = u32::try_from(preview.rows.len()).unwrap_or(u32::MAX);
    save_export(
        &app,
        "b2b-convert-preview.csv",
        &bulk::preview_csv(preview)?,
        rows,
    )
}

/// Starts the run in the background; progress arrives as `bulk-progress` events and the end as
/// `bulk-finished` (the summary; the rows come from `bulk_report`).
#[tauri::command]
pub async fn bulk_start(
    app: AppHandle,
    settings: Settings<'_>,
    auth: Auth<'_>,
    state: Bulk<'_>,
    concurrency: u32,
) -> Result<(), AppError> {
    let Some((BulkLoaded { preview, .. }, bytes)) = lock(&state.loaded).clone() else {
        return Err(AppError::new(ErrorCode::InvalidInput, "no file is loaded"));
    };
    let a = auth.graph(&app, &settings).await?;
    let journal = Arc::new(journal_for(&app, &bytes)?);
    let control = Arc::new(run::Control::default());
    {
        let mut current = lock(&state.control);
        if current.is_some() {
            return Err(AppError::new(ErrorCode::BulkRunning, "a bulk run is in progress"));
        }
        *current = Some(control.clone());
    }
    let history = crate::commands::users::history(&app).ok();
    let actor = a.actor.clone();
    let events = app.clone();
    let setup = Arc::new(run::RunSetup {
        graph: Arc::new(
            b2b_core::graph::GraphClient::new(&a.graph_url, a.token.clone())?
                .patient(1_000)
                .renewing(a.renewal.clone()),
        ),
        tenant_id: a.actor.tenant_id.clone(),
        journal,
        control,
        max_concurrency: usize::try_from(concurrency).unwrap_or(6).clamp(1, 32),
        on_attempt: Arc::new(move |pre, o, result| {
            if let Some(h) = &history {
                let entry = history::entry_for(&actor, HistoryAction::Convert, pre, o, result, None);
                if let Err(e) = h.append(&entry) {
                    tracing::error!("History: {}", e.message);
                }
            }
        }),
        on_progress: Arc::new(move |progress, row| {
            *lock(&events.state::<BulkState>().progress) = Some(progress.clone());
            let _ = events.emit("bulk-progress", ProgressEvent { progress, row });
        }),
    });
    let done = app.clone();
    tauri::async_runtime::spawn(async move {
        let report = BulkReport::new(run::run(setup, preview.rows).await);
        tracing::info!(
            "bulk run: {} converted, {} failed, {} not run",
            report.converted,
            report.failed,
            report.not_run
        );
        let summary = BulkReport {
            rows: Vec::new(),
            ..report.clone()
        };
        let state = done.state::<BulkState>();
        *lock(&state.report) = Some(report);
        *lock(&state.control) = None;
        let _ = done.emit("bulk-finished", summary);
    });
    Ok(())
}

#[tauri::command]
pub fn bulk_status(state: Bulk<'_>) -> BulkStatus {
    BulkStatus {
        loaded: lock(&state.loaded).as_ref().map(|(l, _)| l.clone()),
        running: lock(&state.control).is_some(),
        progress: lock(&state.progress).clone(),
        report: lock(&state.report).clone(),
    }
}

fn control(state: &BulkState) -> Result<Arc<run::Control>, AppError> {
    lock(&state.control)
        .clone()
        .ok_or_else(|| AppError::new(ErrorCode::InvalidInput, "no bulk run is in progress"))
}

#[tauri::command]
pub fn bulk_pause(state: Bulk<'_>) -> Result<(), AppError> {
    control(&state)?.pause();
    Ok(())
}

#[tauri::command]
pub fn bulk_resume(state: Bulk<'_>) -> Result<(), AppError> {
    control(&state)?.resume();
    Ok(())
}

#[tauri::command]
pub fn bulk_cancel(state: Bulk<'_>) -> Result<(), AppError> {
    control(&state)?.cancel();
    Ok(())
}

#[tauri::command]
pub fn bulk_report(state: Bulk<'_>) -> Result<BulkReport, AppError> {
    lock(&state.report)
        .clone()
        .ok_or_else(|| AppError::new(ErrorCode::InvalidInput, "no bulk run has finished"))
}

#[tauri::command]
pub fn bulk_export_report(app: AppHandle, state: Bulk<'_>) -> Result<ExportView, AppError> {
    let report = lock(&state.report);
    let Some(r) = report.as_ref() else {
        return Err(AppError::new(ErrorCode::InvalidInput, "no bulk run has finished"));
    };
    let rows = u32::try_from(r.rows.len()).unwrap_or(u32::MAX);
    save_export(&app, "b2b-convert-report.csv", &run::report_csv(&r.rows)?, rows)
}
