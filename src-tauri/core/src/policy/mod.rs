//! Managed settings: an organisation's policy, read once at start by the app and by `b2b`.
//!
//! A *locked* value wins over the user's own setting and can't be changed in the app; a
//! *recommended* value is a default the user may change. For each setting:
//! locked > the user's setting > recommended > the built-in default.
//!
//! Where a policy lives:
//! - Windows: `HKLM\SOFTWARE\Policies\B2BConvert` and `HKCU\SOFTWARE\Policies\B2BConvert`
//!   (values there are locked; their `Recommended` subkey holds recommended values; HKLM wins).
//! - macOS: managed preferences of the domain `com.b2bconvert.app` (a forced value is locked,
//!   any other value found for the domain is recommended).
//! - Linux: `/etc/b2b-convert/policy.json` (see `file.rs` for the shape).
//! - Everywhere: `B2B_POLICY_FILE`, a JSON file read after the above (for tests; the system's own
//!   policy still wins, so it can't lift a lock).
//!
//! A bad value (wrong type, not a GUID, not https, unknown language) is ignored with a warning
//! that has a stable code; reading a policy never fails the app.

mod file;
#[cfg(target_os = "macos")]
mod macos;
#[cfg(windows)]
mod windows;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::bulk::BulkRow;
use crate::convert_service::ConvertOptions;
use crate::settings::{self, Connection, Language, Settings};

pub use file::{FileSource, SYSTEM_FILE};
#[cfg(target_os = "macos")]
pub use macos::ManagedPreferences;
#[cfg(windows)]
pub use windows::RegistrySource;

/// The environment variable naming an extra policy file (for tests).
pub const FILE_ENV: &str = "B2B_POLICY_FILE";
/// The macOS preferences domain, also the app's identifier.
pub const DOMAIN: &str = "com.b2bconvert.app";
/// The Windows policy key, under HKLM and HKCU.
pub const REGISTRY_PATH: &str = r"SOFTWARE\Policies\B2BConvert";

/// The settings an organisation may set, named as in the templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
pub enum PolicyKey {
    /// The app registration to sign in with (a GUID).
    ClientId,
    /// Tenant id, verified domain, `organizations` or `common`.
    TenantId,
    /// The identity platform, e.g. `https://login.microsoftonline.us` for a national cloud.
    AuthorityUrl,
    /// Microsoft Graph, e.g. `https://graph.microsoft.us`.
    GraphUrl,
    /// Where an invited user lands after accepting (https).
    InviteRedirectUrl,
    InvitationMessage,
    /// The invitation e-mail's language, e.g. `fr-FR`.
    InvitationLanguage,
    SendInvitationMessage,
    /// The app's language: en, fr, sv or he.
    UiLanguage,
    /// false hides the demo tenant. Lock only: a recommended value is ignored.
    AllowDemoTenant,
    /// Sponsors named when the admin names none: up to five UPNs or object ids, separated by `|`.
    DefaultSponsors,
    /// The proxy for Microsoft's services, e.g. `http://proxy.contoso.com:8080`: for networks whose
    /// system proxy is only a PAC script. Locked wins over HTTPS_PROXY; recommended yields to it.
    HttpsProxy,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    ClientId,
    Tenant,
    Url,
    Text,
    InvitationLanguage,
    UiLanguage,
    Flag,
    Sponsors,
    Proxy,
}

impl PolicyKey {
    pub const ALL: [PolicyKey; 12] = [
        PolicyKey::ClientId,
        PolicyKey::TenantId,
        PolicyKey::AuthorityUrl,
        PolicyKey::GraphUrl,
        PolicyKey::InviteRedirectUrl,
        PolicyKey::InvitationMessage,
        PolicyKey::InvitationLanguage,
        PolicyKey::SendInvitationMessage,
        PolicyKey::UiLanguage,
        PolicyKey::AllowDemoTenant,
        PolicyKey::DefaultSponsors,
        PolicyKey::HttpsProxy,
    ];

