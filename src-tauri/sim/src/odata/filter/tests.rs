use super::*;
use crate::odata::dates::parse_datetime;
use crate::odata::escape_literal;
use crate::odata::test_users::*;

fn f(s: &str) -> Filter {
    match Filter::parse(s) {
        Ok(f) => f,
        Err(e) => panic!("parse failed for {s:?}: {e}"),
    }
}

fn fmatch(s: &str, user: &Value) -> bool {
    f(s).matches(user)
}

fn is_bad(r: Result<Filter, ODataError>) -> bool {
    matches!(r, Err(ODataError::BadRequest(m)) if m.starts_with("Invalid filter clause"))
}

// ---- $filter parsing and evaluation ----

#[test]
fn eq_is_case_insensitive_in_names_and_values() {
    assert!(fmatch("userPrincipalName eq 'adelev@contoso.com'", &adele()));
    assert!(fmatch("userprincipalname eq 'ADELEV@CONTOSO.COM'", &adele()));
    assert!(fmatch("UserPrincipalName EQ 'AdeleV@contoso.com'", &adele()));
    assert!(!fmatch("userPrincipalName eq 'adele@contoso.com'", &adele()));
    assert!(!fmatch("userPrincipalName eq 'AdeleV@contoso.com'", &oscar()));
}

#[test]
fn ne_and_null_comparisons() {
    assert!(fmatch("mail ne 'x@y.com'", &adele()));
    assert!(!fmatch("mail ne 'adelev@contoso.com'", &adele()));
    assert!(!fmatch("userType eq null", &named("No Type")));
    assert!(!fmatch("mail eq null", &oscar()));
    assert!(fmatch("mail eq null", &named("No Mail")));
    assert!(fmatch("mail ne null", &oscar()));
    assert!(!fmatch("mail ne null", &named("No Mail")));
    // OData: null ne 'x' is true.
    assert!(fmatch("externalUserState ne 'Accepted'", &adele()));
    // Microsoft does not support null on externalUserState (CONTRACT.md 9.6).
    for q in ["externalUserState eq null", "externalUserState ne null"] {
        assert_eq!(
            Filter::parse(q),
            Err(ODataError::Unsupported(
                "Unsupported or invalid query filter clause specified for property 'externalUserState' of resource 'User'."
                    .into()
            )),
            "{q}"
        );
    }
}

#[test]
fn booleans() {
    assert!(fmatch("accountEnabled eq true", &adele()));
    assert!(!fmatch("accountEnabled eq true", &oscar()));
    assert!(fmatch("accountEnabled eq false", &oscar()));
    assert!(fmatch("onPremisesSyncEnabled eq true", &oscar()));
    // null is neither true nor false.
    assert!(!fmatch("onPremisesSyncEnabled eq false", &adele()));
    assert!(fmatch("onPremisesSyncEnabled eq null", &adele()));
}

#[test]
fn in_operator() {
    assert!(fmatch("userType in ('Guest','Member')", &adele()));
    assert!(fmatch("userType in ('guest')", &oscar()));
    assert!(!fmatch("userType in ('Guest')", &adele()));
    assert!(fmatch(
        "id in ('nope', '6EA91A8D-E32E-41A1-B7BD-D2D185EED0E0')",
        &adele()
    ));
    assert!(is_bad(Filter::parse("userType in ()")));
    assert!(is_bad(Filter::parse("userType in ('a',)")));
    assert!(is_bad(Filter::parse("userType in 'a'")));
}

#[test]
fn starts_and_ends_with() {
    assert!(fmatch("startsWith(displayName,'ade')", &adele()));
    assert!(fmatch("startswith(displayName, 'ADE')", &adele()));
    assert!(fmatch("STARTSWITH(givenName,'Ad')", &adele()));
    assert!(!fmatch("startsWith(displayName,'vance')", &adele()));
    assert!(fmatch("endsWith(mail,'@CONTOSO.com')", &adele()));
    assert!(fmatch(
        "endswith(userPrincipalName,'#EXT#@contoso.onmicrosoft.com')",
        &oscar()
    ));
    assert!(!fmatch("endsWith(mail,'@fabrikam.com')", &adele()));
    // Null property never matches.
    assert!(!fmatch("startsWith(surname,'v')", &oscar()));
}

