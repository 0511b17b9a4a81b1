//! `$select` and the projection of a user onto the selected properties.

use serde_json::{Map, Value};

use super::ODataError;

/// `$select` list, trimmed, case-preserving; error for an empty item.
pub fn parse_select(input: &str) -> Result<Vec<String>, ODataError> {
    let mut out = Vec::new();
    let mut pos = 0;
    for item in input.split(',') {
        let name = item.trim();
        if name.is_empty() {
            // Point at the offending comma (or the end for a trailing/empty item).
            let at = pos + item.chars().count();
            return Err(ODataError::BadRequest(format!(
                "Syntax error: character ',' is not valid at position {at} in '{input}'."
            )));
        }
        out.push(name.to_string());
        pos += item.chars().count() + 1;
    }
    Ok(out)
}

/// Graph v1.0 user properties the projection knows, and whether each is a collection
/// (rendered `[]` when the simulated user lacks it; scalars render `null`).
const USER_PROPS: &[(&str, bool)] = &[
    // Modelled by the simulator.
    ("id", false),
    ("displayName", false),
    ("givenName", false),
    ("surname", false),
    ("userPrincipalName", false),
    ("mail", false),
    ("otherMails", true),
    ("proxyAddresses", true),
    ("userType", false),
    ("externalUserState", false),
    ("externalUserStateChangeDateTime", false),
    ("creationType", false),
    ("identities", true),
    ("onPremisesSyncEnabled", false),
    ("onPremisesUserPrincipalName", false),
    ("onPremisesImmutableId", false),
    ("accountEnabled", false),
    ("jobTitle", false),
    ("businessPhones", true),
    ("mobilePhone", false),
    ("officeLocation", false),
    ("preferredLanguage", false),
    ("createdDateTime", false),
    // Real Graph properties the simulator does not model: selectable, always empty.
    ("ageGroup", false),
    ("assignedLicenses", true),
    ("assignedPlans", true),
    ("authorizationInfo", false),
    ("city", false),
    ("companyName", false),
    ("consentProvidedForMinor", false),
    ("country", false),
    ("customSecurityAttributes", false),
    ("deletedDateTime", false),
    ("department", false),
    ("employeeHireDate", false),
    ("employeeId", false),
    ("employeeLeaveDateTime", false),
    ("employeeOrgData", false),
    ("employeeType", false),
    ("faxNumber", false),
    ("imAddresses", true),
    ("isResourceAccount", false),
    ("lastPasswordChangeDateTime", false),
    ("legalAgeGroupClassification", false),
    ("licenseAssignmentStates", true),
    ("mailNickname", false),
    ("onPremisesDistinguishedName", false),
    ("onPremisesDomainName", false),
    ("onPremisesExtensionAttributes", false),
    ("onPremisesLastSyncDateTime", false),
    ("onPremisesProvisioningErrors", true),
    ("onPremisesSamAccountName", false),
    ("onPremisesSecurityIdentifier", false),
    ("passwordPolicies", false),
    ("passwordProfile", false),
    ("postalCode", false),
    ("preferredDataLocation", false),
    ("provisionedPlans", true),
    ("securityIdentifier", false),
    ("serviceProvisioningErrors", true),
    ("showInAddressList", false),
    ("signInActivity", false),
    ("signInSessionsValidFromDateTime", false),
    ("state", false),
    ("streetAddress", false),
    ("usageLocation", false),
    // Single-user-only properties: the caller decides (501 on the collection); here they are known.
    ("aboutMe", false),
    ("birthday", false),
    ("hireDate", false),
    ("interests", true),
    ("mySite", false),
    ("pastProjects", true),
    ("preferredName", false),
    ("responsibilities", true),
    ("schools", true),
    ("skills", true),
    ("mailboxSettings", false),
];

/// Default property set for GET /users and GET /users/{id} (CONTRACT.md section 2).
const DEFAULT_SELECT: &[&str] = &[
    "businessPhones",
    "displayName",
    "givenName",
    "id",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
];

