//! The Microsoft identity platform endpoints for a public desktop client (CONTRACT.md section 6):
//! `/{tenant}/oauth2/v2.0/authorize`, `/token`, `/devicecode`, and a device login page.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Json, Router};
use serde_json::{json, Value};

use crate::errors::identity_error;
use crate::model::{Directory, User};
use crate::state::{AuthCode, DeviceCode, DeviceStatus, SimState};
use crate::tokens::{self, AccessClaims, IdClaims, RefreshClaims};
use crate::DEMO_CLIENT_ID;

type Params = HashMap<String, String>;
type St = State<Arc<SimState>>;

/// Delegated Graph permissions the simulator knows.
pub const GRAPH_SCOPES: &[&str] = &[
    "User.Read",
    "User.ReadBasic.All",
    "User.Read.All",
    "User.ReadWrite.All",
    "User.Invite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
    "Domain.Read.All",
];
/// Also known, but only when asked for by name or consented for the client: `.default` does not
/// include them.
const ROLE_AND_GROUP_SCOPES: &[&str] = &[
    "GroupMember.Read.All",
    "Group.Read.All",
    "OrgContact.Read.All",
    "RoleManagement.Read.Directory",
    "RoleManagement.ReadWrite.Directory",
];
const OIDC_SCOPES: &[&str] = &["openid", "profile", "email", "offline_access"];
const GRAPH_RESOURCE: &str = "https://graph.microsoft.com/";

pub fn routes() -> Router<Arc<SimState>> {
    Router::new()
        .route(
            "/{tenant}/oauth2/v2.0/authorize",
            get(authorize_page).post(authorize_submit),
        )
        .route("/{tenant}/oauth2/v2.0/token", axum::routing::post(token))
        .route(
            "/{tenant}/oauth2/v2.0/devicecode",
            axum::routing::post(devicecode),
        )
        .route("/devicelogin", get(device_page).post(device_submit))
}

fn p<'a>(params: &'a Params, name: &str) -> &'a str {
    params.get(name).map(String::as_str).unwrap_or("")
}

/// `{tenant}` may be the tenant id, a verified domain, `organizations` or `common`.
fn tenant_ok(dir: &Directory, tenant: &str) -> bool {
    tenant.eq_ignore_ascii_case("organizations")
        || tenant.eq_ignore_ascii_case("common")
        || tenant.eq_ignore_ascii_case(&dir.tenant.id)
        || dir
            .tenant
            .domains
            .iter()
            .any(|d| d.is_verified && d.id.eq_ignore_ascii_case(tenant))
}

fn known_client(state: &SimState, client_id: &str) -> bool {
    state.lock().dir.application(client_id).is_some()
}

/// The parts of an absolute URI that redirect matching compares.
#[derive(Debug, PartialEq)]
struct UriParts<'a> {
    scheme: &'a str,
    host: &'a str,
    port: Option<u16>,
    /// "/" when the URI has no path (Entra adds the slash, CONTRACT.md section 6).
    path: &'a str,
    /// Query and fragment, compared as they are.
    rest: &'a str,
}

fn uri_parts(uri: &str) -> Option<UriParts<'_>> {
    let (scheme, rest) = uri.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, after) = rest.split_at(end);
    if authority.contains('@') {
        return None;
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (inner, tail) = v6.split_once(']')?;
        (&authority[..inner.len() + 2], tail)
    } else {
        match authority.find(':') {
            Some(i) => authority.split_at(i),
            None => (authority, ""),
        }
    };
    let port = match port.strip_prefix(':') {
        None if port.is_empty() => None,
        Some(p) if (1..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()) => {
            Some(p.parse::<u16>().ok()?)
        }
        _ => return None,
    };
    let path_end = after.find(['?', '#']).unwrap_or(after.len());
    let (path, rest) = after.split_at(path_end);
    if host.is_empty() {
        return None;
    }
    Some(UriParts {
        scheme,
        host,
        port,
        path: if path.is_empty() { "/" } else { path },
        rest,
    })
}