    /// The name in the registry, the profile and the JSON file.
    pub fn name(self) -> &'static str {
        match self {
            PolicyKey::ClientId => "ClientId",
            PolicyKey::TenantId => "TenantId",
            PolicyKey::AuthorityUrl => "AuthorityUrl",
            PolicyKey::GraphUrl => "GraphUrl",
            PolicyKey::InviteRedirectUrl => "InviteRedirectUrl",
            PolicyKey::InvitationMessage => "InvitationMessage",
            PolicyKey::InvitationLanguage => "InvitationLanguage",
            PolicyKey::SendInvitationMessage => "SendInvitationMessage",
            PolicyKey::UiLanguage => "UiLanguage",
            PolicyKey::AllowDemoTenant => "AllowDemoTenant",
            PolicyKey::DefaultSponsors => "DefaultSponsors",
            PolicyKey::HttpsProxy => "HttpsProxy",
        }
    }

    /// Registry value names are case-insensitive, so every source matches names that way.
    pub fn from_name(name: &str) -> Option<PolicyKey> {
        PolicyKey::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name.trim()))
    }

    fn kind(self) -> Kind {
        match self {
            PolicyKey::ClientId => Kind::ClientId,
            PolicyKey::TenantId => Kind::Tenant,
            PolicyKey::AuthorityUrl | PolicyKey::GraphUrl | PolicyKey::InviteRedirectUrl => Kind::Url,
            PolicyKey::InvitationMessage => Kind::Text,
            PolicyKey::InvitationLanguage => Kind::InvitationLanguage,
            PolicyKey::UiLanguage => Kind::UiLanguage,
            PolicyKey::SendInvitationMessage | PolicyKey::AllowDemoTenant => Kind::Flag,
            PolicyKey::DefaultSponsors => Kind::Sponsors,
            PolicyKey::HttpsProxy => Kind::Proxy,
        }
    }

    /// Whether a recommended value means anything: a permission is a lock or nothing.
    fn recommendable(self) -> bool {
        self != PolicyKey::AllowDemoTenant
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum PolicyLevel {
    /// Wins over the user's setting; the app does not let it change.
    Locked,
    /// A default; the user's own setting wins.
    Recommended,
}

/// Where a policy value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum PolicySourceKind {
    /// The Windows registry (Group Policy, Intune).
    Registry,
    /// macOS managed preferences (a configuration profile).
    ManagedPreferences,
    /// A JSON policy file (Linux, or `B2B_POLICY_FILE`).
    File,
}

/// A value as a source holds it, before any check.
#[derive(Debug, Clone, PartialEq)]
pub enum RawValue {
    Text(String),
    Flag(bool),
    Number(i64),
    /// Anything else (a list, a binary value...), described for the warning.
    Other(String),
}

/// One value found by a source.
#[derive(Debug, Clone, PartialEq)]
pub struct RawEntry {
    /// The name as written in the source.
    pub name: String,
    pub value: RawValue,
    pub level: PolicyLevel,
    /// Exactly where: a registry key, a preferences domain, a file path.
    pub origin: String,
}

/// What a source found, and what it could not read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceRead {
    /// In the source's own order of precedence: within a level, the first value of a key wins.
    pub entries: Vec<RawEntry>,
    pub warnings: Vec<PolicyWarning>,
}

/// A place where an organisation puts its policy.
pub trait PolicySource {
    fn kind(&self) -> PolicySourceKind;
    /// Never fails: what can't be read becomes a warning.
    fn read(&self) -> SourceRead;
}

/// A checked value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(untagged)]
#[ts(export)]
pub enum PolicyValue {
    Text(String),
    Flag(bool),
}

/// One value in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PolicyEntry {
    pub key: PolicyKey,
    pub value: PolicyValue,
    pub level: PolicyLevel,
    pub source: PolicySourceKind,
    pub origin: String,
}

/// Why a value was ignored. Stable: the UI translates these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum PolicyWarningCode {
    /// Text where a true/false was expected, or the other way round.
    WrongType,
    /// ClientId is not a GUID.
    InvalidClientId,
    /// A URL that is not https://host...
    InvalidUrl,
    /// UiLanguage is not en, fr, sv or he; or InvitationLanguage is not a language tag.
    UnknownLanguage,
    /// Another value that can't be used (an empty or malformed tenant).
    InvalidValue,
    /// A name B2B Convert does not know (a typo?).
    UnknownKey,
    /// A recommended value for a setting that can only be locked (AllowDemoTenant).
    NotRecommendable,
    /// The source could not be read (a damaged file, no permission).
    Unreadable,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PolicyWarning {
    pub code: PolicyWarningCode,
    /// The value's name as written, when the warning is about one value.
    pub key: Option<String>,
    pub source: PolicySourceKind,
    pub origin: String,
    /// English detail for logs and support.
    pub detail: String,
}

