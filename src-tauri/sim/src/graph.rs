//! Microsoft Graph v1.0: the routes B2B Convert calls, with the contract's semantics.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::errors::{self, bad_request, denied, not_found};
use crate::model::{Directory, User};
use crate::odata::{self, Advanced, Filter, ODataError, OrderBy, Search};
use crate::state::{Inner, SimState};
use crate::tokens::{self, AccessClaims, TokenError};

mod conversion;
pub(crate) mod holders;
mod invitations;
pub(crate) mod sponsors;

type St = State<Arc<SimState>>;
type Params = HashMap<String, String>;

const READ_USERS: &[&str] = &[
    "User.ReadBasic.All",
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
/// Reading oneself or the organization: `User.Read` or any of the user-reading scopes.
const READ_SELF: &[&str] = &[
    "User.Read",
    "User.ReadBasic.All",
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const WRITE_USERS: &[&str] = &["User.ReadWrite.All", "Directory.ReadWrite.All"];

pub fn routes() -> Router<Arc<SimState>> {
    Router::new()
        .route("/v1.0/me", get(me))
        .route("/v1.0/me/memberOf", get(me_member_of))
        .route("/v1.0/me/transitiveMemberOf", get(me_transitive_member_of))
        .route("/v1.0/organization", get(organization))
        .route("/v1.0/organization/{id}", get(organization_by_id))
        .route("/v1.0/domains", get(domains))
        .route("/v1.0/users", get(list_users))
        .route("/v1.0/users/{id}", get(get_user).patch(patch_user))
        .route("/v1.0/invitations", post(invitations::invite))
        .route("/v1.0/$batch", post(batch))
}

// ------------------------------------------------------------------ auth

/// The caller: its token claims, its directory user (cloned) and the roles it holds, directly or
/// through role-assignable groups.
struct Caller {
    claims: AccessClaims,
    user: User,
    roles: Vec<String>,
}

impl Caller {
    fn has_role(&self, roles: &[&str]) -> bool {
        self.roles
            .iter()
            .any(|r| roles.iter().any(|x| x.eq_ignore_ascii_case(r)))
    }
}

fn caller(state: &SimState, headers: &HeaderMap, scopes: &[&str]) -> Result<Caller, Response> {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(token) = auth
        .strip_prefix("Bearer ")
        .or_else(|| auth.strip_prefix("bearer "))
    else {
        return Err(errors::unauthorized("Access token is empty."));
    };
    let claims: AccessClaims = match tokens::verify(&state.key, token.trim(), tokens::now_s()) {
        Ok(c) => c,
        Err(TokenError::Expired) => {
            return Err(errors::unauthorized(
                "Access token has expired or is not yet valid.",
            ))
        }
        Err(_) => return Err(errors::unauthorized("Invalid signature or malformed token.")),
    };
    let g = state.lock();
    if !claims.tid.eq_ignore_ascii_case(&g.dir.tenant.id) {
        return Err(errors::unauthorized("Access token is for another tenant."));
    }
    let Some(user) = g.dir.user(&claims.oid).filter(|u| u.account_enabled).cloned() else {
        return Err(errors::unauthorized(
            "The signed-in user no longer exists or is disabled.",
        ));
    };
    let roles = g.dir.effective_roles(&user);
    drop(g);
    if !claims.has_any_scope(scopes) {
        return Err(denied());
    }
    Ok(Caller { claims, user, roles })
}

fn eventual(headers: &HeaderMap) -> bool {
    headers
        .get("consistencylevel")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("eventual"))
}

fn odata_error(e: ODataError) -> Response {
    match e {
        ODataError::Unsupported(m) => bad_request("Request_UnsupportedQuery", &m),
        ODataError::BadRequest(m) => bad_request("Request_BadRequest", &m),
    }
}

fn user_json(user: &User) -> Value {
    let mut value = serde_json::to_value(user).unwrap_or(Value::Null);
    conversion::add_mailbox_plans(&mut value, user);
    value
}

/// Single-user-only properties that the collection refuses with 501 (CONTRACT.md section 2).
const SINGLE_ONLY: &[&str] = &[
    "aboutMe",
    "birthday",
    "hireDate",
    "interests",
    "mySite",
    "pastProjects",
    "preferredName",
    "responsibilities",
    "schools",
    "skills",
    "mailboxSettings",
];

fn select_of(params: &Params) -> Result<Option<Vec<String>>, Response> {
    params
        .get("$select")
        .map(|s| odata::parse_select(s))
        .transpose()
        .map_err(odata_error)
}

fn context(state: &SimState, entity: &str, select: Option<&[String]>) -> String {
    match select {
        Some(s) => format!("{}/v1.0/$metadata#{entity}({})", state.base_url, s.join(",")),
        None => format!("{}/v1.0/$metadata#{entity}", state.base_url),
    }
}

/// Query options the simulator does not implement get a plain 400 rather than being ignored.
fn reject_unsupported(params: &Params, allowed: &[&str]) -> Result<(), Response> {
    for key in params.keys() {
        if key.starts_with('$') && !allowed.iter().any(|a| a.eq_ignore_ascii_case(key)) {
            return Err(match key.to_ascii_lowercase().as_str() {
                "$skip" => bad_request("Request_BadRequest", "'$skip' is not supported by the service."),
                _ => bad_request(
                    "Request_BadRequest",
                    &format!(
                        "Query option '{key}' is not supported by the simulated tenant on this resource."
                    ),
                ),
            });
        }
    }
    Ok(())
}

// ------------------------------------------------------------------ me, organization, domains

async fn me(State(state): St, headers: HeaderMap, Query(params): Query<Params>) -> Response {
    let c = match caller(&state, &headers, READ_SELF) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if let Err(r) = reject_unsupported(&params, &["$select"]) {
        return r;
    }
    single_user(&state, &c.user, &params)
}

fn single_user(state: &SimState, user: &User, params: &Params) -> Response {
    let select = match select_of(params) {
        Ok(s) => s,
        Err(r) => return r,
    };
    match odata::project(&user_json(user), select.as_deref()) {
        Ok(mut v) => {
            if let Value::Object(m) = &mut v {
                let ctx = format!("{}/$entity", context(state, "users", select.as_deref()));
                m.insert("@odata.context".into(), json!(ctx));
            }
            Json(v).into_response()
        }
        Err(e) => odata_error(e),
    }
}

/// Scopes that can read directoryRole objects (CONTRACT.md section 9.2).
const READ_ROLES: &[&str] = &[
    "RoleManagement.Read.Directory",
    "RoleManagement.ReadWrite.Directory",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
/// Scopes that can read group objects.
const READ_GROUPS: &[&str] = &[
    "GroupMember.Read.All",
    "Group.Read.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const ROLE_PROPS: &[&str] = &[
    "id",
    "deletedDateTime",
    "description",
    "displayName",
    "roleTemplateId",
];
const GROUP_PROPS: &[&str] = &[
    "id",
    "deletedDateTime",
    "classification",
    "createdDateTime",
    "creationOptions",
    "description",
    "displayName",
    "expirationDateTime",
    "groupTypes",
    "isAssignableToRole",
    "mail",
    "mailEnabled",
    "mailNickname",
    "membershipRule",
    "membershipRuleProcessingState",
    "onPremisesDomainName",
    "onPremisesLastSyncDateTime",
    "onPremisesNetBiosName",
    "onPremisesSamAccountName",
    "onPremisesSecurityIdentifier",
    "onPremisesSyncEnabled",
    "preferredDataLocation",
    "preferredLanguage",
    "proxyAddresses",
    "renewedDateTime",
    "resourceBehaviorOptions",
    "resourceProvisioningOptions",
    "securityEnabled",
    "securityIdentifier",
    "theme",
    "visibility",
    "onPremisesProvisioningErrors",
    "serviceProvisioningErrors",
];

async fn me_member_of(State(state): St, headers: HeaderMap, Query(params): Query<Params>) -> Response {
    member_of(&state, &headers, &params, false)
}

async fn me_transitive_member_of(
    State(state): St,
    headers: HeaderMap,
    Query(params): Query<Params>,
) -> Response {
    member_of(&state, &headers, &params, true)
}

/// The caller's groups, then its directory roles, as full Graph objects. Directly only, as
/// `memberOf` lists them (roles held through a group are missing), or transitively. [inf] Graph
/// documents no order; groups first puts an admin's roles on a later page when it has many groups.
fn memberships(dir: &Directory, user: &User, transitive: bool) -> Vec<Value> {
    let groups = dir.groups_of(&user.id, transitive);
    let mut roles: Vec<String> = user.sim.roles.clone();
    if transitive {
        roles = dir.effective_roles(user);
    }
    let mut out: Vec<Value> = groups
        .iter()
        .map(|g| {
            let mut v = serde_json::to_value(g).unwrap_or(Value::Null);
            let mut o = Map::new();
            o.insert("@odata.type".into(), json!("#microsoft.graph.group"));
            for p in GROUP_PROPS {
                o.insert((*p).into(), v.get_mut(*p).map(Value::take).unwrap_or(Value::Null));
            }
            Value::Object(o)
        })
        .collect();
    out.extend(roles.iter().map(|role| {
        let template = crate::model::ROLE_TEMPLATES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(role))
            .map(|(_, t)| *t)
            .unwrap_or("00000000-0000-0000-0000-000000000000");
        json!({
            "@odata.type": "#microsoft.graph.directoryRole",
            "id": uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, template.as_bytes()).to_string(),
            "deletedDateTime": null,
            "description": crate::model::role_description(role),
            "displayName": role,
            "roleTemplateId": template,
        })
    }));
    out
}

