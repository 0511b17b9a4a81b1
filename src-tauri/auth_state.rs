//! Sign-in state of the running app: the accounts in the keychain, the demo tenant (a tenant-sim
//! started inside the app on loopback), and the sign-in in progress. The work is in
//! `b2b_core::auth`; this adds Tauri's paths, the system browser and the demo.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use b2b_core::auth::accounts::AccountTokens;
use b2b_core::auth::flow::{self, AuthConfig, DevicePrompt};
use b2b_core::auth::{accounts, Account, Accounts, DeviceCodeView, Secret, SessionView, TokenSet};
use b2b_core::graph::{GraphClient, TokenSource};
use b2b_core::history::Actor;
use b2b_core::keychain::Keychain;
use b2b_core::settings::Connection;
use b2b_core::{AppError, ErrorCode};
use tauri::{AppHandle, Manager};
use tauri_plugin_opener::OpenerExt;
use tenant_sim::{Faults, SimConfig, SimServer, DEMO_CLIENT_ID};

use crate::settings_store::SettingsStore;

/// Demo accounts store this instead of a URL: the demo tenant's port changes at every start.
const DEMO: &str = "demo";
const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

/// What a Graph command needs: the client, the token's scopes, and who acts.
pub struct Acting {
    pub graph: Arc<GraphClient>,
    /// The access token the client holds, for a client of another kind (the bulk run's).
    pub token: Secret,
    pub graph_url: String,
    /// From the token response: the app always knows what was granted.
    pub scopes: Option<Vec<String>>,
    /// Renews the access token when Graph refuses it in the middle of a long run.
    pub renewal: Arc<dyn TokenSource>,
    pub account_id: String,
    pub actor: Actor,
}

/// The current account and a Graph client for its token, so that each command does not read the
/// keychain and build a new HTTP client (search as you type calls Graph at every pause).
struct GraphCache {
    account: Account,
    graph_url: String,
    token: Secret,
    client: Arc<GraphClient>,
}

pub struct AuthState {
    accounts: Arc<Accounts<Keychain>>,
    graph_cache: Mutex<Option<GraphCache>>,
    demo: tokio::sync::Mutex<Option<SimServer>>,
    cancel: Mutex<Option<tokio::sync::watch::Sender<bool>>>,
    device: tokio::sync::Mutex<Option<(AuthConfig, String, DevicePrompt)>>,
}

impl Default for AuthState {
    fn default() -> Self {
        AuthState {
            accounts: Arc::new(Accounts::new(Keychain::default())),
            graph_cache: Mutex::new(None),
            demo: tokio::sync::Mutex::new(None),
            cancel: Mutex::new(None),
            device: tokio::sync::Mutex::new(None),
        }
    }
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::new(ErrorCode::Internal, e.to_string())
}

/// The demo tenant signs its tokens with a key kept in the app's data folder, so that demo
/// sign-ins survive a restart. It protects nothing real: the demo tenant's data is made up.
fn demo_key(dir: &Path) -> Result<[u8; 32], AppError> {
    let path = dir.join("demo-tenant.key");
    if let Ok(bytes) = std::fs::read(&path) {
        if let Ok(key) = <[u8; 32]>::try_from(bytes.as_slice()) {
            return Ok(key);
        }
    }
    let key: [u8; 32] = std::array::from_fn(|_| rand_byte());
    std::fs::create_dir_all(dir).map_err(internal)?;
    std::fs::write(&path, key).map_err(internal)?;
    Ok(key)
}

/// The demo tenant's faults: a quick device-code poll and a second of replication lag (reads right
/// after a write are stale on Microsoft's side too, CONTRACT.md 9.8, and the demo teaches what a
/// real tenant does), or what B2B_DEMO_FAULTS says (tenant-sim's faults JSON, e.g.
/// `{"latencyMs":100}`) to show the app under latency, throttling or failures.
fn demo_faults() -> Faults {
    let quick = Faults {
        device_interval_s: 2,
        replication_lag_ms: 1000,
        ..Faults::default()
    };
    let Ok(text) = std::env::var("B2B_DEMO_FAULTS") else {
        return quick;
    };
    match serde_json::from_str::<Faults>(&text) {
        Ok(f) => {
            tracing::warn!("demo tenant faults from B2B_DEMO_FAULTS: {text}");
            f
        }
        Err(e) => {
            tracing::error!("B2B_DEMO_FAULTS is not tenant-sim faults JSON ({e}); ignored");
            quick
        }
    }
}

fn rand_byte() -> u8 {
    // uuid v4 is the randomness source already in the tree.
    uuid::Uuid::new_v4().as_bytes()[0]
}

/// Demo accounts are kept, but not used, while the organisation's policy locks the demo off.
fn usable(settings: &SettingsStore, account: &Account) -> bool {
    account.authority != DEMO || settings.policy().demo_allowed()
}

