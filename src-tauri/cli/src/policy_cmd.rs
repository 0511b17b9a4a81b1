//! The organisation's policy in `b2b`: read once at start, like the app. A locked value wins over
//! a flag or an environment variable: `b2b` uses the policy's value and says so on standard
//! error, so scripts keep working when IT locks a value later. A recommended value is used when
//! no flag or variable gives one. Ignored policy values are reported on standard error.

use b2b_core::policy::{Policy, PolicyEntry, PolicyKey, PolicyLevel, PolicySourceKind, PolicyValue};
use b2b_core::settings::{GRAPH_CLI_CLIENT_ID, MICROSOFT_AUTHORITY, MICROSOFT_GRAPH};
use serde_json::json;

use crate::Out;

/// Where to sign in and which Graph, after the policy.
pub struct Endpoints {
    pub authority_url: String,
    pub graph_url: String,
    pub client_id: String,
}

fn source_name(s: PolicySourceKind) -> &'static str {
    match s {
        PolicySourceKind::Registry => "registry",
        PolicySourceKind::ManagedPreferences => "managed preferences",
        PolicySourceKind::File => "file",
    }
}

fn level_name(l: PolicyLevel) -> &'static str {
    match l {
        PolicyLevel::Locked => "locked",
        PolicyLevel::Recommended => "recommended",
    }
}

fn value_text(v: &PolicyValue) -> String {
    match v {
        PolicyValue::Text(t) => t.clone(),
        PolicyValue::Flag(b) => b.to_string(),
    }
}

/// What was ignored, on standard error (never mixed into `--json` output on standard output).
pub fn report_warnings(policy: &Policy) {
    for w in policy.warnings() {
        eprintln!(
            "b2b: policy value ignored ({}, {} {}): {}",
            b2b_core::export::wire_name(&w.code),
            source_name(w.source),
            w.origin,
            w.detail
        );
    }
}

/// Locked > the flag or variable > recommended; says so when a lock wins over a value the user
/// gave. `None` leaves the built-in default.
pub fn opt_text(policy: &Policy, key: PolicyKey, given: Option<&str>, flag: &str) -> Option<String> {
    let given = given.map(str::trim).filter(|s| !s.is_empty());
    if let (Some(entry), Some(user)) = (policy.get(key).filter(|e| e.level == PolicyLevel::Locked), given) {
        if let PolicyValue::Text(locked) = &entry.value {
            if !same(locked, user) {
                overridden(entry, flag);
            }
        }
    }
    policy.pick_text(key, given.map(str::to_owned))
}

/// As `opt_text`, with a built-in default.
pub fn text(policy: &Policy, key: PolicyKey, given: Option<&str>, flag: &str, default: &str) -> String {
    opt_text(policy, key, given, flag).unwrap_or_else(|| default.to_owned())
}

/// The same for a yes or no.
pub fn flag(policy: &Policy, key: PolicyKey, given: Option<bool>, flag: &str, default: bool) -> bool {
    if let Some(entry) = policy.overrides(key, given.map(PolicyValue::Flag).as_ref()) {
        overridden(entry, flag);
    }
    policy.pick_flag(key, given).unwrap_or(default)
}

/// Client ids, domains and URLs compare without case or a trailing slash.
fn same(a: &str, b: &str) -> bool {
    a.trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim_end_matches('/'))
}

fn overridden(entry: &PolicyEntry, flag: &str) {
    eprintln!(
        "b2b: your organisation's policy locks {} to {} ({} {}); {flag} is not used",
        entry.key.name(),
        value_text(&entry.value),
        source_name(entry.source),
        entry.origin
    );
}

pub fn endpoints(
    policy: &Policy,
    authority_url: Option<&str>,
    graph_url: Option<&str>,
    client_id: Option<&str>,
) -> Endpoints {
    Endpoints {
        authority_url: text(
            policy,
            PolicyKey::AuthorityUrl,
            authority_url,
            "--authority-url (B2B_AUTHORITY_URL)",
            MICROSOFT_AUTHORITY,
        ),
        graph_url: text(
            policy,
            PolicyKey::GraphUrl,
            graph_url,
            "--graph-url (B2B_GRAPH_URL)",
            MICROSOFT_GRAPH,
        ),
        client_id: text(
            policy,
            PolicyKey::ClientId,
            client_id,
            "--client-id (B2B_CLIENT_ID)",
            GRAPH_CLI_CLIENT_ID,
        ),
    }
}

/// `b2b policy`: each value in force, where it came from, and what was ignored (`--json`: one
/// object, `{"event":"policy","entries":[...],"warnings":[...]}`).
pub fn show(out: &Out, policy: &Policy) {
    let mut lines: Vec<String> = policy
        .entries()
        .iter()
        .map(|e| {
            format!(
                "{:<22} {:<12} {}  ({} {})",
                e.key.name(),
                level_name(e.level),
                value_text(&e.value),
                source_name(e.source),
                e.origin
            )
        })
        .collect();
    lines.extend(policy.warnings().iter().map(|w| {
        format!(
            "ignored ({}) {} {}: {}",
            b2b_core::export::wire_name(&w.code),
            source_name(w.source),
            w.origin,
            w.detail
        )
    }));
    if lines.is_empty() {
        lines.push("No organisation policy applies to this computer.".to_owned());
    }
    let view = policy.view();
    out.event(
        json!({ "event": "policy", "entries": view.entries, "warnings": view.warnings }),
        &lines.join("\n"),
    );
}