/// Projects a user's JSON onto the selected properties (case-insensitive names, canonical camelCase
/// output). `id` is not added when not selected, as in examples/user-get_ex3_select_response-200.json.
/// `None` gives the default property set. Unknown names (including `_sim`) are a BadRequest.
pub fn project(user: &Value, select: Option<&[String]>) -> Result<Value, ODataError> {
    let mut wanted: Vec<(&'static str, bool)> = Vec::new();
    match select {
        None => {
            for name in DEFAULT_SELECT {
                if let Some(&entry) = USER_PROPS.iter().find(|(p, _)| p == name) {
                    wanted.push(entry);
                }
            }
        }
        Some(names) => {
            for name in names {
                let name = name.trim();
                let Some(&entry) = USER_PROPS.iter().find(|(p, _)| p.eq_ignore_ascii_case(name)) else {
                    return Err(ODataError::BadRequest(format!(
                        "Could not find a property named '{name}' on type 'microsoft.graph.user'."
                    )));
                };
                wanted.push(entry);
            }
        }
    }
    let mut out = Map::new();
    for (name, is_collection) in wanted {
        let value = match user.get(name) {
            Some(v) => v.clone(),
            None if is_collection => Value::Array(Vec::new()),
            None => Value::Null,
        };
        out.insert(name.to_string(), value);
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::odata::test_users::*;
    use serde_json::json;

    #[test]
    fn select_parsing() {
        assert_eq!(
            parse_select("id, displayName ,Mail"),
            Ok(vec!["id".to_string(), "displayName".into(), "Mail".into()])
        );
        assert_eq!(parse_select("id"), Ok(vec!["id".to_string()]));
        assert!(
            matches!(parse_select("id,,mail"), Err(ODataError::BadRequest(m)) if m.contains("position 3"))
        );
        assert!(matches!(parse_select("id,"), Err(ODataError::BadRequest(_))));
        assert!(matches!(parse_select(""), Err(ODataError::BadRequest(_))));
        assert!(matches!(parse_select(" , id"), Err(ODataError::BadRequest(_))));
    }

    #[test]
    fn projection_defaults() {
        let p = project(&adele(), None).unwrap();
        let obj = p.as_object().unwrap();
        let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, DEFAULT_SELECT.to_vec());
        assert_eq!(p["businessPhones"], json!([]));
        assert_eq!(p["mobilePhone"], Value::Null);
        assert_eq!(p["userPrincipalName"], json!("AdeleV@contoso.com"));
        assert!(p.get("_sim").is_none());
        assert!(p.get("userType").is_none());
        assert!(p.get("otherMails").is_none());
    }

    #[test]
    fn projection_with_select() {
        let sel =
            parse_select("DISPLAYNAME,identities,postalCode,externalUserState,otherMails,assignedLicenses")
                .unwrap();
        let p = project(&adele(), Some(&sel)).unwrap();
        assert_eq!(
            p,
            json!({
                "displayName": "Adele Vance",
                "identities": [{"signInType": "userPrincipalName", "issuer": "contoso.com",
                                "issuerAssignedId": "AdeleV@contoso.com"}],
                "postalCode": null,
                "externalUserState": null,
                "otherMails": ["adele.private@fabrikam.com"],
                "assignedLicenses": []
            })
        );
        // id is not added implicitly (examples/user-get_ex3_select_response-200.json).
        assert!(p.get("id").is_none());
    }

    #[test]
    fn projection_rejects_unknown_names() {
        for bad in ["foo", "_sim", "displayName/x", "*"] {
            let e = project(&adele(), Some(&[bad.to_string()])).unwrap_err();
            assert_eq!(
                e,
                ODataError::BadRequest(format!(
                    "Could not find a property named '{bad}' on type 'microsoft.graph.user'."
                ))
            );
        }
        // Single-user-only properties are known here (the caller turns them into 501 on lists).
        assert!(project(&adele(), Some(&["aboutMe".to_string()])).is_ok());
    }
}
