//! `b2b discover [--csv FILE] [--json]`: scans the directory for internal members who look like
//! partners, grouped by external domain with the pre-flight's verdict, and optionally writes
//! them as a bulk CSV.

use std::io::Write;
use std::path::Path;

use b2b_core::bulk::RowStatus;
use b2b_core::discover::{DiscoverPhase, Discovery};
use b2b_core::AppError;
use b2b_service::{Service, ServiceError};
use serde_json::json;

use crate::Out;

pub async fn run(out: &Out, svc: &Service, csv: Option<&Path>) -> Result<Discovery, AppError> {
    let json = out.json;
    let found = svc
        .discover(move |p| {
            if json {
                println!("{}", json!({ "event": "progress", "progress": p }));
            } else {
                let total = p.total.map(|t| format!(" of {t}")).unwrap_or_default();
                let phase = match p.phase {
                    DiscoverPhase::Users => "reading users",
                    DiscoverPhase::OtherObjects => "reading groups and contacts",
                    DiscoverPhase::Checking => "checking shared addresses",
                };
                eprint!("\r{phase}: {}{total} users read, {} found   ", p.scanned, p.found);
                let _ = std::io::stderr().flush();
            }
        })
        .await?;
    if !json {
        eprintln!();
    }
    for g in &found.groups {
        out.event(
            json!({ "event": "domain", "group": g }),
            &format!(
                "{}  {} account(s): {} ready, {} need a fix, {} blocked",
                g.domain,
                g.accounts.len(),
                g.ready,
                g.needs_fix,
                g.blocked
            ),
        );
        if json {
            continue;
        }
        for a in &g.accounts {
            let status = match a.status {
                RowStatus::Ready => "ready    ",
                RowStatus::NeedsFix => "NEEDS FIX",
                RowStatus::Blocked => "BLOCKED  ",
            };
            let why: Vec<&str> = a
                .checks
                .iter()
                .map(|c| crate::check_text(c.code, c.severity))
                .collect();
            println!(
                "  {status}  {:<40} -> {}{}",
                a.user_principal_name,
                a.address,
                if why.is_empty() {
                    String::new()
                } else {
                    format!("\n             {}", why.join("\n             "))
                }
            );
        }
    }
    out.event(
        json!({ "event": "discovered", "scanned": found.scanned, "found": found.found, "ready": found.ready,
                "needsFix": found.needs_fix, "blocked": found.blocked, "holdersComplete": found.holders_complete }),
        &format!(
            "{} users read: {} look like partners ({} ready, {} need a fix, {} blocked).{}",
            found.scanned,
            found.found,
            found.ready,
            found.needs_fix,
            found.blocked,
            if found.holders_complete {
                ""
            } else {
                " Groups and contacts could not be read: the bulk preview checks their addresses again."
            }
        ),
    );
    if let Some(path) = csv {
        let (text, rows) = svc.discovered_csv(&[]).await?;
        std::fs::write(path, text).map_err(|source| ServiceError::Export {
            path: path.display().to_string(),
            source,
        })?;
        out.event(
            json!({ "event": "exported", "path": path, "rows": rows }),
            &format!(
                "{rows} account(s) written to {} as a bulk file: review it, then run b2b bulk run {}",
                path.display(),
                path.display()
            ),
        );
    }
    Ok(found)
}
