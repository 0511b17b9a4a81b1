//! The run's journal: one JSON line before and one after every invitation, flushed to disk, so
//! that after a crash, a kill or a power loss the run resumes where it stopped and never invites a
//! user twice. A user whose "started" line has no "done" line is settled by reading their state.
//! No secret goes in: no token, no redeem link.

use crate::codes::FollowUpWarning;
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{AppError, ErrorCode};

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
}

/// What the journal knows of a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Known {
    /// An invitation may have been sent: settle by reading the user.
    Started,
    Done(Record),
}

pub struct Journal {
    path: PathBuf,
    file: Mutex<File>,
    known: Mutex<HashMap<String, Known>>,
}

fn io(path: &Path, e: std::io::Error) -> AppError {
    AppError::new(ErrorCode::JournalIo, format!("{}: {e}", path.display()))
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
                    match r.phase {
                        Phase::Started => {
                            known.entry(r.user_id.clone()).or_insert(Known::Started);
                        }
                        Phase::Done => {
                            known.insert(r.user_id.clone(), Known::Done(r));
                        }
                    }
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
        Ok(Journal {
            path: path.to_owned(),
            file: Mutex::new(file),
            known: Mutex::new(known),
        })
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
            .filter(|k| matches!(k, Known::Done(r) if r.outcome.as_deref() == Some("converted")))
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
        let mut line =
            serde_json::to_string(r).map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
        line.push('\n');
        {
            let mut f = self.file.lock().unwrap_or_else(PoisonError::into_inner);
            f.write_all(line.as_bytes())
                .and_then(|()| f.sync_data())
                .map_err(|e| io(&self.path, e))?;
        }
        let mut known = self.known.lock().unwrap_or_else(PoisonError::into_inner);
        match r.phase {
            Phase::Started => {
                known.entry(r.user_id.clone()).or_insert(Known::Started);
            }
            Phase::Done => {
                known.insert(r.user_id.clone(), Known::Done(r.clone()));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survives_a_torn_line_and_reopens() {
        let dir = std::env::temp_dir().join(format!("b2b-journal-{}", uuid::Uuid::new_v4()));
        let path = Journal::path_for(&dir, b"user,email\n");
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
        };
        j.write(&started("a")).expect("write");
        j.write(&Record {
            phase: Phase::Done,
            outcome: Some("converted".into()),
            ..started("a")
        })
        .expect("write");
        j.write(&started("b")).expect("write");
        drop(j);
        let mut f = OpenOptions::new().append(true).open(&path).expect("open");
        f.write_all(b"{\"userId\":\"c\",\"li").expect("torn");
        let j = Journal::open(&path).expect("reopen");
        assert!(matches!(j.known("a"), Some(Known::Done(r)) if r.outcome.as_deref() == Some("converted")));
        assert_eq!(j.known("b"), Some(Known::Started));
        assert_eq!(j.known("c"), None);
        let _ = std::fs::remove_dir_all(dir);
    }
}
