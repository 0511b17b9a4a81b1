//! The identity platform over real HTTP: the browser flow played by the test, refresh and rotation,
//! device code, and every documented error case.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};
use tenant_sim::{DEMO_CLIENT_ID, GRAPH_CLI_CLIENT_ID};

/// What the app sends: localhost with its listener's port and a slash (CONTRACT.md section 9.1).
const REDIRECT: &str = "http://localhost:53682/";

/// Plays the browser: opens the sign-in page, submits the form, returns the redirect Location.
async fn sign_in(
    sim: &Sim,
    tenant: &str,
    username: &str,
    password: &str,
    action: &str,
    scope: &str,
) -> String {
    let query = authorize_query(REDIRECT, scope);
    sign_in_with(sim, tenant, query, username, password, action).await
}

async fn sign_in_with(
    sim: &Sim,
    tenant: &str,
    query: Vec<(String, String)>,
    username: &str,
    password: &str,
    action: &str,
) -> String {
    let url = sim.url(&format!("/{tenant}/oauth2/v2.0/authorize"));
    let page = sim
        .http
        .get(&url)
        .query(&query)
        .send()
        .await
        .expect("authorize page");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("<form method=\"post\""), "sign-in form: {html}");
    assert!(
        html.contains("admin@contoso.com"),
        "the page lists the seeded accounts"
    );
    let mut form: Vec<(String, String)> = query;
    form.push(("username".into(), username.into()));
    form.push(("password".into(), password.into()));
    form.push(("action".into(), action.into()));
    let r = sim.http.post(&url).form(&form).send().await.expect("submit");
    if r.status() == 200 {
        return format!("page:{}", r.text().await.unwrap_or_default());
    }
    assert_eq!(r.status(), 302, "authorize answers with a redirect");
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("location")
        .to_owned()
}

async fn redeem(sim: &Sim, code: &str, verifier: &str) -> (u16, Value) {
    token_request(
        sim,
        "organizations",
        &[
            ("client_id", DEMO_CLIENT_ID),
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
            ("scope", APP_SCOPES),
        ],
    )
    .await
}

#[tokio::test]
async fn browser_flow_end_to_end_with_every_tenant_form() {
    let sim = Sim::start().await;
    for tenant in [TENANT_ID, "contoso.com", "organizations", "common"] {
        let location = sign_in(&sim, tenant, ADMIN, "demo", "signin", APP_SCOPES).await;
        assert!(
            location.starts_with(&format!("{REDIRECT}?code=")),
            "back to the redirect URI: {location}"
        );
        let q = query_of(&location);
        assert_eq!(q.get("state").map(String::as_str), Some("st4te/+="));
        let code = q.get("code").expect("code").clone();
        let (status, body) = redeem(&sim, &code, VERIFIER).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["token_type"], "Bearer");
        assert!(body["expires_in"].as_i64().is_some_and(|e| e > 0));
        assert!(body["refresh_token"].is_string() && body["id_token"].is_string());
        let access = body["access_token"].as_str().expect("access token");
        let (status, me) = sim.get(access, "/v1.0/me").await;
        assert_eq!(status, 200);
        assert_eq!(me["userPrincipalName"], ADMIN);

        // Single use: the same code again is AADSTS54005.
        let (status, again) = redeem(&sim, &code, VERIFIER).await;
        assert_eq!(
            (status, again["error"].as_str(), aadsts(&again)),
            (400, Some("invalid_grant"), 54005)
        );
    }
}

#[tokio::test]
async fn pkce_verifier_must_match() {
    let sim = Sim::start().await;
    let location = sign_in(&sim, "organizations", ADMIN, "demo", "signin", APP_SCOPES).await;
    let code = query_of(&location).remove("code").expect("code");
    let (status, body) = redeem(
        &sim,
        &code,
        "another-verifier-that-is-long-enough-to-be-valid-0123",
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str(), aadsts(&body)),
        (400, Some("invalid_grant"), 501481)
    );
    assert!(body["error_description"]
        .as_str()
        .is_some_and(|d| d.starts_with("AADSTS501481:")));
    // The failed attempt consumed the code.
    let (_, body) = redeem(&sim, &code, VERIFIER).await;
    assert_eq!(aadsts(&body), 54005);
}

