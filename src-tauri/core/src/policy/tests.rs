use super::*;
use crate::settings::{LanguageView, MICROSOFT_AUTHORITY, MICROSOFT_GRAPH};

const GUID_A: &str = "11111111-2222-3333-4444-555555555555";
const GUID_B: &str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

/// A throw-away folder, removed when the test drops it.
fn temp_dir(prefix: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .expect("temp dir")
}

fn from_json(json: &str) -> Policy {
    let dir = temp_dir("b2b-policy-");
    let path = dir.path().join("policy.json");
    std::fs::write(&path, json).expect("write");
    let source = FileSource::new(path);
    Policy::resolve(&[&source])
}

fn codes(p: &Policy) -> Vec<(PolicyWarningCode, Option<String>)> {
    p.warnings().iter().map(|w| (w.code, w.key.clone())).collect()
}

/// A source in memory, standing in for a second place (HKCU after HKLM).
struct Fake(PolicySourceKind, Vec<(&'static str, RawValue, PolicyLevel)>);

impl PolicySource for Fake {
    fn kind(&self) -> PolicySourceKind {
        self.0
    }
    fn read(&self) -> SourceRead {
        SourceRead {
            entries: self
                .1
                .iter()
                .map(|(n, v, l)| RawEntry {
                    name: (*n).to_owned(),
                    value: v.clone(),
                    level: *l,
                    origin: format!("fake-{:?}", self.0),
                })
                .collect(),
            warnings: Vec::new(),
        }
    }
}

#[test]
fn reads_locked_and_recommended_values_from_the_json_file() {
    let p = from_json(&format!(
        r#"{{
          "$comment": "for the people who edit this file",
          "locked": {{
            "ClientId": "{GUID_A}", "TenantId": "contoso.com",
            "AuthorityUrl": "https://login.microsoftonline.us/", "GraphUrl": "https://graph.microsoft.us",
            "AllowDemoTenant": false, "UiLanguage": "fr-CA"
          }},
          "recommended": {{
            "InviteRedirectUrl": "https://intranet.contoso.com/welcome",
            "InvitationMessage": "Welcome to Contoso",
            "InvitationLanguage": "sv-SE",
            "SendInvitationMessage": 0,
            "DefaultSponsors": "ann@contoso.com | 0b7a2f1c-1d2e-4f3a-8b9c-0d1e2f3a4b5c",
            "HttpsProxy": "http://proxy.contoso.com:8080"
          }}
        }}"#
    ));
    assert!(p.warnings().is_empty(), "{:?}", p.warnings());
    assert_eq!(p.entries().len(), PolicyKey::ALL.len());
    assert_eq!(
        p.default_sponsors(&[]),
        ["ann@contoso.com", "0b7a2f1c-1d2e-4f3a-8b9c-0d1e2f3a4b5c"],
        "recommended fills in"
    );
    assert_eq!(p.default_sponsors(&["me@contoso.com".into()]), ["me@contoso.com"]);
    assert_eq!(p.locked_text(PolicyKey::ClientId), Some(GUID_A));
    assert_eq!(
        p.locked_text(PolicyKey::AuthorityUrl),
        Some("https://login.microsoftonline.us"),
        "endpoints lose their trailing slash"
    );
    assert_eq!(p.locked_language(), Some(Language::Fr));
    assert!(!p.demo_allowed());
    assert_eq!(
        p.recommended_text(PolicyKey::InviteRedirectUrl),
        Some("https://intranet.contoso.com/welcome")
    );
    assert_eq!(
        p.pick_flag(PolicyKey::SendInvitationMessage, None),
        Some(false),
        "0 is false"
    );
    let e = p.get(PolicyKey::TenantId).expect("tenant");
    assert_eq!((e.level, e.source), (PolicyLevel::Locked, PolicySourceKind::File));
    assert!(e.origin.ends_with("policy.json"));
    // Settings lists the keys in the templates' order.
    let keys: Vec<PolicyKey> = p.entries().iter().map(|e| e.key).collect();
    assert_eq!(keys, PolicyKey::ALL.to_vec());
}

