//! Bulk conversion: a CSV in, the same pre-flight as one conversion (batched), a throttled
//! parallel run with a crash-safe journal, and a report.

pub mod action;
pub mod csv_in;
pub mod journal;
pub mod overdue;
pub mod reason;
pub mod run;

use crate::codes::{RowProblem, SkipReason};
use serde::Serialize;
use ts_rs::TS;

use crate::auth::Capabilities;
use crate::convert::{self, Check, Severity, Target};
use crate::convert_service::{self as svc, Preflight};
use crate::error::{AppError, ErrorCode};
use crate::export::csv_text;
use crate::graph::{BatchAnswer, GraphClient};

pub use action::BulkAction;
pub use csv_in::{parse, BulkRow, ParsedCsv, RowError, INVITE_TEMPLATE, TEMPLATE};

/// How many `$batch` requests of the preview run at once.
const PREVIEW_PARALLEL: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum RowStatus {
    /// Nothing blocks it (warnings may remain).
    Ready,
    /// The row itself needs a change: its address, or a user that does not exist.
    NeedsFix,
    /// The user cannot be converted as things stand (synced, already external, no permission).
    Blocked,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PreviewRow {
    pub line: u32,
    pub user: String,
    pub email: String,
    pub status: RowStatus,
    /// A code for a row that could not be checked: a CSV problem or `user_not_found`.
    pub problem: Option<RowProblem>,
    pub checks: Vec<Check>,
    pub display_name: Option<String>,
    pub user_id: Option<String>,
    /// The row as read, when it could be read.
    #[serde(skip)]
    pub row: Option<BulkRow>,
    #[serde(skip)]
    pub preflight: Option<Preflight>,
    /// An invitation file's row: its pre-flight (the directory check included).
    #[serde(skip)]
    pub invite: Option<crate::invite::InvitePreflight>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Preview {
    /// Convert existing users or invite new ones.
    pub action: BulkAction,
    pub rows: Vec<PreviewRow>,
    pub ready: u32,
    pub needs_fix: u32,
    pub blocked: u32,
}

/// Address problems are fixed in the file; the others are the user's state or the admin's rights.
pub fn status_of(checks: &[Check]) -> RowStatus {
    let blockers: Vec<&str> = checks
        .iter()
        .filter(|c| c.severity == Severity::Blocker)
        .map(|c| c.code.as_str())
        .collect();
    if blockers.is_empty() {
        RowStatus::Ready
    } else if blockers.iter().all(|c| {
        matches!(
            *c,
            "address_valid"
                | "address_not_internal"
                | "address_not_used_elsewhere"
                | "address_on_user"
                | "not_in_directory"
        )
    }) {
        RowStatus::NeedsFix
    } else {
        RowStatus::Blocked
    }
}

/// Every readable row through the pre-flight: the tenant's domains, the admin's roles and whether
/// groups and contacts can be read, once; then per row the user and the users holding the address
/// (and the groups and contacts holding it, when readable) in `$batch` requests of 20, a few at a
/// time.
pub async fn preview(
    g: &GraphClient,
    parsed: &ParsedCsv,
    scopes: Option<Vec<String>>,
) -> Result<Preview, AppError> {
    let shared = g
        .batch(&[
            svc::org_read("org"),
            svc::roles_read("roles"),
            svc::probe_read("groups", "groups"),
            svc::probe_read("contacts", "contacts"),
        ])
        .await?;
    let shared_body = |id: &str| {
        shared
            .iter()
            .find(|a| a.id == id && a.status == 200)
            .map(|a| &a.body)
    };
    let org = shared_body("org")
        .ok_or_else(|| AppError::new(ErrorCode::GraphError, "the organization could not be read"))?;
    let verified = svc::verified_domains(org);
    let roles = svc::roles_from(g, shared.iter().find(|a| a.id == "roles")).await?;
    let caps = Capabilities::from(roles, scopes);
    // Groups and contacts need permissions the app may not have: asked per row only when readable.
    let readable = |id: &str| shared.iter().any(|a| a.id == id && a.status == 200);
    let objects_readable = [readable("groups"), readable("contacts")];

    let mut rows: Vec<PreviewRow> = parsed
        .errors
        .iter()
        .map(|e| PreviewRow {
            line: e.line,
            user: e.user.clone(),
            email: e.email.clone(),
            status: RowStatus::NeedsFix,
            problem: Some(e.code),
            checks: Vec::new(),
            display_name: None,
            user_id: None,
            row: None,
            preflight: None,
            invite: None,
        })
        .collect();
    if parsed.action == BulkAction::Invite {
        invite_rows(g, parsed, &shared, &mut rows, caps, objects_readable).await?;
        return Ok(finish(BulkAction::Invite, rows));
    }
    // A window of rows at a time, so that memory stays flat however long the file is.
    for window in parsed.rows.chunks(PREVIEW_PARALLEL * 10) {
        let mut items = Vec::with_capacity(window.len() * 4);
        for (i, r) in window.iter().enumerate() {
            items.push(svc::user_read(&format!("u{i}"), &r.user));
            items.push(svc::holders_read(&format!("h{i}"), &r.email));
            if !r.sponsors.is_empty() {
                items.push(svc::sponsors_read(&format!("s{i}"), &r.user));
            }
            for (k, collection) in ["groups", "contacts"].iter().enumerate() {
                if objects_readable[k] {
                    items.push(svc::object_holders_read(
                        &format!("{collection}{i}"),
                        collection,
                        &r.email,
                    ));
                }
            }
        }
        let results = futures::future::join_all(items.chunks(20).map(|c| g.batch(c))).await;
        let mut answers = std::collections::HashMap::new();
        for r in results {
            for a in r? {
                answers.insert(a.id.clone(), a);
            }
        }
        for (i, r) in window.iter().enumerate() {
            let holders = [
                answers.remove(&format!("h{i}")),
                answers.remove(&format!("groups{i}")),
                answers.remove(&format!("contacts{i}")),
            ];
            let sponsors = answers.remove(&format!("s{i}"));
            let mut row = check_row(r, answers.remove(&format!("u{i}")), holders, &verified, &caps)?;
            if let Some(p) = row.preflight.as_mut() {
                p.sponsors = sponsors.as_ref().and_then(svc::sponsors_from);
            }
            rows.push(row);
        }
    }
    Ok(finish(BulkAction::Convert, rows))
}

fn finish(action: BulkAction, mut rows: Vec<PreviewRow>) -> Preview {
    rows.sort_by_key(|r| r.line);
    let count =
        |s: RowStatus| u32::try_from(rows.iter().filter(|r| r.status == s).count()).unwrap_or(u32::MAX);
    Preview {
        action,
        ready: count(RowStatus::Ready),
        needs_fix: count(RowStatus::NeedsFix),
        blocked: count(RowStatus::Blocked),
        rows,
    }
}

/// An invitation file's rows through the invitation pre-flight: per row, the users holding the
/// address (Microsoft's duplicate query), the users whose sign-in name it is, and the groups and
/// contacts holding it when readable, in `$batch` requests of 20, a few at a time.
async fn invite_rows(
    g: &GraphClient,
    parsed: &ParsedCsv,
    shared: &[BatchAnswer],
    rows: &mut Vec<PreviewRow>,
    caps: Capabilities,
    objects_readable: [bool; 2],
) -> Result<(), AppError> {
    use crate::invite::{self, Existing, ExistingKind, InviteContext};
    let org = shared
        .iter()
        .find(|a| a.id == "org" && a.status == 200)
        .map(|a| a.body.clone())
        .unwrap_or_default();
    let initial = org["value"][0]["verifiedDomains"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["isInitial"] == true))
        .and_then(|d| d["name"].as_str())
        .map(str::to_owned);
    let mut ctx = InviteContext {
        verified_domains: svc::verified_domains(&org),
        initial_domain: initial.clone(),
        existing: Existing::default(),
        capabilities: caps,
    };
    for window in parsed.rows.chunks(PREVIEW_PARALLEL * 10) {
        let mut items = Vec::with_capacity(window.len() * 4);
        for (i, r) in window.iter().enumerate() {
            items.push(invite::users_read(
                &format!("u{i}"),
                &invite::users_filter(&r.email),
            ));
            if let Some(issuer) = &initial {
                items.push(invite::users_read(
                    &format!("s{i}"),
                    &invite::identities_filter(&r.email, issuer),
                ));
            }
            for (k, collection) in ["groups", "contacts"].iter().enumerate() {
                if objects_readable[k] {
                    items.push(svc::object_holders_read(
                        &format!("{collection}{i}"),
                        collection,
                        &r.email,
                    ));
                }
            }
        }
        let results = futures::future::join_all(items.chunks(20).map(|c| g.batch(c))).await;
        let mut answers = std::collections::HashMap::new();
        for r in results {
            for a in r? {
                answers.insert(a.id.clone(), a);
            }
        }
        for (i, r) in window.iter().enumerate() {
            let mut existing = Existing {
                objects: Vec::new(),
                complete: initial.is_some() && objects_readable.iter().all(|x| *x),
            };
            let found = [
                (format!("u{i}"), ExistingKind::User, true),
                (format!("s{i}"), ExistingKind::User, false),
                (format!("groups{i}"), ExistingKind::Group, false),
                (format!("contacts{i}"), ExistingKind::Contact, false),
            ];
            for (id, kind, required) in found {
                let answer = answers.remove(&id);
                if answer.is_none() && !required {
                    continue;
                }
                invite::take(&mut existing, answer.as_ref(), kind, required)
                    .map_err(|e| AppError::new(e.code, format!("who holds {}: {}", r.email, e.message)))?;
            }
            ctx.existing = existing;
            let pre = invite::preflight(&r.email, r.member, &ctx);
            rows.push(PreviewRow {
                line: r.line,
                user: String::new(),
                email: r.email.clone(),
                status: status_of(&pre.checks),
                problem: None,
                checks: pre.checks.clone(),
                display_name: r.display_name.clone(),
                user_id: None,
                row: Some(r.clone()),
                preflight: None,
                invite: Some(pre),
            });
        }
    }
    Ok(())
}

fn check_row(
    r: &BulkRow,
    user: Option<BatchAnswer>,
    holders: [Option<BatchAnswer>; 3],
    verified: &[String],
    caps: &Capabilities,
) -> Result<PreviewRow, AppError> {
    let mut out = PreviewRow {
        line: r.line,
        user: r.user.clone(),
        email: r.email.clone(),
        status: RowStatus::NeedsFix,
        problem: None,
        checks: Vec::new(),
        display_name: None,
        user_id: None,
        row: Some(r.clone()),
        preflight: None,
        invite: None,
    };
    let user = match user {
        Some(a) if a.status == 200 => a.body,
        Some(a) if a.status == 404 => {
            out.problem = Some(RowProblem::UserNotFound);
            return Ok(out);
        }
        other => {
            return Err(AppError::new(
                ErrorCode::GraphError,
                format!("reading {} answered {:?}", r.user, other.map(|a| a.status)),
            ))
        }
    };
    let target: Target = serde_json::from_value(user)
        .map_err(|e| AppError::new(ErrorCode::GraphError, format!("user {}: {e}", r.user)))?;
    let [users, groups, contacts] = &holders;
    let holders = svc::holders_of(users.as_ref(), groups.as_ref(), contacts.as_ref(), &target.id)
        .map_err(|e| AppError::new(e.code, format!("who holds {}: {}", r.email, e.message)))?;
    let checks = convert::preflight(&target, &r.email, verified, &holders, caps);
    out.status = status_of(&checks);
    out.display_name = Some(target.display_name.clone());
    out.user_id = Some(target.id.clone());
    out.preflight = Some(Preflight {
        address: r.email.trim().to_owned(),
        can_convert: convert::can_convert(&checks),
        // The row's own `checks` are the ones shown; not kept twice.
        checks: Vec::new(),
        mailbox: convert::mailbox(&target),
        others_using: holders.names,
        holders_complete: holders.complete,
        target,
        sponsors: None,
    });
    out.checks = checks;
    Ok(out)
}

/// The preview as CSV: one line per row with its status, the codes of what needs attention, and
/// what they mean in words.
pub fn preview_csv(p: &Preview) -> Result<String, AppError> {
    let header = [
        "line",
        "user",
        "email",
        "status",
        "problem",
        "warnings",
        "blockers",
        "what to do",
    ];
    csv_text(&header, |w| {
        for r in &p.rows {
            let codes = |s: Severity| {
                r.checks
                    .iter()
                    .filter(|c| c.severity == s)
                    .map(|c| c.code.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let status = match r.status {
                RowStatus::Ready => "ready",
                RowStatus::NeedsFix => "needs fix",
                RowStatus::Blocked => "blocked",
            };
            let attention = r.problem.map(SkipReason::Problem).into_iter().chain(
                [Severity::Blocker, Severity::Warning]
                    .into_iter()
                    .flat_map(|s| r.checks.iter().filter(move |c| c.severity == s))
                    .map(|c| SkipReason::Check(c.code)),
            );
            w.write_record([
                r.line.to_string().as_str(),
                &r.user,
                &r.email,
                status,
                r.problem.map_or("", RowProblem::as_str),
                &codes(Severity::Warning),
                &codes(Severity::Blocker),
                &reason::texts(attention),
            ])?;
        }
        Ok(())
    })
}

/// What the app shows after loading a file.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BulkLoaded {
    pub file_name: String,
    pub preview: Preview,
    /// What the run does: convert a file's rows, or resend overdue invitations.
    #[serde(default)]
    pub action: BulkAction,
    /// Rows an earlier run of this same file already finished (from its journal).
    pub done_before: u32,
    /// An earlier run of this file left a journal: starting again resumes it.
    pub run_before: bool,
}

/// The end of a run, for the app.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BulkReport {
    pub rows: Vec<run::RowResult>,
    pub converted: u32,
    pub already_done: u32,
    pub failed: u32,
    /// Sent, with no known outcome yet: not sent again; a later run of the same file settles them.
    pub unknown: u32,
    pub skipped: u32,
    pub not_run: u32,
    /// Rows converted without an e-mail whose redeem link is lost: a reset can make new ones.
    pub links_lost: u32,
    /// Why the run stopped itself before its last row (the rows left are "not run").
    pub stop_reason: Option<crate::codes::StopReason>,
}

impl BulkReport {
    /// The counts without the rows, for an event.
    pub fn summary(&self) -> BulkReport {
        BulkReport {
            rows: Vec::new(),
            ..self.clone()
        }
    }

    pub fn new(rows: Vec<run::RowResult>) -> Self {
        let count = |o: run::RowOutcome| {
            u32::try_from(rows.iter().filter(|r| r.outcome == o).count()).unwrap_or(u32::MAX)
        };
        BulkReport {
            // An invitation file's invited rows count here too (the file says which it is).
            converted: count(run::RowOutcome::Converted) + count(run::RowOutcome::Invited),
            already_done: count(run::RowOutcome::AlreadyDone),
            failed: count(run::RowOutcome::Failed),
            unknown: count(run::RowOutcome::Unknown),
            skipped: count(run::RowOutcome::Skipped),
            not_run: count(run::RowOutcome::NotRun),
            links_lost: u32::try_from(rows.iter().filter(|r| r.link_lost).count()).unwrap_or(u32::MAX),
            stop_reason: None,
            rows,
        }
    }
}

/// Where the Bulk page stands, for a window that comes back to it during or after a run.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BulkStatus {
    pub loaded: Option<BulkLoaded>,
    pub running: bool,
    pub progress: Option<run::Progress>,
    pub report: Option<BulkReport>,
}