#[tokio::test]
async fn expired_code_is_refused() {
    let sim = Sim::start().await;
    let location = sign_in(&sim, "organizations", ADMIN, "demo", "signin", APP_SCOPES).await;
    let code = query_of(&location).remove("code").expect("code");
    // Codes live about a minute; age this one instead of waiting.
    if let Some(c) = sim.server.state().lock().codes.get_mut(&code) {
        c.expires = std::time::Instant::now();
    }
    let (status, body) = redeem(&sim, &code, VERIFIER).await;
    assert_eq!((status, aadsts(&body)), (400, 70008));
}

#[tokio::test]
async fn sign_in_page_errors() {
    let sim = Sim::start().await;
    let page = sign_in(&sim, "organizations", ADMIN, "wrong", "signin", APP_SCOPES).await;
    assert!(
        page.starts_with("page:") && page.contains("AADSTS50126"),
        "{page}"
    );

    let cancelled = sign_in(&sim, "organizations", ADMIN, "", "cancel", APP_SCOPES).await;
    let q = query_of(&cancelled);
    assert_eq!(q.get("error").map(String::as_str), Some("access_denied"));
    assert_eq!(q.get("state").map(String::as_str), Some("st4te/+="));

    // Unknown tenant and unknown app.
    let r = sim
        .http
        .get(sim.url("/fabrikam.example/oauth2/v2.0/authorize"))
        .query(&authorize_query(REDIRECT, APP_SCOPES))
        .send()
        .await
        .expect("authorize");
    assert!(r.text().await.unwrap_or_default().contains("AADSTS90002"));
    let mut q = authorize_query(REDIRECT, APP_SCOPES);
    q[0].1 = "00000000-1111-2222-3333-444444444444".into();
    let r = sim
        .http
        .get(sim.url("/organizations/oauth2/v2.0/authorize"))
        .query(&q)
        .send()
        .await
        .expect("authorize");
    assert!(r.text().await.unwrap_or_default().contains("AADSTS700016"));
}

#[tokio::test]
async fn missing_consent_is_65001_on_authorize_and_refresh() {
    let sim = Sim::start().await;
    let location = sign_in(&sim, "organizations", ADMIN, "demo", "signin", APP_SCOPES).await;
    let code = query_of(&location).remove("code").expect("code");
    let (_, tokens) = redeem(&sim, &code, VERIFIER).await;
    let rt = tokens["refresh_token"].as_str().expect("rt").to_owned();

    sim.faults(json!({ "missingConsent": ["User.Invite.All"] })).await;
    let location = sign_in(&sim, "organizations", ADMIN, "demo", "signin", APP_SCOPES).await;
    let q = query_of(&location);
    assert_eq!(q.get("error").map(String::as_str), Some("consent_required"));
    assert!(q
        .get("error_description")
        .is_some_and(|d| d.starts_with("AADSTS65001")));

    let (status, body) = token_request(
        &sim,
        "organizations",
        &[
            ("client_id", DEMO_CLIENT_ID),
            ("grant_type", "refresh_token"),
            ("refresh_token", &rt),
            ("scope", APP_SCOPES),
        ],
    )
    .await;
    assert_eq!((status, aadsts(&body)), (400, 65001));
}

