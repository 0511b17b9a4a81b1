//! The OS keychain (Windows Credential Manager, macOS Keychain, the Secret Service on Linux),
//! through `keyring`. There is deliberately no file fallback: when the keychain cannot be used,
//! the caller gets a stable error code and the user is told how to fix it.

use crate::error::{AppError, ErrorCode};

/// The keychain "service" under which every B2B Convert entry lives.
pub const SERVICE: &str = "com.b2bconvert.app";

/// One namespace of keychain entries. Tests use their own service name.
#[derive(Debug, Clone)]
pub struct Keychain {
    service: String,
}

impl Default for Keychain {
    fn default() -> Self {
        Self::new(SERVICE)
    }
}

impl Keychain {
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    fn entry(&self, key: &str) -> Result<keyring::Entry, AppError> {
        keyring::Entry::new(&self.service, key).map_err(map_error)
    }

    pub fn set(&self, key: &str, secret: &str) -> Result<(), AppError> {
        self.entry(key)?.set_password(secret).map_err(map_error)
    }

    /// `Ok(None)` when there is no such entry.
    pub fn get(&self, key: &str) -> Result<Option<String>, AppError> {
        match self.entry(key)?.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_error(e)),
        }
    }

    /// Deleting an entry that does not exist is not an error.
    pub fn delete(&self, key: &str) -> Result<(), AppError> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_error(e)),
        }
    }
}

/// Maps keyring's errors to stable codes. The message never contains the secret: keyring's
/// `BadEncoding` carries the raw bytes, so it is described, not printed.
fn map_error(e: keyring::Error) -> AppError {
    match e {
        keyring::Error::NoStorageAccess(inner) => AppError::new(
            ErrorCode::KeychainLocked,
            format!("keychain refused access: {inner}"),
        ),
        keyring::Error::PlatformFailure(inner) => AppError::new(
            ErrorCode::KeychainUnavailable,
            format!("keychain unavailable: {inner}"),
        ),
        keyring::Error::BadEncoding(_) => {
            AppError::new(ErrorCode::KeychainRejected, "keychain entry is not valid UTF-8")
        }
        keyring::Error::TooLong(attr, max) => AppError::new(
            ErrorCode::KeychainRejected,
            format!("{attr} is longer than {max}"),
        ),
        keyring::Error::Invalid(attr, why) => {
            AppError::new(ErrorCode::KeychainRejected, format!("{attr} is invalid: {why}"))
        }
        other => AppError::new(ErrorCode::KeychainUnavailable, format!("keychain error: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Talks to the real OS keychain. `cargo xtask test` runs it inside a D-Bus session with an
    /// unlocked gnome-keyring; a bare `cargo test` on a desktop would touch the user's keychain.
    #[test]
    #[ignore = "needs an unlocked OS keychain: run through `cargo xtask test`"]
    fn real_keychain_set_get_delete() {
        let kc = Keychain::new(format!("b2b-convert-test-{}", uuid::Uuid::new_v4()));
        let key = "account-1";
        assert_eq!(kc.get(key).expect("get before set"), None);
        kc.set(key, "s3cret-value-é").expect("set");
        assert_eq!(kc.get(key).expect("get").as_deref(), Some("s3cret-value-é"));
        kc.set(key, "second").expect("overwrite");
        assert_eq!(
            kc.get(key).expect("get after overwrite").as_deref(),
            Some("second")
        );
        kc.delete(key).expect("delete");
        assert_eq!(kc.get(key).expect("get after delete"), None);
        kc.delete(key).expect("deleting twice is fine");
    }
}
