//! The session: the accounts in the keychain, the connection and the current account (from the
//! settings), the demo tenant (a tenant-sim inside the process), the sign-in in progress, and a
//! Graph client for the current account that renews its token after a 401. The app and `b2b`
//! both act through this.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use b2b_core::auth::accounts::AccountTokens;
use b2b_core::auth::flow::{self, AuthConfig, DevicePrompt};
use b2b_core::auth::vault::SecretStore;
use b2b_core::auth::{accounts, Account, Accounts, DeviceCodeView, Secret, SessionView, TokenSet};
use b2b_core::graph::{GraphClient, TokenSource};
use b2b_core::history::Actor;
use b2b_core::settings::Connection;
use b2b_core::{AppError, ErrorCode};
use tenant_sim::{Faults, SimConfig, SimServer, DEMO_CLIENT_ID};

use crate::error::ServiceError;
use crate::host::Host;
use crate::lock;
use crate::settings::SettingsStore;

/// Demo accounts store this instead of a URL: the demo tenant's port changes at every start.
pub const DEMO: &str = "demo";
pub const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

type Store = Box<dyn SecretStore>;

/// What a Graph command needs: the client, the token's scopes, and who acts.
#[derive(Clone)]
pub struct Acting {
    pub graph: Arc<GraphClient>,
    /// The access token the client holds, for a client of another kind (the bulk run's).
    pub token: Secret,
    pub graph_url: String,
    /// From the token response; `None` for a token handed in (access tokens are opaque).
    pub scopes: Option<Vec<String>>,
    /// Renews the access token when Graph refuses it in the middle of a long run.
    pub renewal: Option<Arc<dyn TokenSource>>,
    pub account_id: String,
    /// The admin's object id, whom Microsoft makes a sponsor of each user they invite; `None`
    /// when it could not be read.
    pub inviter: Option<String>,
    pub actor: Actor,
}

/// What `b2b` overrides with flags and `B2B_*` variables; the app sets none of it.
#[derive(Default, Clone)]
pub struct Overrides {
    /// Replaces the app's connection.
    pub connection: Option<Connection>,
    /// Acts as this account rather than the app's current one.
    pub account: Option<String>,
    /// Acts with this access token, with no account (as Connect-MgGraph -AccessToken).
    pub access_token: Option<Secret>,
}

/// The current account and a Graph client for its token, so that each command does not read the
/// keychain and build a new HTTP client (search as you type calls Graph at every pause).
struct GraphCache {
    account: Account,
    graph_url: String,
    token: Secret,
    client: Arc<GraphClient>,
}

pub struct Session {
    accounts: Arc<Accounts<Store>>,
    overrides: Overrides,
    graph_cache: Mutex<Option<GraphCache>>,
    demo: tokio::sync::Mutex<Option<SimServer>>,
    cancel: Mutex<Option<tokio::sync::watch::Sender<bool>>>,
    device: tokio::sync::Mutex<Option<(AuthConfig, String, DevicePrompt)>>,
}

