//! What a bulk run does to each of its rows.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum BulkAction {
    /// Rows of a CSV file, converted to external users.
    #[default]
    Convert,
    /// Overdue pending invitations, resent (a reset of their redemption, with the e-mail).
    Resend,
    /// New external users from a CSV file without a user column (`email`, `displayName`...).
    Invite,
}
