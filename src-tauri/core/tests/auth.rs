//! Sign-in against the simulated tenant over real HTTP. The test plays the system browser: it
//! follows the authorize URL, submits the sign-in form and follows the redirect to the loopback
//! listener, as a person's browser would.

use std::time::Duration;

use b2b_core::auth::flow::{self, AuthConfig};
use b2b_core::auth::vault::MemoryStore;
use b2b_core::auth::{accounts, Accounts};
use b2b_core::ErrorCode;
use serde_json::json;
use tenant_sim::{SimConfig, SimServer, DEMO_CLIENT_ID};

fn no_cancel() -> tokio::sync::watch::Receiver<bool> {
    tokio::sync::watch::channel(false).1
}

/// How the fake browser behaves.
#[derive(Clone, Copy)]
enum Browser {
    SignIn(&'static str),
    /// Comes back to the loopback with another state, as an attacker's page could.
    WrongState,
    /// Never comes back.
    Idle,
}

fn open_with(browser: Browser) -> impl FnOnce(&str) -> Result<(), b2b_core::AppError> {
    move |url: &str| {
        let url = url.to_owned();
        tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client");
            let username = match browser {
                Browser::SignIn(u) => u,
                Browser::WrongState => "admin@contoso.com",
                Browser::Idle => return,
            };
            let page = http.get(&url).send().await.expect("authorize page");
            assert_eq!(page.status(), 200);
            let (base, query) = url.split_once('?').expect("query");
            let mut form: Vec<(String, String)> = oauth2::url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect();
            form.push(("username".into(), username.into()));
            form.push(("password".into(), "demo".into()));
            form.push(("action".into(), "signin".into()));
            let r = http.post(base).form(&form).send().await.expect("submit");
            let mut location = r
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .expect("redirect")
                .to_owned();
            if matches!(browser, Browser::WrongState) {
                location = location.replace("state=", "state=x");
            }
            let _ = http.get(&location).send().await;
        });
        Ok(())
    }
}

async fn sim() -> SimServer {
    SimServer::start(SimConfig::default()).await.expect("sim")
}

fn cfg(sim: &SimServer) -> AuthConfig {
    AuthConfig::new(&sim.base_url(), "organizations", DEMO_CLIENT_ID)
}