/// Entra's redirect URI matching (CONTRACT.md sections 6 and 9.1): scheme, host, path, query
/// exactly (paths are case-sensitive; `http://localhost` and `http://localhost/` are the same);
/// the port is ignored only for `http://localhost`. So `127.0.0.1` and `[::1]` match only a
/// registration of their own. [inf] Scheme and host are compared case-sensitively too: stricter.
fn redirect_matches(registered: &[String], uri: &str) -> bool {
    let Some(req) = uri_parts(uri) else {
        return false;
    };
    registered.iter().filter_map(|r| uri_parts(r)).any(|reg| {
        let any_port = reg.scheme == "http" && reg.host == "localhost";
        reg.scheme == req.scheme
            && reg.host == req.host
            && (any_port || reg.port == req.port)
            && reg.path == req.path
            && reg.rest == req.rest
    })
}

/// Splits requested scopes into Graph permissions (short names) and OpenID Connect scopes.
fn parse_scopes(raw: &str) -> Result<(Vec<String>, Vec<String>), String> {
    let mut graph = Vec::new();
    let mut oidc = Vec::new();
    for s in raw.split_whitespace() {
        if let Some(o) = OIDC_SCOPES.iter().find(|o| o.eq_ignore_ascii_case(s)) {
            oidc.push((*o).to_owned());
            continue;
        }
        let short = s
            .strip_prefix(GRAPH_RESOURCE)
            .or_else(|| s.strip_prefix("https://graph.microsoft.com/"))
            .unwrap_or(s);
        if short.contains("://") || short.contains('/') {
            return Err(s.to_owned());
        }
        if short == ".default" {
            graph.extend(GRAPH_SCOPES.iter().map(|g| (*g).to_owned()));
            continue;
        }
        match GRAPH_SCOPES
            .iter()
            .chain(ROLE_AND_GROUP_SCOPES)
            .find(|g| g.eq_ignore_ascii_case(short))
        {
            Some(g) => graph.push((*g).to_owned()),
            None => return Err(s.to_owned()),
        }
    }
    graph.dedup();
    Ok((graph, oidc))
}

fn scope_error(scope: &str) -> Response {
    identity_error(
        StatusCode::BAD_REQUEST,
        "invalid_scope",
        70011,
        &format!(
            "The provided value for the input parameter 'scope' isn't valid. The scope {scope} isn't valid."
        ),
    )
}

fn missing_consent(state: &SimState, graph: &[String]) -> Option<String> {
    let g = state.lock();
    graph
        .iter()
        .find(|s| g.faults.missing_consent.iter().any(|m| m.eq_ignore_ascii_case(s)))
        .cloned()
}

/// The injected policy error, as (error, AADSTS, text).
fn policy_error(state: &SimState) -> Option<(&'static str, u32, &'static str)> {
    match state.lock().faults.sign_in_error? {
        53003 => Some(("access_denied", 53003, "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.")),
        code => Some(("interaction_required", code, "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the resource.")),
    }
}

fn consent_text(scope: &str) -> String {
    format!(
        "The user or administrator has not consented to use the application with ID '{DEMO_CLIENT_ID}' named \
         'B2B Convert'. Send an interactive authorization request for this user and resource. Missing: {scope}."
    )
}

// ------------------------------------------------------------------ authorize

/// Problems that must not redirect (the redirect URI itself may be untrusted): an error page.
fn authorize_precheck(state: &SimState, tenant: &str, params: &Params) -> Result<(), Response> {
    let page = |code: u32, text: String| {
        (
            StatusCode::BAD_REQUEST,
            Html(error_page(&format!("AADSTS{code}: {text}"))),
        )
            .into_response()
    };
    let dir_ok = tenant_ok(&state.lock().dir, tenant);
    if !dir_ok {
        return Err(page(90002, format!("Tenant '{tenant}' not found.")));
    }
    let client_id = p(params, "client_id");
    let registered = state
        .lock()
        .dir
        .application(client_id)
        .map(|a| a.redirect_uris.clone());
    let Some(registered) = registered else {
        return Err(page(
            700016,
            format!("Application with identifier '{client_id}' was not found in the directory '{tenant}'."),
        ));
    };
    // Never redirect to a URI the application did not register (CONTRACT.md section 9.1).
    let redirect = p(params, "redirect_uri");
    if !redirect_matches(&registered, redirect) {
        return Err(page(
            50011,
            format!(
                "The redirect URI '{redirect}' specified in the request does not match the redirect URIs \
                 configured for the application '{client_id}'. Make sure the redirect URI sent in the request \
                 matches one added to your application in the Azure portal. Navigate to \
                 https://aka.ms/redirectUriMismatchError to learn more about how to fix this."
            ),
        ));
    }
    Ok(())
}

