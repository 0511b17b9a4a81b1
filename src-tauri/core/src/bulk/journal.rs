//! The run's journal: one JSON line before and one after every invitation, flushed to disk, so
//! that after a crash, a kill or a power loss the run resumes where it stopped and never invites a
//! user twice. A user whose "started" line has no "done" line is settled by reading their state.
//! No secret goes in: no token, no redeem link. The redeem links of rows converted without an
//! e-mail (the only way in for those users) are kept beside it in `<hex>.links.jsonl`, a file only
//! its owner may read (0600 on Unix; the app data folder is the user's own on Windows), so that
//! the report after any resume still holds every link.

use crate::codes::FollowUpWarning;
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{AppError, ErrorCode};
pub use crate::links::Link;
use crate::links::{append_line, io, LinkStore};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Phase {
    Started,
    Done,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    pub user_id: String,
    pub line: u32,
    pub phase: Phase,
    /// For `done`: "converted" or "failed", the invitation status, id and error code.
    #[serde(default)]
    pub outcome: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub invitation_id: Option<String>,
    #[serde(default)]
    pub error_code: Option<ErrorCode>,
    /// Steps after a conversion that did not work; the row is still converted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<FollowUpWarning>,
    /// For `started`: when the invitation went out (RFC 3339). A row left started whose user
    /// shows no change is not sent again before the replication grace has passed since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

/// What the journal knows of a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Known {
    /// An invitation may have been sent (at this time, when the journal says): settle by reading
    /// the user.
    Started(Option<String>),
    Done(Record),
}

/// The latest line about a user wins, except that nothing undoes a success: a "started" after a
/// failure is a new attempt, to be settled like any other.
fn note(known: &mut HashMap<String, Known>, r: &Record) {
    match r.phase {
        Phase::Started => {
            let done_ok = matches!(
                known.get(&r.user_id),
                Some(Known::Done(d)) if matches!(d.outcome.as_deref(), Some("converted" | "invited"))
            );
            if !done_ok {
                known.insert(r.user_id.clone(), Known::Started(r.at.clone()));
            }
        }
        Phase::Done => {
            known.insert(r.user_id.clone(), Known::Done(r.clone()));
        }
    }
}

pub struct Journal {
    path: PathBuf,
    file: Mutex<File>,
    known: Mutex<HashMap<String, Known>>,
    links: LinkStore,
}

impl Journal {
    /// One journal per file content: `<dir>/<first 16 hex digits of its sha256>.journal.jsonl`.
    pub fn path_for(dir: &Path, csv: &[u8]) -> PathBuf {
        let digest = Sha256::digest(csv);
        let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        dir.join(format!("{hex}.journal.jsonl"))
    }

