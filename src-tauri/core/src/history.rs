//! History: every action taken from this machine, one JSON object per line in `history.jsonl`
//! beside the settings. It holds no secret: no token, no redeem URL (it lets anyone redeem the
//! invitation), no password. Lines are appended whole, so the app and `b2b` can both write; a line
//! that does not parse (a torn write) is skipped on reading and kept in the file.

use crate::codes::{Change, FollowUpWarning};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use ts_rs::TS;

use crate::convert_service::{ConvertOptions, ConvertResult, Failed, Preflight};
use crate::error::{AppError, ErrorCode};
use crate::export::{csv_text, wire_name};

pub const FILE_NAME: &str = "history.jsonl";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum HistoryAction {
    Convert,
    Resend,
    /// The user accepted an invitation converted or resent from this computer, as the pending
    /// list showed; `at` is Microsoft's `externalUserStateChangeDateTime`. Recorded once.
    Accepted,
    /// A new external user invited (`POST /invitations` without `invitedUser`).
    Invite,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum Outcome {
    Succeeded,
    /// Blocked by a check before anything was sent.
    Blocked,
    Failed,
    /// Sent, but no answer came back and reading the user did not show it yet: check the user.
    Unknown,
}

/// What was asked for, as shown in History and the CSV.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct ActionOptions {
    pub send_mail: bool,
    pub language: Option<String>,
    pub message: Option<String>,
    pub cc: Option<String>,
    pub redirect_url: Option<String>,
    pub set_guest: bool,
    /// An invitation of a new user: `Guest` or `Member` (absent on conversions and resends).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub user_type: Option<String>,
    /// An invitation of a new user: the display name asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub display_name: Option<String>,
    /// The sponsors named (UPNs or object ids); empty in entries from before sponsors.
    pub sponsors: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct HistoryEntry {
    pub id: String,
    /// RFC 3339, UTC.
    pub at: String,
    /// "app" or "cli".
    pub source: String,
    pub admin: String,
    pub tenant_id: String,
    pub tenant_name: String,
    pub user_id: String,
    pub user_principal_name: String,
    pub action: HistoryAction,
    pub address: String,
    pub options: ActionOptions,
    pub outcome: Outcome,
    /// Invitation status, e.g. PendingAcceptance.
    pub status: Option<String>,
    pub invitation_id: Option<String>,
    pub error_code: Option<ErrorCode>,
    pub request_id: Option<String>,
    /// What was changed on the user besides the invitation: `mail_set`, `other_mails_set`,
    /// `user_type_set`; kept also when the invitation then failed.
    #[serde(default)]
    pub changes: Vec<Change>,
    /// Steps after a successful invitation that did not work (`user_type_not_set`).
    #[serde(default)]
    pub warnings: Vec<FollowUpWarning>,
    /// The id of the `unknown` entry this one settles, from what reading the user showed.
    #[serde(default)]
    pub settles: Option<String>,
}

impl HistoryEntry {
    /// A new entry stamped now, with a fresh id.
    #[allow(clippy::too_many_arguments)]
    pub fn now(
        source: &str,
        admin: &str,
        tenant_id: &str,
        tenant_name: &str,
        user_id: &str,
        user_principal_name: &str,
        action: HistoryAction,
        address: &str,
        options: ActionOptions,
    ) -> Self {
        HistoryEntry {
            id: uuid::Uuid::new_v4().to_string(),
            at: OffsetDateTime::now_utc()
                .replace_nanosecond(0)
                .ok()
                .and_then(|t| t.format(&Rfc3339).ok())
                .unwrap_or_default(),
            source: source.into(),
            admin: admin.into(),
            tenant_id: tenant_id.into(),
            tenant_name: tenant_name.into(),
            user_id: user_id.into(),
            user_principal_name: user_principal_name.into(),
            action,
            address: address.into(),
            options,
            outcome: Outcome::Failed,
            status: None,
            invitation_id: None,
            error_code: None,
            request_id: None,
            changes: Vec::new(),
            warnings: Vec::new(),
            settles: None,
        }
    }

    /// The entry that settles this `unknown` one: the same action, stamped now.
    pub fn settled(&self, outcome: Outcome, status: Option<String>) -> HistoryEntry {
        let fresh = HistoryEntry::now(
            &self.source,
            &self.admin,
            &self.tenant_id,
            &self.tenant_name,
            &self.user_id,
            &self.user_principal_name,
            self.action,
            &self.address,
            self.options.clone(),
        );
        HistoryEntry {
            outcome,
            status,
            error_code: (outcome != Outcome::Succeeded).then_some(ErrorCode::NothingChanged),
            changes: self.changes.clone(),
            settles: Some(self.id.clone()),
            ..fresh
        }
    }

    fn text(&self) -> String {
        format!(
            "{} {} {} {} {} {:?} {:?} {} {} {} {}",
            self.at,
            self.admin,
            self.tenant_name,
            self.user_principal_name,
            self.address,
            self.action,
            self.outcome,
            self.status.as_deref().unwrap_or(""),
            self.invitation_id.as_deref().unwrap_or(""),
            self.request_id.as_deref().unwrap_or(""),
            self.error_code.map(|c| wire_name(&c)).unwrap_or_default(),
        )
        .to_lowercase()
    }

    /// Every word of `query` appears somewhere in the entry (case-insensitive).
    pub fn matches(&self, query: &str) -> bool {
        let text = self.text();
        query.split_whitespace().all(|w| text.contains(&w.to_lowercase()))
    }
}

/// Who acted, and where.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actor {
    pub source: String,
    pub admin: String,
    pub tenant_id: String,
    pub tenant_name: String,
}

