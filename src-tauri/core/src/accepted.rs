//! Newly accepted invitations: the pending users this program saw last time are kept in a small
//! file in the data folder (written whole, then renamed into place); on the next look, those no
//! longer pending and now Accepted are newly accepted, with Microsoft's date of the change.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{AppError, ErrorCode};
use crate::history::{Actor, History, HistoryAction, HistoryEntry, Outcome};
use crate::users::PendingRow;

pub const FILE_NAME: &str = "pending-seen.json";

/// One user seen pending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeenUser {
    pub id: String,
    pub user_principal_name: String,
    pub display_name: String,
    #[serde(default)]
    pub mail: Option<String>,
}

/// The pending users seen last, in one tenant, and when.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Seen {
    pub tenant_id: String,
    /// RFC 3339, UTC.
    pub at: String,
    pub users: Vec<SeenUser>,
}

/// A user who accepted since the last look.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NewlyAccepted {
    pub id: String,
    pub user_principal_name: String,
    pub display_name: String,
    pub mail: Option<String>,
    /// When Microsoft recorded the acceptance (`externalUserStateChangeDateTime`, RFC 3339).
    pub accepted_at: Option<String>,
    /// Converted or resent from this computer: History holds the acceptance too.
    pub in_history: bool,
}

fn io(what: &str, path: &Path, e: std::io::Error) -> AppError {
    AppError::new(ErrorCode::HistoryIo, format!("{what} {}: {e}", path.display()))
}

pub fn path_in(dir: &Path) -> PathBuf {
    dir.join(FILE_NAME)
}

/// What was seen last; nothing when the file is missing or unreadable (then nobody is "newly"
/// accepted: unknown is not yes).
pub fn load(path: &Path) -> Option<Seen> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

/// Writes the list whole beside the file, then renames it into place.
pub fn save(path: &Path, seen: &Seen) -> Result<(), AppError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io("creating", dir, e))?;
    }
    let text =
        serde_json::to_string_pretty(seen).map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text).map_err(|e| io("writing", &tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| io("renaming", path, e))
}

pub fn seen_now(tenant_id: &str, at: &str, rows: &[PendingRow]) -> Seen {
    Seen {
        tenant_id: tenant_id.to_owned(),
        at: at.to_owned(),
        users: rows
            .iter()
            .map(|r| SeenUser {
                id: r.user.id.clone(),
                user_principal_name: r.user.user_principal_name.clone(),
                display_name: r.user.display_name.clone(),
                mail: r.user.mail.clone(),
            })
            .collect(),
    }
}

/// Users seen pending last time in this tenant who are not pending now: the ones to read.
pub fn gone<'a>(before: Option<&'a Seen>, tenant_id: &str, now: &[PendingRow]) -> Vec<&'a SeenUser> {
    let Some(before) = before.filter(|b| b.tenant_id == tenant_id) else {
        return Vec::new();
    };
    before
        .users
        .iter()
        .filter(|u| !now.iter().any(|r| r.user.id == u.id))
        .collect()
}

/// Users History holds a successful conversion or resend of in this tenant, and no acceptance
/// yet: those whose acceptance this computer still has to record (one per user, newest entry).
pub fn unrecorded(history: &History, tenant_id: &str) -> Result<Vec<SeenUser>, AppError> {
    let all = history.read("")?.entries;
    let mut out: Vec<SeenUser> = Vec::new();
    for e in &all {
        let ours = e.tenant_id == tenant_id
            && matches!(e.action, HistoryAction::Convert | HistoryAction::Resend)
            && e.outcome == Outcome::Succeeded;
        if !ours || out.iter().any(|u| u.id == e.user_id) {
            continue;
        }
        if all
            .iter()
            .any(|x| x.user_id == e.user_id && x.action == HistoryAction::Accepted)
        {
            continue;
        }
        out.push(SeenUser {
            id: e.user_id.clone(),
            user_principal_name: e.user_principal_name.clone(),
            display_name: String::new(),
            mail: Some(e.address.clone()).filter(|a| !a.is_empty()),
        });
    }
    Ok(out)
}

/// Records the acceptance in History, once per user, for users History holds a conversion or
/// resend of (acted on from this computer). Returns whether History holds the user.
pub fn record(history: &History, actor: &Actor, who: &NewlyAccepted) -> Result<bool, AppError> {
    let all = history.read("")?.entries;
    let ours = all.iter().any(|e| {
        e.user_id == who.id
            && matches!(e.action, HistoryAction::Convert | HistoryAction::Resend)
            && e.outcome == Outcome::Succeeded
    });
    if !ours {
        return Ok(false);
    }
    let recorded = all
        .iter()
        .any(|e| e.user_id == who.id && e.action == HistoryAction::Accepted);
    if !recorded {
        let mut e = HistoryEntry::now(
            &actor.source,
            &actor.admin,
            &actor.tenant_id,
            &actor.tenant_name,
            &who.id,
            &who.user_principal_name,
            HistoryAction::Accepted,
            who.mail.as_deref().unwrap_or(""),
            Default::default(),
        );
        if let Some(at) = &who.accepted_at {
            e.at = at.clone();
        }
        e.outcome = Outcome::Succeeded;
        e.status = Some("Accepted".into());
        history.append(&e)?;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::users::UserRow;

    fn pending(id: &str) -> PendingRow {
        PendingRow {
            user: UserRow {
                id: id.into(),
                user_principal_name: format!("{id}@contoso.com"),
                ..UserRow::default()
            },
            days_waiting: Some(3),
        }
    }

    #[test]
    fn the_seen_list_round_trips_and_tells_who_left() {
        let tmp = tempfile::Builder::new()
            .prefix("b2b-seen-")
            .tempdir()
            .expect("temp dir");
        let path = path_in(&tmp.path().join("data"));
        assert_eq!(load(&path), None);
        let seen = seen_now("t1", "2026-11-01T00:00:00Z", &[pending("a"), pending("b")]);
        save(&path, &seen).expect("saved");
        let back = load(&path).expect("read");
        assert_eq!(back, seen);
        let left: Vec<&str> = gone(Some(&back), "t1", &[pending("b")])
            .iter()
            .map(|u| u.id.as_str())
            .collect();
        assert_eq!(left, ["a"]);
        assert!(gone(Some(&back), "other tenant", &[]).is_empty());
        assert!(gone(None, "t1", &[]).is_empty());
    }
}