    /// Opens (creating) the journal and reads what it holds; a torn last line is ignored.
    pub fn open(path: &Path) -> Result<Self, AppError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        }
        let mut known = HashMap::new();
        match std::fs::read_to_string(path) {
            Ok(text) => {
                for line in text.lines() {
                    let Ok(r) = serde_json::from_str::<Record>(line) else {
                        continue;
                    };
                    note(&mut known, &r);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(path, e)),
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| io(path, e))?;
        let links = LinkStore::open(&Self::links_path_for(path))?;
        Ok(Journal {
            path: path.to_owned(),
            file: Mutex::new(file),
            known: Mutex::new(known),
            links,
        })
    }

    /// `<hex>.links.jsonl` beside `<hex>.journal.jsonl`.
    pub fn links_path_for(journal: &Path) -> PathBuf {
        let name = journal
            .file_name()
            .map(|n| n.to_string_lossy().replace(".journal.jsonl", ".links.jsonl"))
            .unwrap_or_else(|| "links.jsonl".into());
        journal.with_file_name(name)
    }

    pub fn links_path(&self) -> &Path {
        self.links.path()
    }

    /// The link kept for a user, if any (the latest one).
    pub fn link(&self, user_id: &str) -> Option<Link> {
        self.links.get(user_id)
    }

    /// Keeps a user's link on disk before the row is marked done, so that a kill right after
    /// loses nothing. A later link for the same user (a reset) replaces it.
    pub fn keep_link(&self, link: &Link) -> Result<(), AppError> {
        self.links.keep(link)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn is_empty(&self) -> bool {
        self.known
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty()
    }

    /// How many users this journal holds as done (converted or failed for good).
    pub fn done_count(&self) -> usize {
        self.known
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .filter(|k| matches!(k, Known::Done(r) if matches!(r.outcome.as_deref(), Some("converted" | "invited"))))
            .count()
    }

    pub fn known(&self, user_id: &str) -> Option<Known> {
        self.known
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(user_id)
            .cloned()
    }

    /// Appends the record and waits until it is on disk.
    pub fn write(&self, r: &Record) -> Result<(), AppError> {
        append_line(
            &mut self.file.lock().unwrap_or_else(PoisonError::into_inner),
            &self.path,
            r,
        )?;
        note(&mut self.known.lock().unwrap_or_else(PoisonError::into_inner), r);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn survives_a_torn_line_and_reopens() {
        let tmp = tempfile::Builder::new()
            .prefix("b2b-journal-")
            .tempdir()
            .expect("temp dir");
        let path = Journal::path_for(&tmp.path().join("bulk"), b"user,email\n");
        let j = Journal::open(&path).expect("open");
        assert!(j.is_empty());
        let started = |id: &str| Record {
            user_id: id.into(),
            line: 2,
            phase: Phase::Started,
            outcome: None,
            status: None,
            invitation_id: None,
            error_code: None,
            warnings: Vec::new(),
            at: Some("2026-12-01T10:00:00Z".into()),
        };
        j.write(&started("a")).expect("write");
        j.write(&Record {
            phase: Phase::Done,
            outcome: Some("converted".into()),
            ..started("a")
        })
        .expect("write");
        j.write(&started("b")).expect("write");
        // A failure, then a new attempt that stopped mid-way: settled, not taken as failed.
        j.write(&started("d")).expect("write");
        j.write(&Record {
            phase: Phase::Done,
            outcome: Some("failed".into()),
            ..started("d")
        })
        .expect("write");
        j.write(&Record {
            at: Some("2026-12-01T11:00:00Z".into()),
            ..started("d")
        })
        .expect("write");
        // Nothing undoes a success.
        j.write(&started("a")).expect("write");
        drop(j);
        let mut f = OpenOptions::new().append(true).open(&path).expect("open");
        f.write_all(b"{\"userId\":\"c\",\"li").expect("torn");
        let j = Journal::open(&path).expect("reopen");
        assert!(matches!(j.known("a"), Some(Known::Done(r)) if r.outcome.as_deref() == Some("converted")));
        assert_eq!(
            j.known("b"),
            Some(Known::Started(Some("2026-12-01T10:00:00Z".into())))
        );
        assert_eq!(j.known("c"), None);
        assert_eq!(
            j.known("d"),
            Some(Known::Started(Some("2026-12-01T11:00:00Z".into())))
        );
    }

    #[test]
    fn links_live_beside_the_journal_for_the_owner_only() {
        let tmp = tempfile::Builder::new()
            .prefix("b2b-links-")
            .tempdir()
            .expect("temp dir");
        let path = Journal::path_for(&tmp.path().join("bulk"), b"user,email,sendMail\n");
        let j = Journal::open(&path).expect("open");
        assert!(!j.links_path().exists(), "no links file until a link");
        let link = |url: &str| Link::new("a".into(), Some("i1".into()), url.into());
        j.keep_link(&link("https://login.example/redeem?x=1"))
            .expect("keep");
        j.keep_link(&link("https://login.example/redeem?x=2"))
            .expect("keep again");
        assert!(!format!("{:?}", link("https://secret")).contains("secret"));
        drop(j);
        let journal = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(!journal.contains("redeem"), "no link in the journal");
        let j = Journal::open(&path).expect("reopen");
        assert_eq!(
            j.link("a").map(|l| l.redeem_url),
            Some("https://login.example/redeem?x=2".into())
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(j.links_path())
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
