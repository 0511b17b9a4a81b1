//! User settings, owned by Rust. The shell persists them; the UI only sees view models.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::policy::Policy;

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

/// Which tenant the app works with. `None` in `Settings` means first run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "mode", rename_all = "camelCase")]
#[ts(export)]
pub enum Connection {
    /// The simulated tenant, started inside the app on loopback.
    Demo,
    /// A real Microsoft Entra tenant.
    #[serde(rename_all = "camelCase")]
    Organisation {
        client_id: String,
        /// Tenant id, domain, or `organizations`.
        tenant: String,
        authority_url: String,
        graph_url: String,
    },
}

pub const MICROSOFT_AUTHORITY: &str = "https://login.microsoftonline.com";
pub const MICROSOFT_GRAPH: &str = "https://graph.microsoft.com";
/// Microsoft Graph Command Line Tools (CONTRACT.md section 6): the quick alternative to an own
/// registration; some tenants block or restrict it.
pub const GRAPH_CLI_CLIENT_ID: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

/// What is stored. Versioned so that later releases can migrate it; never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    pub version: u32,
    /// `None` follows the OS.
    #[serde(default)]
    pub ui_language: Option<Language>,
    #[serde(default)]
    pub connection: Option<Connection>,
    /// The account the app works as (an `Account::id`).
    #[serde(default)]
    pub current_account: Option<String>,
    /// Sponsors named when the admin names none (UPNs or object ids, five at most).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub default_sponsors: Vec<String>,
}

impl Settings {
    /// 2 added the connection and the current account; version 1 files read as they are.
    pub const CURRENT_VERSION: u32 = 2;
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            version: Self::CURRENT_VERSION,
            ui_language: None,
            connection: None,
            current_account: None,
            default_sponsors: Vec::new(),
        }
    }
}

/// A client id must be a GUID (an app registration's Application (client) ID).
pub fn valid_client_id(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && [8, 4, 4, 4, 12]
            .iter()
            .zip(&parts)
            .all(|(n, p)| p.len() == *n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// What the UI needs to know about its language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LanguageView {
    /// The language to show now.
    pub effective: Language,
    /// The user's choice (or the organisation's locked one), or null when following the default.
    pub chosen: Option<Language>,
    /// What the OS asks for.
    pub os: Language,
    /// The organisation's recommended language: the default instead of the OS's.
    pub organisation: Option<Language>,
    /// The organisation locked the language: the user can't change it.
    pub locked: bool,
}

impl LanguageView {
    /// Locked > the user's choice > recommended > the OS's language.
    pub fn new(settings: &Settings, os_locale: Option<&str>, policy: &Policy) -> Self {
        let os = Language::from_locale(os_locale);
        let locked = policy.locked_language();
        let organisation = policy.recommended_language();
        let chosen = locked.or(settings.ui_language);
        Self {
            effective: chosen.or(organisation).unwrap_or(os),
            chosen,
            os,
            organisation,
            locked: locked.is_some(),
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
        assert_eq!(
            LanguageView::new(&s, Some("sv-SE"), &Policy::default()).effective,
            Language::Sv
        );
        s.ui_language = Some(Language::He);
        let v = LanguageView::new(&s, Some("sv-SE"), &Policy::default());
        assert_eq!(
            (v.effective, v.chosen, v.os),
            (Language::He, Some(Language::He), Language::Sv)
        );
        assert!(v.effective.is_rtl());
    }

    #[test]
    fn settings_round_trip_and_tolerate_missing_fields() {
        let s: Settings = serde_json::from_str(r#"{"version":1,"uiLanguage":"sv"}"#).expect("parse v1");
        assert_eq!((s.ui_language, s.connection), (Some(Language::Sv), None));
        let s = Settings {
            ui_language: Some(Language::Fr),
            connection: Some(Connection::Organisation {
                client_id: GRAPH_CLI_CLIENT_ID.into(),
                tenant: "contoso.com".into(),
                authority_url: MICROSOFT_AUTHORITY.into(),
                graph_url: MICROSOFT_GRAPH.into(),
            }),
            ..Settings::default()
        };
        let json = serde_json::to_value(&s).expect("serialise");
        assert_eq!(json["connection"]["mode"], "organisation");
        assert_eq!(json["connection"]["clientId"], GRAPH_CLI_CLIENT_ID);
        let back: Settings = serde_json::from_value(json).expect("parse");
        assert_eq!(back, s);
        let demo = serde_json::to_string(&Connection::Demo).expect("serialise");
        assert_eq!(demo, r#"{"mode":"demo"}"#);
    }

    #[test]
    fn client_ids_are_guids() {
        assert!(valid_client_id(GRAPH_CLI_CLIENT_ID));
        assert!(!valid_client_id("14d82eec-204b-4c2f-b7e8-296a70dab67"));
        assert!(!valid_client_id("not-a-guid"));
        assert!(!valid_client_id(""));
    }
}