/// Problems reported to the client on its redirect URI: `?error=...&error_description=...`.
fn authorize_redirect_error(params: &Params, error: &str, aadsts: u32, text: &str) -> Response {
    let mut url = with_slash(p(params, "redirect_uri"));
    url.push_str(&format!(
        "?error={}&error_description={}",
        error,
        urlencoding::encode(&format!("AADSTS{aadsts}: {text}"))
    ));
    if let Some(s) = params.get("state") {
        url.push_str(&format!("&state={}", urlencoding::encode(s)));
    }
    found(&url)
}

/// Entra answers authorize with 302 Found.
fn found(url: &str) -> Response {
    match header::HeaderValue::from_str(url) {
        Ok(v) => (StatusCode::FOUND, [(header::LOCATION, v)]).into_response(),
        Err(_) => (
            StatusCode::BAD_REQUEST,
            Html(error_page("The redirect URI could not be used.")),
        )
            .into_response(),
    }
}

/// URIs without a path come back with a trailing slash (CONTRACT.md section 6).
fn with_slash(uri: &str) -> String {
    let rest = uri.strip_prefix("http://").unwrap_or(uri);
    if rest.contains('/') {
        uri.to_owned()
    } else {
        format!("{uri}/")
    }
}

/// Checks the protocol parameters that are reported on the redirect URI.
fn authorize_params(params: &Params) -> Result<(Vec<String>, Vec<String>), Response> {
    if p(params, "response_type") != "code" {
        return Err(authorize_redirect_error(
            params,
            "unsupported_response_type",
            700054,
            "response_type must be 'code' for this application.",
        ));
    }
    // PKCE is only recommended by Entra for desktop apps; the simulator requires S256 so that a
    // client which forgets it fails here rather than in front of a real tenant's policy.
    if p(params, "code_challenge").is_empty() || p(params, "code_challenge_method") != "S256" {
        return Err(authorize_redirect_error(
            params,
            "invalid_request",
            501491,
            "Invalid size of Code_Challenge parameter, or code_challenge_method is not S256.",
        ));
    }
    match parse_scopes(p(params, "scope")) {
        Ok(s) => Ok(s),
        Err(bad) => Err(authorize_redirect_error(
            params,
            "invalid_scope",
            70011,
            &format!("The provided value for the input parameter 'scope' isn't valid. The scope {bad} isn't valid."),
        )),
    }
}

/// Both halves of authorize check the same things first: the error page, then the redirect errors.
fn authorize_checks(
    state: &SimState,
    tenant: &str,
    params: &Params,
) -> Result<(Vec<String>, Vec<String>), Response> {
    authorize_precheck(state, tenant, params)?;
    authorize_params(params)
}

async fn authorize_page(
    State(state): St,
    Path(tenant): Path<String>,
    Query(params): Query<Params>,
) -> Response {
    let (graph, _) = match authorize_checks(&state, &tenant, &params) {
        Ok(s) => s,
        Err(r) => return r,
    };
    Html(sign_in_page(&state, &params, &graph, None)).into_response()
}

