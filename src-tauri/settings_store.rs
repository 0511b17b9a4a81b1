//! Settings persisted with tauri-plugin-store, driven from Rust only (the webview has no store
//! permission). A damaged file is replaced by the last good copy before the store opens it
//! (`b2b_core::settings_file`). Never holds a secret. The organisation's policy, read at start,
//! is applied on top: `get` gives the settings in force, while the file keeps the user's own.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use b2b_core::policy::Policy;
use b2b_core::settings::{LanguageView, Settings};
use b2b_core::settings_file::{self, Prepared, FILE_NAME, STORE_KEY};
use b2b_core::{AppError, ErrorCode};
use tauri::{AppHandle, Manager, Wry};
use tauri_plugin_store::{Store, StoreExt};

pub struct SettingsStore {
    /// `None` when the file could not be opened even after recovery; the app then runs on
    /// defaults and says so when asked to save, rather than overwriting a file it could not read.
    store: Option<Arc<Store<Wry>>>,
    path: Option<PathBuf>,
    /// The user's own settings, as saved.
    settings: Mutex<Settings>,
    os_locale: Option<String>,
    policy: Policy,
}

impl SettingsStore {
    pub fn load(app: &AppHandle, policy: Policy) -> Self {
        let os_locale = sys_locale::get_locale();
        let path = app.path().app_data_dir().ok().map(|d| d.join(FILE_NAME));
        if let Some(p) = &path {
            match settings_file::prepare(p) {
                Ok(Prepared::Ready) => {}
                Ok(Prepared::Restored(aside)) => {
                    tracing::warn!(
                        "settings were damaged; restored the last good copy (damaged file kept at {})",
                        aside.display()
                    )
                }
                Ok(Prepared::Reset(aside)) => {
                    tracing::warn!("settings were damaged and no good copy existed; starting from defaults (damaged file kept at {})", aside.display())
                }
                Err(e) => tracing::error!("settings file could not be checked: {e}"),
            }
        }
        let store = match app.store(FILE_NAME) {
            Ok(store) => Some(store),
            Err(e) => {
                tracing::error!("settings file could not be opened: {e}");
                None
            }
        };
        let settings = store
            .as_ref()
            .and_then(|s| s.get(STORE_KEY))
            .and_then(|v| match serde_json::from_value::<Settings>(v) {
                Ok(s) => Some(s),
                Err(e) => {
                    tracing::warn!("settings ignored, not in the expected shape: {e}");
                    None
                }
            })
            .unwrap_or_default();
        Self {
            store,
            path,
            settings: Mutex::new(settings),
            os_locale,
            policy,
        }
    }

    fn stored(&self) -> Settings {
        self.settings
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The settings in force: the user's, with the organisation's locked values on top.
    pub fn get(&self) -> Settings {
        self.policy.apply(&self.stored())
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    pub fn language_view(&self) -> LanguageView {
        LanguageView::new(&self.stored(), self.os_locale.as_deref(), &self.policy)
    }

    /// Applies `change` to the user's own settings, saves, and keeps the saved file as the last
    /// good copy. On failure nothing changes in memory. Returns the settings in force.
    pub fn update(&self, change: impl FnOnce(&mut Settings)) -> Result<Settings, AppError> {
        let store = self
            .store
            .as_ref()
            .ok_or_else(|| AppError::new(ErrorCode::SettingsIo, "the settings file could not be opened"))?;
        let mut settings = self.settings.lock().unwrap_or_else(PoisonError::into_inner);
        let mut next = settings.clone();
        change(&mut next);
        next.version = Settings::CURRENT_VERSION;
        let value = serde_json::to_value(&next)
            .map_err(|e| AppError::new(ErrorCode::Internal, format!("settings: {e}")))?;
        store.set(STORE_KEY, value);
        store
            .save()
            .map_err(|e| AppError::new(ErrorCode::SettingsIo, format!("settings not saved: {e}")))?;
        if let Some(p) = &self.path {
            if let Err(e) = settings_file::backup(p) {
                tracing::warn!("settings saved, but the last good copy was not updated: {e}");
            }
        }
        *settings = next.clone();
        Ok(self.policy.apply(&next))
    }
}
