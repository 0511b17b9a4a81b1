//! The token vault: refresh tokens and account metadata in the OS keychain, chunked so that values
//! longer than Windows Credential Manager's 2,560-byte limit (about 1,280 UTF-16 characters) fit.
//!
//! Layout for a value under `key`: chunks `key#0`, `key#1`, ... written first, then the manifest
//! under `key` (`{"v":1,"n":chunks,"len":chars,"sha256":hex}`). A reader that finds a manifest
//! whose chunks are missing or do not hash to it has seen a torn write: the caller is told to sign
//! in again. When a value shrinks, the chunks past the new end are removed after the manifest.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{AppError, ErrorCode};
use crate::keychain::Keychain;

/// Characters per chunk: ASCII tokens take 2 bytes each in UTF-16, so 1,000 stays well under
/// Windows' 2,560 bytes.
pub const CHUNK_CHARS: usize = 1000;

/// Where secrets go. The keychain in the app; an in-memory map in unit tests of other layers.
pub trait SecretStore: Send + Sync {
    fn set(&self, key: &str, value: &str) -> Result<(), AppError>;
    fn get(&self, key: &str) -> Result<Option<String>, AppError>;
    fn delete(&self, key: &str) -> Result<(), AppError>;
}

impl SecretStore for Keychain {
    fn set(&self, key: &str, value: &str) -> Result<(), AppError> {
        Ok(Keychain::set(self, key, value)?)
    }
    fn get(&self, key: &str) -> Result<Option<String>, AppError> {
        Ok(Keychain::get(self, key)?)
    }
    fn delete(&self, key: &str) -> Result<(), AppError> {
        Ok(Keychain::delete(self, key)?)
    }
}

/// A store chosen at run time: the keychain in the app and `b2b`, memory in the service's tests.
impl SecretStore for Box<dyn SecretStore> {
    fn set(&self, key: &str, value: &str) -> Result<(), AppError> {
        (**self).set(key, value)
    }
    fn get(&self, key: &str) -> Result<Option<String>, AppError> {
        (**self).get(key)
    }
    fn delete(&self, key: &str) -> Result<(), AppError> {
        (**self).delete(key)
    }
}

/// An in-memory store for unit tests. Never used as a fallback for the keychain.
#[derive(Default)]
pub struct MemoryStore {
    map: std::sync::Mutex<std::collections::BTreeMap<String, String>>,
}

impl MemoryStore {
    pub fn keys(&self) -> Vec<String> {
        self.map
            .lock()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }
}