#[test]
fn no_file_is_no_policy_and_a_damaged_one_is_a_warning() {
    let empty = temp_dir("b2b-policy-none-");
    let missing = FileSource::new(empty.path().join("no-such.json"));
    let p = Policy::resolve(&[&missing]);
    assert!(p.is_empty());
    assert_eq!(p, Policy::default());

    for bad in ["", "{\"locked\": {", "[1, 2]", "\"locked\""] {
        let p = from_json(bad);
        assert!(p.entries().is_empty());
        assert_eq!(codes(&p), vec![(PolicyWarningCode::Unreadable, None)], "{bad:?}");
    }
    // A directory where the file should be: unreadable, not a crash.
    let dir = temp_dir("b2b-policy-dir-");
    let p = Policy::resolve(&[&FileSource::new(dir.path())]);
    assert_eq!(codes(&p), vec![(PolicyWarningCode::Unreadable, None)]);
}

#[test]
fn bad_values_are_ignored_with_a_warning_each() {
    let p = from_json(
        r#"{
          "locked": {
            "ClientId": "not-a-guid",
            "TenantId": "contoso .com",
            "AuthorityUrl": "http://login.microsoftonline.com",
            "GraphUrl": "graph.microsoft.com",
            "UiLanguage": "de",
            "InvitationLanguage": "French",
            "SendInvitationMessage": "yes",
            "AllowDemoTenant": 2,
            "InvitationMessage": 42,
            "ClientSecret": "nope"
          },
          "recommended": { "AllowDemoTenant": false, "InviteRedirectUrl": ["https://a.example"] },
          "mandatory": {},
          "locked ": 3
        }"#,
    );
    assert!(p.entries().is_empty(), "{:?}", p.entries());
    let mut got = codes(&p);
    got.sort_by_key(|(c, k)| (format!("{c:?}"), k.clone()));
    use PolicyWarningCode::*;
    let mut want = vec![
        (InvalidClientId, Some("ClientId".into())),
        (InvalidValue, Some("TenantId".into())),
        (InvalidUrl, Some("AuthorityUrl".into())),
        (InvalidUrl, Some("GraphUrl".into())),
        (UnknownLanguage, Some("UiLanguage".into())),
        (UnknownLanguage, Some("InvitationLanguage".into())),
        (WrongType, Some("SendInvitationMessage".into())),
        (WrongType, Some("AllowDemoTenant".into())),
        (WrongType, Some("InvitationMessage".into())),
        (WrongType, Some("InviteRedirectUrl".into())),
        (UnknownKey, Some("locked ".into())),
        (UnknownKey, Some("ClientSecret".into())),
        (UnknownKey, Some("mandatory".into())),
        (NotRecommendable, Some("AllowDemoTenant".into())),
    ];
    want.sort_by_key(|(c, k)| (format!("{c:?}"), k.clone()));
    assert_eq!(got, want);
    assert!(p.demo_allowed(), "nothing valid: the demo stays allowed");
    let w = &p.warnings()[0];
    assert_eq!(w.source, PolicySourceKind::File);
    assert!(w.origin.ends_with("policy.json"));
}

#[test]
fn a_bad_value_falls_through_to_a_good_one_below_it() {
    let first = Fake(
        PolicySourceKind::Registry,
        vec![("ClientId", RawValue::Text("oops".into()), PolicyLevel::Locked)],
    );
    let second = Fake(
        PolicySourceKind::File,
        vec![(
            "clientid",
            RawValue::Text(GUID_B.to_uppercase()),
            PolicyLevel::Locked,
        )],
    );
    let p = Policy::resolve(&[&first, &second]);
    assert_eq!(
        p.locked_text(PolicyKey::ClientId),
        Some(GUID_B),
        "names match in any case"
    );
    assert_eq!(
        p.get(PolicyKey::ClientId).map(|e| e.source),
        Some(PolicySourceKind::File)
    );
    assert_eq!(
        codes(&p),
        vec![(PolicyWarningCode::InvalidClientId, Some("ClientId".into()))]
    );
}