async fn authorize_submit(
    State(state): St,
    Path(tenant): Path<String>,
    Form(params): Form<Params>,
) -> Response {
    let (graph, oidc) = match authorize_checks(&state, &tenant, &params) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if p(&params, "action") == "cancel" {
        return authorize_redirect_error(
            &params,
            "access_denied",
            65004,
            "User declined to consent to access the app.",
        );
    }
    let account = {
        let g = state.lock();
        sign_in(&g.dir, p(&params, "username"), p(&params, "password"))
            .map(|u| (u.id.clone(), u.account_enabled))
    };
    let Some((user_id, enabled)) = account else {
        let message = "AADSTS50126: Your account or password is incorrect.";
        return (
            StatusCode::OK,
            Html(sign_in_page(&state, &params, &graph, Some(message))),
        )
            .into_response();
    };
    if !enabled {
        return (
            StatusCode::BAD_REQUEST,
            Html(error_page("AADSTS50057: The user account is disabled.")),
        )
            .into_response();
    }
    if let Some(scope) = missing_consent(&state, &graph) {
        return authorize_redirect_error(&params, "consent_required", 65001, &consent_text(&scope));
    }
    if let Some((error, aadsts, text)) = policy_error(&state) {
        return authorize_redirect_error(&params, error, aadsts, text);
    }
    let code = tokens::opaque(48);
    let mut scopes = graph;
    scopes.extend(oidc);
    state.lock().codes.insert(
        code.clone(),
        AuthCode {
            client_id: p(&params, "client_id").to_owned(),
            redirect_uri: p(&params, "redirect_uri").to_owned(),
            user_id,
            scopes,
            challenge: p(&params, "code_challenge").to_owned(),
            method: p(&params, "code_challenge_method").to_owned(),
            // "Code lifetime ~1 min" (CONTRACT.md section 6).
            expires: Instant::now() + Duration::from_secs(60),
            used: false,
        },
    );
    let mut url = with_slash(p(&params, "redirect_uri"));
    url.push_str(&format!("?code={code}"));
    if let Some(s) = params.get("state") {
        url.push_str(&format!("&state={}", urlencoding::encode(s)));
    }
    found(&url)
}

/// A seeded account with a password, matched by UPN (case-insensitive) and password.
fn sign_in<'a>(dir: &'a Directory, username: &str, password: &str) -> Option<&'a User> {
    dir.users.iter().find(|u| {
        u.user_principal_name.eq_ignore_ascii_case(username.trim())
            && u.sim.password.as_deref().is_some_and(|pw| pw == password)
    })
}

// ------------------------------------------------------------------ token

async fn token(State(state): St, Path(tenant): Path<String>, Form(params): Form<Params>) -> Response {
    if !tenant_ok(&state.lock().dir, &tenant) {
        return identity_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90002,
            &format!("Tenant '{tenant}' not found."),
        );
    }
    if params.contains_key("client_secret") || params.contains_key("client_assertion") {
        return identity_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            700025,
            "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
        );
    }
    let client_id = p(&params, "client_id");
    if !known_client(&state, client_id) {
        return identity_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            &format!("Application with identifier '{client_id}' was not found in the directory '{tenant}'."),
        );
    }
    match p(&params, "grant_type") {
        "authorization_code" => redeem_code(&state, &params),
        "refresh_token" => redeem_refresh(&state, &params),
        "urn:ietf:params:oauth:grant-type:device_code" => redeem_device(&state, &params),
        other => identity_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            &format!("The app requested an unsupported grant type '{other}'."),
        ),
    }
}

fn invalid_grant(aadsts: u32, text: &str) -> Response {
    identity_error(StatusCode::BAD_REQUEST, "invalid_grant", aadsts, text)
}

