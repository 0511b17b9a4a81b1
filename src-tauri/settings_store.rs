//! Settings persisted with tauri-plugin-store, driven from Rust only (the webview has no store
//! permission). Never holds a secret.

use std::sync::{Arc, Mutex, PoisonError};

use b2b_core::settings::{Language, LanguageView, Settings};
use b2b_core::{AppError, ErrorCode};
use tauri::{AppHandle, Wry};
use tauri_plugin_store::{Store, StoreExt};

const FILE: &str = "settings.json";
const KEY: &str = "settings";

pub struct SettingsStore {
    /// `None` when the file could not be opened; the app then runs on defaults and says so
    /// when asked to save, rather than overwriting a file it could not read.
    store: Option<Arc<Store<Wry>>>,
    settings: Mutex<Settings>,
    os_locale: Option<String>,
}

impl SettingsStore {
    pub fn load(app: &AppHandle) -> Self {
        let os_locale = sys_locale::get_locale();
        let store = match app.store(FILE) {
            Ok(store) => Some(store),
            Err(e) => {
                tracing::error!("settings file could not be opened: {e}");
                None
            }
        };
        let settings = store
            .as_ref()
            .and_then(|s| s.get(KEY))
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
            settings: Mutex::new(settings),
            os_locale,
        }
    }

    pub fn language_view(&self) -> LanguageView {
        let settings = self.settings.lock().unwrap_or_else(PoisonError::into_inner);
        LanguageView::new(&settings, self.os_locale.as_deref())
    }

    pub fn set_language(&self, language: Option<Language>) -> Result<LanguageView, AppError> {
        let store = self
            .store
            .as_ref()
            .ok_or_else(|| AppError::new(ErrorCode::SettingsIo, "the settings file could not be opened"))?;
        let mut settings = self.settings.lock().unwrap_or_else(PoisonError::into_inner);
        let mut next = settings.clone();
        next.ui_language = language;
        let value = serde_json::to_value(&next)
            .map_err(|e| AppError::new(ErrorCode::Internal, format!("settings: {e}")))?;
        store.set(KEY, value);
        store
            .save()
            .map_err(|e| AppError::new(ErrorCode::SettingsIo, format!("settings not saved: {e}")))?;
        *settings = next;
        Ok(LanguageView::new(&settings, self.os_locale.as_deref()))
    }
}