impl AuthState {
    async fn demo_base(&self, app: &AppHandle, settings: &SettingsStore) -> Result<String, AppError> {
        if !settings.policy().demo_allowed() {
            return Err(AppError::new(
                ErrorCode::PolicyLocked,
                "the organisation's policy does not allow the demo tenant",
            ));
        }
        let mut demo = self.demo.lock().await;
        if let Some(s) = demo.as_ref() {
            return Ok(s.base_url());
        }
        let dir = app.path().app_data_dir().map_err(internal)?;
        let faults = demo_faults();
        let server = SimServer::start(SimConfig {
            port: 0,
            seed: None,
            faults,
            signing_key: Some(demo_key(&dir)?),
            tls: None,
        })
        .await
        .map_err(|e| {
            AppError::new(
                ErrorCode::Internal,
                format!("the demo tenant could not start: {e}"),
            )
        })?;
        tracing::info!("demo tenant listening on {}", server.base_url());
        let base = server.base_url();
        *demo = Some(server);
        Ok(base)
    }

    /// Where to sign in, and the Graph URL, for the chosen connection.
    async fn config(
        &self,
        app: &AppHandle,
        settings: &SettingsStore,
    ) -> Result<(AuthConfig, String), AppError> {
        match settings.get().connection {
            Some(Connection::Demo) => {
                let base = self.demo_base(app, settings).await?;
                Ok((AuthConfig::new(&base, "organizations", DEMO_CLIENT_ID), base))
            }
            Some(Connection::Organisation {
                client_id,
                tenant,
                authority_url,
                graph_url,
            }) => Ok((AuthConfig::new(&authority_url, &tenant, &client_id), graph_url)),
            None => Err(AppError::new(
                ErrorCode::NotSignedIn,
                "choose the demo tenant or your organisation first",
            )),
        }
    }

    /// A demo account with the demo tenant's current URLs filled in.
    async fn resolve(
        &self,
        app: &AppHandle,
        settings: &SettingsStore,
        account: &Account,
    ) -> Result<Account, AppError> {
        if account.authority != DEMO {
            return Ok(account.clone());
        }
        let base = self.demo_base(app, settings).await?;
        Ok(Account {
            authority: base.clone(),
            graph_url: base,
            ..account.clone()
        })
    }

    fn new_cancel(&self) -> tokio::sync::watch::Receiver<bool> {
        let (tx, rx) = tokio::sync::watch::channel(false);
        *self.cancel.lock().unwrap_or_else(PoisonError::into_inner) = Some(tx);
        rx
    }

    pub fn cancel(&self) {
        if let Some(tx) = self.cancel.lock().unwrap_or_else(PoisonError::into_inner).take() {
            let _ = tx.send(true);
        }
    }

    pub async fn session(&self, app: &AppHandle, settings: &SettingsStore) -> SessionView {
        let s = settings.get();
        let mut view = SessionView {
            connection: s.connection.clone(),
            accounts: Vec::new(),
            current: None,
            capabilities: None,
            problem: None,
        };
        match self.accounts.list() {
            Ok(list) => view.accounts = list.into_iter().filter(|a| usable(settings, a)).collect(),
            Err(e) => {
                view.problem = Some(e);
                return view;
            }
        }
        let current = s
            .current_account
            .as_ref()
            .and_then(|id| view.accounts.iter().find(|a| &a.id == id))
            .or(view.accounts.first())
            .cloned();
        if let Some(account) = &current {
            match self.capabilities(app, settings, account).await {
                Ok(c) => view.capabilities = Some(c),
                Err(e) => view.problem = Some(e),
            }
        }
        view.current = current;
        view
    }

    async fn capabilities(
        &self,
        app: &AppHandle,
        settings: &SettingsStore,
        account: &Account,
    ) -> Result<accounts::Capabilities, AppError> {
        let resolved = self.resolve(app, settings, account).await?;
        let (token, scopes) = self.accounts.access_token(&resolved).await?;
        match accounts::capabilities(&resolved.graph_url, &token, Some(scopes.clone())).await {
            // Once after a 401: the token may have been revoked early; refresh and retry.
            Err(e) if e.code == ErrorCode::SessionExpired => {
                self.accounts.invalidate(&account.id);
                let (token, scopes) = self.accounts.access_token(&resolved).await?;
                accounts::capabilities(&resolved.graph_url, &token, Some(scopes)).await
            }
            other => other,
        }
    }

