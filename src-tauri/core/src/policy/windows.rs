//! Windows: `HKLM\SOFTWARE\Policies\B2BConvert`, then the same under HKCU. Values in the key are
//! locked; values in its `Recommended` subkey are recommended. Text is REG_SZ (or REG_EXPAND_SZ,
//! read as written), true/false is REG_DWORD 1/0, as Group Policy writes them.

use std::io;

use winreg::enums::{RegType, HKEY_CURRENT_USER, HKEY_LOCAL_MACHINE};
use winreg::{RegKey, RegValue};

use super::{
    PolicyLevel, PolicySource, PolicySourceKind, PolicyWarning, PolicyWarningCode, RawEntry, RawValue,
    SourceRead, REGISTRY_PATH,
};

const RECOMMENDED: &str = "Recommended";

pub struct RegistrySource {
    /// Hives in order of precedence, with the name shown for them.
    roots: Vec<(RegKey, &'static str)>,
    path: String,
}

impl RegistrySource {
    /// The machine's policy, then the user's.
    pub fn system() -> Self {
        RegistrySource {
            roots: vec![
                (RegKey::predef(HKEY_LOCAL_MACHINE), "HKLM"),
                (RegKey::predef(HKEY_CURRENT_USER), "HKCU"),
            ],
            path: REGISTRY_PATH.to_owned(),
        }
    }

    /// Another key, for tests (writing under Policies needs an administrator).
    pub fn at(roots: Vec<(RegKey, &'static str)>, path: &str) -> Self {
        RegistrySource {
            roots,
            path: path.to_owned(),
        }
    }

    fn read_key(&self, key: &RegKey, origin: &str, level: PolicyLevel, out: &mut SourceRead) {
        for item in key.enum_values() {
            match item {
                Ok((name, value)) => out.entries.push(RawEntry {
                    name,
                    value: raw(&value),
                    level,
                    origin: origin.to_owned(),
                }),
                Err(e) => out.warnings.push(unreadable(origin, &e)),
            }
        }
    }
}

fn unreadable(origin: &str, e: &io::Error) -> PolicyWarning {
    PolicyWarning {
        code: PolicyWarningCode::Unreadable,
        key: None,
        source: PolicySourceKind::Registry,
        origin: origin.to_owned(),
        detail: e.to_string(),
    }
}

/// A key that isn't there is no policy; any other failure is a warning.
fn open(parent: &RegKey, path: &str, origin: &str, out: &mut SourceRead) -> Option<RegKey> {
    match parent.open_subkey(path) {
        Ok(k) => Some(k),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => {
            out.warnings.push(unreadable(origin, &e));
            None
        }
    }
}

impl PolicySource for RegistrySource {
    fn kind(&self) -> PolicySourceKind {
        PolicySourceKind::Registry
    }

    fn read(&self) -> SourceRead {
        let mut out = SourceRead::default();
        for (root, hive) in &self.roots {
            let origin = format!("{hive}\\{}", self.path);
            let Some(key) = open(root, &self.path, &origin, &mut out) else {
                continue;
            };
            self.read_key(&key, &origin, PolicyLevel::Locked, &mut out);
            let rec_origin = format!("{origin}\\{RECOMMENDED}");
            if let Some(rec) = open(&key, RECOMMENDED, &rec_origin, &mut out) {
                self.read_key(&rec, &rec_origin, PolicyLevel::Recommended, &mut out);
            }
        }
        out
    }
}

fn raw(v: &RegValue) -> RawValue {
    use winreg::types::FromRegValue;
    match v.vtype {
        RegType::REG_SZ | RegType::REG_EXPAND_SZ => match String::from_reg_value(v) {
            Ok(s) => RawValue::Text(s),
            Err(e) => RawValue::Other(format!("unreadable text ({e})")),
        },
        RegType::REG_DWORD => match u32::from_reg_value(v) {
            Ok(n) => RawValue::Number(i64::from(n)),
            Err(e) => RawValue::Other(format!("an unreadable DWORD ({e})")),
        },
        RegType::REG_QWORD => match u64::from_reg_value(v).map(i64::try_from) {
            Ok(Ok(n)) => RawValue::Number(n),
            _ => RawValue::Other("an unreadable QWORD".to_owned()),
        },
        ref other => RawValue::Other(format!("a registry value of type {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Policy, PolicyKey, PolicyValue};

    /// A throw-away key under HKCU\Software standing in for the two hives.
    struct TestKey {
        path: String,
    }

    impl Drop for TestKey {
        fn drop(&mut self) {
            let _ = RegKey::predef(HKEY_CURRENT_USER).delete_subkey_all(&self.path);
        }
    }

    #[test]
    fn reads_locked_and_recommended_values_machine_first() {
        let base = format!("Software\\B2BConvertPolicyTest-{}", uuid::Uuid::new_v4());
        let _guard = TestKey { path: base.clone() };
        let hkcu = RegKey::predef(HKEY_CURRENT_USER);
        let (machine, _) = hkcu.create_subkey(format!("{base}\\M\\P")).expect("machine key");
        let (user, _) = hkcu.create_subkey(format!("{base}\\U\\P")).expect("user key");
        let (rec, _) = user.create_subkey(RECOMMENDED).expect("recommended key");
        machine
            .set_value("ClientId", &"11111111-2222-3333-4444-555555555555")
            .expect("set");
        machine.set_value("AllowDemoTenant", &0u32).expect("set");
        user.set_value("ClientId", &"99999999-2222-3333-4444-555555555555")
            .expect("set");
        user.set_value("SendInvitationMessage", &"yes").expect("set");
        rec.set_value("InvitationLanguage", &"fr-FR").expect("set");
        rec.set_value("TenantId", &"contoso.com").expect("set");

        let source = RegistrySource::at(
            vec![
                (hkcu.open_subkey(format!("{base}\\M")).expect("open"), "HKLM"),
                (hkcu.open_subkey(format!("{base}\\U")).expect("open"), "HKCU"),
            ],
            "P",
        );
        let policy = Policy::resolve(&[&source]);
        let client = policy.get(PolicyKey::ClientId).expect("client id");
        assert_eq!(
            client.value,
            PolicyValue::Text("11111111-2222-3333-4444-555555555555".into())
        );
        assert_eq!(client.origin, "HKLM\\P", "the machine wins");
        assert_eq!(client.source, PolicySourceKind::Registry);
        assert!(!policy.demo_allowed(), "a DWORD 0 is false");
        assert_eq!(
            policy.recommended_text(PolicyKey::InvitationLanguage),
            Some("fr-FR")
        );
        assert_eq!(
            policy.get(PolicyKey::TenantId).map(|e| e.origin.as_str()),
            Some("HKCU\\P\\Recommended")
        );
        assert!(
            policy
                .warnings()
                .iter()
                .any(|w| w.code == PolicyWarningCode::WrongType
                    && w.key.as_deref() == Some("SendInvitationMessage")),
            "{:?}",
            policy.warnings()
        );
    }

    #[test]
    fn the_real_policy_key_reads_without_failing() {
        // Whatever this machine has (usually nothing): never a panic, never an error.
        let _ = Policy::resolve(&[&RegistrySource::system()]);
    }
}