#[test]
fn locked_anywhere_beats_recommended_and_the_first_source_wins_within_a_level() {
    let machine = Fake(
        PolicySourceKind::Registry,
        vec![
            (
                "TenantId",
                RawValue::Text("fabrikam.com".into()),
                PolicyLevel::Recommended,
            ),
            (
                "InvitationLanguage",
                RawValue::Text("fr-FR".into()),
                PolicyLevel::Locked,
            ),
            (
                "InvitationMessage",
                RawValue::Text("machine".into()),
                PolicyLevel::Recommended,
            ),
        ],
    );
    let user = Fake(
        PolicySourceKind::File,
        vec![
            (
                "TenantId",
                RawValue::Text("contoso.com".into()),
                PolicyLevel::Locked,
            ),
            (
                "InvitationLanguage",
                RawValue::Text("sv-SE".into()),
                PolicyLevel::Locked,
            ),
            (
                "InvitationMessage",
                RawValue::Text("user".into()),
                PolicyLevel::Recommended,
            ),
        ],
    );
    let p = Policy::resolve(&[&machine, &user]);
    assert_eq!(p.locked_text(PolicyKey::TenantId), Some("contoso.com"));
    assert_eq!(p.locked_text(PolicyKey::InvitationLanguage), Some("fr-FR"));
    assert_eq!(p.recommended_text(PolicyKey::InvitationMessage), Some("machine"));
    assert!(p.warnings().is_empty());
}

#[test]
fn precedence_is_locked_then_the_user_then_recommended_then_the_default() {
    let p = from_json(&format!(
        r#"{{ "locked": {{ "ClientId": "{GUID_A}", "SendInvitationMessage": true }},
             "recommended": {{ "TenantId": "contoso.com", "InvitationLanguage": "fr-FR", "UiLanguage": "sv" }} }}"#
    ));
    // Locked beats the user.
    assert_eq!(
        p.pick_text(PolicyKey::ClientId, Some(GUID_B.into())).as_deref(),
        Some(GUID_A)
    );
    assert_eq!(
        p.pick_flag(PolicyKey::SendInvitationMessage, Some(false)),
        Some(true)
    );
    // The user beats recommended.
    assert_eq!(
        p.pick_text(PolicyKey::TenantId, Some("fabrikam.com".into()))
            .as_deref(),
        Some("fabrikam.com")
    );
    // Recommended beats the default.
    assert_eq!(
        p.pick_text(PolicyKey::TenantId, None).as_deref(),
        Some("contoso.com")
    );
    // Nothing set: the caller's default.
    assert_eq!(p.pick_text(PolicyKey::GraphUrl, None), None);
    assert_eq!(
        p.pick_text(PolicyKey::GraphUrl, Some("https://x.example".into()))
            .as_deref(),
        Some("https://x.example")
    );

    // Saying so: only a locked value that differs from the user's.
    assert!(p
        .overrides(PolicyKey::ClientId, Some(&PolicyValue::Text(GUID_B.into())))
        .is_some());
    assert!(p
        .overrides(PolicyKey::ClientId, Some(&PolicyValue::Text(GUID_A.into())))
        .is_none());
    assert!(p.overrides(PolicyKey::ClientId, None).is_none());
    assert!(p
        .overrides(PolicyKey::TenantId, Some(&PolicyValue::Text("x.example".into())))
        .is_none());

    // The UI language: the user's choice beats a recommended one, which beats the OS.
    let mut s = Settings::default();
    let v = LanguageView::new(&s, Some("he-IL"), &p);
    assert_eq!((v.effective, v.chosen, v.locked), (Language::Sv, None, false));
    assert_eq!(v.organisation, Some(Language::Sv));
    s.ui_language = Some(Language::Fr);
    assert_eq!(LanguageView::new(&s, Some("he-IL"), &p).effective, Language::Fr);
    assert_eq!(
        LanguageView::new(&s, Some("he-IL"), &Policy::default()).effective,
        Language::Fr
    );
    s.ui_language = None;
    assert_eq!(
        LanguageView::new(&s, Some("he-IL"), &Policy::default()).effective,
        Language::He
    );
}