#[test]
fn lambdas_on_string_collections() {
    assert!(fmatch(
        "proxyAddresses/any(x:x eq 'SMTP:AdeleV@contoso.com')",
        &adele()
    ));
    // The prefix is compared exactly: SMTP is the primary, smtp a secondary address.
    assert!(!fmatch(
        "proxyAddresses/any(x:x eq 'smtp:adelev@contoso.com')",
        &adele()
    ));
    assert!(fmatch(
        "proxyAddresses/any(x:x eq 'SMTP:ADELEV@contoso.com')",
        &adele()
    ));
    assert!(fmatch(
        "proxyAddresses/any(x:x eq 'smtp:Adele@Sales.Contoso.com')",
        &adele()
    ));
    assert!(!fmatch(
        "proxyAddresses/any(x:x eq 'SMTP:adele@sales.contoso.com')",
        &adele()
    ));
    assert!(!fmatch(
        "proxyAddresses/any(x:x eq 'AdeleV@contoso.com')",
        &adele()
    ));
    assert!(fmatch(
        "proxyAddresses/any(x:startsWith(x,'smtp:adele@'))",
        &adele()
    ));
    assert!(!fmatch(
        "proxyAddresses/any(x:startsWith(x,'smtp:adelev'))",
        &adele()
    ));
    assert!(fmatch("proxyAddresses/any(x:startsWith(x,'SMTP'))", &adele()));
    assert!(!fmatch("proxyAddresses/any(x:startsWith(x,'Smtp'))", &adele()));
    assert!(!fmatch(
        "proxyAddresses/any(x:x eq 'SMTP:nobody@contoso.com')",
        &adele()
    ));
    assert!(fmatch("otherMails/any(x:startsWith(x,'adele.'))", &adele()));
    assert!(fmatch(
        "otherMails/any(m: m eq 'ADELE.PRIVATE@fabrikam.com')",
        &adele()
    ));
    assert!(!fmatch("otherMails/any(x:x eq 'a@b.c')", &oscar()));
    assert!(fmatch(
        "proxyAddresses/any(x:endsWith(x,'@sales.contoso.com'))",
        &adele()
    ));
}

/// objectIdentity, "Filtering": a local account's sign-in name is found whatever issuer is
/// given; a federated or UPN identity still needs its own issuer.
#[test]
fn a_local_accounts_issuer_is_ignored() {
    let mut u = adele();
    u["identities"] = serde_json::json!([
        { "signInType": "emailAddress", "issuer": "contoso.onmicrosoft.com", "issuerAssignedId": "ann@fabrikam.example" },
        { "signInType": "federated", "issuer": "google.com", "issuerAssignedId": "g-123" }
    ]);
    assert!(fmatch(
        "identities/any(c:c/issuerAssignedId eq 'ann@fabrikam.example' and c/issuer eq 'contosodemo.onmicrosoft.com')",
        &u
    ));
    assert!(!fmatch(
        "identities/any(c:c/issuerAssignedId eq 'g-123' and c/issuer eq 'contoso.com')",
        &u
    ));
    assert!(!fmatch(
        "identities/any(i:i/issuerAssignedId eq 'adelev@contoso.com' and i/issuer eq 'fabrikam.com')",
        &adele()
    ));
}

#[test]
fn lambda_on_identities() {
    let q = "identities/any(i:i/issuerAssignedId eq 'adelev@contoso.com' and i/issuer eq 'contoso.com')";
    assert!(fmatch(q, &adele()));
    assert!(!fmatch(q, &oscar()));
    assert!(!fmatch("identities/any(i:i/issuer eq 'fabrikam.com')", &adele()));
    assert!(fmatch(
        "identities/any(i:i/SignInType eq 'userPrincipalName')",
        &adele()
    ));
    assert!(matches!(
        Filter::parse("identities/any(i:i/foo eq 'x')"),
        Err(ODataError::BadRequest(m)) if m.contains("'foo'")
    ));
    // The element itself is an object, not a string.
    assert!(is_bad(Filter::parse("identities/any(i:i eq 'x')")));
    // startsWith on identities is not supported.
    assert!(matches!(
        Filter::parse("identities/any(i:startsWith(i/issuer,'c'))"),
        Err(ODataError::Unsupported(_))
    ));
}

#[test]
fn duplicate_check_query_from_contract() {
    let e = "AdeleV@contoso.com";
    let q = format!(
        "userPrincipalName eq '{e}' or mail eq '{e}' or proxyAddresses/any(x:x eq 'SMTP:{e}') or \
         otherMails/any(x:x eq '{e}')"
    );
    let flt = f(&q);
    assert!(flt.matches(&adele()));
    assert!(!flt.matches(&oscar()));
    assert_eq!(flt.check_advanced(NO_ADV), Ok(()));
}