/// An object as the caller may see it: whole, or with "limited information" when the token
/// cannot read its type: `@odata.type` and `id`, every other property null (CONTRACT.md 9.2).
fn visible(object: &Value, c: &Caller, select: Option<&[String]>) -> Value {
    let kind = object["@odata.type"].as_str().unwrap_or("");
    let (props, readable) = if kind.ends_with("directoryRole") {
        (ROLE_PROPS, c.claims.has_any_scope(READ_ROLES))
    } else {
        (GROUP_PROPS, c.claims.has_any_scope(READ_GROUPS))
    };
    let mut o = Map::new();
    o.insert("@odata.type".into(), json!(kind));
    if !readable {
        o.insert("id".into(), object["id"].clone());
    }
    for p in props {
        let wanted = select.is_none_or(|s| s.iter().any(|x| x.eq_ignore_ascii_case(p)));
        if wanted && !o.contains_key(*p) {
            let value = if readable { object[*p].clone() } else { Value::Null };
            o.insert((*p).into(), value);
        }
    }
    Value::Object(o)
}

/// `$top`: 1 to 999, 100 when absent.
fn page_size(params: &Params) -> Result<usize, Response> {
    match params.get("$top").map(|t| t.parse::<usize>()) {
        None => Ok(100),
        Some(Ok(n)) if (1..=999).contains(&n) => Ok(n),
        Some(_) => Err(bad_request(
            "Request_BadRequest",
            &format!(
                "Invalid page size specified: '{}'. Must be between 1 and 999 inclusive.",
                params.get("$top").map(String::as_str).unwrap_or("")
            ),
        )),
    }
}

