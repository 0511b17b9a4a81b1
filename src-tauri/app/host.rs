//! The app's host for the service: Tauri's paths, the system browser through
//! tauri-plugin-opener, and the settings through tauri-plugin-store.

use std::path::PathBuf;
use std::sync::Arc;

use b2b_core::settings_file::{self, FILE_NAME, STORE_KEY};
use b2b_core::{AppError, ErrorCode};
use b2b_service::{Host, SettingsBackend};
use serde_json::Value;
use tauri::{AppHandle, Emitter, Manager, Wry};
use tauri_plugin_opener::OpenerExt;
use tauri_plugin_store::{Store, StoreExt};

pub struct TauriHost(pub AppHandle);

fn path_error(code: ErrorCode) -> impl Fn(tauri::Error) -> AppError {
    move |e| AppError::new(code, e.to_string())
}

impl Host for TauriHost {
    fn source(&self) -> &'static str {
        "app"
    }

    fn data_dir(&self) -> Result<PathBuf, AppError> {
        self.0
            .path()
            .app_data_dir()
            .map_err(path_error(ErrorCode::HistoryIo))
    }

    fn export_dir(&self) -> Result<PathBuf, AppError> {
        let p = self.0.path();
        p.download_dir()
            .or_else(|_| p.app_data_dir())
            .map_err(path_error(ErrorCode::ExportIo))
    }

    fn throttled(&self, notice: &b2b_service::bulk::ThrottledEvent) {
        let _ = self
            .0
            .emit(b2b_service::bulk::EventName::GraphThrottled.name(), notice);
    }

    fn open_url(&self, url: &str) -> Result<(), AppError> {
        self.0
            .opener()
            .open_url(url, None::<&str>)
            .map_err(|e| AppError::new(ErrorCode::Internal, format!("could not open the browser: {e}")))
    }
}

/// Settings through tauri-plugin-store (the webview has no store permission). A damaged file is
/// replaced by the last good copy before the store opens it (`b2b_core::settings_file`).
pub struct StoreBackend {
    /// `None` when the file could not be opened even after recovery; the app then runs on
    /// defaults and says so when asked to save, rather than overwriting a file it could not read.
    store: Option<Arc<Store<Wry>>>,
    path: Option<PathBuf>,
}

impl StoreBackend {
    pub fn open(app: &AppHandle) -> Self {
        let path = app.path().app_data_dir().ok().map(|d| d.join(FILE_NAME));
        if let Some(p) = &path {
            b2b_service::settings::prepare(p);
        }
        let store = app
            .store(FILE_NAME)
            .inspect_err(|e| tracing::error!("settings file could not be opened: {e}"))
            .ok();
        StoreBackend { store, path }
    }
}

impl SettingsBackend for StoreBackend {
    fn load(&self) -> Option<Value> {
        self.store.as_ref()?.get(STORE_KEY)
    }

    fn save(&self, settings: Value) -> Result<(), AppError> {
        let store = self
            .store
            .as_ref()
            .ok_or_else(|| AppError::new(ErrorCode::SettingsIo, "the settings file could not be opened"))?;
        store.set(STORE_KEY, settings);
        store
            .save()
            .map_err(|e| AppError::new(ErrorCode::SettingsIo, format!("settings not saved: {e}")))?;
        if let Some(p) = &self.path {
            if let Err(e) = settings_file::backup(p) {
                tracing::warn!("settings saved, but the last good copy was not updated: {e}");
            }
        }
        Ok(())
    }
}