#[test]
fn precedence_not_and_or() {
    // a or b and c == a or (b and c)
    let q = "userType eq 'Member' or userType eq 'Guest' and accountEnabled eq true";
    assert!(fmatch(q, &adele()));
    assert!(!fmatch(q, &oscar())); // Guest but disabled
    let q2 = "(userType eq 'Member' or userType eq 'Guest') and accountEnabled eq true";
    assert!(!fmatch(q2, &oscar()));
    // not binds tighter than and: not(a) and b
    let q3 = "not accountEnabled eq true and userType eq 'Guest'";
    assert!(fmatch(q3, &oscar()));
    assert!(!fmatch(q3, &adele()));
    assert!(fmatch("NOT(userType eq 'Guest')", &adele()));
    assert!(!fmatch("not (userType eq 'Member')", &adele()));
    assert!(fmatch("NOT startsWith(displayName,'Oscar')", &adele()));
    assert!(fmatch("not not userType eq 'Member'", &adele()));
}

#[test]
fn o_brien_escaping() {
    assert_eq!(escape_literal("O'Brien"), "O''Brien");
    assert_eq!(escape_literal("a''b"), "a''''b");
    assert_eq!(escape_literal("plain"), "plain");
    let user = named("Pat O'Brien");
    let q = format!("displayName eq '{}'", escape_literal("Pat O'Brien"));
    assert_eq!(q, "displayName eq 'Pat O''Brien'");
    assert!(fmatch(&q, &user));
    assert!(fmatch("startsWith(displayName,'Pat O''B')", &user));
    assert!(!fmatch("displayName eq 'Pat OBrien'", &user));
    // An unescaped quote leaves a dangling literal.
    assert!(is_bad(Filter::parse("displayName eq 'Pat O'Brien'")));
}

#[test]
fn datetime_comparisons() {
    assert!(fmatch("createdDateTime ge 2025-01-01T00:00:00Z", &oscar()));
    assert!(!fmatch("createdDateTime ge 2025-01-01T00:00:00Z", &adele()));
    assert!(fmatch("createdDateTime le 2024-03-01T10:00:00Z", &adele()));
    // Same instant written with an offset and fraction.
    assert!(fmatch(
        "createdDateTime ge 2024-03-01T12:00:00.000+02:00 and createdDateTime le 2024-03-01T10:00:00Z",
        &adele()
    ));
    // eq is not in the table for createdDateTime; externalUserStateChangeDateTime is not
    // filterable at all.
    for q in [
        "createdDateTime eq 2024-03-01T10:00:00Z",
        "externalUserStateChangeDateTime eq 2026-11-01T09:30:00Z",
        // Overdue invitations cannot be asked of Graph by date (CONTRACT.md section 2: eq, ne,
        // NOT, in only): the app filters the whole pending list itself.
        "externalUserStateChangeDateTime ge 2026-10-01T00:00:00Z",
        "externalUserStateChangeDateTime le 2026-10-01T00:00:00Z",
    ] {
        assert!(matches!(Filter::parse(q), Err(ODataError::Unsupported(_))), "{q}");
    }
    // A quoted date is a string: type error.
    assert!(is_bad(Filter::parse("createdDateTime ge '2025-01-01T00:00:00Z'")));
    assert_eq!(parse_datetime("1970-01-01T00:00:01Z"), Some((1, 0)));
    assert_eq!(parse_datetime("2000-03-01T00:00:00Z"), Some((951_868_800, 0)));
    assert_eq!(
        parse_datetime("2000-03-01T00:00:00.5Z"),
        Some((951_868_800, 500_000_000))
    );
    assert_eq!(parse_datetime("2000-13-01T00:00:00Z"), None);
    assert_eq!(parse_datetime("2000-03-01"), None);
}