fn member_of(state: &SimState, headers: &HeaderMap, params: &Params, transitive: bool) -> Response {
    let c = match caller(state, headers, READ_SELF) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if let Err(r) = reject_unsupported(params, &["$top", "$skiptoken", "$select"]) {
        return r;
    }
    let top = match page_size(params) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let select = match select_of(params) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Some(bad) = select.iter().flatten().find(|p| {
        !ROLE_PROPS
            .iter()
            .chain(GROUP_PROPS)
            .any(|x| x.eq_ignore_ascii_case(p))
    }) {
        return bad_request(
            "Request_BadRequest",
            &format!("Could not find a property named '{bad}' on type 'microsoft.graph.directoryObject'."),
        );
    }
    let route = if transitive {
        "me/transitiveMemberOf"
    } else {
        "me/memberOf"
    };
    // A skiptoken belongs to its route and user as well as to the query.
    let mut bound = params.clone();
    bound.insert(" route".into(), format!("{route} {}", c.user.id));
    let qhash = query_hash(&bound);
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
    let all = memberships(&state.lock().dir, &c.user, transitive);
    let value: Vec<Value> = all
        .iter()
        .skip(offset)
        .take(top)
        .map(|o| visible(o, &c, select.as_deref()))
        .collect();
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(context(state, "directoryObjects", select.as_deref())),
    );
    if offset + top < all.len() {
        let mut keys: Vec<(&String, &String)> = params
            .iter()
            .filter(|(k, _)| k.as_str() != "$skiptoken")
            .collect();
        keys.sort();
        let mut link = format!("{}/v1.0/{route}?", state.base_url);
        for (k, v) in keys {
            link.push_str(&format!("{}={}&", k, urlencoding::encode(v)));
        }
        link.push_str(&format!("$skiptoken={}", skiptoken(state, offset + top, &qhash)));
        body.insert("@odata.nextLink".into(), json!(link));
    }
    body.insert("value".into(), Value::Array(value));
    Json(Value::Object(body)).into_response()
}

async fn organization(State(state): St, headers: HeaderMap) -> Response {
    if let Err(r) = caller(&state, &headers, READ_SELF) {
        return r;
    }
    let org = organization_value(&state);
    Json(json!({ "@odata.context": context(&state, "organization", None), "value": [org] })).into_response()
}

/// `/organization/{id}`: the tenant as an entity (examples/organization-get_response-200.json).
async fn organization_by_id(State(state): St, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if let Err(r) = caller(&state, &headers, READ_SELF) {
        return r;
    }
    if !id.eq_ignore_ascii_case(&state.tenant_id()) {
        return not_found(&id);
    }
    let mut org = organization_value(&state);
    org["@odata.context"] = json!(format!("{}/$entity", context(&state, "organization", None)));
    Json(org).into_response()
}