impl From<&ConvertOptions> for ActionOptions {
    fn from(o: &ConvertOptions) -> Self {
        ActionOptions {
            send_mail: o.send_mail,
            language: o.language.clone(),
            message: o.message.clone(),
            cc: o.cc.clone(),
            redirect_url: Some(o.redirect_url.clone()),
            set_guest: o.set_guest,
            user_type: None,
            display_name: None,
            sponsors: o.sponsors.clone(),
        }
    }
}

/// The entry for a conversion or resend that was attempted, whatever came of it.
pub fn entry_for(
    actor: &Actor,
    action: HistoryAction,
    pre: &Preflight,
    o: &ConvertOptions,
    result: &Result<ConvertResult, Failed>,
    request_id: Option<String>,
) -> HistoryEntry {
    let mut e = HistoryEntry::now(
        &actor.source,
        &actor.admin,
        &actor.tenant_id,
        &actor.tenant_name,
        &pre.target.id,
        &pre.target.user_principal_name,
        action,
        &pre.address,
        o.into(),
    );
    match result {
        Ok(r) => {
            e.outcome = Outcome::Succeeded;
            e.status = Some(r.status.clone());
            e.invitation_id = r.invitation_id.clone();
            e.request_id = r.request_id.clone().or(request_id);
            e.changes = changes(r.mail_set, r.other_mails_set);
            if r.user_type_set_to_guest {
                e.changes.push(Change::UserTypeSet);
            }
            e.warnings = r.warnings.clone();
        }
        Err(Failed {
            error: err,
            mail_set,
            other_mails_set,
        }) => {
            e.changes = changes(*mail_set, *other_mails_set);
            e.outcome = match err.code {
                ErrorCode::ConversionBlocked => Outcome::Blocked,
                ErrorCode::OutcomeUnknown => Outcome::Unknown,
                _ => Outcome::Failed,
            };
            e.error_code = Some(err.code);
            e.request_id = request_id;
        }
    }
    e
}

fn changes(mail_set: bool, other_mails_set: bool) -> Vec<Change> {
    let mut out = Vec::new();
    if mail_set {
        out.push(Change::MailSet);
    }
    if other_mails_set {
        out.push(Change::OtherMailsSet);
    }
    out
}

