//! The `app_info` view model: what Settings > About shows and what a support request needs.

use serde::Serialize;
use ts_rs::TS;

/// Facts fixed when the binary was built, supplied by the shell (its build script knows them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BuildInfo {
    /// "debug" or "release".
    pub profile: String,
    /// Short git commit, or "unknown" when built outside a git checkout.
    pub commit: String,
    /// Target triple, e.g. x86_64-pc-windows-msvc.
    pub target: String,
    pub rustc: String,
    pub tauri: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OsInfo {
    /// "windows", "macos" or "linux" (std::env::consts::OS).
    pub family: String,
    /// Human name of the OS, e.g. "Windows", "Mac OS", "Debian".
    pub name: String,
    pub version: String,
    pub arch: String,
    /// The OS's preferred locale (BCP 47), when it has one.
    pub locale: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AppInfo {
    pub name: String,
    pub version: String,
    pub os: OsInfo,
    pub build: BuildInfo,
}

impl OsInfo {
    pub fn current() -> Self {
        let info = os_info::get();
        Self {
            family: std::env::consts::OS.to_owned(),
            name: info.os_type().to_string(),
            version: info.version().to_string(),
            arch: std::env::consts::ARCH.to_owned(),
            locale: sys_locale::get_locale(),
        }
    }
}

impl AppInfo {
    pub fn new(name: impl Into<String>, version: impl Into<String>, build: BuildInfo) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
            os: OsInfo::current(),
            build,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_this_machine() {
        let build = BuildInfo {
            profile: "debug".into(),
            commit: "abc1234".into(),
            target: "x86_64-unknown-linux-gnu".into(),
            rustc: "1.95.0".into(),
            tauri: "2.0.0".into(),
        };
        let info = AppInfo::new("B2B Convert", "0.1.0", build);
        assert_eq!(info.os.family, std::env::consts::OS);
        assert_eq!(info.os.arch, std::env::consts::ARCH);
        assert!(!info.os.name.is_empty());
        let json = serde_json::to_value(&info).expect("serialise");
        assert_eq!(json["build"]["commit"], "abc1234");
        assert!(json["os"].get("family").is_some(), "camelCase fields: {json}");
    }
}