#[test]
fn a_locked_language_wins_over_the_users_choice() {
    let p = from_json(r#"{ "locked": { "UiLanguage": "he" } }"#);
    let s = Settings {
        ui_language: Some(Language::Fr),
        ..Settings::default()
    };
    let v = LanguageView::new(&s, Some("sv"), &p);
    assert_eq!(
        (v.effective, v.chosen, v.locked),
        (Language::He, Some(Language::He), true)
    );
    assert_eq!(p.apply(&s).ui_language, Some(Language::He));
}

#[test]
fn the_connection_follows_locked_values_and_the_demo_can_be_locked_off() {
    let p = from_json(&format!(
        r#"{{ "locked": {{ "ClientId": "{GUID_A}", "GraphUrl": "https://graph.microsoft.us", "AllowDemoTenant": false }},
             "recommended": {{ "TenantId": "contoso.com", "AuthorityUrl": "https://login.microsoftonline.us" }} }}"#
    ));
    // A new connection: what the user typed for what isn't locked, recommended for the rest.
    assert_eq!(
        p.organisation(Some(GUID_B), Some(" ")),
        Connection::Organisation {
            client_id: GUID_A.into(),
            tenant: "contoso.com".into(),
            authority_url: "https://login.microsoftonline.us".into(),
            graph_url: "https://graph.microsoft.us".into(),
        }
    );
    assert_eq!(
        p.organisation(None, Some("fabrikam.com")),
        Connection::Organisation {
            client_id: GUID_A.into(),
            tenant: "fabrikam.com".into(),
            authority_url: "https://login.microsoftonline.us".into(),
            graph_url: "https://graph.microsoft.us".into(),
        }
    );
    assert_eq!(
        Policy::default().organisation(None, None),
        Connection::Organisation {
            client_id: settings::GRAPH_CLI_CLIENT_ID.into(),
            tenant: "organizations".into(),
            authority_url: MICROSOFT_AUTHORITY.into(),
            graph_url: MICROSOFT_GRAPH.into(),
        }
    );

    // A saved connection: locked values replace the stored ones; recommended ones do not.
    let stored = Settings {
        connection: Some(Connection::Organisation {
            client_id: GUID_B.into(),
            tenant: "fabrikam.com".into(),
            authority_url: MICROSOFT_AUTHORITY.into(),
            graph_url: MICROSOFT_GRAPH.into(),
        }),
        ..Settings::default()
    };
    assert_eq!(
        p.apply(&stored).connection,
        Some(Connection::Organisation {
            client_id: GUID_A.into(),
            tenant: "fabrikam.com".into(),
            authority_url: MICROSOFT_AUTHORITY.into(),
            graph_url: "https://graph.microsoft.us".into(),
        })
    );
    assert_eq!(Policy::default().apply(&stored), stored);

    // The demo, locked off: back to the first-run choice.
    let demo = Settings {
        connection: Some(Connection::Demo),
        ..Settings::default()
    };
    assert_eq!(p.apply(&demo).connection, None);
    assert_eq!(Policy::default().apply(&demo).connection, Some(Connection::Demo));
    let allowed = from_json(r#"{ "locked": { "AllowDemoTenant": true } }"#);
    assert!(allowed.demo_allowed());
    assert_eq!(allowed.apply(&demo).connection, Some(Connection::Demo));
}

