//! `b2b bulk template | preview FILE | run FILE [--resume]`: the same preview, journal and report
//! as the app, with a progress bar on a terminal.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use b2b_core::bulk::{self, journal::Journal, run, Preview, RowStatus};
use b2b_core::history::{self, Actor, History, HistoryAction};
use b2b_core::policy::Policy;
use b2b_core::{AppError, ErrorCode};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use crate::Out;

fn read(file: &Path) -> Result<Vec<u8>, AppError> {
    std::fs::read(file)
        .map_err(|e| AppError::new(ErrorCode::CsvUnreadable, format!("{}: {e}", file.display())))
}

fn write(path: &Path, text: &str) -> Result<(), AppError> {
    std::fs::write(path, text)
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("{}: {e}", path.display())))
}

/// The journal folder shared with the app: `<data dir>/com.b2bconvert.app/bulk`.
fn journal_dir() -> Result<PathBuf, AppError> {
    b2b_core::settings_file::default_dir()
        .map(|d| d.join("bulk"))
        .ok_or_else(|| AppError::new(ErrorCode::JournalIo, "no data folder on this system"))
}

pub fn print_preview(out: &Out, p: &Preview) {
    for r in &p.rows {
        let status = match r.status {
            RowStatus::Ready => "ready    ",
            RowStatus::NeedsFix => "NEEDS FIX",
            RowStatus::Blocked => "BLOCKED  ",
        };
        let why: Vec<&str> = r
            .problem
            .iter()
            .map(String::as_str)
            .chain(
                r.checks
                    .iter()
                    .filter(|c| c.severity != b2b_core::convert::Severity::Ok)
                    .map(|c| c.code.as_str()),
            )
            .collect();
        out.event(
            json!({ "event": "preview_row", "row": r }),
            &format!(
                "line {:>5}  {status}  {}  {}  {}",
                r.line,
                r.user,
                r.email,
                why.join(", ")
            ),
        );
    }
    out.event(
        json!({ "event": "preview", "ready": p.ready, "needsFix": p.needs_fix, "blocked": p.blocked }),
        &format!(
            "{} ready, {} need a fix, {} blocked.",
            p.ready, p.needs_fix, p.blocked
        ),
    );
}

pub async fn preview(
    out: &Out,
    g: &b2b_core::graph::GraphClient,
    scopes: Option<Vec<String>>,
    file: &Path,
    export: Option<&Path>,
    policy: &Policy,
) -> Result<Preview, AppError> {
    let mut parsed = bulk::parse(&read(file)?)?;
    policy.apply_to_rows(&mut parsed.rows);
    let p = bulk::preview(g, &parsed, scopes).await?;
    print_preview(out, &p);
    if let Some(path) = export {
        write(path, &bulk::preview_csv(&p)?)?;
    }
    Ok(p)
}

pub struct RunArgs<'a> {
    pub file: &'a Path,
    pub resume: bool,
    pub concurrency: usize,
    pub report: Option<&'a Path>,
    /// Locked values replace the file's; recommended ones fill its empty cells.
    pub policy: &'a Policy,
}

pub async fn run_file(
    out: &Out,
    g: b2b_core::graph::GraphClient,
    scopes: Option<Vec<String>>,
    actor: Actor,
    args: RunArgs<'_>,
    confirm: impl FnOnce(&Preview) -> Result<bool, AppError>,
) -> Result<(), AppError> {
    let bytes = read(args.file)?;
    let journal_path = Journal::path_for(&journal_dir()?, &bytes);
    let journal = Arc::new(Journal::open(&journal_path)?);
    if !journal.is_empty() && !args.resume {
        return Err(AppError::new(
            ErrorCode::BulkAlreadyRun,
            format!(
                "this file was run before (journal {}): add --resume to continue where it stopped",
                journal_path.display()
            ),
        ));
    }
    let g = Arc::new(g.patient(1_000));
    let mut parsed = bulk::parse(&bytes)?;
    args.policy.apply_to_rows(&mut parsed.rows);
    let p = bulk::preview(&g, &parsed, scopes).await?;
    print_preview(out, &p);
    if p.ready == 0 && journal.is_empty() {
        return Err(AppError::new(
            ErrorCode::ConversionBlocked,
            "no row is ready to convert",
        ));
    }
    if !confirm(&p)? {
        return Err(AppError::new(
            ErrorCode::SignInCancelled,
            "not confirmed; nothing was changed",
        ));
    }
    let bar = if out.json {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(p.rows.len() as u64)
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40.cyan/blue} {pos}/{len} rows  {per_sec}  {eta} left  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let history = History::default_location();
    let history_actor = actor.clone();
    let json_out = out.json;
    let control = Arc::new(run::Control::default());
    let ctrl_c = control.clone();
    let ctrl_bar = bar.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            ctrl_bar.set_message("cancelling: the requests in flight finish…");
            ctrl_c.cancel();
        }
    });
    let progress_bar = bar.clone();
    let setup = Arc::new(run::RunSetup {
        graph: g,
        tenant_id: actor.tenant_id.clone(),
        journal,
        control,
        max_concurrency: args.concurrency.clamp(1, 32),
        on_attempt: Arc::new(move |pre, o, result| {
            if let Some(h) = &history {
                let entry = history::entry_for(&history_actor, HistoryAction::Convert, pre, o, result, None);
                if let Err(e) = h.append(&entry) {
                    eprintln!("b2b: History: {}", e.message);
                }
            }
        }),
        on_progress: Arc::new(move |p, row| {
            progress_bar.set_position(u64::from(p.done));
            if p.throttled > 0 {
                progress_bar.set_message(format!("throttled {}×, {} at once", p.throttled, p.concurrency));
            }
            if json_out {
                println!("{}", json!({ "event": "row", "progress": p, "row": row }));
            }
        }),
    });
    let report = run::run(setup, p.rows).await;
    bar.finish_and_clear();
    let report_path = args
        .report
        .map(Path::to_path_buf)
        .unwrap_or_else(|| args.file.with_extension("report.csv"));
    write(&report_path, &run::report_csv(&report)?)?;
    let count = |o: run::RowOutcome| report.iter().filter(|r| r.outcome == o).count();
    let (converted, before, failed, skipped, not_run) = (
        count(run::RowOutcome::Converted),
        count(run::RowOutcome::AlreadyDone),
        count(run::RowOutcome::Failed),
        count(run::RowOutcome::Skipped),
        count(run::RowOutcome::NotRun),
    );
    out.event(
        json!({ "event": "report", "converted": converted, "alreadyDone": before, "failed": failed,
                "skipped": skipped, "notRun": not_run, "report": report_path }),
        &format!(
            "{converted} converted, {before} done before, {failed} failed, {skipped} skipped, {not_run} not run.\nReport: {}",
            report_path.display()
        ),
    );
    if failed > 0 || not_run > 0 {
        return Err(AppError::new(
            ErrorCode::GraphError,
            format!("{failed} row(s) failed and {not_run} did not run: see the report, then run again with --resume"),
        ));
    }
    Ok(())
}