/// What Settings shows: each value in force, and what was ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PolicyView {
    pub entries: Vec<PolicyEntry>,
    pub warnings: Vec<PolicyWarning>,
}

/// The policy in force: at most one value per key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    entries: Vec<PolicyEntry>,
    warnings: Vec<PolicyWarning>,
}

/// This platform's sources, in order of precedence, then `B2B_POLICY_FILE` when set.
pub fn platform_sources() -> Vec<Box<dyn PolicySource>> {
    let mut sources: Vec<Box<dyn PolicySource>> = Vec::new();
    #[cfg(windows)]
    sources.push(Box::new(RegistrySource::system()));
    #[cfg(target_os = "macos")]
    sources.push(Box::new(ManagedPreferences::new(DOMAIN)));
    #[cfg(not(any(windows, target_os = "macos")))]
    sources.push(Box::new(FileSource::new(SYSTEM_FILE)));
    if let Some(path) = std::env::var_os(FILE_ENV).filter(|p| !p.is_empty()) {
        sources.push(Box::new(FileSource::new(path)));
    }
    sources
}

impl Policy {
    /// Reads this platform's policy. Never fails.
    pub fn load() -> Policy {
        let sources = platform_sources();
        let refs: Vec<&dyn PolicySource> = sources.iter().map(|s| s.as_ref()).collect();
        Policy::resolve(&refs)
    }

    /// Merges sources given in order of precedence: a locked value from any source wins over a
    /// recommended one; within a level, the earlier source wins (HKLM before HKCU).
    pub fn resolve(sources: &[&dyn PolicySource]) -> Policy {
        let reads: Vec<(PolicySourceKind, SourceRead)> =
            sources.iter().map(|s| (s.kind(), s.read())).collect();
        let mut policy = Policy::default();
        for (_, read) in &reads {
            policy.warnings.extend(read.warnings.iter().cloned());
        }
        for level in [PolicyLevel::Locked, PolicyLevel::Recommended] {
            for (kind, read) in &reads {
                for raw in read.entries.iter().filter(|e| e.level == level) {
                    policy.take(*kind, raw);
                }
            }
        }
        policy
            .entries
            .sort_by_key(|e| PolicyKey::ALL.iter().position(|k| *k == e.key));
        policy
    }

    fn take(&mut self, source: PolicySourceKind, raw: &RawEntry) {
        let warn = |code, detail: String| PolicyWarning {
            code,
            key: Some(raw.name.clone()),
            source,
            origin: raw.origin.clone(),
            detail,
        };
        let Some(key) = PolicyKey::from_name(&raw.name) else {
            self.warnings.push(warn(
                PolicyWarningCode::UnknownKey,
                format!("{} is not a B2B Convert policy", raw.name),
            ));
            return;
        };
        if raw.level == PolicyLevel::Recommended && !key.recommendable() {
            self.warnings.push(warn(
                PolicyWarningCode::NotRecommendable,
                format!("{} can only be locked", key.name()),
            ));
            return;
        }
        match check(key, &raw.value) {
            Ok(value) => {
                if self.entries.iter().all(|e| e.key != key) {
                    self.entries.push(PolicyEntry {
                        key,
                        value,
                        level: raw.level,
                        source,
                        origin: raw.origin.clone(),
                    });
                }
            }
            Err((code, detail)) => self.warnings.push(warn(code, detail)),
        }
    }

    pub fn entries(&self) -> &[PolicyEntry] {
        &self.entries
    }

    pub fn warnings(&self) -> &[PolicyWarning] {
        &self.warnings
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.warnings.is_empty()
    }

    pub fn view(&self) -> PolicyView {
        PolicyView {
            entries: self.entries.clone(),
            warnings: self.warnings.clone(),
        }
    }

    pub fn get(&self, key: PolicyKey) -> Option<&PolicyEntry> {
        self.entries.iter().find(|e| e.key == key)
    }