fn redeem_code(state: &SimState, params: &Params) -> Response {
    let code = p(params, "code");
    let grant = {
        let mut g = state.lock();
        let Some(c) = g.codes.get_mut(code) else {
            return invalid_grant(70000, "The provided value for the 'code' parameter is not valid.");
        };
        if c.used {
            return invalid_grant(54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.");
        }
        // Single use, even when the redemption below fails.
        c.used = true;
        if Instant::now() >= c.expires {
            return invalid_grant(70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.");
        }
        if !c.client_id.eq_ignore_ascii_case(p(params, "client_id")) {
            return invalid_grant(
                70000,
                "The provided value for the 'code' parameter is not valid: it was issued to another client.",
            );
        }
        // The very string sent to /authorize, trailing slash included.
        let given = p(params, "redirect_uri");
        if c.redirect_uri != given {
            return invalid_grant(
                50011,
                &format!(
                    "The reply address '{given}' does not match the reply address '{}' provided when \
                     requesting Authorization code.",
                    c.redirect_uri
                ),
            );
        }
        let verifier = p(params, "code_verifier");
        if verifier.is_empty() || c.method != "S256" || tokens::s256(verifier) != c.challenge {
            return invalid_grant(
                501481,
                "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
            );
        }
        (c.user_id.clone(), c.client_id.clone(), c.scopes.clone())
    };
    issue(state, &grant.0, &grant.1, &grant.2)
}

fn redeem_refresh(state: &SimState, params: &Params) -> Response {
    let presented = p(params, "refresh_token");
    let requested = match parse_scopes(p(params, "scope")) {
        Ok(s) => s,
        Err(bad) => return scope_error(&bad),
    };
    // Refresh tokens are signed and carry their grant, so they survive a restart of a simulator
    // that keeps its key (the app's demo tenant); revocation is by time, as a password reset is.
    let rt: RefreshClaims = match tokens::verify(&state.key, presented, tokens::now_s()) {
        Ok(rt) => rt,
        Err(tokens::TokenError::Expired) => {
            return invalid_grant(700082, "The refresh token has expired due to inactivity. The token was issued long ago and was inactive.");
        }
        Err(_) => {
            return invalid_grant(
                9002313,
                "Invalid request. Request is malformed or invalid: the refresh token is not valid.",
            );
        }
    };
    let revoked = state
        .lock()
        .revoked_before
        .get(&rt.sub)
        .is_some_and(|before| rt.iat_ms < *before);
    if revoked {
        return invalid_grant(50173, "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.");
    }
    if !rt.cid.eq_ignore_ascii_case(p(params, "client_id")) {
        return invalid_grant(70000, "The refresh token was issued to a different client.");
    }
    let (user_id, client_id, granted) = (
        rt.sub,
        rt.cid,
        rt.scp
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect::<Vec<_>>(),
    );
    if let Some(scope) = missing_consent(state, &requested.0) {
        return invalid_grant(65001, &consent_text(&scope));
    }
    if let Some((_, aadsts, text)) = policy_error(state) {
        // Entra reports policy errors on refresh as invalid_grant with the AADSTS code.
        return invalid_grant(aadsts, text);
    }
    // Scopes not in the original grant need consent; the simulator treats every known scope as
    // consented unless `missingConsent` says otherwise, as an admin-consented tenant would.
    let mut scopes = if requested.0.is_empty() {
        granted
            .iter()
            .filter(|s| !OIDC_SCOPES.contains(&s.as_str()))
            .cloned()
            .collect()
    } else {
        requested.0
    };
    scopes.extend(granted.into_iter().filter(|s| OIDC_SCOPES.contains(&s.as_str())));
    scopes.dedup();
    // Rotation: a new refresh token comes back; the old one stays valid (CONTRACT.md section 6).
    issue(state, &user_id, &client_id, &scopes)
}

fn redeem_device(state: &SimState, params: &Params) -> Response {
    let code = params
        .get("device_code")
        .or_else(|| params.get("code"))
        .map(String::as_str)
        .unwrap_or("");
    let approved = {
        let mut g = state.lock();
        let Some(d) = g.devices.get_mut(code) else {
            return identity_error(
                StatusCode::BAD_REQUEST,
                "bad_verification_code",
                70018,
                "The device_code sent to the /token endpoint wasn't recognized.",
            );
        };
        let now = Instant::now();
        if now >= d.expires {
            return identity_error(
                StatusCode::BAD_REQUEST,
                "expired_token",
                70019,
                "Verification code expired.",
            );
        }
        match d.status.clone() {
            DeviceStatus::Declined => {
                // The AADSTS number for a declined device code is not in the contract.
                return identity_error(
                    StatusCode::BAD_REQUEST,
                    "authorization_declined",
                    70020,
                    "The end user denied the authorization request.",
                );
            }
            DeviceStatus::Redeemed => {
                return invalid_grant(54005, "The device code was already redeemed.");
            }
            DeviceStatus::Pending => {
                let too_fast = d.interval_s > 0
                    && d.last_poll
                        .is_some_and(|last| now.duration_since(last) < Duration::from_secs(d.interval_s));
                d.last_poll = Some(now);
                // slow_down is RFC 8628's answer to polling faster than `interval`; Entra does not
                // document it, so the simulator is the stricter of the two.
                if too_fast {
                    return identity_error(
                        StatusCode::BAD_REQUEST,
                        "slow_down",
                        70016,
                        "The client is polling too fast; wait for the interval.",
                    );
                }
                return identity_error(
                    StatusCode::BAD_REQUEST,
                    "authorization_pending",
                    70016,
                    "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
                );
            }
            DeviceStatus::Approved(user_id) => {
                d.status = DeviceStatus::Redeemed;
                (user_id, d.client_id.clone(), d.scopes.clone())
            }
        }
    };
    issue(state, &approved.0, &approved.1, &approved.2)
}

/// The token response, as in examples/token_authcode_success_response.json.
pub fn issue(state: &SimState, user_id: &str, client_id: &str, scopes: &[String]) -> Response {
    match issue_value(state, user_id, client_id, scopes) {
        Some(body) => {
            let mut r = Json(body).into_response();
            r.headers_mut().insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-store"),
            );
            r
        }
        None => invalid_grant(50034, "The user account does not exist in the directory."),
    }
}

/// A known Graph scope's canonical name.
pub fn graph_scope(name: &str) -> Option<&'static str> {
    GRAPH_SCOPES
        .iter()
        .chain(ROLE_AND_GROUP_SCOPES)
        .find(|g| g.eq_ignore_ascii_case(name))
        .copied()
}

