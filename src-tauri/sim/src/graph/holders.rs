//! Other holders of addresses (CONTRACT.md 9.9): `GET /groups` and `GET /contacts`, and the
//! proxyAddresses collisions invitations and PATCH refuse.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use super::{
    caller, context, eventual, odata_error, parse_skiptoken, query_hash, reject_unsupported, skiptoken,
};
use crate::errors::bad_request;
use crate::model::Directory;
use crate::odata::{self, Advanced, Filter, Resource};
use crate::state::SimState;

/// List groups: GroupMember.Read.All is the least privileged (group-list permissions).
const READ_GROUPS: &[&str] = &[
    "GroupMember.Read.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
/// List orgContacts: OrgContact.Read.All is the least privileged.
const READ_CONTACTS: &[&str] = &[
    "OrgContact.Read.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];

/// The text for an address another object holds. Microsoft documents the cause (troubleshoot.md:
/// "a conflict in proxyAddresses"), not the error; this is the directory's wording for a
/// duplicate proxy address [inf].
pub(super) const PROXY_CONFLICT: &str =
    "Another object with the same value for property proxyAddresses already exists.";

pub fn routes() -> Router<Arc<SimState>> {
    Router::new()
        .route("/v1.0/groups", get(list_groups))
        .route("/v1.0/contacts", get(list_contacts))
}

/// The address of an `SMTP:` (primary) or `smtp:` (secondary) proxy address.
pub(super) fn smtp_address(proxy: &str) -> Option<&str> {
    proxy
        .get(..5)
        .filter(|p| p.eq_ignore_ascii_case("smtp:"))
        .and_then(|_| proxy.get(5..))
}

fn holds(mail: Option<&str>, proxies: &[String], address: &str) -> bool {
    mail.is_some_and(|m| m.eq_ignore_ascii_case(address))
        || proxies
            .iter()
            .filter_map(|p| smtp_address(p))
            .any(|a| a.eq_ignore_ascii_case(address))
}

/// True when a group, a contact or a user other than `except_user` holds `address` as its mail or
/// as an SMTP proxy address, primary or secondary.
pub(super) fn proxy_conflict(dir: &Directory, address: &str, except_user: &str) -> bool {
    dir.users
        .iter()
        .filter(|u| !u.id.eq_ignore_ascii_case(except_user))
        .any(|u| holds(u.mail.as_deref(), &u.proxy_addresses, address))
        || dir
            .groups
            .iter()
            .any(|g| holds(g.mail.as_deref(), &g.proxy_addresses, address))
        || dir
            .contacts
            .iter()
            .any(|c| holds(c.mail.as_deref(), &c.proxy_addresses, address))
}

type Params = HashMap<String, String>;

/// One kind of listed object: its filter table, its properties (name, is a collection) and the
/// ones returned without `$select`.
struct Kind {
    resource: Resource,
    entity: &'static str,
    type_name: &'static str,
    props: &'static [(&'static str, bool)],
    defaults: &'static [&'static str],
}

const GROUPS: Kind = Kind {
    resource: Resource::Group,
    entity: "groups",
    type_name: "microsoft.graph.group",
    props: &[
        ("id", false),
        ("createdDateTime", false),
        ("description", false),
        ("displayName", false),
        ("groupTypes", true),
        ("mail", false),
        ("mailEnabled", false),
        ("mailNickname", false),
        ("onPremisesSyncEnabled", false),
        ("proxyAddresses", true),
        ("securityEnabled", false),
        ("visibility", false),
        // Selectable Graph properties the simulator does not model.
        ("classification", false),
        ("deletedDateTime", false),
        ("expirationDateTime", false),
        ("isAssignableToRole", false),
        ("membershipRule", false),
        ("membershipRuleProcessingState", false),
        ("onPremisesLastSyncDateTime", false),
        ("preferredLanguage", false),
        ("renewedDateTime", false),
        ("resourceBehaviorOptions", true),
        ("resourceProvisioningOptions", true),
        ("securityIdentifier", false),
        ("theme", false),
    ],
    defaults: &[
        "id",
        "createdDateTime",
        "description",
        "displayName",
        "groupTypes",
        "mail",
        "mailEnabled",
        "mailNickname",
        "onPremisesSyncEnabled",
        "proxyAddresses",
        "securityEnabled",
        "visibility",
    ],
};