    fn at(&self, key: PolicyKey, level: PolicyLevel) -> Option<&PolicyValue> {
        self.get(key).filter(|e| e.level == level).map(|e| &e.value)
    }

    pub fn is_locked(&self, key: PolicyKey) -> bool {
        self.get(key).is_some_and(|e| e.level == PolicyLevel::Locked)
    }

    pub fn locked_text(&self, key: PolicyKey) -> Option<&str> {
        match self.at(key, PolicyLevel::Locked) {
            Some(PolicyValue::Text(t)) => Some(t),
            _ => None,
        }
    }

    pub fn recommended_text(&self, key: PolicyKey) -> Option<&str> {
        match self.at(key, PolicyLevel::Recommended) {
            Some(PolicyValue::Text(t)) => Some(t),
            _ => None,
        }
    }

    fn flag_at(&self, key: PolicyKey, level: PolicyLevel) -> Option<bool> {
        match self.at(key, level) {
            Some(PolicyValue::Flag(b)) => Some(*b),
            _ => None,
        }
    }

    /// Locked > the user's value > recommended; `None` leaves the built-in default.
    pub fn pick_text(&self, key: PolicyKey, user: Option<String>) -> Option<String> {
        self.locked_text(key)
            .map(str::to_owned)
            .or(user)
            .or_else(|| self.recommended_text(key).map(str::to_owned))
    }

    /// Locked > the user's value > recommended; `None` leaves the built-in default.
    pub fn pick_flag(&self, key: PolicyKey, user: Option<bool>) -> Option<bool> {
        self.flag_at(key, PolicyLevel::Locked)
            .or(user)
            .or_else(|| self.flag_at(key, PolicyLevel::Recommended))
    }

    /// The locked entry that replaces a value the user gave, for saying so.
    pub fn overrides(&self, key: PolicyKey, user: Option<&PolicyValue>) -> Option<&PolicyEntry> {
        let entry = self.get(key).filter(|e| e.level == PolicyLevel::Locked)?;
        user.filter(|u| **u != entry.value).map(|_| entry)
    }

    /// The sponsors used when the admin names none: locked > the user's setting > recommended.
    /// Locked empty means "none" (Microsoft's default, the inviter).
    pub fn default_sponsors(&self, user: &[String]) -> Vec<String> {
        let user = (!user.is_empty()).then(|| user.join("|"));
        self.pick_text(PolicyKey::DefaultSponsors, user)
            .map(|t| crate::sponsors::parse_list(&t))
            .unwrap_or_default()
    }

    /// The organisation's proxy, and whether it is locked.
    pub fn https_proxy(&self) -> Option<(String, bool)> {
        let e = self.get(PolicyKey::HttpsProxy)?;
        match &e.value {
            PolicyValue::Text(t) => Some((t.clone(), e.level == PolicyLevel::Locked)),
            PolicyValue::Flag(_) => None,
        }
    }

    /// Whether the demo tenant may be used (unless locked off, it may).
    pub fn demo_allowed(&self) -> bool {
        self.flag_at(PolicyKey::AllowDemoTenant, PolicyLevel::Locked)
            .unwrap_or(true)
    }

    fn language_at(&self, level: PolicyLevel) -> Option<Language> {
        match self.at(PolicyKey::UiLanguage, level) {
            Some(PolicyValue::Text(t)) => ui_language(t),
            _ => None,
        }
    }

    pub fn locked_language(&self) -> Option<Language> {
        self.language_at(PolicyLevel::Locked)
    }

    pub fn recommended_language(&self) -> Option<Language> {
        self.language_at(PolicyLevel::Recommended)
    }

    /// A new organisation connection: each field locked > what the user typed (blank counts as
    /// nothing) > recommended > Microsoft's global cloud with the Graph CLI client id.
    pub fn organisation(&self, client_id: Option<&str>, tenant: Option<&str>) -> Connection {
        let given = |v: Option<&str>| v.map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        Connection::Organisation {
            client_id: self
                .pick_text(PolicyKey::ClientId, given(client_id))
                .unwrap_or_else(|| settings::GRAPH_CLI_CLIENT_ID.to_owned()),
            tenant: self
                .pick_text(PolicyKey::TenantId, given(tenant))
                .unwrap_or_else(|| "organizations".to_owned()),
            authority_url: self
                .pick_text(PolicyKey::AuthorityUrl, None)
                .unwrap_or_else(|| settings::MICROSOFT_AUTHORITY.to_owned()),
            graph_url: self
                .pick_text(PolicyKey::GraphUrl, None)
                .unwrap_or_else(|| settings::MICROSOFT_GRAPH.to_owned()),
        }
    }

