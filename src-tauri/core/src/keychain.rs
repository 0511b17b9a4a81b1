//! The OS keychain (Windows Credential Manager, macOS Keychain, the Secret Service on Linux),
//! through `keyring`. There is deliberately no file fallback: when the keychain cannot be used,
//! the caller gets a stable error code and the user is told how to fix it.

/// What went wrong with the keychain, with keyring's error as the source. `error.rs` maps each
/// to the code the user sees. Never holds the secret: keyring's `BadEncoding` carries the raw
/// bytes, so it is kept as a description, not as the source.
#[derive(Debug, thiserror::Error)]
pub enum KeychainError {
    #[error("keychain refused access")]
    Locked(#[source] keyring::Error),
    #[error("keychain unavailable")]
    Unavailable(#[source] keyring::Error),
    #[error("keychain entry is not valid UTF-8")]
    NotUtf8,
    #[error("the keychain refused the value")]
    Rejected(#[source] keyring::Error),
}

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

    fn entry(&self, key: &str) -> Result<keyring::Entry, KeychainError> {
        keyring::Entry::new(&self.service, key).map_err(map_error)
    }

    pub fn set(&self, key: &str, secret: &str) -> Result<(), KeychainError> {
        self.entry(key)?.set_password(secret).map_err(map_error)
    }

    /// `Ok(None)` when there is no such entry.
    pub fn get(&self, key: &str) -> Result<Option<String>, KeychainError> {
        match self.entry(key)?.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_error(e)),
        }
    }

    /// Deleting an entry that does not exist is not an error.
    pub fn delete(&self, key: &str) -> Result<(), KeychainError> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_error(e)),
        }
    }
}

fn map_error(e: keyring::Error) -> KeychainError {
    match e {
        keyring::Error::NoStorageAccess(_) => KeychainError::Locked(e),
        keyring::Error::BadEncoding(_) => KeychainError::NotUtf8,
        keyring::Error::TooLong(..) | keyring::Error::Invalid(..) => KeychainError::Rejected(e),
        other => KeychainError::Unavailable(other),
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