fn organization_value(state: &SimState) -> Value {
    let g = state.lock();
    let t = &g.dir.tenant;
    let verified: Vec<Value> = t
        .domains
        .iter()
        .filter(|d| d.is_verified)
        .map(|d| {
            json!({
                "capabilities": if d.is_initial { "Email, OfficeCommunicationsOnline" } else { "Email" },
                "isDefault": d.is_default,
                "isInitial": d.is_initial,
                "name": d.id,
                "type": d.authentication_type,
            })
        })
        .collect();
    json!({ "id": t.id, "displayName": t.display_name, "verifiedDomains": verified })
}

async fn domains(State(state): St, headers: HeaderMap) -> Response {
    let c = match caller(
        &state,
        &headers,
        &["Domain.Read.All", "Directory.Read.All", "Directory.ReadWrite.All"],
    ) {
        Ok(c) => c,
        Err(r) => return r,
    };
    // Delegated callers also need a supported directory role (CONTRACT.md section 5).
    if !c.has_role(&[
        "Global Administrator",
        "User Administrator",
        "Helpdesk Administrator",
        "Directory Readers",
    ]) {
        return denied();
    }
    let g = state.lock();
    let value: Vec<Value> = g
        .dir
        .tenant
        .domains
        .iter()
        .map(|d| {
            json!({
                "authenticationType": d.authentication_type,
                "availabilityStatus": null,
                "id": d.id,
                "isAdminManaged": true,
                "isDefault": d.is_default,
                "isInitial": d.is_initial,
                "isRoot": !d.id.trim_end_matches(".onmicrosoft.com").contains('.') || d.is_initial,
                "isVerified": d.is_verified,
                "passwordNotificationWindowInDays": 14,
                "passwordValidityPeriodInDays": 2147483647,
                "supportedServices": ["Email"],
                "state": null,
            })
        })
        .collect();
    Json(json!({ "@odata.context": context(&state, "domains", None), "value": value })).into_response()
}

// ------------------------------------------------------------------ users

struct UserQuery {
    filter: Option<Filter>,
    search: Option<Search>,
    orderby: Option<OrderBy>,
    select: Option<Vec<String>>,
    count: bool,
    eventual: bool,
}

/// Parses and checks `$filter`, `$search`, `$orderby`, `$select` and `$count` with the advanced
/// query rules. Runs on every page, so a next page without ConsistencyLevel fails like the first.
fn user_query(params: &Params, headers: &HeaderMap) -> Result<UserQuery, Response> {
    let eventual = eventual(headers);
    let count = params
        .get("$count")
        .is_some_and(|c| c.eq_ignore_ascii_case("true"));
    let adv = Advanced {
        consistency_eventual: eventual,
        count,
    };
    let search = match params.get("$search") {
        Some(s) => {
            if !eventual {
                return Err(bad_request(
                    "Request_UnsupportedQuery",
                    "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
                ));
            }
            Some(Search::parse(s).map_err(odata_error)?)
        }
        None => None,
    };
    let filter = match params.get("$filter") {
        Some(f) => {
            let f = Filter::parse(f).map_err(odata_error)?;
            f.check_advanced(adv).map_err(odata_error)?;
            Some(f)
        }
        None => None,
    };
    let orderby = params
        .get("$orderby")
        .map(|o| OrderBy::parse(o))
        .transpose()
        .map_err(odata_error)?;
    // $orderby with $filter or $search is an advanced query (CONTRACT.md section 2).
    if orderby.is_some() && (filter.is_some() || search.is_some()) && !(eventual && count) {
        return Err(bad_request(
            "Request_UnsupportedQuery",
            "Sorting not supported for current query.",
        ));
    }
    let select = select_of(params)?;
    if let Some(s) = &select {
        if let Some(single) = s
            .iter()
            .find(|p| SINGLE_ONLY.iter().any(|x| x.eq_ignore_ascii_case(p)))
        {
            return Err(errors::graph_error(
                StatusCode::NOT_IMPLEMENTED,
                "Request_UnsupportedQuery",
                &format!("The property '{single}' does not support filtering or selection on a collection."),
            ));
        }
    }
    Ok(UserQuery {
        filter,
        search,
        orderby,
        select,
        count,
        eventual,
    })
}