#[test]
fn locked_invitation_options_hold_whatever_the_caller_sends() {
    let p = from_json(
        r#"{ "locked": { "SendInvitationMessage": false, "InvitationLanguage": "fr-FR",
                         "InviteRedirectUrl": "https://intranet.contoso.com/", "InvitationMessage": "" },
             "recommended": { } }"#,
    );
    let mut o = ConvertOptions::new("t1");
    o.message = Some("hi".into());
    o.language = Some("en-US".into());
    p.enforce(&mut o);
    assert!(!o.send_mail);
    assert_eq!(o.message, None, "a locked empty message means none");
    assert_eq!(o.language.as_deref(), Some("fr-FR"));
    assert_eq!(
        o.redirect_url, "https://intranet.contoso.com/",
        "a redirect URL is kept as given"
    );

    // Recommended values are defaults for the UI and the CLI, never forced on a request.
    let r =
        from_json(r#"{ "recommended": { "SendInvitationMessage": false, "InvitationLanguage": "fr-FR" } }"#);
    let mut o = ConvertOptions::new("t1");
    r.enforce(&mut o);
    assert_eq!(o, ConvertOptions::new("t1"));
}

#[test]
fn bulk_rows_get_locked_values_and_recommended_defaults() {
    let p = from_json(
        r#"{ "locked": { "SendInvitationMessage": true, "InviteRedirectUrl": "https://intranet.contoso.com" },
             "recommended": { "InvitationLanguage": "sv-SE", "InvitationMessage": "Hej" } }"#,
    );
    let parsed = crate::bulk::parse(
        b"user,email,sendMail,language,message,redirectUrl\n\
          a@contoso.com,a@partner.example,no,fr-FR,,https://other.example\n\
          b@contoso.com,b@partner.example,,,Own words,\n",
    )
    .expect("parse");
    let mut rows = parsed.rows;
    p.apply_to_rows(&mut rows);
    let a = &rows[0];
    assert!(a.send_mail, "locked beats the file");
    assert_eq!(a.redirect_url.as_deref(), Some("https://intranet.contoso.com"));
    assert_eq!(a.language.as_deref(), Some("fr-FR"), "the file beats recommended");
    assert_eq!(
        a.message.as_deref(),
        Some("Hej"),
        "recommended fills an empty cell"
    );
    let b = &rows[1];
    assert_eq!(b.language.as_deref(), Some("sv-SE"));
    assert_eq!(b.message.as_deref(), Some("Own words"));
}

#[test]
fn the_view_serialises_for_the_ui() {
    let p = from_json(&format!(
        r#"{{ "locked": {{ "ClientId": "{GUID_A}", "AllowDemoTenant": false }}, "recommended": {{ "UiLanguage": "xx" }} }}"#
    ));
    let json = serde_json::to_value(p.view()).expect("serialise");
    assert_eq!(json["entries"][0]["key"], "ClientId");
    assert_eq!(json["entries"][0]["value"], GUID_A);
    assert_eq!(json["entries"][0]["level"], "locked");
    assert_eq!(json["entries"][0]["source"], "file");
    assert_eq!(json["entries"][1]["value"], false);
    assert_eq!(json["warnings"][0]["code"], "unknown_language");
    assert_eq!(json["warnings"][0]["key"], "UiLanguage");
}

#[test]
fn value_rules() {
    assert!(tenant_ok("organizations") && tenant_ok("Common") && tenant_ok(GUID_A));
    assert!(tenant_ok("contoso.onmicrosoft.com") && tenant_ok("xn--bcher-kva.example"));
    assert!(!tenant_ok("contoso") && !tenant_ok("") && !tenant_ok("-a.com") && !tenant_ok("a..com"));
    assert!(https_url_ok("https://login.microsoftonline.us"));
    assert!(https_url_ok("https://localhost:8443/path?x=1"));
    assert!(
        !https_url_ok("http://localhost") && !https_url_ok("https://") && !https_url_ok("https://a b.com")
    );
    assert!(!https_url_ok("https:///path") && !https_url_ok("ftp://x.example"));
    assert!(language_tag_ok("fr-FR") && language_tag_ok("zh-Hans-CN") && language_tag_ok("de"));
    assert!(
        !language_tag_ok("French")
            && !language_tag_ok("f")
            && !language_tag_ok("fr_FR")
            && !language_tag_ok("")
    );
    assert_eq!(ui_language("SV-se"), Some(Language::Sv));
    assert_eq!(ui_language("he_IL"), Some(Language::He));
    assert_eq!(ui_language("iw"), None);
    assert_eq!(ui_language("fr-"), None);
    assert_eq!(
        PolicyKey::from_name(" allowdemotenant "),
        Some(PolicyKey::AllowDemoTenant)
    );
    for key in PolicyKey::ALL {
        assert_eq!(PolicyKey::from_name(key.name()), Some(key));
        let json = serde_json::to_value(key).expect("serialise");
        assert_eq!(json, key.name(), "the UI and the templates use the same names");
    }
}