    fn forget_graph(&self) {
        *self.graph_cache.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// A Graph client for the current account, with what History records about who acts. The
    /// account and the client are kept until the account or its access token changes.
    pub async fn graph(&self, app: &AppHandle, settings: &SettingsStore) -> Result<Acting, AppError> {
        let current = settings.get().current_account;
        let cached = self
            .graph_cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .filter(|c| current.as_deref().is_none_or(|id| id == c.account.id))
            .map(|c| {
                (
                    c.account.clone(),
                    c.graph_url.clone(),
                    c.token.clone(),
                    c.client.clone(),
                )
            });
        let (account, graph_url, client_for) = match cached {
            Some((account, graph_url, token, client)) => (account, graph_url, Some((token, client))),
            None => {
                let mut list = self.accounts.list()?;
                list.retain(|a| usable(settings, a));
                let account = current
                    .as_ref()
                    .and_then(|id| list.iter().find(|a| &a.id == id))
                    .or(list.first())
                    .cloned()
                    .ok_or_else(|| AppError::new(ErrorCode::NotSignedIn, "no account is signed in"))?;
                let resolved = self.resolve(app, settings, &account).await?;
                (account, resolved.graph_url, None)
            }
        };
        let resolved = Account {
            graph_url: graph_url.clone(),
            authority: if account.authority == DEMO {
                self.demo_base(app, settings).await?
            } else {
                account.authority.clone()
            },
            ..account.clone()
        };
        let (token, scopes) = self.accounts.access_token(&resolved).await?;
        let renewal: Arc<dyn TokenSource> = Arc::new(AccountTokens {
            accounts: self.accounts.clone(),
            account: resolved.clone(),
        });
        let client = match client_for {
            Some((old, client)) if old.expose() == token.expose() => client,
            _ => Arc::new(GraphClient::new(&graph_url, token.clone())?.renewing(renewal.clone())),
        };
        *self.graph_cache.lock().unwrap_or_else(PoisonError::into_inner) = Some(GraphCache {
            account: account.clone(),
            graph_url: graph_url.clone(),
            token: token.clone(),
            client: client.clone(),
        });
        Ok(Acting {
            graph: client,
            token,
            graph_url,
            scopes: Some(scopes),
            renewal,
            account_id: account.id.clone(),
            actor: Actor {
                source: "app".into(),
                admin: account.username.clone(),
                tenant_id: account.tenant_id.clone(),
                tenant_name: account
                    .tenant_name
                    .clone()
                    .unwrap_or_else(|| account.tenant_id.clone()),
            },
        })
    }

    /// Saves a fresh sign-in and makes it the current account.
    async fn finish(
        &self,
        settings: &SettingsStore,
        cfg: &AuthConfig,
        graph_url: &str,
        tokens: TokenSet,
    ) -> Result<(), AppError> {
        let mut account = accounts::account_from_sign_in(cfg, graph_url, &tokens).await?;
        if matches!(settings.get().connection, Some(Connection::Demo)) {
            account.authority = DEMO.into();
            account.graph_url = DEMO.into();
        }
        self.accounts.save(&account, &tokens)?;
        self.forget_graph();
        settings.update(|s| s.current_account = Some(account.id.clone()))?;
        Ok(())
    }

    pub async fn sign_in_browser(&self, app: &AppHandle, settings: &SettingsStore) -> Result<(), AppError> {
        let (cfg, graph_url) = self.config(app, settings).await?;
        let cancel = self.new_cancel();
        let opener = app.clone();
        let open = move |url: &str| open_browser(&opener, url);
        let tokens = flow::browser_sign_in(&cfg, open, SIGN_IN_TIMEOUT, cancel).await?;
        self.finish(settings, &cfg, &graph_url, tokens).await
    }

    pub async fn start_device_code(
        &self,
        app: &AppHandle,
        settings: &SettingsStore,
    ) -> Result<DeviceCodeView, AppError> {
        let (cfg, graph_url) = self.config(app, settings).await?;
        let prompt = flow::device_start(&cfg).await?;
        let view = DeviceCodeView {
            user_code: prompt.user_code.clone(),
            verification_uri: prompt.verification_uri.clone(),
            expires_in_s: u32::try_from(prompt.expires_in.as_secs()).unwrap_or(u32::MAX),
        };
        *self.device.lock().await = Some((cfg, graph_url, prompt));
        Ok(view)
    }

    pub async fn finish_device_code(&self, settings: &SettingsStore) -> Result<(), AppError> {
        let Some((cfg, graph_url, prompt)) = self.device.lock().await.take() else {
            return Err(AppError::new(
                ErrorCode::InvalidInput,
                "no device code sign-in is in progress",
            ));
        };
        let cancel = self.new_cancel();
        let tokens = flow::device_finish(&cfg, &prompt, cancel).await?;
        self.finish(settings, &cfg, &graph_url, tokens).await
    }

    pub fn sign_out(&self, settings: &SettingsStore, id: &str) -> Result<(), AppError> {
        self.forget_graph();
        self.accounts.sign_out(id)?;
        let next = self.accounts.list()?.first().map(|a| a.id.clone());
        settings.update(|s| s.current_account = next)?;
        Ok(())
    }

    pub fn switch(&self, settings: &SettingsStore, id: &str) -> Result<(), AppError> {
        self.accounts.get(id)?;
        self.forget_graph();
        settings.update(|s| s.current_account = Some(id.to_owned()))?;
        Ok(())
    }
}

/// The system browser through tauri-plugin-opener's Rust API (the webview has no opener
/// permission), or the program named by B2B_BROWSER (used by the end-to-end tests).
fn open_browser(app: &AppHandle, url: &str) -> Result<(), AppError> {
    if let Some(r) = flow::browser_override(url) {
        return r;
    }
    app.opener()
        .open_url(url, None::<&str>)
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("could not open the browser: {e}")))
}