const CONTACTS: Kind = Kind {
    resource: Resource::OrgContact,
    entity: "contacts",
    type_name: "microsoft.graph.orgContact",
    props: &[
        ("id", false),
        ("companyName", false),
        ("displayName", false),
        ("givenName", false),
        ("mail", false),
        ("mailNickname", false),
        ("onPremisesSyncEnabled", false),
        ("proxyAddresses", true),
        ("surname", false),
        ("addresses", true),
        ("deletedDateTime", false),
        ("department", false),
        ("jobTitle", false),
        ("onPremisesLastSyncDateTime", false),
        ("onPremisesProvisioningErrors", true),
        ("phones", true),
        ("serviceProvisioningErrors", true),
    ],
    defaults: &[
        "id",
        "companyName",
        "displayName",
        "givenName",
        "mail",
        "mailNickname",
        "onPremisesSyncEnabled",
        "proxyAddresses",
        "surname",
    ],
};

async fn list_groups(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Query(params): Query<Params>,
) -> Response {
    if let Err(r) = caller(&state, &headers, READ_GROUPS) {
        return r;
    }
    let objects: Vec<Value> = state
        .lock()
        .dir
        .groups
        .iter()
        .map(|g| serde_json::to_value(g).unwrap_or(Value::Null))
        .collect();
    list(&state, &headers, &params, &GROUPS, objects)
}

async fn list_contacts(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Query(params): Query<Params>,
) -> Response {
    if let Err(r) = caller(&state, &headers, READ_CONTACTS) {
        return r;
    }
    let objects: Vec<Value> = state
        .lock()
        .dir
        .contacts
        .iter()
        .map(|c| serde_json::to_value(c).unwrap_or(Value::Null))
        .collect();
    list(&state, &headers, &params, &CONTACTS, objects)
}

/// `$filter` (the resource's table and the advanced-query rules), `$select`, `$top` (1 to 999,
/// default 100), `$count` and paging with a signed `$skiptoken`, as for /users. `$search` and
/// `$orderby` are not implemented here and answer 400 (stricter than Graph).
fn list(
    state: &SimState,
    headers: &HeaderMap,
    params: &Params,
    kind: &Kind,
    objects: Vec<Value>,
) -> Response {
    if let Err(r) = reject_unsupported(params, &["$filter", "$select", "$top", "$count", "$skiptoken"]) {
        return r;
    }
    let eventual = eventual(headers);
    let count = params
        .get("$count")
        .is_some_and(|c| c.eq_ignore_ascii_case("true"));
    let filter = match params.get("$filter") {
        Some(f) => match Filter::parse_for(kind.resource, f).and_then(|f| {
            f.check_advanced(Advanced {
                consistency_eventual: eventual,
                count,
            })
            .map(|()| f)
        }) {
            Ok(f) => Some(f),
            Err(e) => return odata_error(e),
        },
        None => None,
    };
    let select = match params.get("$select").map(|s| odata::parse_select(s)).transpose() {
        Ok(s) => s,
        Err(e) => return odata_error(e),
    };
    let top = match params.get("$top").map(|t| t.parse::<usize>()) {
        None => 100,
        Some(Ok(n)) if (1..=999).contains(&n) => n,
        Some(_) => {
            let t = params.get("$top").map(String::as_str).unwrap_or("");
            return bad_request(
                "Request_BadRequest",
                &format!("Invalid page size specified: '{t}'. Must be between 1 and 999 inclusive."),
            );
        }
    };
    let qhash = query_hash(params);
    let offset = match params.get("$skiptoken") {
        None => 0,
        Some(t) => match parse_skiptoken(state, t, &qhash) {
            Some(o) => o,
            None => {
                return bad_request(
                    "Request_BadRequest",
                    "The specified page token value has expired or is invalid.",
                )
            }
        },
    };
    let all: Vec<&Value> = objects
        .iter()
        .filter(|v| filter.as_ref().is_none_or(|f| f.matches(v)))
        .collect();
    let total = all.len();
    let mut value = Vec::new();
    for v in all.iter().skip(offset).take(top) {
        match project(v, select.as_deref(), kind) {
            Ok(p) => value.push(p),
            Err(r) => return r,
        }
    }
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(context(state, kind.entity, select.as_deref())),
    );
    if count && eventual && offset == 0 {
        body.insert("@odata.count".into(), json!(total));
    }
    if offset + top < total {
        let mut link = format!("{}/v1.0/{}?", state.base_url, kind.entity);
        let mut keys: Vec<(&String, &String)> = params
            .iter()
            .filter(|(k, _)| k.as_str() != "$skiptoken")
            .collect();
        keys.sort();
        for (k, v) in keys {
            link.push_str(&format!("{}={}&", k, urlencoding::encode(v)));
        }
        link.push_str(&format!("$skiptoken={}", skiptoken(state, offset + top, &qhash)));
        body.insert("@odata.nextLink".into(), json!(link));
    }
    body.insert("value".into(), Value::Array(value));
    Json(Value::Object(body)).into_response()
}

