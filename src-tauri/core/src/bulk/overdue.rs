//! Overdue invitations: the pending list (every page of it) filtered here by age, because Graph
//! filters `externalUserStateChangeDateTime` only with eq, ne, not and in (CONTRACT.md section 2),
//! then resent as a bulk run. The list itself is the run's input: its journal is keyed by a hash
//! of the users and the invitation dates listed, so a resume never resends to someone done, and
//! every user is read again just before their resend, so no one gets two e-mails.

use serde_json::Value;

use super::{status_of, BulkRow, Preview, PreviewRow, RowStatus};
use crate::codes::RowProblem;
use crate::convert_service::Preflight;
use crate::error::{AppError, ErrorCode};
use crate::graph::GraphClient;
use crate::users::PendingRow;

/// The default age, in whole days, from which a pending invitation is overdue.
pub const DEFAULT_DAYS: u32 = 14;

/// Pending for at least `days` whole days, oldest first (the order `users::pending` gives).
/// A row whose date could not be read is not overdue: its age is unknown.
pub fn overdue(rows: &[PendingRow], days: u32) -> Vec<PendingRow> {
    rows.iter()
        .filter(|r| r.days_waiting.is_some_and(|d| d >= i64::from(days)))
        .cloned()
        .collect()
}

/// The run's input as bytes for the journal's name: the action, then each user with the
/// invitation date listed. The same list gives the same journal; a list made after a resend
/// (new dates) gives a new one.
pub fn input_key(rows: &[PendingRow]) -> Vec<u8> {
    let mut text = String::from("b2b-convert bulk resend v1\n");
    for r in rows {
        text.push_str(&r.user.id);
        text.push(',');
        text.push_str(
            r.user
                .external_user_state_change_date_time
                .as_deref()
                .unwrap_or(""),
        );
        text.push('\n');
    }
    text.into_bytes()
}

/// The address a resend goes to: the user's mail (where the invitation was sent).
pub fn address_of(r: &PendingRow) -> Option<String> {
    r.user.mail.clone().filter(|m| !m.trim().is_empty())
}

/// Why a listed user must not get a resend now, from their state as read.
pub fn changed(listed: &PendingRow, state: Option<&str>, changed_at: Option<&str>) -> Option<RowProblem> {
    match state {
        Some("PendingAcceptance") => {}
        Some("Accepted") => return Some(RowProblem::AcceptedSinceListed),
        _ => return Some(RowProblem::NotPendingAnymore),
    }
    (changed_at != listed.user.external_user_state_change_date_time.as_deref())
        .then_some(RowProblem::ChangedSinceListed)
}

/// One preview row for a listed user, from the checks a single resend runs.
pub fn preview_row(line: u32, listed: &PendingRow, checked: Result<Preflight, AppError>) -> PreviewRow {
    let email = address_of(listed).unwrap_or_default();
    let mut out = PreviewRow {
        line,
        user: listed.user.user_principal_name.clone(),
        email: email.clone(),
        status: RowStatus::NeedsFix,
        problem: None,
        checks: Vec::new(),
        display_name: Some(listed.user.display_name.clone()),
        user_id: Some(listed.user.id.clone()),
        row: Some(BulkRow {
            line,
            user: listed.user.id.clone(),
            email,
            send_mail: true,
            language: None,
            message: None,
            cc: None,
            redirect_url: None,
            set_guest: false,
            display_name: None,
            member: false,
            sponsors: Vec::new(),
        }),
        preflight: None,
        invite: None,
    };
    if out.email.is_empty() {
        out.problem = Some(RowProblem::MissingEmail);
        return out;
    }
    let pre = match checked {
        Ok(p) => p,
        Err(e) if e.code == ErrorCode::UserNotFound => {
            out.problem = Some(RowProblem::UserNotFound);
            return out;
        }
        Err(e) => {
            tracing::warn!("checks before resending to {}: {:?}", listed.user.id, e.code);
            out.problem = Some(RowProblem::NotPendingAnymore);
            out.status = RowStatus::Blocked;
            return out;
        }
    };
    if let Some(p) = changed(
        listed,
        pre.target.external_user_state.as_deref(),
        pre.target.external_user_state_change_date_time.as_deref(),
    ) {
        out.problem = Some(p);
        out.status = RowStatus::Blocked;
        return out;
    }
    out.status = status_of(&pre.checks);
    out.checks = pre.checks.clone();
    out.preflight = Some(Preflight {
        checks: Vec::new(),
        ..pre
    });
    out
}