/// `scopes` are what was asked for (kept in the refresh token); the access token and the response's
/// `scope` also carry every scope consented for the client. [inf] Entra puts all consented scopes
/// of the resource into the token, requested or not; the contract does not say so.
pub fn issue_value(state: &SimState, user_id: &str, client_id: &str, scopes: &[String]) -> Option<Value> {
    let g = state.lock();
    let user = g.dir.user(user_id)?.clone();
    let mut granted = scopes.to_vec();
    for extra in g
        .dir
        .application(client_id)
        .map(|a| a.consented_scopes.as_slice())
        .unwrap_or_default()
    {
        if !granted.iter().any(|s| s.eq_ignore_ascii_case(extra)) {
            granted.push(extra.clone());
        }
    }
    let tid = g.dir.tenant.id.clone();
    let lifetime = g.faults.token_lifetime_s as i64;
    let refresh_lifetime = g.faults.refresh_lifetime_s;
    let now = tokens::now_s();
    let graph: Vec<&str> = granted
        .iter()
        .map(String::as_str)
        .filter(|s| !OIDC_SCOPES.contains(s))
        .collect();
    let access = AccessClaims {
        aud: "https://graph.microsoft.com".into(),
        iss: format!("https://sts.windows.net/{tid}/"),
        tid: tid.clone(),
        oid: user.id.clone(),
        upn: user.user_principal_name.clone(),
        name: user.display_name.clone(),
        scp: graph.join(" "),
        appid: client_id.to_owned(),
        iat: now,
        nbf: now,
        exp: now + lifetime,
        ver: "1.0".into(),
        uti: tokens::opaque(16),
    };
    let mut body = json!({
        "token_type": "Bearer",
        "scope": granted.join(" "),
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": tokens::sign(&state.key, &access),
    });
    if scopes.iter().any(|s| s == "offline_access") {
        let claims = RefreshClaims {
            sub: user.id.clone(),
            cid: client_id.to_owned(),
            scp: scopes.join(" "),
            iat_ms: tokens::now_ms(),
            exp: now + refresh_lifetime as i64,
            rti: tokens::opaque(16),
        };
        let rt = tokens::sign(&state.key, &claims);
        body["refresh_token"] = json!(rt);
    }
    if scopes.iter().any(|s| s == "openid") {
        let id = IdClaims {
            aud: client_id.to_owned(),
            iss: format!("{}/{tid}/v2.0", state.base_url),
            tid,
            oid: user.id.clone(),
            sub: user.id.clone(),
            preferred_username: user.user_principal_name.clone(),
            name: user.display_name.clone(),
            iat: now,
            nbf: now,
            exp: now + lifetime,
            ver: "2.0".into(),
        };
        body["id_token"] = json!(tokens::sign(&state.key, &id));
    }
    Some(body)
}

// ------------------------------------------------------------------ device code