fn io(what: &str, path: &Path, e: std::io::Error) -> AppError {
    AppError::new(ErrorCode::HistoryIo, format!("{what} {}: {e}", path.display()))
}

#[derive(Debug, Clone)]
pub struct History {
    path: PathBuf,
}

/// What was read: the entries, newest first, and how many lines could not be read.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct HistoryView {
    pub entries: Vec<HistoryEntry>,
    pub total: u32,
    pub unreadable: u32,
}

/// Where an export of History was written.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ExportView {
    pub path: String,
    pub rows: u32,
}

impl History {
    pub fn new(path: PathBuf) -> Self {
        History { path }
    }

    /// The shared location, `<data dir>/com.b2bconvert.app/history.jsonl`, where the app keeps it.
    pub fn default_location() -> Option<Self> {
        crate::settings_file::default_dir().map(|d| History::new(d.join(FILE_NAME)))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn append(&self, entry: &HistoryEntry) -> Result<(), AppError> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| io("creating", dir, e))?;
        }
        let mut line =
            serde_json::to_string(entry).map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
        line.push('\n');
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| io("opening", &self.path, e))?;
        // One write call per line: appends from two processes do not interleave.
        f.write_all(line.as_bytes())
            .and_then(|()| f.sync_data())
            .map_err(|e| io("writing", &self.path, e))
    }

    /// `unknown` entries no later entry settles, oldest first.
    pub fn unsettled(&self) -> Result<Vec<HistoryEntry>, AppError> {
        let all = self.read("")?.entries;
        let settled: std::collections::HashSet<&str> =
            all.iter().filter_map(|e| e.settles.as_deref()).collect();
        let mut open: Vec<HistoryEntry> = all
            .iter()
            .filter(|e| e.outcome == Outcome::Unknown && !settled.contains(e.id.as_str()))
            .cloned()
            .collect();
        open.reverse();
        Ok(open)
    }

    /// Entries matching `query` (all when empty), newest first.
    pub fn read(&self, query: &str) -> Result<HistoryView, AppError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(io("reading", &self.path, e)),
        };
        let mut unreadable = 0;
        let mut entries = Vec::new();
        let mut total = 0;
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            match serde_json::from_str::<HistoryEntry>(line) {
                Ok(e) => {
                    total += 1;
                    if e.matches(query) {
                        entries.push(e);
                    }
                }
                Err(_) => unreadable += 1,
            }
        }
        entries.reverse();
        Ok(HistoryView {
            entries,
            total,
            unreadable,
        })
    }
}