/// The demo tenant signs its tokens with a key kept in the app's data folder, so that demo
/// sign-ins survive a restart. It protects nothing real: the demo tenant's data is made up.
fn demo_key(dir: &Path) -> Result<[u8; 32], ServiceError> {
    let path = dir.join("demo-tenant.key");
    if let Ok(bytes) = std::fs::read(&path) {
        if let Ok(key) = <[u8; 32]>::try_from(bytes.as_slice()) {
            return Ok(key);
        }
    }
    let mut key = [0u8; 32];
    key[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    key[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&path, key))
        .map_err(|source| ServiceError::DemoKey {
            path: path.display().to_string(),
            source,
        })?;
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

/// Demo accounts are kept, but not used, while the organisation's policy locks the demo off.
fn usable(settings: &SettingsStore, account: &Account) -> bool {
    account.authority != DEMO || settings.policy().demo_allowed()
}

impl Session {
    pub fn new(secrets: Store, overrides: Overrides) -> Self {
        Session {
            accounts: Arc::new(Accounts::new(secrets)),
            overrides,
            graph_cache: Mutex::new(None),
            demo: tokio::sync::Mutex::new(None),
            cancel: Mutex::new(None),
            device: tokio::sync::Mutex::new(None),
        }
    }

    /// `b2b`'s flags and variables, set once before the first command.
    pub fn override_with(&mut self, overrides: Overrides) {
        self.overrides = overrides;
    }

    pub fn accounts(&self) -> &Accounts<Store> {
        &self.accounts
    }

    async fn demo_base(&self, host: &dyn Host, settings: &SettingsStore) -> Result<String, ServiceError> {
        if !settings.policy().demo_allowed() {
            return Err(ServiceError::DemoNotAllowed);
        }
        let mut demo = self.demo.lock().await;
        if let Some(s) = demo.as_ref() {
            return Ok(s.base_url());
        }
        let server = SimServer::start(SimConfig {
            port: 0,
            seed: None,
            faults: demo_faults(),
            signing_key: Some(demo_key(&host.data_dir()?)?),
            tls: None,
        })
        .await
        .map_err(ServiceError::DemoStart)?;
        tracing::info!("demo tenant listening on {}", server.base_url());
        let base = server.base_url();
        *demo = Some(server);
        Ok(base)
    }

    /// The connection in force: `b2b`'s flags, else the app's choice.
    pub fn connection(&self, settings: &SettingsStore) -> Option<Connection> {
        self.overrides.connection.clone().or(settings.get().connection)
    }

    /// Where to sign in, and the Graph URL, for the connection (`tenant` replaces its tenant).
    pub async fn config(
        &self,
        host: &dyn Host,
        settings: &SettingsStore,
        tenant: Option<&str>,
    ) -> Result<(AuthConfig, String), ServiceError> {
        match self.connection(settings) {
            Some(Connection::Demo) => {
                let base = self.demo_base(host, settings).await?;
                Ok((
                    AuthConfig::new(&base, tenant.unwrap_or("organizations"), DEMO_CLIENT_ID),
                    base,
                ))
            }
            Some(Connection::Organisation {
                client_id,
                tenant: chosen,
                authority_url,
                graph_url,
            }) => Ok((
                AuthConfig::new(&authority_url, tenant.unwrap_or(&chosen), &client_id),
                graph_url,
            )),
            None => Err(ServiceError::NoConnection),
        }
    }

    /// A demo account with the demo tenant's current URLs filled in.
    async fn resolve(
        &self,
        host: &dyn Host,
        settings: &SettingsStore,
        account: &Account,
    ) -> Result<Account, ServiceError> {
        if account.authority != DEMO {
            return Ok(account.clone());
        }
        let base = self.demo_base(host, settings).await?;
        Ok(Account {
            authority: base.clone(),
            graph_url: base,
            ..account.clone()
        })
    }

    fn new_cancel(&self) -> tokio::sync::watch::Receiver<bool> {
        let (tx, rx) = tokio::sync::watch::channel(false);
        *lock(&self.cancel) = Some(tx);
        rx
    }

    pub fn cancel(&self) {
        if let Some(tx) = lock(&self.cancel).take() {
            let _ = tx.send(true);
        }
    }

    /// The accounts this session may use, and the one it acts as: the override, else the app's
    /// current account, else the first.
    pub fn accounts_and_current(
        &self,
        settings: &SettingsStore,
    ) -> Result<(Vec<Account>, Option<Account>), AppError> {
        let list: Vec<Account> = self
            .accounts
            .list()?
            .into_iter()
            .filter(|a| usable(settings, a))
            .collect();
        let wanted = self.overrides.account.clone().or(settings.get().current_account);
        if let Some(id) = &self.overrides.account {
            if !list.iter().any(|a| &a.id == id) {
                return Err(AppError::new(
                    ErrorCode::NotSignedIn,
                    format!("no signed-in account {id}"),
                ));
            }
        }
        let current = wanted
            .as_ref()
            .and_then(|id| list.iter().find(|a| &a.id == id))
            .or(list.first())
            .cloned();
        Ok((list, current))
    }

    pub async fn view(&self, host: &dyn Host, settings: &SettingsStore) -> SessionView {
        let mut view = SessionView {
            connection: self.connection(settings),
            ..SessionView::default()
        };
        let current = match self.accounts_and_current(settings) {
            Ok((list, current)) => {
                view.accounts = list;
                current
            }
            Err(e) => {
                view.problem = Some(e);
                return view;
            }
        };
        if let Some(account) = &current {
            match self.capabilities(host, settings, account).await {
                Ok(c) => view.capabilities = Some(c),
                Err(e) => view.problem = Some(e),
            }
        }
        view.current = current;
        view
    }

    pub async fn capabilities(
        &self,
        host: &dyn Host,
        settings: &SettingsStore,
        account: &Account,
    ) -> Result<accounts::Capabilities, AppError> {
        let resolved = self.resolve(host, settings, account).await?;
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
        *lock(&self.graph_cache) = None;
    }

    /// Acting with a token handed in: who and which tenant from Graph, best effort (an app-only
    /// token has no /me), for History and the default redirect URL.
    async fn with_token(
        &self,
        host: &dyn Host,
        settings: &SettingsStore,
        token: &Secret,
    ) -> Result<Acting, AppError> {
        let graph_url = match self.connection(settings) {
            Some(Connection::Organisation { graph_url, .. }) => graph_url,
            _ => b2b_core::settings::MICROSOFT_GRAPH.to_owned(),
        };
        let g = GraphClient::new(&graph_url, token.clone())?;
        let me = g
            .get("/me?$select=id,userPrincipalName")
            .await
            .unwrap_or_default();
        let org = g
            .get("/organization?$select=id,displayName")
            .await
            .unwrap_or_default();
        let tid = org["value"][0]["id"].as_str().unwrap_or("common").to_owned();
        Ok(Acting {
            graph: Arc::new(g),
            token: token.clone(),
            graph_url,
            scopes: None,
            renewal: None,
            account_id: String::new(),
            inviter: me["id"].as_str().map(str::to_owned),
            actor: Actor {
                source: host.source().into(),
                admin: me["userPrincipalName"].as_str().unwrap_or("").to_owned(),
                tenant_name: org["value"][0]["displayName"]
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| tid.clone()),
                tenant_id: tid,
            },
        })
    }

    /// A Graph client for the current account, with what History records about who acts. The
    /// account and the client are kept until the account or its access token changes.
    pub async fn acting(&self, host: &dyn Host, settings: &SettingsStore) -> Result<Acting, AppError> {
        if let Some(token) = &self.overrides.access_token {
            return self.with_token(host, settings, token).await;
        }
        let current = self.overrides.account.clone().or(settings.get().current_account);
        let cached = lock(&self.graph_cache)
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
                let account = self
                    .accounts_and_current(settings)?
                    .1
                    .ok_or_else(|| AppError::from(ServiceError::NotSignedIn))?;
                let resolved = self.resolve(host, settings, &account).await?;
                (account, resolved.graph_url, None)
            }
        };
        let resolved = Account {
            graph_url: graph_url.clone(),
            authority: if account.authority == DEMO {
                self.demo_base(host, settings).await?
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
        *lock(&self.graph_cache) = Some(GraphCache {
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
            renewal: Some(renewal),
            account_id: account.id.clone(),
            // `{oid}.{tid}`: the oid is the admin's object id in this tenant.
            inviter: account.id.split_once('.').map(|(oid, _)| oid.to_owned()),
            actor: Actor {
                source: host.source().into(),
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
    ) -> Result<Account, AppError> {
        let mut account = accounts::account_from_sign_in(cfg, graph_url, &tokens).await?;
        if matches!(self.connection(settings), Some(Connection::Demo)) {
            account.authority = DEMO.into();
            account.graph_url = DEMO.into();
        }
        self.accounts.save(&account, &tokens)?;
        self.forget_graph();
        // The sign-in succeeded and is saved: a settings file that cannot be written does not
        // undo it (the account is still listed, and chosen when it is the only one).
        if let Err(e) = settings.update(|s| s.current_account = Some(account.id.clone())) {
            tracing::warn!("signed in, but the current account was not saved: {}", e.message);
        }
        Ok(account)
    }

    /// Sign-in in the system browser (authorization code with PKCE, loopback redirect).
    pub async fn sign_in_browser(
        &self,
        host: &dyn Host,
        settings: &SettingsStore,
        tenant: Option<&str>,
        timeout: Duration,
    ) -> Result<Account, AppError> {
        let (cfg, graph_url) = self.config(host, settings, tenant).await?;
        let cancel = self.new_cancel();
        let open = |url: &str| match flow::browser_override(url) {
            Some(r) => r.map_err(AppError::from),
            None => host.open_url(url),
        };
        let tokens = flow::browser_sign_in(&cfg, open, timeout, cancel).await?;
        self.finish(settings, &cfg, &graph_url, tokens).await
    }

    pub async fn start_device_code(
        &self,
        host: &dyn Host,
        settings: &SettingsStore,
        tenant: Option<&str>,
    ) -> Result<(DeviceCodeView, String), AppError> {
        let (cfg, graph_url) = self.config(host, settings, tenant).await?;
        let prompt = flow::device_start(&cfg).await?;
        let view = DeviceCodeView {
            user_code: prompt.user_code.clone(),
            verification_uri: prompt.verification_uri.clone(),
            expires_in_s: u32::try_from(prompt.expires_in.as_secs()).unwrap_or(u32::MAX),
        };
        let message = prompt.message.clone();
        *self.device.lock().await = Some((cfg, graph_url, prompt));
        Ok((view, message))
    }

    pub async fn finish_device_code(&self, settings: &SettingsStore) -> Result<Account, AppError> {
        let Some((cfg, graph_url, prompt)) = self.device.lock().await.take() else {
            return Err(ServiceError::NoDeviceCode.into());
        };
        let cancel = self.new_cancel();
        let tokens = flow::device_finish(&cfg, &prompt, cancel).await?;
        self.finish(settings, &cfg, &graph_url, tokens).await
    }

    /// Signs an account out; the next one (if any) becomes current.
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

/// The session's commands, for the app and `b2b`. Each returns the whole session view where the
/// app shows it, so the UI never holds partial state; none returns a token.
impl crate::Service {
    pub fn use_demo(&self) -> Result<(), AppError> {
        if !self.policy().demo_allowed() {
            return Err(ServiceError::DemoNotAllowed.into());
        }
        self.settings.update(|s| s.connection = Some(Connection::Demo))?;
        Ok(())
    }

    /// Locked values win over what was typed; blanks take the recommended values, then defaults.
    pub fn connect_organisation(&self, client_id: &str, tenant: &str) -> Result<(), AppError> {
        let connection = self.policy().organisation(Some(client_id), Some(tenant));
        if let Connection::Organisation { client_id, .. } = &connection {
            if !b2b_core::settings::valid_client_id(client_id) {
                return Err(AppError::new(
                    ErrorCode::InvalidClientId,
                    "the client ID must be a GUID",
                ));
            }
        }
        self.settings.update(|s| s.connection = Some(connection))?;
        Ok(())
    }

    /// Back to the first-run choice. Signed-in accounts stay until signed out.
    pub fn reset_connection(&self) -> Result<(), AppError> {
        self.settings.update(|s| s.connection = None)?;
        Ok(())
    }

    /// `None` goes back to following the default (the organisation's, else the OS's).
    pub fn set_language(
        &self,
        language: Option<b2b_core::settings::Language>,
    ) -> Result<b2b_core::settings::LanguageView, AppError> {
        if self.settings.language_view().locked {
            return Err(AppError::new(
                ErrorCode::PolicyLocked,
                "the organisation's policy sets the language",
            ));
        }
        self.settings.update(|s| s.ui_language = language)?;
        Ok(self.settings.language_view())
    }

    pub async fn sign_in_browser(
        &self,
        tenant: Option<&str>,
        timeout: Duration,
    ) -> Result<Account, AppError> {
        self.session
            .sign_in_browser(self.host.as_ref(), &self.settings, tenant, timeout)
            .await
    }

    pub async fn start_device_code(
        &self,
        tenant: Option<&str>,
    ) -> Result<(DeviceCodeView, String), AppError> {
        self.session
            .start_device_code(self.host.as_ref(), &self.settings, tenant)
            .await
    }

    pub async fn finish_device_code(&self) -> Result<Account, AppError> {
        self.session.finish_device_code(&self.settings).await
    }

    pub fn switch_account(&self, id: &str) -> Result<(), AppError> {
        self.session.switch(&self.settings, id)
    }

    pub fn sign_out(&self, id: &str) -> Result<(), AppError> {
        self.session.sign_out(&self.settings, id)
    }

    /// What the account can do, read from Graph (with one retry after a 401).
    pub async fn capabilities_of(&self, account: &Account) -> Result<accounts::Capabilities, AppError> {
        self.session
            .capabilities(self.host.as_ref(), &self.settings, account)
            .await
    }
}