impl SecretStore for MemoryStore {
    fn set(&self, key: &str, value: &str) -> Result<(), AppError> {
        let mut m = self
            .map
            .lock()
            .map_err(|_| AppError::new(ErrorCode::Internal, "store poisoned"))?;
        m.insert(key.to_owned(), value.to_owned());
        Ok(())
    }
    fn get(&self, key: &str) -> Result<Option<String>, AppError> {
        let m = self
            .map
            .lock()
            .map_err(|_| AppError::new(ErrorCode::Internal, "store poisoned"))?;
        Ok(m.get(key).cloned())
    }
    fn delete(&self, key: &str) -> Result<(), AppError> {
        let mut m = self
            .map
            .lock()
            .map_err(|_| AppError::new(ErrorCode::Internal, "store poisoned"))?;
        m.remove(key);
        Ok(())
    }
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Manifest {
    v: u32,
    n: usize,
    len: usize,
    sha256: String,
}

fn chunk_key(key: &str, i: usize) -> String {
    format!("{key}#{i}")
}

fn digest(value: &str) -> String {
    Sha256::digest(value.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What went wrong reading or writing a chunked value. `error.rs` maps each to its code: a torn
/// value means "sign in again".
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The secret store's own error, already coded (the keychain's).
    #[error(transparent)]
    Store(#[from] AppError),
    #[error("the saved sign-in for {key} is incomplete ({why})")]
    Torn { key: String, why: &'static str },
    #[error("the manifest could not be written")]
    Manifest(#[source] serde_json::Error),
}

fn torn(key: &str, why: &'static str) -> VaultError {
    VaultError::Torn {
        key: key.to_owned(),
        why,
    }
}

/// Chunked values over a `SecretStore`.
pub struct Vault<S: SecretStore> {
    store: S,
}

impl<S: SecretStore> Vault<S> {
    pub fn new(store: S) -> Self {
        Vault { store }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    fn manifest(&self, key: &str) -> Result<Option<Manifest>, VaultError> {
        match self.store.get(key)? {
            None => Ok(None),
            Some(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|_| torn(key, "unreadable manifest")),
        }
    }

    pub fn put(&self, key: &str, value: &str) -> Result<(), VaultError> {
        // A manifest we cannot read still tells us nothing about stale chunks; clean up to a bound.
        let old_n = self.manifest(key).ok().flatten().map(|m| m.n);
        let chars: Vec<char> = value.chars().collect();
        let chunks: Vec<String> = if chars.is_empty() {
            vec![String::new()]
        } else {
            chars.chunks(CHUNK_CHARS).map(|c| c.iter().collect()).collect()
        };
        for (i, chunk) in chunks.iter().enumerate() {
            self.store.set(&chunk_key(key, i), chunk)?;
        }
        let manifest = Manifest {
            v: 1,
            n: chunks.len(),
            len: chars.len(),
            sha256: digest(value),
        };
        let text = serde_json::to_string(&manifest).map_err(VaultError::Manifest)?;
        self.store.set(key, &text)?;
        for i in chunks.len()..old_n.unwrap_or(chunks.len()) {
            self.store.delete(&chunk_key(key, i))?;
        }
        Ok(())
    }

    /// `Ok(None)` when nothing is saved; `SessionExpired` when what is saved is torn.
    pub fn get(&self, key: &str) -> Result<Option<String>, VaultError> {
        let Some(m) = self.manifest(key)? else {
            return Ok(None);
        };
        if m.v != 1 || m.n == 0 {
            return Err(torn(key, "unknown manifest"));
        }
        let mut value = String::with_capacity(m.len);
        for i in 0..m.n {
            match self.store.get(&chunk_key(key, i))? {
                Some(chunk) => value.push_str(&chunk),
                None => return Err(torn(key, "missing chunk")),
            }
        }
        if value.chars().count() != m.len || digest(&value) != m.sha256 {
            return Err(torn(key, "chunks do not match"));
        }
        Ok(Some(value))
    }

    /// Removes the value and every chunk, including ones a torn write left behind.
    pub fn remove(&self, key: &str) -> Result<(), VaultError> {
        let n = self.manifest(key).ok().flatten().map(|m| m.n).unwrap_or(0);
        self.store.delete(key)?;
        let mut i = 0;
        // Past the manifest's count, keep going while chunks exist (a torn write may have left more).
        loop {
            let exists = i < n || self.store.get(&chunk_key(key, i))?.is_some();
            if !exists {
                break;
            }
            self.store.delete(&chunk_key(key, i))?;
            i += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn long(n: usize) -> String {
        (0..n).map(|i| char::from(b'a' + (i % 26) as u8)).collect()
    }

    #[test]
    fn round_trip_grow_and_shrink() {
        let v = Vault::new(MemoryStore::default());
        assert_eq!(v.get("rt").expect("get"), None);
        v.put("rt", &long(2_600)).expect("put");
        assert_eq!(v.get("rt").expect("get").map(|s| s.len()), Some(2_600));
        assert_eq!(v.store().keys().len(), 4, "manifest + 3 chunks");
        v.put("rt", "short").expect("shrink");
        assert_eq!(v.get("rt").expect("get").as_deref(), Some("short"));
        assert_eq!(
            v.store().keys(),
            vec!["rt".to_owned(), "rt#0".to_owned()],
            "stale chunks removed"
        );
        v.put("rt", "").expect("empty");
        assert_eq!(v.get("rt").expect("get").as_deref(), Some(""));
        v.remove("rt").expect("remove");
        assert!(v.store().keys().is_empty());
    }

    #[test]
    fn torn_writes_mean_sign_in_again() {
        let v = Vault::new(MemoryStore::default());
        v.put("rt", &long(2_500)).expect("put");
        // A crash after the chunks of a new value but before its manifest.
        v.store().set("rt#0", &long(10)).expect("overwrite a chunk");
        assert_eq!(
            v.get("rt").map_err(|e| AppError::from(e).code),
            Err(ErrorCode::SessionExpired)
        );
        v.put("rt", &long(2_500)).expect("put");
        v.store().delete("rt#2").expect("lose a chunk");
        assert_eq!(
            v.get("rt").map_err(|e| AppError::from(e).code),
            Err(ErrorCode::SessionExpired)
        );
        v.store().set("rt", "{not json").expect("garbage manifest");
        assert_eq!(
            v.get("rt").map_err(|e| AppError::from(e).code),
            Err(ErrorCode::SessionExpired)
        );
        v.store().set("rt#5", "left over").expect("stray chunk");
        v.remove("rt").expect("remove cleans everything reachable");
        assert_eq!(
            v.store().keys(),
            vec!["rt#5".to_owned()],
            "only an unreachable stray remains"
        );
    }

    #[test]
    fn multibyte_values_split_on_char_boundaries() {
        let v = Vault::new(MemoryStore::default());
        let value = "é".repeat(CHUNK_CHARS * 2 + 7);
        v.put("k", &value).expect("put");
        assert_eq!(v.get("k").expect("get"), Some(value));
    }

    /// The real keychain (Secret Service here): a value over Windows' 2,560-byte limit, then a
    /// value that shrinks, then removal.
    #[test]
    #[ignore = "needs an unlocked OS keychain: run through `cargo xtask test`"]
    fn real_keychain_chunking() {
        let service = format!("b2b-convert-test-{}", uuid::Uuid::new_v4());
        let v = Vault::new(Keychain::new(service.clone()));
        let big = long(5_000);
        v.put("account", &big).expect("put big");
        assert_eq!(v.get("account").expect("get"), Some(big));
        let kc = Keychain::new(service);
        assert!(kc.get("account#4").expect("chunk 4").is_some());
        v.put("account", &long(1_500)).expect("shrink");
        assert_eq!(v.get("account").expect("get").map(|s| s.len()), Some(1_500));
        assert_eq!(
            kc.get("account#2").expect("stale chunk"),
            None,
            "stale chunks are removed"
        );
        v.remove("account").expect("remove");
        assert_eq!(kc.get("account").expect("manifest"), None);
        assert_eq!(kc.get("account#0").expect("chunk"), None);
    }
}
