//! The plain English sentence for a bulk row's code, written beside the code in the CSV exports
//! (the app's screens say the same in the user's language from their own catalogs). The matches
//! are exhaustive: a new code without a sentence does not compile.

use crate::codes::{CheckCode, RowProblem, SkipReason};

pub fn problem_text(p: RowProblem) -> &'static str {
    use RowProblem::*;
    match p {
        UnreadableRow => "This row could not be read: check its quotes.",
        TooManyFields => "This row has more fields than the header: check for an extra separator.",
        MissingUser => "The user column is empty: add the UPN or object ID.",
        MissingEmail => "The email column is empty: add the person's external address.",
        InvalidEmail => "The email is not a valid e-mail address.",
        InvalidCc => "The cc is not a valid e-mail address.",
        InvalidRedirectUrl => "The redirect URL must start with https:// (or http://localhost).",
        InvalidYesNo => "Use yes or no (or true/false, 1/0) in sendMail and setGuest.",
        DuplicateUser => "This user is already in an earlier row: keep one row per user.",
        UserNotFound => "No user with this UPN or object ID in the tenant.",
        AcceptedSinceListed => "The user accepted the invitation after the list was made: nothing was sent.",
        ChangedSinceListed => {
            "The invitation changed after the list was made (resent or reset elsewhere): not sent again."
        }
        NotPendingAnymore => "The user no longer waits for acceptance: nothing was sent.",
        DuplicateEmail => "This address is already in an earlier row: keep one row per person.",
        InvalidUserType => "Use Guest or Member (or leave it empty for Guest) in userType.",
        InvalidSponsors => "Give at most five sponsors, each a UPN or an object ID, separated by |.",
    }
}

/// What a check that did not pass means for a bulk row.
pub fn check_text(c: CheckCode) -> &'static str {
    use CheckCode::*;
    match c {
        AddressValid => "The address is not a valid e-mail address, or holds a character Microsoft does not allow.",
        AddressNotInternal => "The address is in one of your organisation's verified domains: use the person's own external address.",
        NotSyncedFromOnPremises => "The account is synced from on-premises: the Entra Connect rule that writes its onPremisesUserPrincipalName must change (or the account stop syncing) before it can be converted.",
        NotAlreadyExternal => "The user has already been converted or invited: resend the invitation instead.",
        AddressNotUsedElsewhere => "Another user, group or contact already holds this address: remove it there first, or use another address.",
        AddressOnUser => "The user's e-mail must first be set to this address (Exchange owns it for a mailbox).",
        Mailbox => "Exchange lists a mailbox for this user: plan what happens to it.",
        MailboxUnknown => "Whether Exchange holds a mailbox for this user could not be read.",
        AccountEnabled => "The account is disabled: the person cannot sign in until it is enabled.",
        AdminCanConvert => "Your sign-in may lack a role or permission the conversion needs.",
        AdminCanUpdateUser => "None of your roles may change the user's e-mail, which must be set first.",
        InvitedBefore => "The user was never converted or invited: convert instead of resending.",
        AddressAddedFirst => "The address is new for this user: it is added to the user first.",
        AdminCanReset => "Your sign-in may lack a role or permission the reset needs.",
        NotInDirectory => "A user, group or contact in the directory already holds this address: use that user, or another address.",
        AdminCanInvite => "Your sign-in may lack a role or permission to invite guests.",
        MemberAllowed => "Only an administrator may invite a Member: invite a Guest, or ask an administrator.",
    }
}

pub fn skip_text(r: SkipReason) -> &'static str {
    match r {
        SkipReason::Problem(p) => problem_text(p),
        SkipReason::Check(c) => check_text(c),
    }
}

/// The sentences for several codes, one after the other.
pub fn texts(reasons: impl IntoIterator<Item = SkipReason>) -> String {
    reasons.into_iter().map(skip_text).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_follow_one_another() {
        let both = texts([
            SkipReason::Problem(RowProblem::InvalidEmail),
            SkipReason::Check(CheckCode::AccountEnabled),
        ]);
        assert_eq!(
            both,
            "The email is not a valid e-mail address. The account is disabled: the person cannot sign in until it is enabled."
        );
        assert_eq!(texts([]), "");
    }
}