#[test]
fn unknown_and_unfilterable_properties_are_unsupported() {
    let e = Filter::parse("city eq 'Oslo'").unwrap_err();
    assert_eq!(
        e,
        ODataError::Unsupported(
            "Unsupported or invalid query filter clause specified for property 'city' of resource 'User'."
                .into()
        )
    );
    assert!(matches!(Filter::parse("_sim eq 'x'"), Err(ODataError::Unsupported(m)) if m.contains("'_sim'")));
    assert!(matches!(
        Filter::parse("businessPhones/any(x:x eq '1')"),
        Err(ODataError::Unsupported(_))
    ));
    // startsWith outside the table.
    assert!(matches!(
        Filter::parse("startsWith(userType,'G')"),
        Err(ODataError::Unsupported(m)) if m.contains("'userType'")
    ));
    // Blank cells of the current table: ge/le on names, anything on the on-premises UPN.
    for q in [
        "displayName ge 'a'",
        "userPrincipalName le 'a'",
        "accountEnabled ge true",
        "onPremisesUserPrincipalName eq 'a@corp.local'",
        "startsWith(onPremisesUserPrincipalName,'a')",
        "creationType eq null",
        "accountEnabled eq null",
        "userPrincipalName eq null",
        // With lambdas, Microsoft says to use not() instead of ne.
        "otherMails/any(x:x ne 'a@b.c')",
        "proxyAddresses/any(x:x ne 'SMTP:a@b.c')",
    ] {
        assert!(matches!(Filter::parse(q), Err(ODataError::Unsupported(_))), "{q}");
    }
    // endsWith only on mail, otherMails, userPrincipalName, proxyAddresses.
    assert!(matches!(
        Filter::parse("endsWith(displayName,'e')"),
        Err(ODataError::Unsupported(m)) if m.contains("'displayName'")
    ));
    assert!(Filter::parse("otherMails/any(x:endsWith(x,'.com'))").is_ok());
    // gt/lt and all() are not supported by the directory.
    assert!(matches!(
        Filter::parse("createdDateTime gt 2024-01-01T00:00:00Z"),
        Err(ODataError::Unsupported(_))
    ));
    assert!(matches!(
        Filter::parse("otherMails/all(x:x eq 'a')"),
        Err(ODataError::Unsupported(_))
    ));
    assert!(matches!(
        Filter::parse("contains(displayName,'a')"),
        Err(ODataError::Unsupported(_))
    ));
    assert!(matches!(
        Filter::parse("proxyAddresses/any(x:x in ('a'))"),
        Err(ODataError::Unsupported(_))
    ));
    assert!(matches!(
        Filter::parse("id eq null"),
        Err(ODataError::Unsupported(_))
    ));
}

#[test]
fn syntax_and_type_errors_are_bad_requests() {
    for q in [
        "",
        "displayName",
        "displayName eq",
        "displayName eq 'a' and",
        "displayName eq 'a' or or mail eq 'b'",
        "(displayName eq 'a'",
        "displayName eq 'a')",
        "displayName eq 'unterminated",
        "displayName == 'a'",
        "displayName eq \"a\"",
        "startsWith(displayName)",
        "startsWith(displayName,'a'",
        "startsWith(accountEnabled,'t')",
        "startsWith(displayName,1)",
        "accountEnabled eq 'true'",
        "displayName eq true",
        "displayName eq 42",
        "proxyAddresses eq 'SMTP:a@b.c'",
        "startsWith(otherMails,'a')",
        "displayName/any(x:x eq 'a')",
        "proxyAddresses/any(x:x/foo eq 'a')",
        "proxyAddresses/any()",
        "proxyAddresses/any(x x eq 'a')",
        "frobnicate(displayName,'a')",
        "displayName eq mail",
        "not",
    ] {
        let r = Filter::parse(q);
        assert!(is_bad(r.clone()), "{q:?} gave {r:?}");
    }
    let msg = Filter::parse("displayName eq 'unterminated").unwrap_err();
    assert!(
        msg.message()
            .contains("unterminated string literal at position 15"),
        "{msg:?}"
    );
}

#[test]
fn nesting_and_length_limits() {
    let deep = format!("{}displayName eq 'a'{}", "(".repeat(500), ")".repeat(500));
    assert!(is_bad(Filter::parse(&deep)));
    let shallow = format!("{}displayName eq 'a'{}", "(".repeat(10), ")".repeat(10));
    assert!(Filter::parse(&shallow).is_ok());
    let long = vec!["displayName eq 'a'"; 400].join(" or ");
    assert!(is_bad(Filter::parse(&long)));
    let ok = vec!["displayName eq 'a'"; 15].join(" or ");
    assert!(Filter::parse(&ok).is_ok());
}

// ---- advanced-query rules ----

fn adv_err(op: &str) -> ODataError {
    needs_advanced(op)
}

#[test]
fn advanced_message_matches_graph_example() {
    let e = adv_err("endsWith");
    assert_eq!(
        e.message(),
        "Operator 'endsWith' is not supported because the required parameters might be missing. Try \
         adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to \
         https://aka.ms/graph-docs/advanced-queries for more information"
    );
    assert_eq!(e.code(), "Request_UnsupportedQuery");
}