fn project(object: &Value, select: Option<&[String]>, kind: &Kind) -> Result<Value, Response> {
    let names: Vec<&str> = match select {
        Some(s) => s.iter().map(String::as_str).collect(),
        None => kind.defaults.to_vec(),
    };
    let mut out = Map::new();
    for name in names {
        let Some(&(prop, is_collection)) = kind
            .props
            .iter()
            .find(|(p, _)| p.eq_ignore_ascii_case(name.trim()))
        else {
            return Err(bad_request(
                "Request_BadRequest",
                &format!(
                    "Could not find a property named '{}' on type '{}'.",
                    name.trim(),
                    kind.type_name
                ),
            ));
        };
        let value = match object.get(prop) {
            Some(v) => v.clone(),
            None if is_collection => Value::Array(Vec::new()),
            None => Value::Null,
        };
        out.insert(prop.to_owned(), value);
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_addresses_of_both_prefixes_only() {
        assert_eq!(smtp_address("SMTP:a@b.example"), Some("a@b.example"));
        assert_eq!(smtp_address("smtp:a@b.example"), Some("a@b.example"));
        assert_eq!(smtp_address("X500:/o=Contoso/cn=a"), None);
        assert_eq!(smtp_address("sip:a@b.example"), None);
        assert_eq!(smtp_address("smtp"), None);
        assert_eq!(smtp_address("sМtp:a@b.example"), None);
    }

    #[test]
    fn groups_contacts_and_other_users_conflict() {
        let dir = crate::seed::default_directory();
        let held = [
            crate::seed::GROUP_HELD_ADDRESS,
            crate::seed::CONTACT_HELD_ADDRESS,
            "ESCALATIONS@tailspin.example",
            "helpdesk@tailspin.example",
        ];
        for a in held {
            assert!(proxy_conflict(&dir, a, ""), "{a}");
        }
        assert!(!proxy_conflict(&dir, "nobody@northwind.example", ""));
        // A user's own address is no conflict for that user.
        let admin = dir
            .user("admin@contoso.com")
            .map(|u| u.id.clone())
            .unwrap_or_default();
        assert!(!proxy_conflict(&dir, "admin@contoso.com", &admin));
        assert!(proxy_conflict(&dir, "admin@contoso.com", ""));
    }
}