#[tokio::test]
async fn refresh_rotates_and_revocation_and_expiry_are_reported() {
    let sim = Sim::start().await;
    let location = sign_in(&sim, TENANT_ID, ADMIN, "demo", "signin", APP_SCOPES).await;
    let code = query_of(&location).remove("code").expect("code");
    let (_, first) = redeem(&sim, &code, VERIFIER).await;
    let rt1 = first["refresh_token"].as_str().expect("rt").to_owned();
    let refresh = |rt: String| {
        let sim = &sim;
        async move {
            token_request(
                sim,
                TENANT_ID,
                &[
                    ("client_id", DEMO_CLIENT_ID),
                    ("grant_type", "refresh_token"),
                    ("refresh_token", &rt),
                    ("scope", APP_SCOPES),
                ],
            )
            .await
        }
    };
    let (status, second) = refresh(rt1.clone()).await;
    assert_eq!(status, 200, "{second}");
    let rt2 = second["refresh_token"].as_str().expect("rotated").to_owned();
    assert_ne!(rt1, rt2, "a new refresh token comes back");
    let (me_status, _) = sim
        .get(second["access_token"].as_str().unwrap_or(""), "/v1.0/me")
        .await;
    assert_eq!(me_status, 200);

    // Unknown token.
    let (status, body) = refresh("not-a-token".into()).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));

    // Revoked (password reset): 50173.
    let r = sim
        .http
        .post(sim.url("/_sim/revoke"))
        .json(&json!({ "username": ADMIN }))
        .send()
        .await
        .expect("revoke");
    assert_eq!(r.status(), 200);
    let (status, body) = refresh(rt2).await;
    assert_eq!((status, aadsts(&body)), (400, 50173));

    // Expired by inactivity: 700082.
    sim.faults(json!({ "refreshLifetimeS": 1 })).await;
    let location = sign_in(&sim, TENANT_ID, ADMIN, "demo", "signin", APP_SCOPES).await;
    let code = query_of(&location).remove("code").expect("code");
    let (_, fresh) = redeem(&sim, &code, VERIFIER).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, body) = refresh(fresh["refresh_token"].as_str().unwrap_or("").to_owned()).await;
    assert_eq!((status, aadsts(&body)), (400, 700082));
}

#[tokio::test]
async fn public_clients_must_not_send_secrets_and_grant_types_are_checked() {
    let sim = Sim::start().await;
    let (status, body) = token_request(
        &sim,
        "organizations",
        &[
            ("client_id", DEMO_CLIENT_ID),
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("client_secret", "s"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str(), aadsts(&body)),
        (401, Some("invalid_client"), 700025)
    );
    let (status, body) = token_request(
        &sim,
        "organizations",
        &[("client_id", DEMO_CLIENT_ID), ("grant_type", "password")],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    let (status, body) = token_request(
        &sim,
        "organizations",
        &[("client_id", "nope"), ("grant_type", "refresh_token")],
    )
    .await;
    assert_eq!((status, aadsts(&body)), (400, 700016));
    // Documented shape (examples/token_error_sample_reference-error-codes_with_error_uri.json).
    for field in [
        "error",
        "error_description",
        "error_codes",
        "timestamp",
        "trace_id",
        "correlation_id",
        "error_uri",
    ] {
        assert!(body.get(field).is_some(), "{field} in {body}");
    }
}

async fn devicecode(sim: &Sim) -> Value {
    let r = sim
        .http
        .post(sim.url("/organizations/oauth2/v2.0/devicecode"))
        .form(&[("client_id", DEMO_CLIENT_ID), ("scope", APP_SCOPES)])
        .send()
        .await
        .expect("devicecode");
    assert_eq!(r.status(), 200);
    r.json().await.expect("json")
}

async fn poll(sim: &Sim, device_code: &str) -> (u16, Value) {
    token_request(
        sim,
        "organizations",
        &[
            ("client_id", DEMO_CLIENT_ID),
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("device_code", device_code),
        ],
    )
    .await
}

#[tokio::test]
async fn device_code_pending_slow_down_approved_declined_expired() {
    let sim = Sim::start().await;
    sim.faults(json!({ "deviceIntervalS": 1 })).await;
    let dc = devicecode(&sim).await;
    for field in [
        "device_code",
        "user_code",
        "verification_uri",
        "expires_in",
        "interval",
        "message",
    ] {
        assert!(dc.get(field).is_some(), "{field}");
    }
    assert!(dc.get("verification_uri_complete").is_none());
    let device_code = dc["device_code"].as_str().expect("device_code");
    let user_code = dc["user_code"].as_str().expect("user_code");
    assert!(dc["message"].as_str().is_some_and(|m| m.contains(user_code)));

    let (status, body) = poll(&sim, device_code).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("authorization_pending"))
    );
    let (_, body) = poll(&sim, device_code).await;
    assert_eq!(body["error"], "slow_down", "polled faster than the interval");

    let r = sim
        .http
        .post(sim.url("/_sim/device/approve"))
        .json(&json!({ "user_code": user_code, "username": HELPDESK }))
        .send()
        .await
        .expect("approve");
    assert_eq!(r.status(), 204);
    tokio::time::sleep(Duration::from_millis(1050)).await;
    let (status, body) = poll(&sim, device_code).await;
    assert_eq!(status, 200, "{body}");
    let (_, me) = sim
        .get(body["access_token"].as_str().unwrap_or(""), "/v1.0/me")
        .await;
    assert_eq!(me["userPrincipalName"], HELPDESK);
    let (_, again) = poll(&sim, device_code).await;
    assert_eq!(again["error"], "invalid_grant", "a device code is redeemed once");

    // Declined.
    let dc = devicecode(&sim).await;
    let r = sim
        .http
        .post(sim.url("/_sim/device/approve"))
        .json(&json!({ "user_code": dc["user_code"], "username": ADMIN, "decline": true }))
        .send()
        .await
        .expect("decline");
    assert_eq!(r.status(), 204);
    let (_, body) = poll(&sim, dc["device_code"].as_str().unwrap_or("")).await;
    assert_eq!(body["error"], "authorization_declined");

    // Expired.
    sim.faults(json!({ "deviceIntervalS": 0, "deviceCodeLifetimeS": 1 }))
        .await;
    let dc = devicecode(&sim).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (_, body) = poll(&sim, dc["device_code"].as_str().unwrap_or("")).await;
    assert_eq!(
        (body["error"].as_str(), aadsts(&body)),
        (Some("expired_token"), 70019)
    );
    let (_, body) = poll(&sim, "unknown").await;
    assert_eq!(body["error"], "bad_verification_code");
}