/// The templates shipped in policy/ name every key, and the Linux sample reads without a warning.
#[test]
fn the_shipped_templates_match_the_keys() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policy");
    let sample = Policy::resolve(&[&FileSource::new(root.join("linux/policy.json"))]);
    assert!(sample.warnings().is_empty(), "{:?}", sample.warnings());
    assert_eq!(sample.entries().len(), PolicyKey::ALL.len());
    let read = |p: &str| std::fs::read_to_string(root.join(p)).expect(p);
    let admx = read("windows/B2BConvert.admx");
    let adml = read("windows/en-US/B2BConvert.adml");
    let profile = read("macos/com.b2bconvert.app.mobileconfig");
    for key in PolicyKey::ALL {
        let name = key.name();
        assert!(
            admx.contains(&format!("valueName=\"{name}\"")),
            "ADMX lacks {name}"
        );
        assert!(
            adml.contains(&format!("<string id=\"{name}\">")),
            "ADML lacks {name}"
        );
        assert!(
            profile.contains(&format!("<key>{name}</key>")),
            "profile lacks {name}"
        );
        // Recommended variants where a recommendation means something.
        assert_eq!(
            admx.contains(&format!("<policy name=\"{name}_Recommended\"")),
            key.recommendable(),
            "{name}"
        );
    }
    assert!(admx.contains(r#"key="SOFTWARE\Policies\B2BConvert\Recommended""#));
}

#[test]
fn default_sponsors_are_checked_and_a_lock_wins() {
    let p = from_json(r#"{ "locked": { "DefaultSponsors": "ann@contoso.com|bob@contoso.com" } }"#);
    assert_eq!(
        p.default_sponsors(&["me@contoso.com".into()]),
        ["ann@contoso.com", "bob@contoso.com"]
    );
    let bad = from_json(
        r#"{ "recommended": { "DefaultSponsors": "a@x.com b@x.com c@x.com d@x.com e@x.com f@x.com" } }"#,
    );
    assert_eq!(bad.warnings().len(), 1, "six sponsors: {:?}", bad.warnings());
    assert!(bad.default_sponsors(&[]).is_empty());
    let none = from_json(r#"{ "locked": { "DefaultSponsors": "" } }"#);
    assert!(
        none.default_sponsors(&["me@contoso.com".into()]).is_empty(),
        "locked empty: none"
    );
}

#[test]
fn a_proxy_is_an_address_without_a_secret_or_a_path() {
    let proxy = |value: &str| {
        let p = from_json(&format!(r#"{{ "recommended": {{ "HttpsProxy": "{value}" }} }}"#));
        (p.https_proxy(), codes(&p))
    };
    assert_eq!(
        proxy("http://proxy.contoso.com:8080/"),
        (Some(("http://proxy.contoso.com:8080".into(), false)), vec![])
    );
    assert_eq!(
        proxy("https://[::1]:3128").0,
        Some(("https://[::1]:3128".into(), false))
    );
    for bad in [
        "proxy.contoso.com:8080",
        "socks5://proxy.contoso.com:1080",
        "http://user:secret@proxy.contoso.com:8080",
        "http://proxy.contoso.com:8080/path",
        "http://proxy.contoso.com:port",
        "http://",
    ] {
        assert_eq!(
            proxy(bad),
            (
                None,
                vec![(PolicyWarningCode::InvalidValue, Some("HttpsProxy".into()))]
            ),
            "{bad}"
        );
    }
    let locked = from_json(r#"{ "locked": { "HttpsProxy": "http://proxy:8080" } }"#);
    assert_eq!(locked.https_proxy(), Some(("http://proxy:8080".into(), true)));
}
