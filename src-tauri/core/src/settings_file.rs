//! The settings file on disk, shared by the app (which writes it through tauri-plugin-store) and
//! the command-line tool (which only reads it). tauri-plugin-store can leave a zero-byte file after
//! a power loss, so every good save is copied to `settings.json.bak`, and a file that does not
//! parse is moved aside (never deleted) and replaced by that copy before the store opens it.

use std::fs;
use std::path::{Path, PathBuf};

use crate::settings::Settings;

/// The app's identifier: Tauri keeps app data under `<data dir>/<identifier>`.
pub const APP_IDENTIFIER: &str = "com.b2bconvert.app";
pub const FILE_NAME: &str = "settings.json";
/// The key under which the store keeps the settings object.
pub const STORE_KEY: &str = "settings";

/// `<data dir>/com.b2bconvert.app/settings.json`, as Tauri's app data dir resolves it
/// (%APPDATA% on Windows, ~/Library/Application Support on macOS, XDG data home on Linux).
pub fn default_path() -> Option<PathBuf> {
    default_dir().map(|d| d.join(FILE_NAME))
}

/// The app's data folder, `<data dir>/com.b2bconvert.app`.
pub fn default_dir() -> Option<PathBuf> {
    dirs::data_dir().map(|d| d.join(APP_IDENTIFIER))
}

fn backup_path(path: &Path) -> PathBuf {
    path.with_extension("json.bak")
}

/// What `prepare` found.
#[derive(Debug, PartialEq, Eq)]
pub enum Prepared {
    /// No file yet, or a good one.
    Ready,
    /// The file was damaged; the last good copy is back. The damaged file is kept at this path.
    Restored(PathBuf),
    /// The file was damaged and there was no good copy: the app starts from defaults. The damaged
    /// file is kept at this path.
    Reset(PathBuf),
}

fn readable(path: &Path) -> Option<Settings> {
    let text = fs::read_to_string(path).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    match value.get(STORE_KEY) {
        Some(s) => serde_json::from_value(s.clone()).ok(),
        // A store file without our key is valid (nothing saved yet).
        None => value.is_object().then(Settings::default),
    }
}

/// Run before the store opens the file.
pub fn prepare(path: &Path) -> std::io::Result<Prepared> {
    if !path.exists() || readable(path).is_some() {
        return Ok(Prepared::Ready);
    }
    let stamp = time_stamp();
    let aside = path.with_extension(format!("json.damaged-{stamp}"));
    fs::rename(path, &aside)?;
    let bak = backup_path(path);
    if readable(&bak).is_some() {
        fs::copy(&bak, path)?;
        Ok(Prepared::Restored(aside))
    } else {
        Ok(Prepared::Reset(aside))
    }
}

/// Run after every successful save: the file as it is now becomes the last good copy.
pub fn backup(path: &Path) -> std::io::Result<()> {
    if readable(path).is_none() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "settings file does not parse",
        ));
    }
    let bak = backup_path(path);
    let tmp = path.with_extension("json.bak.tmp");
    fs::copy(path, &tmp)?;
    fs::rename(&tmp, &bak)
}

/// For readers that must not write (the command-line tool): the file, else the last good copy,
/// else defaults.
pub fn read(path: &Path) -> Settings {
    readable(path)
        .or_else(|| readable(&backup_path(path)))
        .unwrap_or_default()
}

fn time_stamp() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Language;

    fn dir() -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix("b2b-settings-")
            .tempdir()
            .expect("temp dir")
    }

    fn write(path: &Path, settings: &Settings) {
        let v = serde_json::json!({ STORE_KEY: settings });
        fs::write(path, v.to_string()).expect("write");
    }

    #[test]
    fn zero_byte_file_is_restored_from_the_last_good_copy() {
        let d = dir();
        let path = d.path().join(FILE_NAME);
        assert_eq!(
            prepare(&path).expect("prepare"),
            Prepared::Ready,
            "no file is fine"
        );
        let good = Settings {
            ui_language: Some(Language::He),
            ..Settings::default()
        };
        write(&path, &good);
        backup(&path).expect("backup");
        fs::write(&path, b"").expect("power loss");
        let outcome = prepare(&path).expect("prepare");
        let Prepared::Restored(aside) = outcome else {
            panic!("expected a restore, got {outcome:?}")
        };
        assert!(aside.exists(), "the damaged file is kept");
        assert_eq!(read(&path), good);
        assert_eq!(prepare(&path).expect("prepare"), Prepared::Ready);
    }

    #[test]
    fn damaged_file_without_a_copy_resets_but_keeps_the_file() {
        let d = dir();
        let path = d.path().join(FILE_NAME);
        fs::write(&path, b"{\"settings\": {\"version\": ").expect("torn write");
        let Prepared::Reset(aside) = prepare(&path).expect("prepare") else {
            panic!("expected a reset")
        };
        assert_eq!(fs::read(&aside).expect("kept").len(), 25);
        assert!(!path.exists());
        assert_eq!(read(&path), Settings::default());
    }

    #[test]
    fn readers_fall_back_to_the_copy_and_backup_refuses_bad_files() {
        let d = dir();
        let path = d.path().join(FILE_NAME);
        let good = Settings {
            ui_language: Some(Language::Sv),
            ..Settings::default()
        };
        write(&path, &good);
        backup(&path).expect("backup");
        fs::write(&path, b"garbage").expect("damage");
        assert_eq!(read(&path), good);
        assert!(
            backup(&path).is_err(),
            "a damaged file never overwrites the good copy"
        );
        assert_eq!(read(&backup_path(&path)), good);
    }
}