// ------------------------------------------------------------------ redirect URIs (CONTRACT.md 9.1)

fn query_for(client: &str, redirect: &str) -> Vec<(String, String)> {
    let mut q = authorize_query(redirect, APP_SCOPES);
    q[0].1 = client.to_owned();
    q
}

#[tokio::test]
async fn unregistered_redirect_uris_get_the_error_page_and_no_redirect() {
    let sim = Sim::start().await;
    let url = sim.url("/organizations/oauth2/v2.0/authorize");
    for client in [DEMO_CLIENT_ID, GRAPH_CLI_CLIENT_ID] {
        for bad in [
            "http://127.0.0.1:53682/",
            "http://[::1]:53682/",
            "https://localhost:53682/",
            "http://localhost:53682/callback",
            "http://localhost:53682/?x=1",
            "http://evil.example/",
        ] {
            let mut form = query_for(client, bad);
            let r = sim.http.get(&url).query(&form).send().await.expect("authorize");
            assert_eq!(r.status(), 400, "{client} {bad}");
            assert!(r.headers().get("location").is_none(), "{bad}");
            assert!(r
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|t| t.starts_with("text/html")));
            let page = r.text().await.unwrap_or_default();
            assert!(
                page.contains("AADSTS50011: The redirect URI")
                    && page.contains("does not match the redirect URIs configured for the application")
                    && page.contains(client),
                "{page}"
            );
            // Signing in anyway does not redirect either.
            form.push(("username".into(), ADMIN.into()));
            form.push(("password".into(), "demo".into()));
            form.push(("action".into(), "signin".into()));
            let r = sim.http.post(&url).form(&form).send().await.expect("submit");
            assert_eq!(r.status(), 400, "{bad}");
            assert!(r.headers().get("location").is_none(), "{bad}");
        }
        // The one registration, http://localhost, takes any port, with or without the slash.
        for good in [
            "http://localhost:53682/",
            "http://localhost:1",
            "http://localhost",
        ] {
            let location = sign_in_with(
                &sim,
                "organizations",
                query_for(client, good),
                ADMIN,
                "demo",
                "signin",
            )
            .await;
            let expected = if good.ends_with('/') {
                good.to_owned()
            } else {
                format!("{good}/")
            };
            assert!(location.starts_with(&format!("{expected}?code=")), "{location}");
        }
    }
}