async fn faults(sim: &SimServer, body: serde_json::Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/_sim/faults", sim.base_url()))
        .json(&body)
        .send()
        .await
        .expect("faults");
    assert_eq!(r.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn browser_sign_in_then_refresh_with_rotation_then_sign_out() {
    let sim = sim().await;
    let cfg = cfg(&sim);
    let tokens = flow::browser_sign_in(
        &cfg,
        open_with(Browser::SignIn("admin@contoso.com")),
        Duration::from_secs(20),
        no_cancel(),
    )
    .await
    .expect("signed in");
    let who = tokens.identity.clone().expect("id token");
    assert_eq!(who.preferred_username, "admin@contoso.com");
    let account = accounts::account_from_sign_in(&cfg, &sim.base_url(), &tokens)
        .await
        .expect("account");
    assert_eq!(account.tenant_name.as_deref(), Some("Contoso Demo"));
    assert_eq!(account.tenant_id, "7e1c5a2e-3b1d-4c5e-9f0a-1b2c3d4e5f60");

    let caps = accounts::capabilities(
        &account.graph_url,
        &tokens.access_token,
        Some(tokens.scopes.clone()),
    )
    .await
    .expect("caps");
    assert!(caps.can_convert && caps.can_reset, "{caps:?}");

    let store = Accounts::new(MemoryStore::default());
    store.save(&account, &tokens).expect("save");
    let before = store
        .vault()
        .get(&format!("account.{}.refresh", account.id))
        .expect("rt");
    store.invalidate(&account.id);
    let (at, _) = store.access_token(&account).await.expect("refreshed");
    assert_ne!(at.expose(), tokens.access_token.expose(), "a new access token");
    let after = store
        .vault()
        .get(&format!("account.{}.refresh", account.id))
        .expect("rt");
    assert_ne!(before, after, "the rotated refresh token is written back");

    // Revoked refresh token: sign in again.
    reqwest::Client::new()
        .post(format!("{}/_sim/revoke", sim.base_url()))
        .json(&json!({ "username": "admin@contoso.com" }))
        .send()
        .await
        .expect("revoke");
    store.invalidate(&account.id);
    let err = store.access_token(&account).await.expect_err("revoked");
    assert_eq!(err.code, ErrorCode::SessionExpired);

    store.sign_out(&account.id).expect("sign out");
    assert!(store.vault().store().keys().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn helpdesk_capabilities_name_what_is_missing() {
    let sim = sim().await;
    let cfg = cfg(&sim);
    let tokens = flow::browser_sign_in(
        &cfg,
        open_with(Browser::SignIn("helpdesk@contoso.com")),
        Duration::from_secs(20),
        no_cancel(),
    )
    .await
    .expect("signed in");
    let caps = accounts::capabilities(&sim.base_url(), &tokens.access_token, Some(tokens.scopes.clone()))
        .await
        .expect("caps");
    // The demo registration has RoleManagement.Read.Directory consented: roles are known.
    assert!(caps.roles_known, "{caps:?}");
    assert_eq!(caps.roles, vec!["Guest Inviter"]);
    // Known, but not a documented converter: not confirmed, and not blocked either.
    assert!(caps.can_convert && !caps.convert_confirmed() && !caps.confirmed);
    assert!(caps.missing.is_empty());
    assert_eq!(
        caps.unconfirmed,
        vec!["role_not_listed_convert", "role_not_listed_reset"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn device_code_sign_in() {
    let sim = sim().await;
    faults(&sim, json!({ "deviceIntervalS": 1 })).await;
    let cfg = cfg(&sim);
    let prompt = flow::device_start(&cfg).await.expect("device code");
    assert!(prompt.message.contains(&prompt.user_code));
    assert!(prompt.verification_uri.ends_with("/devicelogin"));
    let approve = {
        let base = sim.base_url();
        let code = prompt.user_code.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            reqwest::Client::new()
                .post(format!("{base}/_sim/device/approve"))
                .json(&json!({ "user_code": code, "username": "norole@contoso.com" }))
                .send()
                .await
                .expect("approve")
        })
    };
    let tokens = flow::device_finish(&cfg, &prompt, no_cancel())
        .await
        .expect("tokens");
    assert_eq!(approve.await.expect("join").status(), 204);
    assert_eq!(
        tokens.identity.map(|i| i.preferred_username).as_deref(),
        Some("norole@contoso.com")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn device_code_declined_expired_cancelled_and_unknown_app() {
    let sim = sim().await;
    faults(&sim, json!({ "deviceIntervalS": 1 })).await;
    let cfg = cfg(&sim);
    let prompt = flow::device_start(&cfg).await.expect("device code");
    reqwest::Client::new()
        .post(format!("{}/_sim/device/approve", sim.base_url()))
        .json(&json!({ "user_code": prompt.user_code, "username": "admin@contoso.com", "decline": true }))
        .send()
        .await
        .expect("decline");
    let err = flow::device_finish(&cfg, &prompt, no_cancel())
        .await
        .expect_err("declined");
    assert_eq!(err.code(), ErrorCode::SignInCancelled, "{err:?}");

    faults(&sim, json!({ "deviceIntervalS": 1, "deviceCodeLifetimeS": 2 })).await;
    let prompt = flow::device_start(&cfg).await.expect("device code");
    let err = flow::device_finish(&cfg, &prompt, no_cancel())
        .await
        .expect_err("expired");
    assert!(matches!(err.code(), ErrorCode::DeviceCodeExpired), "{err:?}");

    faults(&sim, json!({ "deviceIntervalS": 1 })).await;
    let prompt = flow::device_start(&cfg).await.expect("device code");
    let (tx, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let _ = tx.send(true);
    });
    let err = flow::device_finish(&cfg, &prompt, rx)
        .await
        .expect_err("cancelled");
    assert_eq!(err.code(), ErrorCode::SignInCancelled);

    let unknown = AuthConfig::new(
        &sim.base_url(),
        "organizations",
        "00000000-1111-2222-3333-444444444444",
    );
    let err = flow::device_start(&unknown).await.expect_err("unknown app");
    assert_eq!(err.code(), ErrorCode::AppNotFound);
    let nowhere = AuthConfig::new(&sim.base_url(), "fabrikam.example", DEMO_CLIENT_ID);
    assert_eq!(
        flow::device_start(&nowhere)
            .await
            .map(|_| ())
            .map_err(|e| e.code()),
        Err(ErrorCode::TenantNotFound)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn browser_errors_have_stable_codes() {
    let sim = sim().await;
    let cfg = cfg(&sim);
    let run = |browser: Browser, timeout: u64| {
        let cfg = cfg.clone();
        async move {
            flow::browser_sign_in(
                &cfg,
                open_with(browser),
                Duration::from_secs(timeout),
                no_cancel(),
            )
            .await
        }
    };
    assert_eq!(
        run(Browser::WrongState, 20)
            .await
            .map(|_| ())
            .map_err(|e| e.code()),
        Err(ErrorCode::StateMismatch)
    );
    assert_eq!(
        run(Browser::Idle, 1).await.map(|_| ()).map_err(|e| e.code()),
        Err(ErrorCode::SignInTimedOut)
    );

    let (tx, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let _ = tx.send(true);
    });
    let err = flow::browser_sign_in(&cfg, open_with(Browser::Idle), Duration::from_secs(20), rx)
        .await
        .expect_err("cancel");
    assert_eq!(err.code(), ErrorCode::SignInCancelled);

    faults(&sim, json!({ "missingConsent": ["User.Invite.All"] })).await;
    assert_eq!(
        run(Browser::SignIn("admin@contoso.com"), 20)
            .await
            .map(|_| ())
            .map_err(|e| e.code()),
        Err(ErrorCode::ConsentRequired)
    );
    faults(&sim, json!({ "signInError": 50076 })).await;
    assert_eq!(
        run(Browser::SignIn("admin@contoso.com"), 20)
            .await
            .map(|_| ())
            .map_err(|e| e.code()),
        Err(ErrorCode::MfaRequired)
    );
    faults(&sim, json!({ "signInError": 53003 })).await;
    assert_eq!(
        run(Browser::SignIn("admin@contoso.com"), 20)
            .await
            .map(|_| ())
            .map_err(|e| e.code()),
        Err(ErrorCode::ConditionalAccessBlocked)
    );

    // Nothing listens on this port: the network is unreachable.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let nowhere = AuthConfig::new(
        &format!("http://127.0.0.1:{closed}"),
        "organizations",
        DEMO_CLIENT_ID,
    );
    assert_eq!(
        flow::device_start(&nowhere)
            .await
            .map(|_| ())
            .map_err(|e| e.code()),
        Err(ErrorCode::NetworkUnreachable)
    );
}

/// The redirect URI says `localhost` (Entra ignores its port only for that name, CONTRACT.md 9.1),
/// and the listener answers on both loopback addresses a browser may resolve it to.
#[tokio::test(flavor = "multi_thread")]
async fn loopback_redirect_is_localhost_on_both_loopback_addresses() {
    use b2b_core::auth::loopback::{Callback, Listener};
    let mut hosts = vec!["127.0.0.1".to_owned()];
    let probe = Listener::bind().await.expect("bind");
    if probe.has_ipv6() {
        hosts.push("[::1]".to_owned());
    }
    drop(probe);
    for host in hosts {
        let l = Listener::bind().await.expect("bind");
        let uri = l.redirect_uri();
        assert_eq!(uri, format!("http://localhost:{}/", l.port()));
        let port = l.port();
        let wait = tokio::spawn(async move { l.wait("st", Duration::from_secs(10), no_cancel()).await });
        let r = reqwest::get(format!("http://{host}:{port}/?code=abc&state=st"))
            .await
            .expect("the listener answers");
        assert_eq!(r.status(), 200, "{host}");
        match wait.await.expect("join").expect("callback") {
            Callback::Code(c) => assert_eq!(c.expose(), "abc"),
            Callback::Error { error, .. } => panic!("{host}: {error}"),
        }
    }
}