pub fn preview_of(rows: Vec<PreviewRow>) -> Preview {
    let count =
        |s: RowStatus| u32::try_from(rows.iter().filter(|r| r.status == s).count()).unwrap_or(u32::MAX);
    Preview {
        action: super::BulkAction::Resend,
        ready: count(RowStatus::Ready),
        needs_fix: count(RowStatus::NeedsFix),
        blocked: count(RowStatus::Blocked),
        rows,
    }
}

/// Reads the user just before their resend: `Some` says why not to send.
pub async fn recheck(
    g: &GraphClient,
    user_id: &str,
    pre: &Preflight,
) -> Result<Option<RowProblem>, AppError> {
    let v: Value = match g
        .get(&format!(
            "/users/{user_id}?$select=id,externalUserState,externalUserStateChangeDateTime"
        ))
        .await
    {
        Ok(v) => v,
        Err(e) if e.code == ErrorCode::UserNotFound => return Ok(Some(RowProblem::UserNotFound)),
        Err(e) => return Err(e),
    };
    let state = v["externalUserState"].as_str();
    if state != Some("PendingAcceptance") {
        return Ok(Some(if state == Some("Accepted") {
            RowProblem::AcceptedSinceListed
        } else {
            RowProblem::NotPendingAnymore
        }));
    }
    let listed = pre.target.external_user_state_change_date_time.as_deref();
    Ok((v["externalUserStateChangeDateTime"].as_str() != listed).then_some(RowProblem::ChangedSinceListed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::users::UserRow;

    fn row(id: &str, days: Option<i64>, at: &str) -> PendingRow {
        PendingRow {
            user: UserRow {
                id: id.into(),
                external_user_state_change_date_time: Some(at.into()),
                mail: Some(format!("{id}@partner.example")),
                ..serde_json::from_value(serde_json::json!({
                    "id": id, "displayName": id, "userPrincipalName": format!("{id}@contoso.com")
                }))
                .expect("row")
            },
            days_waiting: days,
        }
    }

    #[test]
    fn overdue_counts_whole_days_and_leaves_unknown_ages_out() {
        let rows = [
            row("a", Some(30), "t1"),
            row("b", Some(14), "t2"),
            row("c", Some(13), "t3"),
            row("d", None, "t4"),
        ];
        let ids: Vec<String> = overdue(&rows, 14).into_iter().map(|r| r.user.id).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(overdue(&rows, 31).len(), 0);
        assert_eq!(overdue(&rows, 0).len(), 3);
    }

    #[test]
    fn the_journal_key_follows_the_listed_dates() {
        let a = input_key(&[row("a", Some(30), "t1")]);
        assert_eq!(
            a,
            input_key(&[row("a", Some(31), "t1")]),
            "age alone does not change it"
        );
        assert_ne!(
            a,
            input_key(&[row("a", Some(0), "t2")]),
            "a resend makes a new list"
        );
    }

    #[test]
    fn a_user_who_moved_on_gets_no_second_mail() {
        let r = row("a", Some(30), "t1");
        assert_eq!(changed(&r, Some("PendingAcceptance"), Some("t1")), None);
        assert_eq!(
            changed(&r, Some("PendingAcceptance"), Some("t2")),
            Some(RowProblem::ChangedSinceListed)
        );
        assert_eq!(
            changed(&r, Some("Accepted"), Some("t2")),
            Some(RowProblem::AcceptedSinceListed)
        );
        assert_eq!(changed(&r, None, None), Some(RowProblem::NotPendingAnymore));
    }
}
