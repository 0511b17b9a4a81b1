//! B2B Convert's service layer: what the app and `b2b` both do, written once against a narrow
//! [`Host`]. The app's commands and `b2b`'s subcommands are a line or so each over [`Service`].
//! It knows nothing of Tauri or of a terminal.

pub mod bulk;
pub mod discover;
pub mod error;
pub mod host;
pub mod invite;
pub mod overdue;
pub mod session;
pub mod settings;
pub mod single;
pub mod sponsors;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use b2b_core::auth::vault::SecretStore;
use b2b_core::auth::SessionView;
use b2b_core::history::{self, ExportView, History, HistoryView};
use b2b_core::policy::{Policy, PolicyView};
use b2b_core::settings::LanguageView;
use b2b_core::AppError;
use serde::Serialize;
use ts_rs::TS;

pub use error::ServiceError;
pub use host::{Host, SettingsBackend};
pub use session::{Acting, Overrides, Session};
pub use settings::{SettingsFile, SettingsStore};

/// A lock that survives a panic elsewhere: the state it guards is always left whole.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the window's first screen needs, handed to it before its script runs (the app's boot
/// script), so that its first paint is that screen and not a blank page waiting on IPC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BootView {
    pub language: LanguageView,
    pub policy: PolicyView,
    /// Only on the first run (no connection chosen), where no account is read. Otherwise the
    /// accounts come from the keychain, which may ask the user first, and the signed-in one's
    /// capabilities from Graph: the window asks for the session over IPC, as it always does.
    pub session: Option<SessionView>,
}

/// Everything one running program holds: its host, settings, session, and the work in progress.
pub struct Service {
    pub host: Arc<dyn Host>,
    pub settings: SettingsStore,
    pub session: Session,
    pub(crate) single: single::SingleState,
    pub bulk: bulk::BulkState,
    pub(crate) discovery: discover::DiscoverState,
    pub(crate) overdue: overdue::OverdueState,
    last_export: Mutex<Option<PathBuf>>,
}

impl Service {
    pub fn new(
        host: Arc<dyn Host>,
        settings: Box<dyn SettingsBackend>,
        secrets: Box<dyn SecretStore>,
        policy: Policy,
        overrides: Overrides,
    ) -> Self {
        Service {
            host,
            settings: SettingsStore::new(settings, policy),
            session: Session::new(secrets, overrides),
            single: single::SingleState::default(),
            bulk: bulk::BulkState::default(),
            discovery: discover::DiscoverState::default(),
            overdue: overdue::OverdueState::default(),
            last_export: Mutex::new(None),
        }
    }

    pub fn policy(&self) -> &Policy {
        self.settings.policy()
    }

    /// History in the app data folder, shared by the app and `b2b`.
    pub fn history(&self) -> Result<History, AppError> {
        Ok(History::new(self.host.data_dir()?.join(history::FILE_NAME)))
    }

    /// The redeem links of single conversions and resends sent without an e-mail.
    pub fn links(&self) -> Result<b2b_core::links::LinkStore, AppError> {
        b2b_core::links::LinkStore::open(&self.host.data_dir()?.join(b2b_core::links::FILE_NAME))
    }

    /// Acts as the current account (or `b2b`'s override).
    pub async fn acting(&self) -> Result<Acting, AppError> {
        self.session.acting(self.host.as_ref(), &self.settings).await
    }

    pub async fn session_view(&self) -> SessionView {
        self.session.view(self.host.as_ref(), &self.settings).await
    }

    /// At once, from the settings alone: see [`BootView`].
    pub fn boot_view(&self) -> BootView {
        let first_run = self.session.connection(&self.settings).is_none();
        BootView {
            language: self.settings.language_view(),
            policy: self.policy().view(),
            session: first_run.then(SessionView::default),
        }
    }

    pub fn list_history(&self, query: &str) -> Result<HistoryView, AppError> {
        self.history()?.read(query)
    }

    /// The matching History entries as CSV in the export folder.
    pub fn export_history(&self, query: &str) -> Result<ExportView, AppError> {
        let view = self.history()?.read(query)?;
        let csv = history::to_csv(&view.entries)?;
        self.save_export("b2b-convert-history.csv", &csv, count(view.entries.len()))
    }

    /// Writes `text` into the export folder as `<stem>-<UTC time>.csv` and remembers it for
    /// "Show in folder". `rows` counts data rows, for the message.
    pub fn save_export(&self, name: &str, text: &str, rows: u32) -> Result<ExportView, AppError> {
        let dir = self.host.export_dir()?;
        let stamp = time::OffsetDateTime::now_utc();
        let stem = name.trim_end_matches(".csv");
        let file = format!(
            "{stem}-{:04}{:02}{:02}-{:02}{:02}{:02}.csv",
            stamp.year(),
            u8::from(stamp.month()),
            stamp.day(),
            stamp.hour(),
            stamp.minute(),
            stamp.second()
        );
        let path = dir.join(file);
        std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(&path, text))
            .map_err(|source| ServiceError::Export {
                path: path.display().to_string(),
                source,
            })?;
        *lock(&self.last_export) = Some(path.clone());
        Ok(ExportView {
            path: path.display().to_string(),
            rows,
        })
    }

    /// The last file this program exported (only such a file may be shown in the file manager).
    pub fn last_export(&self) -> Result<PathBuf, AppError> {
        lock(&self.last_export)
            .clone()
            .ok_or_else(|| ServiceError::NothingExported.into())
    }
}

pub(crate) fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