/// The users a query returns, as readers see them (replication lag).
fn matching<'a>(g: &'a Inner, q: &UserQuery) -> Vec<(&'a User, Value)> {
    let mut out: Vec<(&User, Value)> = crate::replication::visible(g)
        .map(|u| (u, user_json(u)))
        .filter(|(_, v)| {
            q.filter.as_ref().is_none_or(|f| f.matches(v)) && q.search.as_ref().is_none_or(|s| s.matches(v))
        })
        .collect();
    if let Some(o) = &q.orderby {
        let key = |v: &Value| {
            v.get(&o.property)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_lowercase()
        };
        out.sort_by(|a, b| {
            let ord = key(&a.1).cmp(&key(&b.1));
            if o.descending {
                ord.reverse()
            } else {
                ord
            }
        });
    }
    out
}

/// Up to `top` matches in directory order from position `start` of the visible users, and the
/// position after the last one when more match.
fn page_from(g: &Inner, q: &UserQuery, start: usize, top: usize) -> (Vec<Value>, Option<usize>) {
    let mut page = Vec::with_capacity(top);
    for (i, u) in crate::replication::visible_from(g, start) {
        let v = user_json(u);
        if q.filter.as_ref().is_none_or(|f| f.matches(&v)) && q.search.as_ref().is_none_or(|s| s.matches(&v))
        {
            if page.len() == top {
                return (page, Some(i));
            }
            page.push(v);
        }
    }
    (page, None)
}

/// The query a skiptoken belongs to: everything but the token itself.
fn query_hash(params: &Params) -> String {
    let mut keys: Vec<(&String, &String)> = params
        .iter()
        .filter(|(k, _)| k.as_str() != "$skiptoken")
        .collect();
    keys.sort();
    let mut h = Sha256::new();
    for (k, v) in keys {
        h.update(k.as_bytes());
        h.update([0]);
        h.update(v.as_bytes());
        h.update([0]);
    }
    hex(&h.finalize()[..8])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn skiptoken(state: &SimState, offset: usize, qhash: &str) -> String {
    let payload = format!("{offset}:{qhash}");
    let mac = tokens::sign(&state.key, &payload);
    let mac = mac
        .rsplit('.')
        .next()
        .unwrap_or("")
        .chars()
        .take(16)
        .collect::<String>();
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{payload}:{mac}"))
}

fn parse_skiptoken(state: &SimState, token: &str, qhash: &str) -> Option<usize> {
    use base64::Engine;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()?;
    let raw = String::from_utf8(raw).ok()?;
    let mut parts = raw.splitn(3, ':');
    let offset: usize = parts.next()?.parse().ok()?;
    let hash = parts.next()?;
    (hash == qhash && skiptoken(state, offset, qhash) == token).then_some(offset)
}

async fn list_users(State(state): St, headers: HeaderMap, Query(params): Query<Params>) -> Response {
    if let Err(r) = caller(&state, &headers, READ_USERS) {
        return r;
    }
    if let Err(r) = reject_unsupported(
        &params,
        &[
            "$filter",
            "$search",
            "$select",
            "$top",
            "$count",
            "$orderby",
            "$skiptoken",
        ],
    ) {
        return r;
    }
    let q = match user_query(&params, &headers) {
        Ok(q) => q,
        Err(r) => return r,
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
    let qhash = query_hash(&params);
    let offset = match params.get("$skiptoken") {
        None => 0,
        Some(t) => match parse_skiptoken(&state, t, &qhash) {
            Some(o) => o,
            None => {
                return bad_request(
                    "Request_BadRequest",
                    "The specified page token value has expired or is invalid.",
                )
            }
        },
    };
    let g = state.lock();
    // @odata.count only with ConsistencyLevel, and only on the first page (CONTRACT.md section 2).
    let counted = q.count && q.eventual && offset == 0;
    let (page, next, total) = if q.orderby.is_some() {
        // Sorted: the token is an offset into the sorted matches.
        let all = matching(&g, &q);
        let page: Vec<Value> = all
            .iter()
            .skip(offset)
            .take(top)
            .map(|(_, v)| v.clone())
            .collect();
        let next = (offset + top < all.len()).then_some(offset + top);
        (page, next, all.len())
    } else {
        // Directory order: the token is where the next page starts in the directory, so a page
        // costs what it reads, as Graph's does, whatever the directory's size.
        let (page, next) = page_from(&g, &q, offset, top);
        let total = if counted { matching(&g, &q).len() } else { 0 };
        (page, next, total)
    };
    let mut value = Vec::with_capacity(page.len());
    for v in &page {
        match odata::project(v, q.select.as_deref()) {
            Ok(p) => value.push(p),
            Err(e) => return odata_error(e),
        }
    }
    drop(g);
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(context(&state, "users", q.select.as_deref())),
    );
    if counted {
        body.insert("@odata.count".into(), json!(total));
    }
    if let Some(next) = next {
        let mut link = format!("{}/v1.0/users?", state.base_url);
        let mut keys: Vec<(&String, &String)> = params
            .iter()
            .filter(|(k, _)| k.as_str() != "$skiptoken")
            .collect();
        keys.sort();
        for (k, v) in keys {
            link.push_str(&format!("{}={}&", k, urlencoding::encode(v)));
        }
        link.push_str(&format!("$skiptoken={}", skiptoken(&state, next, &qhash)));
        body.insert("@odata.nextLink".into(), json!(link));
    }
    body.insert("value".into(), Value::Array(value));
    Json(Value::Object(body)).into_response()
}

async fn get_user(
    State(state): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Query<Params>,
) -> Response {
    if let Err(r) = caller(&state, &headers, READ_USERS) {
        return r;
    }
    if id == "$count" {
        return count_users(&state, &headers, &params);
    }
    if let Err(r) = reject_unsupported(&params, &["$select"]) {
        return r;
    }
    let user = {
        let g = state.lock();
        g.dir.user(&id).and_then(|u| crate::replication::seen(&g, u))
    };
    match user {
        Some(u) => single_user(&state, &u, &params),
        None => not_found(&id),
    }
}

/// `/users/$count`: text/plain, and only with ConsistencyLevel: eventual.
fn count_users(state: &SimState, headers: &HeaderMap, params: &Params) -> Response {
    if !eventual(headers) {
        return bad_request("Request_BadRequest", "$count is not currently supported.");
    }
    if let Err(r) = reject_unsupported(params, &["$filter", "$search"]) {
        return r;
    }
    let mut with_count = params.clone();
    with_count.insert("$count".into(), "true".into());
    let q = match user_query(&with_count, headers) {
        Ok(q) => q,
        Err(r) => return r,
    };
    let n = matching(&state.lock(), &q).len();
    ([(header::CONTENT_TYPE, "text/plain")], n.to_string()).into_response()
}

fn valid_address(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c == '@' && s.matches('@').count() > 1)
}

