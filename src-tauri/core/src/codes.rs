//! Codes the UI and `b2b` turn into sentences: pre-flight checks, capability gaps, bulk row
//! problems, follow-up warnings and changes. Each is an enum exported to TypeScript, so that a
//! code without a translation is a compile error in the UI, and `b2b`'s texts match on them
//! without a catch-all. On the wire and in History they are the same snake_case strings as before.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

macro_rules! codes {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
        #[ts(export)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

codes! {
    /// One pre-flight rule.
    CheckCode {
        AddressValid = "address_valid",
        AddressNotInternal = "address_not_internal",
        NotSyncedFromOnPremises = "not_synced_from_on_premises",
        NotAlreadyExternal = "not_already_external",
        AddressNotUsedElsewhere = "address_not_used_elsewhere",
        AddressOnUser = "address_on_user",
        /// Shown only when the address must be written to the user first.
        AdminCanUpdateUser = "admin_can_update_user",
        Mailbox = "mailbox",
        MailboxUnknown = "mailbox_unknown",
        AccountEnabled = "account_enabled",
        AdminCanConvert = "admin_can_convert",
        InvitedBefore = "invited_before",
        AddressAddedFirst = "address_added_first",
        AdminCanReset = "admin_can_reset",
        /// Invite: no user, group or contact holds the address yet.
        NotInDirectory = "not_in_directory",
        /// Invite: the sign-in may invite guests.
        AdminCanInvite = "admin_can_invite",
        /// Invite as Member: the admin is one (Microsoft: "if you're an admin").
        MemberAllowed = "member_allowed",
    }
}

codes! {
    /// A permission the sign-in is known to lack.
    MissingCode {
        ScopeUserInviteAll = "scope_user_invite_all",
        ScopeUserReadwriteAll = "scope_user_readwrite_all",
    }
}

codes! {
    /// Something about the admin's rights the app could not read: Microsoft decides.
    UnconfirmedCode {
        ScopesUnknown = "scopes_unknown",
        RolesUnknown = "roles_unknown",
        RoleNotListedConvert = "role_not_listed_convert",
        RoleNotListedReset = "role_not_listed_reset",
    }
}

codes! {
    /// Why a bulk row could not be checked.
    RowProblem {
        UnreadableRow = "unreadable_row",
        TooManyFields = "too_many_fields",
        MissingUser = "missing_user",
        MissingEmail = "missing_email",
        InvalidEmail = "invalid_email",
        InvalidCc = "invalid_cc",
        InvalidRedirectUrl = "invalid_redirect_url",
        InvalidYesNo = "invalid_yes_no",
        DuplicateUser = "duplicate_user",
        UserNotFound = "user_not_found",
        /// Bulk resend: the user accepted after the overdue list was made; no e-mail is sent.
        AcceptedSinceListed = "accepted_since_listed",
        /// Bulk resend: the invitation changed after the overdue list was made (resent from
        /// elsewhere, or redeemed and reset): not sent again, so no one gets two e-mails.
        ChangedSinceListed = "changed_since_listed",
        /// Bulk resend: the user no longer waits for acceptance (converted back, or deleted).
        NotPendingAnymore = "not_pending_anymore",
        /// An invitation file: this address is already in an earlier row.
        DuplicateEmail = "duplicate_email",
        /// An invitation file: userType is neither Guest nor Member.
        InvalidUserType = "invalid_user_type",
        /// The `sponsors` cell: more than five, or an entry that is no UPN or object id.
        InvalidSponsors = "invalid_sponsors",
    }
}

codes! {
    /// A step after a successful invitation that did not work.
    FollowUpWarning {
        UserTypeNotSet = "user_type_not_set",
        /// On a failed bulk row: `mail` was set before Microsoft refused the invitation.
        MailSetBeforeFailure = "mail_set_before_failure",
        /// Microsoft refused to add one or more of the named sponsors.
        SponsorsNotAdded = "sponsors_not_added",
        /// The sponsor Microsoft added on its own (the inviter) could not be removed, or it is
        /// unknown whether it added one.
        InviterSponsorNotRemoved = "inviter_sponsor_not_removed",
        /// The redeem link of an invitation sent without an e-mail could not be kept on disk:
        /// shown once, it must be copied now.
        LinkNotKept = "link_not_kept",
    }
}

codes! {
    /// Why a bulk run stopped on its own before its last row.
    StopReason {
        /// A row's redeem link (sent without an e-mail) could not be kept on disk: no more rows
        /// are sent whose links could be lost the same way; the report holds the links so far.
        LinkNotKept = "link_not_kept",
    }
}

codes! {
    /// What was changed on the user besides the invitation.
    Change {
        MailSet = "mail_set",
        OtherMailsSet = "other_mails_set",
        UserTypeSet = "user_type_set",
    }
}

/// Why a bulk row was skipped: its problem, or the pre-flight check that blocked it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(untagged)]
#[ts(export)]
pub enum SkipReason {
    Problem(RowProblem),
    Check(CheckCode),
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Problem(p) => p.as_str(),
            SkipReason::Check(c) => c.as_str(),
        }
    }
}

impl PartialEq<&str> for SkipReason {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_keep_their_wire_names() {
        assert_eq!(
            serde_json::to_value(CheckCode::NotSyncedFromOnPremises).ok(),
            Some("not_synced_from_on_premises".into())
        );
        assert_eq!(
            serde_json::from_str::<Change>("\"other_mails_set\"").ok(),
            Some(Change::OtherMailsSet)
        );
        assert_eq!(
            serde_json::to_value(SkipReason::Problem(RowProblem::InvalidEmail)).ok(),
            Some("invalid_email".into())
        );
        assert_eq!(
            serde_json::from_str::<SkipReason>("\"address_not_internal\"").ok(),
            Some(SkipReason::Check(CheckCode::AddressNotInternal))
        );
        for c in CheckCode::ALL {
            assert_eq!(serde_json::to_value(c).ok(), Some(c.as_str().into()));
        }
    }
}
