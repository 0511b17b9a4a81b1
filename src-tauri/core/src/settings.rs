//! User settings, owned by Rust. The shell persists them; the UI only sees view models.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The languages the UI ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
pub enum Language {
    #[serde(rename = "en")]
    En,
    #[serde(rename = "fr")]
    Fr,
    #[serde(rename = "sv")]
    Sv,
    #[serde(rename = "he")]
    He,
}

impl Language {
    pub const ALL: [Language; 4] = [Language::En, Language::Fr, Language::Sv, Language::He];

    pub fn tag(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Fr => "fr",
            Language::Sv => "sv",
            Language::He => "he",
        }
    }

    pub fn is_rtl(self) -> bool {
        matches!(self, Language::He)
    }

    /// Picks the UI language for an OS locale such as "fr-CA", "sv_SE.UTF-8" or "iw-IL"
    /// (the legacy code for Hebrew that Java and old Android still report). English otherwise.
    pub fn from_locale(locale: Option<&str>) -> Language {
        let primary = locale
            .unwrap_or("")
            .split(['-', '_', '.', '@'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match primary.as_str() {
            "fr" => Language::Fr,
            "sv" => Language::Sv,
            "he" | "iw" => Language::He,
            _ => Language::En,
        }
    }
}

/// What is stored. Versioned so that later releases can migrate it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    pub version: u32,
    /// `None` follows the OS.
    #[serde(default)]
    pub ui_language: Option<Language>,
}

impl Settings {
    pub const CURRENT_VERSION: u32 = 1;
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            version: Self::CURRENT_VERSION,
            ui_language: None,
        }
    }
}

/// What the UI needs to know about its language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LanguageView {
    /// The language to show now.
    pub effective: Language,
    /// The user's choice, or null when following the OS.
    pub chosen: Option<Language>,
    /// What the OS asks for.
    pub os: Language,
}

impl LanguageView {
    pub fn new(settings: &Settings, os_locale: Option<&str>) -> Self {
        let os = Language::from_locale(os_locale);
        Self {
            effective: settings.ui_language.unwrap_or(os),
            chosen: settings.ui_language,
            os,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_os_locales() {
        assert_eq!(Language::from_locale(Some("fr-CA")), Language::Fr);
        assert_eq!(Language::from_locale(Some("sv_SE.UTF-8")), Language::Sv);
        assert_eq!(Language::from_locale(Some("he-IL")), Language::He);
        assert_eq!(Language::from_locale(Some("iw")), Language::He);
        assert_eq!(Language::from_locale(Some("de-DE")), Language::En);
        assert_eq!(Language::from_locale(None), Language::En);
        assert_eq!(Language::from_locale(Some("")), Language::En);
    }

    #[test]
    fn choice_overrides_os() {
        let mut s = Settings::default();
        assert_eq!(LanguageView::new(&s, Some("sv-SE")).effective, Language::Sv);
        s.ui_language = Some(Language::He);
        let v = LanguageView::new(&s, Some("sv-SE"));
        assert_eq!(
            (v.effective, v.chosen, v.os),
            (Language::He, Some(Language::He), Language::Sv)
        );
        assert!(v.effective.is_rtl());
    }

    #[test]
    fn settings_round_trip_and_tolerate_missing_fields() {
        let s: Settings = serde_json::from_str(r#"{"version":1}"#).expect("parse");
        assert_eq!(s, Settings::default());
        let s = Settings {
            ui_language: Some(Language::Fr),
            ..Settings::default()
        };
        let json = serde_json::to_string(&s).expect("serialise");
        assert_eq!(json, r#"{"version":1,"uiLanguage":"fr"}"#);
    }
}