async fn patch_user(
    State(state): St,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Option<Json<Value>>,
) -> Response {
    let c = match caller(&state, &headers, WRITE_USERS) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(Json(Value::Object(changes))) = body else {
        return bad_request("Request_BadRequest", "The request body must be a JSON object.");
    };
    let mut g = state.lock();
    let Some(target) = g.dir.user(&id).cloned() else {
        return not_found(&id);
    };
    // mail, otherMails and userType: Global Administrator; User Administrator and Directory Writers
    // for users without admin roles (a User Administrator also for itself). Helpdesk Administrator
    // and Guest Inviter may not update user properties (CONTRACT.md section 9.4).
    let target_is_admin = !g.dir.effective_roles(&target).is_empty();
    let allowed = c.has_role(&["Global Administrator"])
        || (!target_is_admin && c.has_role(&["User Administrator", "Directory Writers"]))
        || (target.id == c.user.id && c.has_role(&["User Administrator"]));
    if !allowed {
        return denied();
    }
    for key in changes.keys() {
        if !matches!(key.as_str(), "mail" | "otherMails" | "userType") {
            return bad_request(
                "Request_BadRequest",
                &format!("Property '{key}' cannot be updated through the simulated tenant (mail, otherMails, userType only)."),
            );
        }
    }
    let synced = target.on_premises_sync_enabled == Some(true);
    if synced && (changes.contains_key("mail") || changes.contains_key("otherMails")) {
        return bad_request(
            "Request_BadRequest",
            "Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.",
        );
    }
    let mut next = target.clone();
    if let Some(mail) = changes.get("mail") {
        // [inf] The contract says mail can't be changed here for a mailbox user; the exact Graph
        // error is not documented, so this is a 400 with a plain message.
        if target.sim.has_mailbox {
            return bad_request(
                "Request_BadRequest",
                "The mail property of a user with an Exchange Online mailbox can't be changed through Microsoft Graph. Use the Exchange admin center.",
            );
        }
        match mail {
            Value::Null => {
                next.mail = None;
                next.proxy_addresses.retain(|p| !p.starts_with("SMTP:"));
            }
            Value::String(m) if valid_address(m) => {
                // A user, group or contact holding it as an SMTP or smtp proxy address.
                if holders::proxy_conflict(&g.dir, m, &target.id) {
                    return bad_request(
                        "Request_BadRequest",
                        "Another object with the same value for property proxyAddresses already exists.",
                    );
                }
                next.mail = Some(m.clone());
                next.proxy_addresses.retain(|p| {
                    !p.starts_with("SMTP:")
                        && !holders::smtp_address(p).is_some_and(|a| a.eq_ignore_ascii_case(m))
                });
                next.proxy_addresses.insert(0, format!("SMTP:{m}"));
            }
            _ => {
                return bad_request(
                    "Request_BadRequest",
                    "Invalid value specified for property 'mail' of resource 'User'.",
                )
            }
        }
    }
    if let Some(other) = changes.get("otherMails") {
        let Some(list) = other.as_array() else {
            return bad_request(
                "Request_BadRequest",
                "Invalid value specified for property 'otherMails' of resource 'User'.",
            );
        };
        let mut mails = Vec::new();
        for m in list {
            match m.as_str() {
                Some(s) if valid_address(s) => mails.push(s.to_owned()),
                _ => {
                    return bad_request(
                        "Request_BadRequest",
                        "Invalid value specified for property 'otherMails' of resource 'User'.",
                    )
                }
            }
        }
        next.other_mails = mails;
    }
    if let Some(t) = changes.get("userType") {
        match t.as_str() {
            Some(v @ ("Member" | "Guest")) => next.user_type = v.to_owned(),
            _ => {
                return bad_request(
                    "Request_BadRequest",
                    "Invalid value specified for property 'userType' of resource 'User'.",
                )
            }
        }
    }
    crate::replication::updating(&mut g, &target);
    if let Some(u) = g.dir.user_mut(&id) {
        *u = next;
    }
    StatusCode::NO_CONTENT.into_response()
}