/// The entries as CSV with a header row, for a spreadsheet or an audit.
pub fn to_csv(entries: &[HistoryEntry]) -> Result<String, AppError> {
    let header = [
        "when",
        "source",
        "admin",
        "tenant id",
        "tenant",
        "user id",
        "user",
        "action",
        "address",
        "send mail",
        "language",
        "message",
        "cc",
        "redirect url",
        "set guest",
        "outcome",
        "status",
        "invitation id",
        "error code",
        "request id",
        "changes",
        "warnings",
        "settles",
        "sponsors",
    ];
    csv_text(&header, |w| {
        for e in entries {
            let o = &e.options;
            w.write_record([
                e.at.as_str(),
                &e.source,
                &e.admin,
                &e.tenant_id,
                &e.tenant_name,
                &e.user_id,
                &e.user_principal_name,
                &wire_name(&e.action),
                &e.address,
                if o.send_mail { "yes" } else { "no" },
                o.language.as_deref().unwrap_or(""),
                o.message.as_deref().unwrap_or(""),
                o.cc.as_deref().unwrap_or(""),
                o.redirect_url.as_deref().unwrap_or(""),
                if o.set_guest { "yes" } else { "no" },
                &wire_name(&e.outcome),
                e.status.as_deref().unwrap_or(""),
                e.invitation_id.as_deref().unwrap_or(""),
                &e.error_code.map(|c| wire_name(&c)).unwrap_or_default(),
                e.request_id.as_deref().unwrap_or(""),
                &crate::export::words(&e.changes),
                &crate::export::words(&e.warnings),
                e.settles.as_deref().unwrap_or(""),
                &o.sponsors.join("|"),
            ])?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(upn: &str) -> HistoryEntry {
        let mut e = HistoryEntry::now(
            "app",
            "admin@contoso.com",
            "t1",
            "Contoso Demo",
            "u1",
            upn,
            HistoryAction::Convert,
            "x@northwind.example",
            ActionOptions {
                send_mail: true,
                message: Some("Hello, \"partner\"\nsee you".into()),
                ..ActionOptions::default()
            },
        );
        e.outcome = Outcome::Succeeded;
        e.request_id = Some("r-42".into());
        e
    }

    #[test]
    fn appends_reads_newest_first_and_searches() {
        let tmp = tempfile::Builder::new()
            .prefix("b2b-history-")
            .tempdir()
            .expect("temp dir");
        let h = History::new(tmp.path().join("data").join("history.jsonl"));
        assert_eq!(h.read("").expect("empty").total, 0, "no file yet");
        h.append(&entry("ann@contoso.com")).expect("append");
        // A torn line (a crash in the middle of a write) is skipped, and the next line still counts.
        let mut f = OpenOptions::new().append(true).open(h.path()).expect("open");
        f.write_all(b"{\"id\":\"torn\n").expect("write");
        h.append(&entry("bob@contoso.com")).expect("append");
        let all = h.read("").expect("read");
        assert_eq!((all.total, all.unreadable), (2, 1));
        assert_eq!(all.entries[0].user_principal_name, "bob@contoso.com");
        let found = h.read("ANN succeeded").expect("search");
        assert_eq!(found.entries.len(), 1);
        assert_eq!(h.read("r-42").expect("by request id").entries.len(), 2);
        assert!(h.read("failed").expect("none").entries.is_empty());
    }

    #[test]
    fn an_unknown_entry_stays_open_until_one_settles_it() {
        let tmp = tempfile::Builder::new()
            .prefix("b2b-history-")
            .tempdir()
            .expect("temp dir");
        let h = History::new(tmp.path().join("data").join("history.jsonl"));
        let mut unknown = entry("ann@contoso.com");
        unknown.outcome = Outcome::Unknown;
        unknown.error_code = Some(ErrorCode::OutcomeUnknown);
        h.append(&unknown).expect("append");
        h.append(&entry("bob@contoso.com")).expect("append");
        assert_eq!(h.unsettled().expect("read").len(), 1);
        let settled = unknown.settled(Outcome::Succeeded, Some("PendingAcceptance".into()));
        assert_eq!(settled.settles.as_deref(), Some(unknown.id.as_str()));
        assert_ne!(settled.id, unknown.id);
        assert_eq!(settled.error_code, None);
        h.append(&settled).expect("append");
        assert!(h.unsettled().expect("read").is_empty());
        assert_eq!(
            unknown.settled(Outcome::Failed, None).error_code,
            Some(ErrorCode::NothingChanged)
        );
    }

    #[test]
    fn csv_quotes_what_needs_it() {
        let mut e = entry("ann@contoso.com");
        e.options.sponsors = vec!["bob@contoso.com".into(), "carl@contoso.com".into()];
        let csv = to_csv(&[e]).expect("csv");
        let mut r = csv::Reader::from_reader(csv.as_bytes());
        let headers = r.headers().expect("headers").clone();
        assert_eq!(headers.len(), 24);
        assert_eq!(&headers[23], "sponsors");
        let row = r.records().next().expect("a row").expect("parses");
        assert_eq!(&row[6], "ann@contoso.com");
        assert_eq!(&row[7], "convert");
        assert_eq!(&row[11], "Hello, \"partner\"\nsee you");
        assert_eq!(&row[15], "succeeded");
        assert_eq!(&row[23], "bob@contoso.com|carl@contoso.com");
    }
}