#[test]
fn advanced_required_operators() {
    let cases = [
        ("endsWith(mail,'@contoso.com')", "endsWith"),
        ("otherMails/any(x:endsWith(x,'.com'))", "endsWith"),
        ("mail ne 'a@b.c'", "ne"),
        ("not(userType eq 'Guest')", "not"),
        ("NOT startsWith(displayName,'a')", "not"),
        ("userType eq null", "eq"),
        ("displayName eq null", "eq"),
        ("userType ne null", "ne"),
        ("mobilePhone eq '1'", "eq"),
        ("startsWith(officeLocation,'Se')", "startsWith"),
        ("preferredLanguage in ('en-US','sv-SE')", "in"),
        ("mail eq null", "eq"),
        ("mail ne null", "ne"),
        ("onPremisesSyncEnabled eq null", "eq"),
        ("externalUserState ne 'Accepted'", "ne"),
        ("not(otherMails/any(x:x eq 'a@b.c'))", "not"),
        // The first offending operator is reported.
        (
            "userType eq 'Guest' and endsWith(userPrincipalName,'x') and mail ne 'y'",
            "endsWith",
        ),
    ];
    for (q, op) in cases {
        let flt = f(q);
        assert_eq!(flt.check_advanced(NO_ADV), Err(adv_err(op)), "{q}");
        // Header alone or $count alone is not enough.
        let half = Advanced {
            consistency_eventual: true,
            count: false,
        };
        assert_eq!(flt.check_advanced(half), Err(adv_err(op)), "{q}");
        let half = Advanced {
            consistency_eventual: false,
            count: true,
        };
        assert!(flt.check_advanced(half).is_err(), "{q}");
        assert_eq!(flt.check_advanced(ADV), Ok(()), "{q}");
    }
}

#[test]
fn default_queries_need_no_advanced_params() {
    for q in [
        "userPrincipalName eq 'a@b.c'",
        "mail eq 'a@b.c'",
        "displayName eq 'Adele Vance'",
        "startsWith(displayName,'a')",
        "startsWith(userPrincipalName,'a')",
        "startsWith(surname,'a') or startsWith(givenName,'b')",
        "startsWith(jobTitle,'R')",
        "proxyAddresses/any(x:startsWith(x,'smtp:a'))",
        "onPremisesImmutableId eq 'abc'",
        "userType eq 'Member'",
        "externalUserState eq 'Accepted'",
        "externalUserState eq 'PendingAcceptance'",
        "externalUserState in ('PendingAcceptance','Accepted')",
        "userType eq 'Guest' and accountEnabled eq true",
        "creationType eq 'Invitation'",
        "onPremisesSyncEnabled eq true",
        "createdDateTime ge 2024-01-01T00:00:00Z",
        "identities/any(i:i/issuerAssignedId eq 'x' and i/issuer eq 'y')",
        "id in ('a','b')",
    ] {
        assert_eq!(f(q).check_advanced(NO_ADV), Ok(()), "{q}");
    }
    // The app's holders query, as it sends it.
    let a = "someone@northwind.example";
    let holders = format!(
        "userPrincipalName eq '{a}' or mail eq '{a}' or proxyAddresses/any(p:p eq 'SMTP:{a}') or \
         proxyAddresses/any(p:p eq 'smtp:{a}') or otherMails/any(m:m eq '{a}')"
    );
    assert_eq!(f(&holders).check_advanced(NO_ADV), Ok(()));
    assert_eq!(f(&holders).check_advanced(ADV), Ok(()));
}

#[test]
fn identities_work_only_without_advanced_params() {
    let q = f("identities/any(i:i/issuer eq 'contoso.com')");
    assert_eq!(q.check_advanced(NO_ADV), Ok(()));
    assert!(matches!(
        q.check_advanced(ADV),
        Err(ODataError::Unsupported(m)) if m.contains("'identities'")
    ));
}

#[test]
fn groups_and_contacts_have_their_own_tables() {
    let g = Filter::parse_for(Resource::Group, "proxyAddresses/any(p:p eq 'smtp:a@b.example')")
        .expect("group filter");
    assert_eq!(g.check_advanced(NO_ADV), Ok(()));
    assert!(Filter::parse_for(Resource::Group, "mailEnabled eq true and mail eq 'a@b.c'").is_ok());
    assert!(Filter::parse_for(Resource::Group, "groupTypes/any(c:c eq 'Unified')").is_ok());
    assert_eq!(
        Filter::parse_for(Resource::Group, "userType eq 'Member'"),
        Err(ODataError::Unsupported(
            "Unsupported or invalid query filter clause specified for property 'userType' of resource 'Group'."
                .into()
        ))
    );
    let c = Filter::parse_for(Resource::OrgContact, "startsWith(mail,'a') or companyName eq 'X'")
        .expect("contact filter");
    assert_eq!(c.check_advanced(NO_ADV), Err(adv_err("eq")));
    assert!(matches!(
        Filter::parse_for(Resource::OrgContact, "otherMails/any(m:m eq 'a')"),
        Err(ODataError::Unsupported(m)) if m.ends_with("of resource 'OrgContact'.")
    ));
}