    /// The settings as the app uses them: locked values replace what is stored, and a demo
    /// connection that is not allowed goes back to the first-run choice.
    pub fn apply(&self, stored: &Settings) -> Settings {
        let mut s = stored.clone();
        if let Some(lang) = self.locked_language() {
            s.ui_language = Some(lang);
        }
        s.connection = match s.connection.take() {
            Some(Connection::Demo) if !self.demo_allowed() => None,
            Some(Connection::Organisation {
                client_id,
                tenant,
                authority_url,
                graph_url,
            }) => {
                let lock = |key, v: String| self.locked_text(key).map(str::to_owned).unwrap_or(v);
                Some(Connection::Organisation {
                    client_id: lock(PolicyKey::ClientId, client_id),
                    tenant: lock(PolicyKey::TenantId, tenant),
                    authority_url: lock(PolicyKey::AuthorityUrl, authority_url),
                    graph_url: lock(PolicyKey::GraphUrl, graph_url),
                })
            }
            other => other,
        };
        s
    }

    /// Locked invitation options replace what the admin chose (the UI shows them fixed; this
    /// holds whatever a caller sends).
    pub fn enforce(&self, o: &mut ConvertOptions) {
        if let Some(b) = self.flag_at(PolicyKey::SendInvitationMessage, PolicyLevel::Locked) {
            o.send_mail = b;
        }
        if let Some(m) = self.locked_text(PolicyKey::InvitationMessage) {
            o.message = Some(m.to_owned()).filter(|m| !m.is_empty());
        }
        if let Some(l) = self.locked_text(PolicyKey::InvitationLanguage) {
            o.language = Some(l.to_owned());
        }
        if let Some(u) = self.locked_text(PolicyKey::InviteRedirectUrl) {
            o.redirect_url = u.to_owned();
        }
    }

    /// A bulk file's rows: locked values replace the file's, recommended ones fill empty cells
    /// (language, message, redirect URL; an empty sendMail cell already means "send").
    pub fn apply_to_rows(&self, rows: &mut [BulkRow]) {
        let send = self.flag_at(PolicyKey::SendInvitationMessage, PolicyLevel::Locked);
        for row in rows {
            if let Some(b) = send {
                row.send_mail = b;
            }
            let fill = |key, v: Option<String>| self.pick_text(key, v);
            row.language = fill(PolicyKey::InvitationLanguage, row.language.take());
            row.message = fill(PolicyKey::InvitationMessage, row.message.take()).filter(|m| !m.is_empty());
            row.redirect_url = fill(PolicyKey::InviteRedirectUrl, row.redirect_url.take());
        }
    }
}

