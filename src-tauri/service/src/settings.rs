//! The settings in force: the user's own, as saved by the host's backend, with the organisation's
//! policy on top. One implementation for the app and `b2b`, so both follow the same connection
//! and the same current account. Never holds a secret.

use std::path::PathBuf;
use std::sync::Mutex;

use b2b_core::policy::Policy;
use b2b_core::settings::{LanguageView, Settings};
use b2b_core::settings_file::{self, Prepared, STORE_KEY};
use b2b_core::{AppError, ErrorCode};
use serde_json::Value;

use crate::host::SettingsBackend;
use crate::lock;

pub struct SettingsStore {
    backend: Box<dyn SettingsBackend>,
    /// The user's own settings, as saved.
    settings: Mutex<Settings>,
    os_locale: Option<String>,
    policy: Policy,
}

impl SettingsStore {
    pub fn new(backend: Box<dyn SettingsBackend>, policy: Policy) -> Self {
        let settings = backend
            .load()
            .and_then(|v| match serde_json::from_value::<Settings>(v) {
                Ok(s) => Some(migrate(s)),
                Err(e) => {
                    tracing::warn!("settings ignored, not in the expected shape: {e}");
                    None
                }
            })
            .unwrap_or_default();
        SettingsStore {
            backend,
            settings: Mutex::new(settings),
            os_locale: sys_locale::get_locale(),
            policy,
        }
    }

    fn stored(&self) -> Settings {
        lock(&self.settings).clone()
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

    /// Applies `change` to the user's own settings and saves. On failure nothing changes in
    /// memory. Returns the settings in force.
    pub fn update(&self, change: impl FnOnce(&mut Settings)) -> Result<Settings, AppError> {
        let mut settings = lock(&self.settings);
        let mut next = settings.clone();
        change(&mut next);
        next.version = Settings::CURRENT_VERSION;
        let value = serde_json::to_value(&next)
            .map_err(|e| AppError::new(ErrorCode::Internal, format!("settings: {e}")))?;
        self.backend.save(value)?;
        *settings = next.clone();
        Ok(self.policy.apply(&next))
    }
}

/// Settings written by an older release, brought to the current version. Earlier versions have
/// the same shape with fewer fields (serde fills the defaults); a change of shape adds a step here.
fn migrate(mut s: Settings) -> Settings {
    if s.version < Settings::CURRENT_VERSION {
        tracing::info!(
            "settings: version {} migrated to {}",
            s.version,
            Settings::CURRENT_VERSION
        );
        s.version = Settings::CURRENT_VERSION;
    }
    s
}

/// The settings file read and written directly, in tauri-plugin-store's format (an object with
/// the settings under `STORE_KEY`), for `b2b` and the tests. A damaged file is moved aside and
/// replaced by the last good copy before it is read, as the app does.
pub struct SettingsFile {
    path: PathBuf,
}

impl SettingsFile {
    pub fn new(path: PathBuf) -> Self {
        prepare(&path);
        SettingsFile { path }
    }
}

/// Before the settings file is opened: a damaged one is moved aside and the last good copy put
/// back (`b2b_core::settings_file::prepare`), and what happened is logged.
pub fn prepare(path: &std::path::Path) {
    match settings_file::prepare(path) {
        Ok(Prepared::Ready) => {}
        Ok(Prepared::Restored(aside)) => tracing::warn!(
            "settings were damaged; restored the last good copy (damaged file kept at {})",
            aside.display()
        ),
        Ok(Prepared::Reset(aside)) => tracing::warn!(
            "settings were damaged and no good copy existed; starting from defaults (damaged file kept at {})",
            aside.display()
        ),
        Err(e) => tracing::error!("settings file could not be checked: {e}"),
    }
}

impl SettingsBackend for SettingsFile {
    fn load(&self) -> Option<Value> {
        let text = std::fs::read_to_string(&self.path).ok()?;
        let mut v: Value = serde_json::from_str(&text).ok()?;
        v.get_mut(STORE_KEY).map(Value::take)
    }

    /// Keeps the other keys of the store object; writes a temporary file and renames it, so a
    /// crash never leaves a torn file.
    fn save(&self, settings: Value) -> Result<(), AppError> {
        let io =
            |e: std::io::Error| AppError::new(ErrorCode::SettingsIo, format!("{}: {e}", self.path.display()));
        let mut whole = std::fs::read_to_string(&self.path)
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .filter(Value::is_object)
            .unwrap_or_else(|| serde_json::json!({}));
        whole[STORE_KEY] = settings;
        let text = serde_json::to_string_pretty(&whole)
            .map_err(|e| AppError::new(ErrorCode::Internal, format!("settings: {e}")))?;
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let tmp = self.path.with_extension("json.tmp");
        std::fs::write(&tmp, text).map_err(io)?;
        std::fs::rename(&tmp, &self.path).map_err(io)?;
        if let Err(e) = settings_file::backup(&self.path) {
            tracing::warn!("settings saved, but the last good copy was not updated: {e}");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use b2b_core::settings::Connection;

    #[test]
    fn the_file_keeps_the_store_format_and_survives_a_reload() {
        let tmp = tempfile::Builder::new()
            .prefix("b2b-svc-settings-")
            .tempdir()
            .expect("temp dir");
        let path = tmp.path().join("data").join(settings_file::FILE_NAME);
        let store = SettingsStore::new(Box::new(SettingsFile::new(path.clone())), Policy::default());
        store
            .update(|s| {
                s.connection = Some(Connection::Demo);
                s.current_account = Some("a.b".into());
            })
            .expect("saved");
        let raw: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("file")).expect("json");
        assert_eq!(raw[STORE_KEY]["connection"]["mode"], "demo");
        assert_eq!(raw[STORE_KEY]["currentAccount"], "a.b");
        // What the app's reader sees, and a second store over the same file.
        assert_eq!(settings_file::read(&path).current_account.as_deref(), Some("a.b"));
        let again = SettingsStore::new(Box::new(SettingsFile::new(path)), Policy::default());
        assert_eq!(again.get().connection, Some(Connection::Demo));
    }
}
