//! macOS: the preferences domain `com.b2bconvert.app`, as a configuration profile (MDM) sets it.
//! A forced value (`CFPreferencesAppValueIsForced`, what a profile's managed preferences are) is
//! locked; any other value found for the domain is recommended. Only B2B Convert's own key names
//! are asked for, exactly as spelt (preference keys are case-sensitive).

use core_foundation::base::TCFType;
use core_foundation::boolean::CFBoolean;
use core_foundation::number::CFNumber;
use core_foundation::propertylist::CFPropertyList;
use core_foundation::string::CFString;
use core_foundation_sys::preferences::{CFPreferencesAppValueIsForced, CFPreferencesCopyAppValue};

use super::{PolicyKey, PolicyLevel, PolicySource, PolicySourceKind, RawEntry, RawValue, SourceRead};

pub struct ManagedPreferences {
    domain: String,
}

impl ManagedPreferences {
    pub fn new(domain: &str) -> Self {
        ManagedPreferences {
            domain: domain.to_owned(),
        }
    }
}

impl PolicySource for ManagedPreferences {
    fn kind(&self) -> PolicySourceKind {
        PolicySourceKind::ManagedPreferences
    }

    fn read(&self) -> SourceRead {
        let mut out = SourceRead::default();
        let domain = CFString::new(&self.domain);
        for key in PolicyKey::ALL {
            let name = CFString::new(key.name());
            // SAFETY: both arguments are live CFStrings; the result follows the Create rule (we
            // own it) and is null when the key has no value.
            let value = unsafe {
                CFPreferencesCopyAppValue(name.as_concrete_TypeRef(), domain.as_concrete_TypeRef())
            };
            if value.is_null() {
                continue;
            }
            // SAFETY: non-null and owned, as above; released when dropped.
            let value = unsafe { CFPropertyList::wrap_under_create_rule(value) };
            // SAFETY: both arguments are live CFStrings.
            let forced = unsafe {
                CFPreferencesAppValueIsForced(name.as_concrete_TypeRef(), domain.as_concrete_TypeRef())
            } != 0;
            out.entries.push(RawEntry {
                name: key.name().to_owned(),
                value: raw(&value),
                level: if forced {
                    PolicyLevel::Locked
                } else {
                    PolicyLevel::Recommended
                },
                origin: self.domain.clone(),
            });
        }
        out
    }
}

fn raw(v: &CFPropertyList) -> RawValue {
    if let Some(s) = v.downcast::<CFString>() {
        return RawValue::Text(s.to_string());
    }
    if let Some(b) = v.downcast::<CFBoolean>() {
        return RawValue::Flag(b.into());
    }
    if let Some(n) = v.downcast::<CFNumber>() {
        return match n.to_i64() {
            Some(i) => RawValue::Number(i),
            None => RawValue::Other("a number that is not whole".to_owned()),
        };
    }
    RawValue::Other("a list, dictionary, date or data".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Policy, PolicyValue, PolicyWarningCode};
    use core_foundation::data::CFData;
    use core_foundation::propertylist::CFPropertyListSubClass;
    use core_foundation_sys::preferences::{CFPreferencesAppSynchronize, CFPreferencesSetAppValue};

    #[test]
    fn converts_property_list_values() {
        let text = CFString::new("fr-FR").to_CFPropertyList();
        assert_eq!(raw(&text), RawValue::Text("fr-FR".into()));
        assert_eq!(
            raw(&CFBoolean::false_value().to_CFPropertyList()),
            RawValue::Flag(false)
        );
        assert_eq!(
            raw(&CFNumber::from(1i32).to_CFPropertyList()),
            RawValue::Number(1)
        );
        let data = CFData::from_buffer(&[1, 2]).to_CFPropertyList();
        assert!(matches!(raw(&data), RawValue::Other(_)));
    }

    /// A throw-away domain: values the user sets (not forced by a profile) are recommended.
    #[test]
    fn unforced_values_are_recommended() {
        let domain = format!("com.b2bconvert.test-{}", uuid::Uuid::new_v4());
        let app = CFString::new(&domain);
        let set = |key: &str, value: Option<CFPropertyList>| {
            let key = CFString::new(key);
            let value = value.as_ref().map_or(std::ptr::null(), |v| v.as_CFTypeRef());
            // SAFETY: live CFStrings and a live property list (or null, which removes the key).
            unsafe { CFPreferencesSetAppValue(key.as_concrete_TypeRef(), value, app.as_concrete_TypeRef()) };
        };
        set(
            "InvitationLanguage",
            Some(CFString::new("sv-SE").to_CFPropertyList()),
        );
        set(
            "SendInvitationMessage",
            Some(CFBoolean::false_value().to_CFPropertyList()),
        );
        set("ClientId", Some(CFString::new("not-a-guid").to_CFPropertyList()));
        // SAFETY: a live CFString.
        unsafe { CFPreferencesAppSynchronize(app.as_concrete_TypeRef()) };

        let policy = Policy::resolve(&[&ManagedPreferences::new(&domain)]);

        for key in ["InvitationLanguage", "SendInvitationMessage", "ClientId"] {
            set(key, None);
        }
        // SAFETY: a live CFString.
        unsafe { CFPreferencesAppSynchronize(app.as_concrete_TypeRef()) };

        let lang = policy.get(PolicyKey::InvitationLanguage).expect("language");
        assert_eq!(lang.value, PolicyValue::Text("sv-SE".into()));
        assert_eq!(lang.level, PolicyLevel::Recommended);
        assert_eq!(lang.source, PolicySourceKind::ManagedPreferences);
        assert_eq!(lang.origin, domain);
        assert_eq!(
            policy.pick_flag(PolicyKey::SendInvitationMessage, None),
            Some(false)
        );
        assert!(policy
            .warnings()
            .iter()
            .any(|w| w.code == PolicyWarningCode::InvalidClientId));
    }

    #[test]
    fn the_real_domain_reads_without_failing() {
        let _ = Policy::resolve(&[&ManagedPreferences::new(crate::policy::DOMAIN)]);
    }
}
