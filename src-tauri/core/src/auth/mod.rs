//! Sign-in: flows (browser with PKCE on loopback, device code, refresh), the token vault in the
//! OS keychain, and the accounts a user has signed in with. Access tokens live in memory only.

pub mod accounts;
pub mod flow;
pub mod loopback;
pub mod vault;

pub use accounts::{Account, Accounts, Capabilities};

use serde::Serialize;
use ts_rs::TS;

use crate::error::AppError;
use crate::settings::Connection;

/// Everything the UI needs about who is signed in. No secret in here. The default is the first
/// run's: no connection, no account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SessionView {
    /// `None`: first run, the user has not chosen the demo or an organisation yet.
    pub connection: Option<Connection>,
    pub accounts: Vec<Account>,
    pub current: Option<Account>,
    /// What the current account can do; `None` when it could not be read (see `problem`).
    pub capabilities: Option<Capabilities>,
    /// Why the session is not usable right now (keychain locked, sign-in expired, ...).
    pub problem: Option<AppError>,
}

/// A device code sign-in in progress, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DeviceCodeView {
    pub user_code: String,
    pub verification_uri: String,
    pub expires_in_s: u32,
}
pub use flow::{AuthConfig, DevicePrompt, TokenSet};

/// A secret string (token, code): `Debug` and `Display` never show it, and it cannot be
/// serialised, so it cannot reach the UI, a log or a settings file by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Secret(value)
    }
    /// The only way to read it: say so at the call site.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted() {
        let s = Secret::new("eyJ0eXAi.secret.value".into());
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(format!("{:?}", Some(&s)), "Some(Secret(***))");
        assert_eq!(s.expose(), "eyJ0eXAi.secret.value");
    }
}
