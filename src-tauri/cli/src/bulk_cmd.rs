//! `b2b bulk template | preview FILE | run FILE [--resume] [--relink]`: the service's preview, journal and
//! report (the app's), with a progress bar on a terminal.

use std::path::Path;
use std::sync::Arc;

use b2b_core::bulk::{self, run, BulkLoaded, Preview, RowStatus};
use b2b_core::codes::StopReason;
use b2b_core::{AppError, ErrorCode};
use b2b_service::{Service, ServiceError};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use crate::Out;

fn read(file: &Path) -> Result<Vec<u8>, AppError> {
    std::fs::read(file)
        .map_err(|e| AppError::new(ErrorCode::CsvUnreadable, format!("{}: {e}", file.display())))
}

fn write(path: &Path, text: &str) -> Result<(), AppError> {
    std::fs::write(path, text).map_err(|source| {
        ServiceError::Export {
            path: path.display().to_string(),
            source,
        }
        .into()
    })
}

/// The redeem links of a run, on stdout: when the report could not be written, nothing else holds
/// the links that the data folder could not keep.
fn print_links(out: &Out, rows: &[run::RowResult]) {
    for r in rows {
        if let Some(url) = &r.redeem_url {
            out.event(
                json!({ "event": "link", "line": r.line, "user": r.user, "redeemUrl": url }),
                &format!("line {}, {}: {url}", r.line, r.user),
            );
        }
    }
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
            .map(|p| p.as_str())
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
                if r.user.is_empty() {
                    r.display_name.as_deref().unwrap_or("")
                } else {
                    &r.user
                },
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

async fn load(svc: &Service, file: &Path) -> Result<BulkLoaded, AppError> {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    svc.bulk_load(&name, read(file)?).await
}

pub async fn preview(
    out: &Out,
    svc: &Service,
    file: &Path,
    export: Option<&Path>,
) -> Result<Preview, AppError> {
    let loaded = load(svc, file).await?;
    print_preview(out, &loaded.preview);
    if let Some(path) = export {
        write(path, &bulk::preview_csv(&loaded.preview)?)?;
    }
    Ok(loaded.preview)
}

pub struct RunArgs<'a> {
    pub file: &'a Path,
    pub resume: bool,
    pub concurrency: usize,
    pub report: Option<&'a Path>,
    /// New links for converted rows whose link is lost.
    pub relink: bool,
}

pub async fn run_file(
    out: &Out,
    svc: &Arc<Service>,
    args: RunArgs<'_>,
    confirm: impl FnOnce(&Preview) -> Result<bool, AppError>,
) -> Result<(), AppError> {
    let loaded = load(svc, args.file).await?;
    let report_path = args
        .report
        .map(Path::to_path_buf)
        .unwrap_or_else(|| args.file.with_extension("report.csv"));
    run_loaded(out, svc, &loaded, &args, &report_path, confirm).await
}

/// Runs what is loaded (a file, or the overdue list): preview, confirmation, progress, report.
pub async fn run_loaded(
    out: &Out,
    svc: &Arc<Service>,
    loaded: &BulkLoaded,
    args: &RunArgs<'_>,
    report_path: &Path,
    confirm: impl FnOnce(&Preview) -> Result<bool, AppError>,
) -> Result<(), AppError> {
    // Refused before anything is shown or asked: a file run before needs --resume.
    svc.bulk_can_start(loaded, args.resume)?;
    let p = &loaded.preview;
    print_preview(out, p);
    if !confirm(p)? {
        return Err(ServiceError::NotConfirmed.into());
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
    let ctrl_c = svc.clone();
    let ctrl_bar = bar.clone();
    let interrupt = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            ctrl_bar.set_message("cancelling: the requests in flight finish…");
            let _ = ctrl_c.bulk_cancel();
        }
    });
    let progress_bar = bar.clone();
    let json_out = out.json;
    let sink = Arc::new(move |p: &run::Progress, row: &run::RowResult| {
        progress_bar.set_position(u64::from(p.done));
        if p.throttled > 0 {
            progress_bar.set_message(format!("throttled {}×, {} at once", p.throttled, p.concurrency));
        }
        if json_out {
            println!("{}", json!({ "event": "row", "progress": p, "row": row }));
        }
    });
    let report = svc.bulk_run(args.concurrency, args.resume, sink).await;
    interrupt.abort();
    let mut report = report?;
    bar.finish_and_clear();
    if args.relink && report.links_lost > 0 {
        let lost = report.links_lost;
        report = svc.bulk_relink().await?;
        out.event(
            json!({ "event": "relinked", "lost": lost, "stillLost": report.links_lost }),
            &format!(
                "New redeem links for {} of {lost} rows without one.",
                lost - report.links_lost
            ),
        );
    } else if report.links_lost > 0 {
        out.event(
            json!({ "event": "links_lost", "count": report.links_lost }),
            &format!(
                "{} rows converted without an e-mail have no redeem link: run again with --resume --relink to make new ones.",
                report.links_lost
            ),
        );
    }
    if report.stop_reason == Some(StopReason::LinkNotKept) {
        out.event(
            json!({ "event": "stopped", "reason": StopReason::LinkNotKept }),
            "Stopped: a redeem link could not be saved in the data folder, so no more rows were sent. \
             Copy the links from the report now; once the folder can be written to again (free space, \
             permissions), run again with --resume to send the rest.",
        );
    }
    if let Err(e) = write(report_path, &run::report_csv_for(loaded.action, &report.rows)?) {
        // The report was the last place the links were written: they are not lost with it.
        print_links(out, &report.rows);
        return Err(e);
    }
    let done = match loaded.action {
        bulk::BulkAction::Convert => "converted",
        bulk::BulkAction::Resend => "resent",
        bulk::BulkAction::Invite => "invited",
    };
    out.event(
        json!({ "event": "report", "action": loaded.action, "converted": report.converted, "alreadyDone": report.already_done,
                "failed": report.failed, "unknown": report.unknown, "skipped": report.skipped, "notRun": report.not_run, "report": report_path }),
        &format!(
            "{} {done}, {} done before, {} failed, {} with no known outcome yet, {} skipped, {} not run.\nReport: {}",
            report.converted,
            report.already_done,
            report.failed,
            report.unknown,
            report.skipped,
            report.not_run,
            report_path.display()
        ),
    );
    if report.failed > 0 || report.unknown > 0 || report.not_run > 0 {
        return Err(ServiceError::RowsFailed {
            failed: report.failed,
            unknown: report.unknown,
            not_run: report.not_run,
        }
        .into());
    }
    Ok(())
}
