//! The JSON policy file: `/etc/b2b-convert/policy.json` on Linux, or the file named by
//! `B2B_POLICY_FILE`. Two optional objects, each mapping a key to its value:
//!
//! ```json
//! {
//!   "locked": { "ClientId": "00000000-0000-0000-0000-000000000000", "AllowDemoTenant": false },
//!   "recommended": { "InvitationLanguage": "fr-FR", "SendInvitationMessage": true }
//! }
//! ```
//!
//! A missing file is no policy. A file that can't be read or parsed is a warning, never an error.

use std::path::{Path, PathBuf};

use super::{
    PolicyLevel, PolicySource, PolicySourceKind, PolicyWarning, PolicyWarningCode, RawEntry, RawValue,
    SourceRead,
};

/// Where Linux looks, whatever the environment says.
pub const SYSTEM_FILE: &str = "/etc/b2b-convert/policy.json";

/// Larger than any real policy; a bigger file is not read.
const MAX_BYTES: u64 = 1024 * 1024;

pub struct FileSource {
    path: PathBuf,
}

impl FileSource {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileSource { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn warning(&self, code: PolicyWarningCode, key: Option<&str>, detail: String) -> PolicyWarning {
        PolicyWarning {
            code,
            key: key.map(str::to_owned),
            source: PolicySourceKind::File,
            origin: self.path.display().to_string(),
            detail,
        }
    }
}

impl PolicySource for FileSource {
    fn kind(&self) -> PolicySourceKind {
        PolicySourceKind::File
    }

    fn read(&self) -> SourceRead {
        let mut out = SourceRead::default();
        let unreadable = |detail: String| SourceRead {
            entries: Vec::new(),
            warnings: vec![self.warning(PolicyWarningCode::Unreadable, None, detail)],
        };
        match std::fs::metadata(&self.path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return out,
            Err(e) => return unreadable(e.to_string()),
            Ok(m) if m.len() > MAX_BYTES => return unreadable(format!("larger than {MAX_BYTES} bytes")),
            Ok(_) => {}
        }
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) => return unreadable(e.to_string()),
        };
        let root: serde_json::Value = match serde_json::from_str(text.trim_start_matches('\u{feff}')) {
            Ok(v) => v,
            Err(e) => return unreadable(format!("not JSON: {e}")),
        };
        let Some(root) = root.as_object() else {
            return unreadable("not a JSON object".to_owned());
        };
        for (section, value) in root {
            let level = match section.as_str() {
                "locked" => PolicyLevel::Locked,
                "recommended" => PolicyLevel::Recommended,
                // "$comment" and the like are for the file's authors.
                s if s.starts_with('$') => continue,
                other => {
                    out.warnings.push(self.warning(
                        PolicyWarningCode::UnknownKey,
                        Some(other),
                        format!("{other} is neither \"locked\" nor \"recommended\""),
                    ));
                    continue;
                }
            };
            let Some(values) = value.as_object() else {
                out.warnings.push(self.warning(
                    PolicyWarningCode::WrongType,
                    Some(section),
                    format!("{section} must be an object of keys and values"),
                ));
                continue;
            };
            for (name, v) in values {
                out.entries.push(RawEntry {
                    name: name.clone(),
                    value: raw(v),
                    level,
                    origin: self.path.display().to_string(),
                });
            }
        }
        out
    }
}

fn raw(v: &serde_json::Value) -> RawValue {
    use serde_json::Value;
    match v {
        Value::String(s) => RawValue::Text(s.clone()),
        Value::Bool(b) => RawValue::Flag(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => RawValue::Number(i),
            None => RawValue::Other(format!("the number {n}")),
        },
        Value::Null => RawValue::Other("null".to_owned()),
        Value::Array(_) => RawValue::Other("a list".to_owned()),
        Value::Object(_) => RawValue::Other("an object".to_owned()),
    }
}