#[tokio::test]
async fn token_needs_the_redirect_uri_string_sent_to_authorize() {
    let sim = Sim::start().await;
    let sent = "http://localhost:53682";
    let redeem_with = |code: String, redirect: &'static str| {
        let sim = &sim;
        async move {
            token_request(
                sim,
                "organizations",
                &[
                    ("client_id", DEMO_CLIENT_ID),
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", redirect),
                    ("code_verifier", VERIFIER),
                    ("scope", APP_SCOPES),
                ],
            )
            .await
        }
    };
    let location = sign_in_with(
        &sim,
        "organizations",
        query_for(DEMO_CLIENT_ID, sent),
        ADMIN,
        "demo",
        "signin",
    )
    .await;
    assert!(
        location.starts_with("http://localhost:53682/?code="),
        "{location}"
    );
    let code = query_of(&location).remove("code").expect("code");
    // The slash Entra added to the redirect is not what was sent to /authorize.
    let (status, body) = redeem_with(code.clone(), "http://localhost:53682/").await;
    assert_eq!(
        (status, body["error"].as_str(), aadsts(&body)),
        (400, Some("invalid_grant"), 50011)
    );
    let (_, again) = redeem_with(code, sent).await;
    assert_eq!(aadsts(&again), 54005, "the failed attempt used the code up");

    let location = sign_in_with(
        &sim,
        "organizations",
        query_for(DEMO_CLIENT_ID, sent),
        ADMIN,
        "demo",
        "signin",
    )
    .await;
    let code = query_of(&location).remove("code").expect("code");
    let (status, body) = redeem_with(code, sent).await;
    assert_eq!(status, 200, "{body}");
}

// ------------------------------------------------------------------ token lifetime (CONTRACT.md 9.7)

#[tokio::test]
async fn expired_access_token_is_refused_while_the_refresh_token_still_works() {
    let sim = Sim::start().await;
    sim.faults(json!({ "tokenLifetimeS": 2 })).await;
    let location = sign_in(&sim, "organizations", ADMIN, "demo", "signin", APP_SCOPES).await;
    let code = query_of(&location).remove("code").expect("code");
    let (status, first) = redeem(&sim, &code, VERIFIER).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["expires_in"], 2, "expires_in tells the lifetime");
    let access = first["access_token"].as_str().expect("access").to_owned();
    assert_eq!(sim.get(&access, "/v1.0/me").await.0, 200);
    // Expiry is checked in whole seconds.
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let r = sim
        .http
        .get(sim.url("/v1.0/me"))
        .bearer_auth(&access)
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), 401);
    let challenge = r
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert!(
        challenge.starts_with("Bearer") && challenge.contains("error=\"invalid_token\""),
        "{challenge}"
    );
    let body: Value = r.json().await.expect("json");
    assert_eq!(graph_code(&body), "InvalidAuthenticationToken");

    let (status, refreshed) = token_request(
        &sim,
        "organizations",
        &[
            ("client_id", DEMO_CLIENT_ID),
            ("grant_type", "refresh_token"),
            ("refresh_token", first["refresh_token"].as_str().unwrap_or("")),
            ("scope", APP_SCOPES),
        ],
    )
    .await;
    assert_eq!(status, 200, "{refreshed}");
    assert_eq!(refreshed["expires_in"], 2);
    let access = refreshed["access_token"].as_str().unwrap_or("");
    assert_eq!(sim.get(access, "/v1.0/me").await.0, 200);
}
