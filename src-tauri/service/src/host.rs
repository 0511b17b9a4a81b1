//! What the service needs from the program it runs in. The app's host is Tauri's paths and
//! opener; `b2b`'s is the same folders from `dirs` and the `open` crate; tests bring their own.

use std::path::PathBuf;

use b2b_core::AppError;
use serde_json::Value;

/// Where settings are persisted. The app keeps them through tauri-plugin-store; `b2b` and tests
/// read and write the same file directly (`SettingsFile`).
pub trait SettingsBackend: Send + Sync {
    /// The stored settings object, if any (`None`: first run, or unreadable).
    fn load(&self) -> Option<Value>;
    /// Saves the settings object and keeps the file as the last good copy.
    fn save(&self, settings: Value) -> Result<(), AppError>;
}

pub trait Host: Send + Sync + 'static {
    /// Who acts, as History records it: "app" or "cli".
    fn source(&self) -> &'static str;
    /// The app's data folder, `<data dir>/com.b2bconvert.app`: History, bulk journals, the demo
    /// tenant's key, the settings file.
    fn data_dir(&self) -> Result<PathBuf, AppError>;
    /// Where exports go (the Downloads folder in the app).
    fn export_dir(&self) -> Result<PathBuf, AppError>;
    /// Opens a page in the system browser (for sign-in).
    fn open_url(&self, url: &str) -> Result<(), AppError>;
    /// Microsoft asked to slow down during a conversion or resend: say when it is tried again
    /// (the app emits `graph-throttled`, `b2b` prints a line).
    fn throttled(&self, _notice: &crate::bulk::ThrottledEvent) {}
}
