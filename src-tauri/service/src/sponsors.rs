//! The organisation's default sponsors: the admin's own setting under the policy's
//! `DefaultSponsors` (locked > the user's > recommended). Used when the admin names none.

use b2b_core::policy::PolicyKey;
use b2b_core::sponsors;
use b2b_core::AppError;
use serde::Serialize;
use ts_rs::TS;

use crate::Service;

/// The default sponsors as Settings shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DefaultSponsorsView {
    /// In force: what the convert panel, `b2b convert` and bulk rows start from.
    pub sponsors: Vec<String>,
    /// The admin's own setting.
    pub own: Vec<String>,
    /// The organisation locked the value: the admin cannot change it.
    pub locked: bool,
}

impl Service {
    /// The sponsors to name when the admin names none.
    pub fn default_sponsors(&self) -> Vec<String> {
        self.policy()
            .default_sponsors(&self.settings.get().default_sponsors)
    }

    pub fn default_sponsors_view(&self) -> DefaultSponsorsView {
        DefaultSponsorsView {
            sponsors: self.default_sponsors(),
            own: self.settings.get().default_sponsors,
            locked: self.policy().is_locked(PolicyKey::DefaultSponsors),
        }
    }

    /// Saves the admin's default sponsors (UPNs or object ids, five at most; empty: none).
    /// Checked for shape here; a sponsor that does not exist is said when it is used.
    pub fn set_default_sponsors(&self, list: Vec<String>) -> Result<DefaultSponsorsView, AppError> {
        if self.policy().is_locked(PolicyKey::DefaultSponsors) {
            return Err(AppError::new(
                b2b_core::ErrorCode::PolicyLocked,
                "the organisation set the default sponsors",
            ));
        }
        let list = sponsors::normalize(&list);
        sponsors::check_entries(&list)?;
        self.settings.update(|s| s.default_sponsors = list)?;
        Ok(self.default_sponsors_view())
    }
}