// ------------------------------------------------------------------ $batch

fn batch_error(message: &str) -> Response {
    bad_request("BadRequest", message)
}

async fn batch(State(state): St, headers: HeaderMap, body: Option<Json<Value>>) -> Response {
    // The batch itself needs a valid token; each item is then authorised on its own.
    if let Err(r) = caller(
        &state,
        &headers,
        &[
            "User.Read",
            "User.ReadBasic.All",
            "User.Read.All",
            "User.ReadWrite.All",
            "User.Invite.All",
            "Directory.Read.All",
            "Directory.ReadWrite.All",
            "Domain.Read.All",
            "GroupMember.Read.All",
            "Group.Read.All",
            "OrgContact.Read.All",
        ],
    ) {
        return r;
    }
    let Some(requests) = body
        .as_ref()
        .and_then(|Json(b)| b.get("requests"))
        .and_then(Value::as_array)
        .cloned()
    else {
        return batch_error("Invalid batch payload format: 'requests' is required.");
    };
    if requests.is_empty() || requests.len() > 20 {
        return batch_error(&format!(
            "The batch must hold between 1 and 20 requests; it holds {}.",
            requests.len()
        ));
    }
    let mut seen: Vec<String> = Vec::new();
    for r in &requests {
        let Some(id) = r.get("id").and_then(Value::as_str) else {
            return batch_error("Every request in a batch needs an 'id'.");
        };
        if seen.iter().any(|s| s.eq_ignore_ascii_case(id)) {
            return batch_error(&format!("Batch request contains duplicate Id '{id}'."));
        }
        if r.get("method").and_then(Value::as_str).is_none() || r.get("url").and_then(Value::as_str).is_none()
        {
            return batch_error(&format!("Request '{id}' needs 'method' and 'url'."));
        }
        if r.get("body").is_some() {
            let has_type = r
                .get("headers")
                .and_then(Value::as_object)
                .is_some_and(|h| h.keys().any(|k| k.eq_ignore_ascii_case("content-type")));
            if !has_type {
                return batch_error(&format!("Request '{id}' has a body but no Content-Type header."));
            }
        }
        for dep in r.get("dependsOn").and_then(Value::as_array).into_iter().flatten() {
            let dep = dep.as_str().unwrap_or("");
            if !seen.iter().any(|s| s.eq_ignore_ascii_case(dep)) {
                return batch_error(&format!(
                    "Request '{id}' depends on '{dep}', which is not an earlier request of this batch."
                ));
            }
        }
        seen.push(id.to_owned());
    }

    let app = crate::server::router(state.clone());
    let auth = headers.get(header::AUTHORIZATION).cloned();
    let mut statuses: HashMap<String, u16> = HashMap::new();
    let mut responses = Vec::new();
    for r in &requests {
        let id = r.get("id").and_then(Value::as_str).unwrap_or("").to_owned();
        let failed_dep = r
            .get("dependsOn")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .any(|d| statuses.get(&d.to_ascii_lowercase()).is_none_or(|s| *s >= 400));
        let (status, item_headers, body) = if failed_dep {
            let b = errors::graph_error_body(
                "FailedDependency",
                "A request this request depends on failed.",
                None,
            );
            (424, json!({ "Content-Type": "application/json" }), Some(b))
        } else {
            run_item(&state, &app, r, auth.clone()).await
        };
        statuses.insert(id.to_ascii_lowercase(), status);
        let mut item = json!({ "id": id, "status": status, "headers": item_headers });
        if let Some(b) = body {
            item["body"] = b;
        }
        responses.push(item);
    }
    Json(json!({ "responses": responses })).into_response()
}

