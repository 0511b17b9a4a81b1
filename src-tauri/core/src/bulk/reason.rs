//! The plain English sentence for a bulk row's code, written beside the code in the CSV exports
//! (the app's screens say the same in the user's language from their own catalogs).

/// The sentence for a row problem or a pre-flight check that did not pass; `None` for a code
/// this version does not know (the export then carries the code alone).
pub fn text(code: &str) -> Option<&'static str> {
    Some(match code {
        "unreadable_row" => "This row could not be read: check its quotes.",
        "too_many_fields" => "This row has more fields than the header: check for an extra separator.",
        "missing_user" => "The user column is empty: add the UPN or object ID.",
        "missing_email" => "The email column is empty: add the person's external address.",
        "invalid_email" => "The email is not a valid e-mail address.",
        "invalid_cc" => "The cc is not a valid e-mail address.",
        "invalid_redirect_url" => "The redirect URL must start with https:// (or http://localhost).",
        "invalid_yes_no" => "Use yes or no (or true/false, 1/0) in sendMail and setGuest.",
        "duplicate_user" => "This user is already in an earlier row: keep one row per user.",
        "user_not_found" => "No user with this UPN or object ID in the tenant.",
        "address_valid" => "The address is not a valid e-mail address, or holds a character Microsoft does not allow.",
        "address_not_internal" => "The address is in one of your organisation's verified domains: use the person's own external address.",
        "not_synced_from_on_premises" => "The account is synced from on-premises: the Entra Connect rule that writes its onPremisesUserPrincipalName must change (or the account stop syncing) before it can be converted.",
        "not_already_external" => "The user has already been converted or invited: resend the invitation instead.",
        "address_not_used_elsewhere" => "Another user, group or contact already holds this address: remove it there first, or use another address.",
        "address_on_user" => "The user's e-mail must first be set to this address (Exchange owns it for a mailbox).",
        "mailbox" => "Exchange lists a mailbox for this user: plan what happens to it.",
        "mailbox_unknown" => "Whether Exchange holds a mailbox for this user could not be read.",
        "account_enabled" => "The account is disabled: the person cannot sign in until it is enabled.",
        "admin_can_convert" => "Your sign-in may lack a role or permission the conversion needs.",
        "admin_can_update_user" => "None of your roles may change the user's e-mail, which must be set first.",
        _ => return None,
    })
}

/// The sentences for several codes, one after the other.
pub fn texts<'a>(codes: impl IntoIterator<Item = &'a str>) -> String {
    codes
        .into_iter()
        .map(|c| text(c).unwrap_or(c))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_parser_code_has_a_sentence() {
        for code in [
            "unreadable_row",
            "too_many_fields",
            "missing_user",
            "missing_email",
            "invalid_email",
            "invalid_cc",
            "invalid_redirect_url",
            "invalid_yes_no",
            "duplicate_user",
            "user_not_found",
        ] {
            assert!(super::text(code).is_some(), "{code}");
        }
        assert_eq!(super::texts(["new_code"]), "new_code");
    }
}
