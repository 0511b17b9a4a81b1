//! Redeem links of invitations sent without an e-mail: for those users the link is the only way
//! in, and Microsoft gives it once, in the invitation's answer. They are kept on disk before they
//! are shown, in a file only its owner may read (0600 on Unix; the app data folder is the user's
//! own on Windows), so that a crash, a closed page or a resumed run loses none. Never in History,
//! a journal or the logs.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{AppError, ErrorCode};

/// The file of the links from single conversions and resends, in the app data folder.
pub const FILE_NAME: &str = "links.jsonl";

/// What an invitation without an e-mail produced. Anyone holding the link can start the
/// redemption: its `Debug` is redacted, and it goes only to the links file and the admin's window.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Link {
    pub user_id: String,
    #[serde(default)]
    pub invitation_id: Option<String>,
    pub redeem_url: String,
    /// When it was made (RFC 3339); absent in links kept by earlier versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

impl Link {
    /// A link made now.
    pub fn new(user_id: String, invitation_id: Option<String>, redeem_url: String) -> Self {
        use time::format_description::well_known::Rfc3339;
        Link {
            user_id,
            invitation_id,
            redeem_url,
            at: time::OffsetDateTime::now_utc().format(&Rfc3339).ok(),
        }
    }
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("user_id", &self.user_id)
            .field("invitation_id", &self.invitation_id)
            .field("redeem_url", &"[redacted]")
            .field("at", &self.at)
            .finish()
    }
}

/// An append-only file of links, the latest per user winning, read whole when opened.
pub struct LinkStore {
    path: PathBuf,
    /// Opened at the first link: nobody converted without an e-mail, no file.
    file: Mutex<Option<File>>,
    links: Mutex<HashMap<String, Link>>,
}

/// A file error of the journal or the links file.
pub(crate) fn io(path: &Path, e: std::io::Error) -> AppError {
    AppError::new(ErrorCode::JournalIo, format!("{}: {e}", path.display()))
}

/// Appends `value` as one JSON line to `file` (at `path`) and waits until it is on disk.
pub(crate) fn append_line(file: &mut File, path: &Path, value: &impl Serialize) -> Result<(), AppError> {
    let mut line =
        serde_json::to_string(value).map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
    line.push('\n');
    file.write_all(line.as_bytes())
        .and_then(|()| file.sync_data())
        .map_err(|e| io(path, e))
}

/// Opens for appending, creating it readable by its owner only; an existing file is narrowed too.
fn open_private(path: &Path) -> std::io::Result<File> {
    let mut o = OpenOptions::new();
    o.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        o.mode(0o600);
        let f = o.open(path)?;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        Ok(f)
    }
    #[cfg(not(unix))]
    o.open(path)
}

impl LinkStore {
    /// Reads the links the file holds (none when it does not exist); a torn last line is ignored.
    pub fn open(path: &Path) -> Result<Self, AppError> {
        let mut links = HashMap::new();
        match std::fs::read_to_string(path) {
            Ok(text) => {
                for l in text.lines().filter_map(|l| serde_json::from_str::<Link>(l).ok()) {
                    links.insert(l.user_id.clone(), l);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(path, e)),
        }
        Ok(LinkStore {
            path: path.to_owned(),
            file: Mutex::new(None),
            links: Mutex::new(links),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The latest link kept for a user.
    pub fn get(&self, user_id: &str) -> Option<Link> {
        self.links
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(user_id)
            .cloned()
    }

    /// Appends the link and waits until it is on disk; it replaces the user's earlier one.
    pub fn keep(&self, link: &Link) -> Result<(), AppError> {
        {
            let mut slot = self.file.lock().unwrap_or_else(PoisonError::into_inner);
            if slot.is_none() {
                if let Some(dir) = self.path.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
                }
                *slot = Some(open_private(&self.path).map_err(|e| io(&self.path, e))?);
            }
            if let Some(f) = slot.as_mut() {
                append_line(f, &self.path, link)?;
            }
        }
        self.links
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(link.user_id.clone(), link.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_link_wins_and_survives_a_reopen() {
        let tmp = tempfile::Builder::new()
            .prefix("b2b-linkstore-")
            .tempdir()
            .expect("temp dir");
        let path = tmp.path().join("data").join(FILE_NAME);
        let store = LinkStore::open(&path).expect("open");
        assert!(!path.exists(), "no file until a link");
        let link = |url: &str| Link {
            user_id: "u1".into(),
            invitation_id: Some("i1".into()),
            redeem_url: url.into(),
            at: Some("2026-12-01T10:00:00Z".into()),
        };
        store
            .keep(&link("https://login.example/redeem?x=1"))
            .expect("keep");
        store
            .keep(&link("https://login.example/redeem?x=2"))
            .expect("keep");
        assert!(!format!("{:?}", link("https://secret")).contains("secret"));
        let mut f = OpenOptions::new().append(true).open(&path).expect("open");
        f.write_all(b"{\"userId\":\"u2\",\"red").expect("torn");
        let again = LinkStore::open(&path).expect("reopen");
        assert_eq!(
            again.get("u1").map(|l| l.redeem_url),
            Some("https://login.example/redeem?x=2".to_owned())
        );
        assert_eq!(again.get("u2"), None);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