async fn run_item(
    state: &Arc<SimState>,
    app: &Router,
    r: &Value,
    auth: Option<header::HeaderValue>,
) -> (u16, Value, Option<Value>) {
    let method = r
        .get("method")
        .and_then(Value::as_str)
        .unwrap_or("GET")
        .to_ascii_uppercase();
    let url = r.get("url").and_then(Value::as_str).unwrap_or("");
    let url = encode_uri(url);
    let path = if url.starts_with('/') {
        format!("/v1.0{url}")
    } else {
        format!("/v1.0/{url}")
    };
    let route_path = path.split('?').next().unwrap_or("").to_owned();
    if route_path == "/v1.0/$batch" {
        let b = errors::graph_error_body("BadRequest", "A batch cannot contain another batch.", None);
        return (400, json!({ "Content-Type": "application/json" }), Some(b));
    }
    *state
        .lock()
        .stats
        .routes
        .entry(crate::faults::route_key(&method, &route_path))
        .or_default() += 1;
    // Each item is throttled on its own (CONTRACT.md section 4), so a route's 429 or 503 fault
    // applies to its items too. Graph's item header names come in either case (its documented
    // answer has "Content-Type" beside "x-ms-resource-unit"): these say "retry-after".
    let route = {
        let g = state.lock();
        g.faults
            .routes
            .get(&crate::faults::route_key(&method, &route_path))
            .cloned()
            .unwrap_or_default()
    };
    if let Some(retry_after) = route.throttle_retry_after {
        state.lock().stats.throttled += 1;
        let b = errors::graph_error_body("TooManyRequests", "Please retry again later.", None);
        return (
            429,
            json!({ "retry-after": retry_after, "Content-Type": "application/json" }),
            Some(b),
        );
    }
    if route.fail_rate.is_some_and(|rate| rand::random::<f64>() < rate) {
        let b = errors::graph_error_body(
            "serviceNotAvailable",
            "The service is temporarily unavailable. Please retry later.",
            None,
        );
        return (
            503,
            json!({ "retry-after": "1.5", "Content-Type": "application/json" }),
            Some(b),
        );
    }
    if crate::faults::is_write(&method, &route_path) {
        if let Some(retry_after) = crate::server::admit_write(state) {
            let b = errors::graph_error_body("TooManyRequests", "Please retry again later.", None);
            return (
                429,
                json!({ "Retry-After": retry_after, "Content-Type": "application/json" }),
                Some(b),
            );
        }
    }
    let Ok(m) = Method::from_bytes(method.as_bytes()) else {
        let b = errors::graph_error_body("BadRequest", "Unknown method.", None);
        return (400, json!({}), Some(b));
    };
    let mut builder = Request::builder().method(m).uri(&path);
    if let Some(a) = auth {
        builder = builder.header(header::AUTHORIZATION, a);
    }
    for (k, v) in r.get("headers").and_then(Value::as_object).into_iter().flatten() {
        if let Some(v) = v.as_str() {
            builder = builder.header(k.as_str(), v);
        }
    }
    let body = r
        .get("body")
        .map(|b| Body::from(b.to_string()))
        .unwrap_or_else(Body::empty);
    let Ok(req) = builder.body(body) else {
        let b = errors::graph_error_body(
            "BadRequest",
            "The request could not be built from this item.",
            None,
        );
        return (400, json!({}), Some(b));
    };
    let resp = crate::server::dispatch(app.clone(), req).await;
    let status = resp.status().as_u16();
    let mut hs = Map::new();
    for name in ["content-type", "retry-after", "location"] {
        if let Some(v) = resp.headers().get(name).and_then(|v| v.to_str().ok()) {
            let key = if name == "content-type" {
                "Content-Type"
            } else if name == "retry-after" {
                "Retry-After"
            } else {
                "Location"
            };
            hs.insert(key.into(), json!(v));
        }
    }
    let bytes = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let body = if bytes.is_empty() {
        None
    } else {
        Some(
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned())),
        )
    };
    (status, Value::Object(hs), body)
}

/// Batch item URLs are written by people (`$filter=city eq null`): percent-encode what a URI
/// cannot hold, leaving existing escapes alone.
fn encode_uri(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        if c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_urls_are_encoded() {
        assert_eq!(
            encode_uri("users?$filter=city eq null"),
            "users?$filter=city%20eq%20null"
        );
        assert_eq!(
            encode_uri("users?$search=\"displayName:wa\""),
            "users?$search=%22displayName:wa%22"
        );
        assert_eq!(encode_uri("users/%23EXT%23"), "users/%23EXT%23");
    }
}