/// Checks a value for its key; the error is the warning's code and detail.
fn check(key: PolicyKey, raw: &RawValue) -> Result<PolicyValue, (PolicyWarningCode, String)> {
    let kind = key.kind();
    if kind == Kind::Flag {
        return match raw {
            RawValue::Flag(b) => Ok(PolicyValue::Flag(*b)),
            // A registry DWORD, or a plist integer.
            RawValue::Number(0) => Ok(PolicyValue::Flag(false)),
            RawValue::Number(1) => Ok(PolicyValue::Flag(true)),
            other => Err((
                PolicyWarningCode::WrongType,
                format!(
                    "{} must be true or false (or 1 or 0), not {}",
                    key.name(),
                    describe(other)
                ),
            )),
        };
    }
    let RawValue::Text(text) = raw else {
        return Err((
            PolicyWarningCode::WrongType,
            format!("{} must be text, not {}", key.name(), describe(raw)),
        ));
    };
    let t = text.trim();
    let bad = |code, what: &str| Err((code, format!("{} {what}: {t:?}", key.name())));
    match kind {
        Kind::ClientId if settings::valid_client_id(t) => Ok(PolicyValue::Text(t.to_ascii_lowercase())),
        Kind::ClientId => bad(PolicyWarningCode::InvalidClientId, "is not a GUID"),
        Kind::Tenant if tenant_ok(t) => Ok(PolicyValue::Text(t.to_owned())),
        Kind::Tenant => bad(
            PolicyWarningCode::InvalidValue,
            "is not a tenant id, a domain, organizations or common",
        ),
        Kind::Url if https_url_ok(t) => {
            // Endpoints are joined with paths; a redirect URL is used as given.
            let v = if key == PolicyKey::InviteRedirectUrl {
                t
            } else {
                t.trim_end_matches('/')
            };
            Ok(PolicyValue::Text(v.to_owned()))
        }
        Kind::Url => bad(PolicyWarningCode::InvalidUrl, "is not an https:// URL"),
        Kind::Proxy if proxy_url_ok(t) => Ok(PolicyValue::Text(t.trim_end_matches('/').to_owned())),
        Kind::Proxy => bad(
            PolicyWarningCode::InvalidValue,
            "is not a proxy address such as http://proxy.contoso.com:8080 (no user or password, no path)",
        ),
        Kind::UiLanguage => match ui_language(t) {
            Some(l) => Ok(PolicyValue::Text(l.tag().to_owned())),
            None => bad(PolicyWarningCode::UnknownLanguage, "is not en, fr, sv or he"),
        },
        Kind::InvitationLanguage if language_tag_ok(t) => Ok(PolicyValue::Text(t.to_owned())),
        Kind::InvitationLanguage => bad(
            PolicyWarningCode::UnknownLanguage,
            "is not a language tag such as fr-FR",
        ),
        Kind::Sponsors => {
            let list = crate::sponsors::parse_list(t);
            match crate::sponsors::check_entries(&list) {
                Ok(()) => Ok(PolicyValue::Text(list.join("|"))),
                Err(_) => bad(
                    PolicyWarningCode::InvalidValue,
                    "is not up to five UPNs or object ids separated by |",
                ),
            }
        }
        // A message may be empty: locked empty means "no personal message".
        Kind::Text | Kind::Flag => Ok(PolicyValue::Text(t.to_owned())),
    }
}

fn describe(v: &RawValue) -> String {
    match v {
        RawValue::Text(t) => format!("the text {t:?}"),
        RawValue::Flag(b) => format!("the value {b}"),
        RawValue::Number(n) => format!("the number {n}"),
        RawValue::Other(what) => what.clone(),
    }
}

/// The app's own languages, by primary subtag: "fr", "fr-CA", "sv_SE" are fine; "de" is not.
fn ui_language(s: &str) -> Option<Language> {
    let mut parts = s.split(['-', '_']);
    let primary = parts.next()?.to_ascii_lowercase();
    if !parts.all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric())) {
        return None;
    }
    Language::ALL.into_iter().find(|l| l.tag() == primary)
}

/// A BCP 47 shape: two or three letters, then subtags of 2 to 8 letters or digits.
fn language_tag_ok(s: &str) -> bool {
    let mut parts = s.split('-');
    let primary = parts.next().unwrap_or("");
    (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// A GUID, a domain name, `organizations` or `common`.
fn tenant_ok(s: &str) -> bool {
    if s.eq_ignore_ascii_case("organizations")
        || s.eq_ignore_ascii_case("common")
        || settings::valid_client_id(s)
    {
        return true;
    }
    let labels: Vec<&str> = s.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            (1..=63).contains(&l.len())
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// `https://` and a host, without spaces. Policy URLs are https only: no localhost exception.
/// `http://host[:port]` or `https://host[:port]`, nothing after but a `/`. A user or password is
/// refused: policy values are shown in Settings and are no place for a secret.
fn proxy_url_ok(s: &str) -> bool {
    oauth2::url::Url::parse(s).is_ok_and(|u| {
        matches!(u.scheme(), "http" | "https")
            && u.host_str().is_some_and(|h| !h.is_empty())
            && u.username().is_empty()
            && u.password().is_none()
            && u.path() == "/"
            && u.query().is_none()
            && u.fragment().is_none()
    })
}

fn https_url_ok(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("https://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once(':').map_or(authority, |(h, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            authority
        }
    });
    !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'))
        && !s.chars().any(char::is_whitespace)
}

#[cfg(test)]
mod tests;