async fn devicecode(State(state): St, Path(tenant): Path<String>, Form(params): Form<Params>) -> Response {
    if !tenant_ok(&state.lock().dir, &tenant) {
        return identity_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90002,
            &format!("Tenant '{tenant}' not found."),
        );
    }
    let client_id = p(&params, "client_id");
    if !known_client(&state, client_id) {
        return identity_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            &format!("Application with identifier '{client_id}' was not found in the directory '{tenant}'."),
        );
    }
    let (graph, oidc) = match parse_scopes(p(&params, "scope")) {
        Ok(s) => s,
        Err(bad) => return scope_error(&bad),
    };
    if let Some(scope) = missing_consent(&state, &graph) {
        return identity_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            65001,
            &consent_text(&scope),
        );
    }
    let device_code = tokens::opaque(48);
    let user_code = user_code();
    let (interval, expires_in) = {
        let g = state.lock();
        (g.faults.device_interval_s, g.faults.device_code_lifetime_s)
    };
    let mut scopes = graph;
    scopes.extend(oidc);
    state.lock().devices.insert(
        device_code.clone(),
        DeviceCode {
            user_code: user_code.clone(),
            client_id: client_id.to_owned(),
            scopes,
            expires: Instant::now() + Duration::from_secs(expires_in),
            interval_s: interval,
            last_poll: None,
            status: DeviceStatus::Pending,
        },
    );
    let uri = format!("{}/devicelogin", state.base_url);
    // No verification_uri_complete: Entra does not send one (CONTRACT.md section 6).
    Json(json!({
        "device_code": device_code,
        "user_code": user_code,
        "verification_uri": uri,
        "expires_in": expires_in,
        "interval": interval,
        "message": format!("To sign in, use a web browser to open the page {uri} and enter the code {user_code} to authenticate."),
    }))
    .into_response()
}

/// Nine characters from an alphabet without look-alikes (no 0/O, 1/I).
fn user_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    (0..9)
        .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Approves or declines a pending device code as `username` would. Used by the device login page
/// and by `POST /_sim/device/approve`.
pub fn decide_device(state: &SimState, user_code: &str, username: &str, approve: bool) -> Result<(), String> {
    let mut g = state.lock();
    let user_id = g
        .dir
        .users
        .iter()
        .find(|u| u.user_principal_name.eq_ignore_ascii_case(username.trim()) && u.sim.password.is_some())
        .map(|u| u.id.clone())
        .ok_or_else(|| format!("no sign-in account {username}"))?;
    let code = user_code.trim().to_ascii_uppercase();
    let device = g
        .devices
        .values_mut()
        .find(|d| d.user_code == code && d.status == DeviceStatus::Pending)
        .ok_or_else(|| format!("no pending device code {code}"))?;
    if Instant::now() >= device.expires {
        return Err("the code has expired".into());
    }
    device.status = if approve {
        DeviceStatus::Approved(user_id)
    } else {
        DeviceStatus::Declined
    };
    Ok(())
}

async fn device_page() -> Html<String> {
    Html(page(
        "Enter code",
        r#"<form method="post" action="/devicelogin">
<label>Code <input name="user_code" autocomplete="off" required></label>
<label>Account <input name="username" type="email" required></label>
<label>Password <input name="password" type="password" required></label>
<button name="action" value="approve">Continue</button> <button name="action" value="decline">Cancel</button>
</form>"#,
    ))
}

async fn device_submit(State(state): St, Form(params): Form<Params>) -> Response {
    let ok = sign_in(&state.lock().dir, p(&params, "username"), p(&params, "password")).is_some();
    if !ok {
        return (
            StatusCode::OK,
            Html(error_page("AADSTS50126: Your account or password is incorrect.")),
        )
            .into_response();
    }
    match decide_device(
        &state,
        p(&params, "user_code"),
        p(&params, "username"),
        p(&params, "action") != "decline",
    ) {
        Ok(()) => Html(page(
            "Done",
            "<p>You can close this window and return to the application.</p>",
        ))
        .into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, Html(error_page(&e))).into_response(),
    }
}

// ------------------------------------------------------------------ pages

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(title: &str, body: &str) -> String {
    format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{t} - Simulated Microsoft sign-in</title>
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}}label{{display:block;margin:.6rem 0}}input{{display:block;width:100%;padding:.4rem}}.note{{color:#555;font-size:.9em}}.err{{color:#a00}}</style></head>
<body><p class="note">Simulated tenant (B2B Convert demo). Not Microsoft.</p><h1>{t}</h1>{body}</body></html>"#,
        t = escape(title)
    )
}

fn error_page(message: &str) -> String {
    page(
        "Sorry, but we're having trouble signing you in.",
        &format!(r#"<p class="err">{}</p>"#, escape(message)),
    )
}

fn sign_in_page(state: &SimState, params: &Params, graph: &[String], error: Option<&str>) -> String {
    let hidden: String = params
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "username" | "password" | "action"))
        .map(|(k, v)| {
            format!(
                r#"<input type="hidden" name="{}" value="{}">"#,
                escape(k),
                escape(v)
            )
        })
        .collect();
    let accounts: String = {
        let g = state.lock();
        g.dir
            .users
            .iter()
            .filter(|u| u.sim.password.is_some())
            .map(|u| {
                format!(
                    "<li><code>{}</code> ({}){}</li>",
                    escape(&u.user_principal_name),
                    escape(&u.display_name),
                    match g.dir.effective_roles(u) {
                        roles if roles.is_empty() => String::new(),
                        roles => format!(": {}", escape(&roles.join(", "))),
                    }
                )
            })
            .collect()
    };
    let hint = params.get("login_hint").map(|h| escape(h)).unwrap_or_default();
    let perms: String = graph.iter().map(|s| format!("<li>{}</li>", escape(s))).collect();
    let err = error
        .map(|e| format!(r#"<p class="err" role="alert">{}</p>"#, escape(e)))
        .unwrap_or_default();
    page(
        "Sign in",
        &format!(
            r#"{err}<form method="post">{hidden}
<label>Account <input name="username" type="email" value="{hint}" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<p>B2B Convert will be allowed to:</p><ul>{perms}</ul>
<button name="action" value="signin">Sign in and accept</button> <button name="action" value="cancel" formnovalidate>Cancel</button>
</form><p class="note">Demo accounts (password <code>demo</code>):</p><ul class="note">{accounts}</ul>"#
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_match_like_entra() {
        let localhost = vec!["http://localhost".to_owned()];
        for ok in [
            "http://localhost",
            "http://localhost/",
            "http://localhost:53123",
            "http://localhost:53123/",
            "http://localhost:65535/",
        ] {
            assert!(redirect_matches(&localhost, ok), "{ok}");
        }
        for bad in [
            "https://localhost",
            "http://127.0.0.1:53123/",
            "http://[::1]:53123/",
            "http://LOCALHOST:5000/",
            "http://localhost.evil.example",
            "http://evil.example",
            "http://localhost:99999",
            "http://localhost:/",
            "http://localhost:5000/callback",
            "http://localhost:5000/?x=1",
            "http://user@localhost:5000/",
            "urn:ietf:wg:oauth:2.0:oob",
            "",
        ] {
            assert!(!redirect_matches(&localhost, bad), "{bad}");
        }
        // Ports count for every other host; paths are case-sensitive.
        let other = vec![
            "http://127.0.0.1:8400/cb".to_owned(),
            "http://localhost/MyApp".to_owned(),
        ];
        assert!(redirect_matches(&other, "http://127.0.0.1:8400/cb"));
        assert!(!redirect_matches(&other, "http://127.0.0.1:8401/cb"));
        assert!(redirect_matches(&other, "http://localhost:5000/MyApp"));
        assert!(!redirect_matches(&other, "http://localhost:5000/myapp"));
        assert!(!redirect_matches(&[], "http://localhost"));
    }

    #[test]
    fn scopes_split_into_graph_and_oidc() {
        let (g, o) = parse_scopes(
            "https://graph.microsoft.com/User.Invite.All user.read offline_access openid profile",
        )
        .expect("valid");
        assert_eq!(g, vec!["User.Invite.All", "User.Read"]);
        assert_eq!(o, vec!["offline_access", "openid", "profile"]);
        assert_eq!(
            parse_scopes("https://example.contoso.com/activity.read"),
            Err("https://example.contoso.com/activity.read".into())
        );
        assert_eq!(parse_scopes("Mail.Send"), Err("Mail.Send".into()));
    }

    #[test]
    fn redirect_gets_trailing_slash_without_path() {
        assert_eq!(with_slash("http://127.0.0.1:5000"), "http://127.0.0.1:5000/");
        assert_eq!(with_slash("http://127.0.0.1:5000/"), "http://127.0.0.1:5000/");
    }
}
